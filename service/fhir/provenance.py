"""What goes with the results of one write: the Provenance, the inputs each result cites, and
the collection Bundle ``noms-cds assess`` prints (docs/fhir-output.md). The results themselves
are made in ``emit.py``; a Provenance's identity, like theirs, depends only on what it covers.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from service.fhir import codes
from service.fhir.codes import Code
from service.fhir.emit import SERVICE_NAME, URN_NAMESPACE, Emitted
from service.fhir.extract import Extraction


def input_references(resource: dict[str, Any]) -> list[str]:
    """Every input resource a result cites: derivedFrom and the supportingInfo extensions."""
    refs = [ref["reference"] for ref in resource.get("derivedFrom", [])]
    refs += [
        ext["valueReference"]["reference"]
        for ext in resource.get("extension", [])
        if ext.get("url") == codes.SUPPORTING_INFO_EXTENSION
    ]
    return refs


def provenance(
    results: Sequence[Emitted],
    extraction: Extraction,
    now: datetime,
    version: str,
    user: str | None = None,
) -> Emitted:
    """The Provenance of one write: the service (and the launching user) made these results."""
    tag_digest = hashlib.sha256(
        "|".join(sorted(e.identifier for e in results)).encode()
    ).hexdigest()[:24]
    inputs = list(dict.fromkeys(ref for e in results for ref in input_references(e.resource)))
    agents: list[dict[str, Any]] = [
        {
            "type": Code(codes.PROVENANCE_PARTICIPANT_TYPE, "assembler", "Assembler").concept(),
            "who": {"type": "Device", "display": f"{SERVICE_NAME} {version}"},
        }
    ]
    if user:
        agents.append(
            {
                "type": Code(codes.PROVENANCE_PARTICIPANT_TYPE, "enterer", "Enterer").concept(),
                "who": {"reference": user},
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Provenance",
        "meta": {
            "profile": [codes.PROFILE_PROVENANCE],
            "tag": [{"system": codes.RESULT_IDENTIFIER_SYSTEM, "code": f"provenance-{tag_digest}"}],
        },
        "target": [{"reference": e.full_url} for e in results],
        "recorded": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "activity": Code(codes.DATA_OPERATION, "CREATE", "create").concept(),
        "agent": agents,
    }
    if inputs:
        resource["entity"] = [{"role": "source", "what": {"reference": ref}} for ref in inputs]
    return Emitted(f"urn:uuid:{uuid.uuid5(URN_NAMESPACE, f'provenance-{tag_digest}')}", resource)


def collection_bundle(results: Sequence[Emitted]) -> dict[str, Any]:
    """A collection Bundle of the results (what ``noms-cds assess`` prints)."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": e.full_url, "resource": e.resource} for e in results],
    }
