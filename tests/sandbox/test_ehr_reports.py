"""The radiologist's structured report in the sandbox EHR, driven with the Flask test client:
the form is offered to the radiologist only, protected against cross-site posts, and a sent
report lands in the FHIR store with its extracted findings, which the next assessment reads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.ehr import EhrConfig, create_ehr_app
from sandbox.fhir_store import store_of
from service.domain.escc import Grade
from service.domain.levels import Level
from service.domain.urgency import Tier
from service.fhir.questionnaire import QUESTIONNAIRE_URL
from service.workflow import assess_resources
from tests.sandbox.smart_support import field_values, forms_of

CASE = "01-r1-breast-low-grade-stable"  # T7, ESCC 1a, routine
READ_TYPES = ("Patient", "Condition", "Observation", "Procedure", "ImagingStudy")


@pytest.fixture
def ehr() -> Flask:
    return create_ehr_app(EhrConfig(smart=False))


@pytest.fixture
def client(ehr: Flask) -> FlaskClient:
    return ehr.test_client()


def patient_id(ehr: Flask, case: str = CASE) -> str:
    store = store_of(ehr)
    for version in store.data.all_current("Patient"):
        if any(i.get("value") == case for i in version.resource.get("identifier", [])):
            return version.resource["id"]
    raise AssertionError(case)


def study_id(ehr: Flask, patient: str) -> str:
    (study,) = [
        v.resource["id"]
        for v in store_of(ehr).data.all_current("ImagingStudy")
        if v.resource["subject"]["reference"] == f"Patient/{patient}"
    ]
    return study


def chart(ehr: Flask, patient: str) -> list[dict[str, Any]]:
    """The patient's resources in the store, as the service would gather them."""
    store, reference = store_of(ehr), f"Patient/{patient}"
    resources = []
    for kind in READ_TYPES:
        for version in store.data.all_current(kind):
            r = version.resource
            subject = (r.get("subject") or {}).get("reference")
            if (kind == "Patient" and r["id"] == patient) or subject == reference:
                resources.append(r)
    return resources


def report_form(client: FlaskClient, path: str, user: str = "radiologist") -> dict[str, Any]:
    page = client.get(path, query_string={"user": user})
    assert page.status_code == 200
    (form,) = [f for f in forms_of(page.get_data(as_text=True)) if f["method"] == "post"]
    return form


def filled(form: dict[str, Any], **answers: str) -> dict[str, str]:
    data = {
        name: value or ""
        for name, value, kind in form["fields"]
        if kind == "hidden" and name is not None
    }
    data.update(answers)
    return data


def stored_reports(ehr: Flask) -> list[dict[str, Any]]:
    return [v.resource for v in store_of(ehr).data.all_current("QuestionnaireResponse")]


def test_the_radiologist_is_offered_the_form_and_others_are_not(ehr: Flask, client: FlaskClient):
    patient = patient_id(ehr)
    study = study_id(ehr, patient)
    home = client.get("/", query_string={"user": "radiologist"}).get_data(as_text=True)
    assert f"/patients/{patient}/imaging?user=radiologist" in home
    listing = client.get(f"/patients/{patient}/imaging", query_string={"user": "radiologist"})
    assert f"/patients/{patient}/imaging/{study}/report?user=radiologist" in listing.get_data(
        as_text=True
    )
    as_clinician = client.get(f"/patients/{patient}/imaging", query_string={"user": "clinician"})
    assert "/report" not in as_clinician.get_data(as_text=True)
    refused = client.get(
        f"/patients/{patient}/imaging/{study}/report", query_string={"user": "clinician"}
    )
    assert refused.status_code == 403
    assert "frame-ancestors 'none'" in refused.headers["Content-Security-Policy"]
    assert (
        client.get(f"/patients/{patient}/imaging/nope/report?user=radiologist").status_code == 404
    )


def test_the_form_offers_the_contracts_answers_and_the_studys_level(ehr, client):
    patient = patient_id(ehr)
    path = f"/patients/{patient}/imaging/{study_id(ehr, patient)}/report"
    page = client.get(path, query_string={"user": "radiologist"}).get_data(as_text=True)
    form = report_form(client, path)
    assert field_values(form, "row0-escc-grade") == [
        "",
        *("escc-0", "escc-1a", "escc-1b", "escc-1c", "escc-2", "escc-3"),
    ]
    assert field_values(form, "row0-sins-collapse")[1:] == [
        "collapse-50-or-more",
        "collapse-less-than-50",
        "collapse-none-body-over-50",
        "collapse-none",
    ]
    assert len(field_values(form, "row0-level")) == 1 + len(Level)
    assert re.search(r'<option value="T7" selected>', page)  # the level the study names
    assert field_values(form, "csrf_token")[0]


def test_a_sent_report_is_stored_with_its_findings_and_assessed(ehr, client):
    patient = patient_id(ehr)
    study = study_id(ehr, patient)
    path = f"/patients/{patient}/imaging/{study}/report"
    before = assess_resources(chart(ehr, patient), patient)
    (level,) = before.assessment.levels
    assert level.escc.grade is Grade.G1A and level.urgency.tier is Tier.ROUTINE

    data = filled(
        report_form(client, path),
        **{
            "row0-level": "T7",
            "row0-escc-grade": "escc-3",
            "row0-sins-bone-lesion": "lesion-lytic",
        },
    )
    # As a browser sends it from a page with Referrer-Policy no-referrer.
    same_origin = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    sent = client.post(path, data=data, headers=same_origin)
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert "extracted from it (2)" in sent.get_data(as_text=True)

    (report,) = stored_reports(ehr)
    assert report["questionnaire"].startswith(QUESTIONNAIRE_URL)
    assert report["author"] == {"reference": "Practitioner/sandbox-radiologist"}
    findings = [
        o
        for o in chart(ehr, patient)
        if o["resourceType"] == "Observation"
        and {"reference": f"QuestionnaireResponse/{report['id']}"} in o.get("derivedFrom", [])
    ]
    assert len(findings) == 2
    for finding in findings:
        assert {"reference": f"ImagingStudy/{study}"} in finding["derivedFrom"]
        assert finding["performer"] == [{"reference": "Practitioner/sandbox-radiologist"}]

    # The chart now holds the newer finding: the next assessment reads it (ESCC 3 is urgent).
    after = assess_resources(chart(ehr, patient), patient)
    (level,) = after.assessment.levels
    assert level.escc.grade is Grade.G3
    assert level.urgency.tier in (Tier.URGENT, Tier.EMERGENT)
    # What the report left empty is not overwritten: the chart's older findings still count.
    assert level.lesion.alignment is not None


@pytest.mark.parametrize(
    "attack",
    ["no-token", "reused", "other-study", "cross-site", "null-origin", "cross-fetch", "other-user"],
)
def test_forged_or_replayed_posts_are_refused_and_store_nothing(ehr, client, attack):
    patient = patient_id(ehr)
    path = f"/patients/{patient}/imaging/{study_id(ehr, patient)}/report"
    data = filled(report_form(client, path), **{"row0-level": "T7", "row0-escc-grade": "escc-3"})
    headers = {}
    if attack == "no-token":
        data.pop("csrf_token")
    elif attack == "reused":
        assert client.post(path, data=data).status_code == 201
    elif attack == "other-study":  # a token issued for another patient's study
        other_patient = patient_id(ehr, "18-two-levels-nsclc")
        other = f"/patients/{other_patient}/imaging/{study_id(ehr, other_patient)}/report"
        data["csrf_token"] = filled(report_form(client, other))["csrf_token"]
    elif attack == "cross-site":
        headers["Origin"] = "https://attacker.example"
    elif attack == "null-origin":  # a sandboxed frame elsewhere: Sec-Fetch-Site does not vouch
        headers.update({"Origin": "null", "Sec-Fetch-Site": "cross-site"})
    elif attack == "cross-fetch":
        headers["Sec-Fetch-Site"] = "same-site"
    elif attack == "other-user":
        data["user"] = "oncologist"
    before = len(stored_reports(ehr))
    refused = client.post(path, data=data, headers=headers)
    assert refused.status_code == 403
    assert len(stored_reports(ehr)) == before


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({"row0-level": "T77"}, "not a vertebral level"),
        ({"row0-level": "T7", "row0-escc-grade": "escc-9"}, "not an answer to escc-grade"),
        ({"row0-level": "T7", "row1-level": "T7"}, "more than one row"),
        ({"row0-level": ""}, "at least one level"),
        ({"rows": "lots", "row0-level": "T7"}, "at least one level"),
    ],
)
def test_choices_not_offered_are_refused_and_store_nothing(ehr, client, answers, words):
    patient = patient_id(ehr)
    path = f"/patients/{patient}/imaging/{study_id(ehr, patient)}/report"
    answer = client.post(path, data=filled(report_form(client, path), **answers))
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    assert stored_reports(ehr) == []
