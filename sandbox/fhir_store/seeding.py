"""Seeding the store from a directory of Bundles, at start-up.

Kept apart from ``engine`` because it runs Bundles through ``bundles``, which itself calls the
engine: the engine knows nothing of Bundle processing, so the modules import in one direction.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from .bundles import process_bundle
from .engine import FhirStore
from .errors import FhirError

logger = logging.getLogger(__name__)

# Synthea writes shared Organization/Practitioner Bundles that the patient Bundles point at with
# conditional references; its file names start like this, so those files are loaded first.
_SYNTHEA_SHARED_PREFIXES = ("hospitalInformation", "practitionerInformation")


class SeedError(RuntimeError):
    """A seed file could not be loaded."""


def seed_store(store: FhirStore, directory: Path | None) -> dict[str, int]:
    """Load every ``*.json`` Bundle in a directory, then remember the result as baseline.

    Files go through the same code as a posted transaction, without the client-facing rules
    (switches, refusals): seed data is what the EHR already holds, not something a client
    writes. A missing directory loads nothing.

    Returns:
        resources per type after loading.

    Raises:
        SeedError: a file is not JSON, not a transaction/batch Bundle, or fails to load.
    """
    if directory is not None and directory.is_dir():
        files = sorted(
            directory.glob("*.json"),
            key=lambda p: (not p.name.startswith(_SYNTHEA_SHARED_PREFIXES), p.name),
        )
        for path in files:
            try:
                bundle = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise SeedError(f"{path}: not readable JSON: {exc}") from exc
            if not isinstance(bundle, dict) or bundle.get("type") not in ("transaction", "batch"):
                raise SeedError(f"{path}: not a transaction or batch Bundle")
            try:
                result = process_bundle(store, bundle, "", enforce_rules=False)
            except FhirError as exc:
                raise SeedError(f"{path}: {exc.diagnostics}") from exc
            failed = [
                e["response"]["status"]
                for e in (result.body or {}).get("entry", [])
                if not e["response"]["status"].startswith("2")
            ]
            if failed:
                raise SeedError(f"{path}: {len(failed)} batch entries failed ({failed[0]})")
            logger.info("seeded %s", path.name)
    store.data.mark_baseline()
    return store.data.counts()
