"""The store's access hook without HTTP: the patient compartment table, guards inside Bundles."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.fhir_store import AccessRule, acting_with
from sandbox.fhir_store.compartment import in_patient_compartment
from sandbox.smart_auth import ScopedAccess
from sandbox.smart_auth.scopes import resource_scopes

STORED: dict[tuple[str, str], dict[str, Any]] = {
    ("Observation", "o1"): {"resourceType": "Observation", "subject": {"reference": "Patient/p1"}},
    ("Observation", "o2"): {"resourceType": "Observation", "subject": {"reference": "Patient/p2"}},
    ("Provenance", "v1"): {"resourceType": "Provenance", "target": [{"reference": "Patient/p1"}]},
}


def resolve(resource_type: str, resource_id: str) -> dict[str, Any] | None:
    return STORED.get((resource_type, resource_id))


def ref(target: str) -> dict[str, str]:
    return {"reference": target}


# (resource, expected in Patient/p1's compartment). Source: R4 CompartmentDefinition "patient".
COMPARTMENT = [
    ({"resourceType": "Patient", "id": "p1"}, True),
    ({"resourceType": "Patient", "id": "p2"}, False),
    ({"resourceType": "Observation", "subject": ref("Patient/p1")}, True),
    ({"resourceType": "Observation", "subject": ref("http://ehr/fhir/Patient/p1")}, True),
    ({"resourceType": "Observation", "subject": ref("Patient/p2")}, False),
    ({"resourceType": "Observation", "subject": ref("Group/p1")}, False),
    ({"resourceType": "Observation", "performer": [ref("Patient/p1")]}, True),
    ({"resourceType": "Observation"}, False),
    ({"resourceType": "Condition", "asserter": ref("Patient/p1")}, True),
    ({"resourceType": "Procedure", "performer": [{"actor": ref("Patient/p1")}]}, True),
    ({"resourceType": "AllergyIntolerance", "patient": ref("Patient/p1")}, True),
    ({"resourceType": "Practitioner", "id": "p1"}, False),  # not a compartment type
    ({"resourceType": "Provenance", "target": [ref("Patient/p1")]}, True),
    ({"resourceType": "Provenance", "target": [ref("Observation/o1")]}, True),
    (
        {"resourceType": "Provenance", "target": [ref("Observation/o1"), ref("Observation/o2")]},
        False,
    ),
    ({"resourceType": "Provenance", "target": [ref("Observation/unknown")]}, False),
    ({"resourceType": "Provenance", "target": [ref("Provenance/v1")]}, False),  # no chains
    ({"resourceType": "Provenance"}, False),
]


@pytest.mark.parametrize(
    ("resource", "expected"), COMPARTMENT, ids=[str(c[0]) for c in COMPARTMENT]
)
def test_patient_compartment(resource, expected):
    assert in_patient_compartment(resource, "p1", resolve) is expected


def _access(*scopes: str, patient: str = "") -> ScopedAccess:
    return ScopedAccess(tuple(resource_scopes(scopes)), patient)


def test_batch_entries_are_checked_one_by_one(client, austin_id):
    other = client.post(
        "/fhir/Patient", json={"resourceType": "Patient"}, content_type="application/fhir+json"
    ).json["id"]
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "GET", "url": f"Patient/{austin_id}"}},
            {"request": {"method": "GET", "url": f"Patient/{other}"}},
            {"request": {"method": "GET", "url": f"Condition?patient={austin_id}"}},
            {"request": {"method": "GET", "url": "Procedure"}},
        ],
    }
    with acting_with(_access("patient/Patient.rs", "patient/Condition.rs", patient=austin_id)):
        response = client.post("/fhir", json=bundle, content_type="application/fhir+json")
    statuses = [e["response"]["status"] for e in response.json["entry"]]
    assert statuses == ["200 OK", "403 Forbidden", "200 OK", "403 Forbidden"]


def test_without_access_control_everything_passes(client, austin_id):
    with acting_with(None):
        assert client.get(f"/fhir/Patient/{austin_id}").status_code == 200


class OnlyLaboratory:
    """An Access given directly: search Observations of category laboratory, nothing else."""

    def rules(self, interaction: str, resource_type: str) -> list[AccessRule]:
        if interaction == "s" and resource_type == "Observation":
            return [AccessRule(None, (("category", "laboratory"),), "test")]
        return []


def test_any_access_object_can_limit_the_store(client, austin_id):
    with acting_with(OnlyLaboratory()):
        found = client.get(f"/fhir/Observation?patient={austin_id}&_count=500").json
        assert found["total"] > 0
        codes = {
            c["code"]
            for e in found["entry"]
            for cat in e["resource"]["category"]
            for c in cat["coding"]
        }
        assert codes == {"laboratory"}
        assert client.get(f"/fhir/Patient/{austin_id}").status_code == 403
