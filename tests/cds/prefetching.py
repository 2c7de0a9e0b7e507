"""What a CDS client would prefetch for our services: each template filled in and fetched."""

from __future__ import annotations

from typing import Any

import requests

from service.cds.descriptions import PATIENT_ID_IN_TEMPLATE, PATIENT_QUERIES


def prefetch_from(base_url: str, patient_id: str, token: str | None = None) -> dict[str, Any]:
    """Every prefetch key of the NOMS services, fetched from a FHIR server as a client would."""
    headers = {"Accept": "application/fhir+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    found = {}
    with requests.Session() as http:
        for query in PATIENT_QUERIES:
            relative = query.template().replace(PATIENT_ID_IN_TEMPLATE, patient_id)
            response = http.get(f"{base_url}/{relative}", headers=headers, timeout=10)
            assert response.status_code == 200, (relative, response.text[:300])
            found[query.key] = response.json()
    return found
