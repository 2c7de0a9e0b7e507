"""Discovery data of the NOMS services: their prefetch is the FHIR client's own searches."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from service.cds.descriptions import PATIENT_QUERIES, SPINE_METS_NOMS, SPINE_METS_ORDERS
from service.fhir.client import patient_searches
from service.fhir.contract import OBSERVATION_CODES, RADIOTHERAPY_CODES


def parsed(template: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(template)
    return parts.path, dict(parse_qsl(parts.query))


def test_prefetch_asks_for_exactly_what_the_client_searches():
    templates = SPINE_METS_NOMS.prefetch
    assert templates["patient"] == "Patient/{{context.patientId}}"
    searches = {rtype: params for rtype, params in patient_searches("{{context.patientId}}")}
    for key, resource_type in [
        ("conditions", "Condition"),
        ("observations", "Observation"),
        ("procedures", "Procedure"),
        ("imagingStudies", "ImagingStudy"),
    ]:
        assert parsed(templates[key]) == (resource_type, searches[resource_type])
    assert set(templates) == {
        "patient",
        "conditions",
        "observations",
        "procedures",
        "imagingStudies",
    }


def test_observation_and_procedure_templates_carry_every_code():
    _, observations = parsed(SPINE_METS_NOMS.prefetch["observations"])
    assert observations["code"].split(",") == list(OBSERVATION_CODES)
    _, procedures = parsed(SPINE_METS_NOMS.prefetch["procedures"])
    assert procedures["code"].split(",") == list(RADIOTHERAPY_CODES)
    assert "|" in SPINE_METS_NOMS.prefetch["observations"]  # system|code kept readable


def test_queries_say_how_to_fetch_a_missing_key():
    by_key = {query.key: query for query in PATIENT_QUERIES}
    assert by_key["patient"].is_read and by_key["patient"].resource_type == "Patient"
    assert not by_key["observations"].is_read
    assert dict(by_key["observations"].params)["patient"] == "{{context.patientId}}"


def test_discovery_entries_follow_the_spec():
    [patient_view] = SPINE_METS_NOMS.discovery_entries()
    assert patient_view["hook"] == "patient-view" and patient_view["id"] == "spine-mets-noms"
    assert {entry["hook"] for entry in SPINE_METS_ORDERS.discovery_entries()} == {
        "order-select",
        "order-sign",
    }
    for entry in SPINE_METS_NOMS.discovery_entries() + SPINE_METS_ORDERS.discovery_entries():
        assert entry["description"] and entry["title"]
        assert all(value not in (None, "", [], {}) for value in entry.values())
