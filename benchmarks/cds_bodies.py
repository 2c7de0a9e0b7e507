"""The requests of benchmarks/cds_latency.py: patient-view with the full prefetch, as a CDS
client fetches it from the sandbox FHIR store, for a demo patient and the largest Synthea
patient; and "fresh" variants, every resource changed, for a server that has seen none of them.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import requests

from benchmarks.cds_load import INSTANCE
from sandbox.fhir_store import StoreConfig, serve_store
from service.cds.descriptions import PATIENT_ID_IN_TEMPLATE, PATIENT_QUERIES

ROOT = Path(__file__).resolve().parents[1]
DEMO_STEM = "18-two-levels-nsclc"
SYNTHEA = ROOT / "tests/data/synthea/Austin_Franecki_f23eef30-acb2-49da-8091-159b61dc1ed5.json"


def _seed(folder: Path) -> None:
    """The store's seed: the demo patient and the Synthea patient, as transaction Bundles."""
    from service import demo

    (folder / "demo.json").write_text(json.dumps(demo.load_patient(DEMO_STEM)), encoding="utf-8")
    shutil.copy(SYNTHEA, folder / "synthea.json")


def _prefetch(http: requests.Session, base: str, patient_id: str) -> dict[str, Any]:
    found = {}
    for query in PATIENT_QUERIES:
        relative = query.template().replace(PATIENT_ID_IN_TEMPLATE, patient_id)
        response = http.get(f"{base}/{relative}", timeout=30)
        response.raise_for_status()
        found[query.key] = response.json()
    return found


def build_bodies() -> dict[str, bytes]:
    """The two patient-view requests, full prefetch, as a CDS client would send them."""
    with tempfile.TemporaryDirectory() as folder, requests.Session() as http:
        _seed(Path(folder))
        with serve_store(StoreConfig(seed_dir=Path(folder))) as store:
            patients = http.get(f"{store.base_url}/Patient", timeout=30).json()
            bodies = []
            for entry in patients["entry"]:
                patient_id = entry["resource"]["id"]
                body = {
                    "hook": "patient-view",
                    "hookInstance": INSTANCE.decode(),
                    "context": {"userId": "Practitioner/bench", "patientId": patient_id},
                    "prefetch": _prefetch(http, store.base_url, patient_id),
                }
                bodies.append(json.dumps(body).encode())
    # The Synthea record's prefetch is by far the larger (its radiotherapy Procedures).
    smaller, larger = sorted(bodies, key=len)
    return {"demo patient": smaller, "Synthea Austin": larger}


def fresh_bodies(body: bytes, count: int) -> list[bytes]:
    """``count`` variants of a request whose every prefetched resource differs from one variant
    to the next (``meta.versionId``, as if each chart had been updated since), each with its own
    ``hookInstance``: what a server sees when every call is for a chart it has not seen before.
    The extraction reads no ``versionId``, so the answers stay the same."""
    template = json.loads(body)
    found = []
    for number in range(count):
        request = json.loads(json.dumps(template))
        request["hookInstance"] = str(uuid.uuid4())
        for value in request["prefetch"].values():
            if not isinstance(value, dict):
                continue
            if value.get("resourceType") == "Bundle":
                resources = [entry["resource"] for entry in value.get("entry") or []]
            else:
                resources = [value]
            for resource in resources:
                resource.setdefault("meta", {})["versionId"] = f"fresh-{number}"
        found.append(json.dumps(request).encode())
    return found
