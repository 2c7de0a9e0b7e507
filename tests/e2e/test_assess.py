"""Assessing patients read from the store over HTTP: same answer as from the file, few requests."""

from __future__ import annotations

import pytest
import requests

from service.errors import FhirNotFound
from service.workflow import assess_patient
from tests.e2e.helpers import (
    DEMO_STEMS,
    EPIC_LIKE_SEARCH_RULES,
    HTTP_TIMEOUT,
    NOW,
    Admin,
    assess_file,
    clinical_view,
    make_client,
    results_without_ids,
)


@pytest.mark.parametrize("stem", DEMO_STEMS)
def test_assessment_from_the_store_equals_the_one_from_the_file(admin: Admin, stem: str) -> None:
    client, _ = make_client(admin)
    live = assess_patient(client, admin.patient_id(stem), now=NOW)
    from_file = assess_file(stem)
    assert live.write is None
    assert clinical_view(live.report) == clinical_view(from_file)
    assert results_without_ids(live.report) == results_without_ids(from_file)


def test_results_cite_the_store_resources(admin: Admin) -> None:
    client, _ = make_client(admin)
    patient_id = admin.patient_id("07-r7-nsclc-high-grade-stable-fit")
    report = assess_patient(client, patient_id, now=NOW).report
    on_store = {
        f"{r['resourceType']}/{r['id']}"
        for rtype in ("Condition", "Observation", "ImagingStudy")
        for r in admin.search(rtype, patient=patient_id)
    }
    cited = {ref["reference"] for e in report.results for ref in e.resource.get("derivedFrom", [])}
    assert cited and cited <= on_store
    assert {e.resource["subject"]["reference"] for e in report.results} == {f"Patient/{patient_id}"}


def test_gathering_is_the_capability_statement_and_one_batch(admin: Admin) -> None:
    client, _ = make_client(admin)
    patient_id = admin.patient_id("18-two-levels-nsclc")
    admin.clear_log()
    client.gather(patient_id)
    assert [(r["method"], r["path"], r["status"]) for r in admin.log()] == [
        ("GET", "/fhir/metadata", 200),
        ("POST", "/fhir", 200),
    ]
    assert client.requests_sent == 2


def test_without_batch_the_searches_go_in_parallel(admin: Admin) -> None:
    admin.settings(batch=False)
    client, _ = make_client(admin)
    patient_id = admin.patient_id("18-two-levels-nsclc")
    admin.clear_log()
    live = assess_patient(client, patient_id, now=NOW)
    assert clinical_view(live.report) == clinical_view(assess_file("18-two-levels-nsclc"))
    log = admin.log()
    assert log[0]["path"] == "/fhir/metadata"
    assert sorted(r["path"] for r in log[1:]) == [
        "/fhir/Condition",
        "/fhir/ImagingStudy",
        "/fhir/Observation",
        f"/fhir/Patient/{patient_id}",
        "/fhir/Procedure",
    ]
    assert all(r["method"] == "GET" and r["status"] == 200 for r in log)


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "parallel"])
def test_epic_like_observation_search_rules_do_not_break_gathering(
    admin: Admin, batch: bool
) -> None:
    admin.settings(batch=batch, search_requirements=EPIC_LIKE_SEARCH_RULES)
    stem = "11-special-a-breast-myelopathy"
    patient_id = admin.patient_id(stem)
    # The rule is in force: a patient-only Observation search is refused...
    bare = requests.get(
        f"{admin.base_url}/Observation", params={"patient": patient_id}, timeout=HTTP_TIMEOUT
    )
    assert bare.status_code == 400 and "code, category" in bare.text
    # ... and the client's searches are not.
    admin.clear_log()
    client, _ = make_client(admin)
    live = assess_patient(client, patient_id, now=NOW)
    assert clinical_view(live.report) == clinical_view(assess_file(stem))
    log = admin.log()
    assert all(r["status"] == 200 for r in log)
    if batch:  # the batch itself went through: no fallback to single searches
        assert [r["path"] for r in log] == ["/fhir/metadata", "/fhir"]


def test_an_unknown_patient_is_not_found(admin: Admin) -> None:
    client, _ = make_client(admin)
    with pytest.raises(FhirNotFound, match="404"):
        assess_patient(client, "no-such-patient")
