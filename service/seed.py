"""Upload demo patients to a FHIR server (``noms-cds seed``), for integrators trying a sandbox.

Each resource is PUT with the fixed id it has in the demo Bundle, so seeding twice updates instead
of duplicating. Servers that refuse client-assigned ids (some do) refuse the seed as a whole,
with the server's message.
"""

from __future__ import annotations

from typing import Any

from service.fhir.client import FhirClient
from service.fhir.extract import InvalidInput, resources_from_bundle


def as_upserts(bundle: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The Bundle's resources with local references, and the Patient's id."""
    resources, _ = resources_from_bundle(bundle)
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    if len(patients) != 1 or any("id" not in r for r in resources):
        raise InvalidInput("a demo Bundle holds one Patient and gives every resource an id")
    return resources, patients[0]["id"]


def upload(client: FhirClient, bundle: dict[str, Any]) -> str:
    """Upload one demo patient; returns the Patient's id on the server."""
    resources, patient_id = as_upserts(bundle)
    if client.capabilities().transaction or not client.capabilities().known:
        transaction = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": r,
                    "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
                }
                for r in resources
            ],
        }
        client.request("POST", "", json_body=transaction)
        return patient_id
    for resource in resources:  # the Patient comes first in every demo Bundle
        client.request("PUT", f"{resource['resourceType']}/{resource['id']}", json_body=resource)
    return patient_id
