"""The live part of ``make demo``: the sandbox EHR on a loopback port, NOMS-CDS over real HTTP.

Starts the sandbox FHIR store seeded with the demo patients, assesses one patient through its FHIR
API with ``noms-cds assess --fhir-base ... --write``, writes again (nothing new is created), then
does the same against a store that behaves like Oracle Health (no RiskAssessment, only laboratory
and vital-sign Observations) to show refused results being reported rather than dropped. The
service is driven as a separate command, exactly as an integrator would run it.
"""

from __future__ import annotations

import subprocess
import sys

import requests

from sandbox.fhir_store import StoreConfig, WriteRefusal, serve_store

PATIENT = "07-r7-nsclc-high-grade-stable-fit"
DEMO_ID_SYSTEM = "http://noms-cds.org/fhir/sid/demo-patient"


def _noms_cds(*args: str) -> int:
    print(f"$ noms-cds {' '.join(args)}", flush=True)
    return subprocess.run([sys.executable, "-m", "service.cli", *args], check=False).returncode


def _patient_id(base_url: str) -> str:
    found = requests.get(
        f"{base_url}/Patient", params={"identifier": f"{DEMO_ID_SYSTEM}|{PATIENT}"}, timeout=10
    ).json()
    return found["entry"][0]["resource"]["id"]


def _result_counts(admin_url: str) -> dict[str, int]:
    counts = requests.get(f"{admin_url}/counts", timeout=10).json()["resources"]
    return {k: counts.get(k, 0) for k in ("Observation", "RiskAssessment", "Provenance")}


def _run(title: str, config: StoreConfig) -> None:
    print(f"\n=== {title}", flush=True)
    with serve_store(config) as store:
        before = _result_counts(store.admin_url)
        patient = _patient_id(store.base_url)
        print(f"sandbox EHR at {store.base_url}; patient {PATIENT} is Patient/{patient}")
        for _ in range(2):
            status = _noms_cds(
                "assess",
                "--fhir-base",
                store.base_url,
                "--patient",
                patient,
                "--write",
                "--format",
                "text",
            )
            print(f"(exit status {status})", flush=True)
        after = _result_counts(store.admin_url)
        added = {k: after[k] - before[k] for k in after}
        print(f"resources added to the server by the two writes: {added}")


def main() -> None:
    """Run both live demonstrations."""
    _run("Live: a FHIR server with transactions (HAPI-like)", StoreConfig())
    _run(
        "Live: a server that refuses RiskAssessment and survey Observations (Oracle-like)",
        StoreConfig(
            transactions=False,
            write_refusals=(
                WriteRefusal("RiskAssessment"),
                WriteRefusal("Observation", allowed_categories=("laboratory", "vital-signs")),
            ),
        ),
    )


if __name__ == "__main__":
    main()
