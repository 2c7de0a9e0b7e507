"""The JSON API's assessment routes on the wire: a Bundle sent, a patient read live, write-back."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from service import demo
from tests.conftest import AUSTIN

FHIR_JSON = "application/fhir+json"
STEM = "07-r7-nsclc-high-grade-stable-fit"


def outcome(response) -> dict:
    assert response.mimetype == FHIR_JSON
    body = response.get_json(force=True)
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(MAX_BODY_BYTES=4 * 1024 * 1024)


def post_bundle(app: Flask, body, content_type: str = FHIR_JSON):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return app.test_client().post("/api/assessments", data=data, content_type=content_type)


def test_a_demo_bundle_is_assessed(app: Flask):
    response = post_bundle(app, demo.load_patient(STEM))
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assessment = body["assessment"]
    assert assessment["patient"]["urgency"]["headline"] == (
        "URGENT: high-grade compression (ESCC 3) without myelopathy at T9"
    )
    [level] = assessment["levels"]
    assert level["plan"]["code"] == "plan-separation-surgery-then-srs"
    results = body["results"]
    assert results["resourceType"] == "Bundle" and results["type"] == "collection"
    kinds = {entry["resource"]["resourceType"] for entry in results["entry"]}
    assert kinds == {"Observation", "RiskAssessment"}


def test_a_synthea_export_is_assessed_as_json_too(app: Flask):
    response = post_bundle(app, AUSTIN.read_bytes(), content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["results"]["entry"]  # the prognostic scores at least


@pytest.mark.parametrize(
    ("body", "status", "issue", "words"),
    [
        (b"[" * 100_000 + b"]" * 100_000, 400, "structure", "deeper than the 64 levels"),
        (b"{not json", 400, "structure", "not valid JSON"),
        ({"resourceType": "Patient"}, 400, "invalid", "send a FHIR Bundle"),
        ({"resourceType": "Bundle", "type": {}}, 400, "invalid", "Bundle.type must be"),
        ({"resourceType": "Bundle", "type": "collection", "entry": [1]}, 400, "invalid", "entry"),
        ({"resourceType": "Bundle", "type": "document"}, 422, "processing", "document"),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [
                    {"resource": {"resourceType": "Patient", "id": "a"}},
                    {"resource": {"resourceType": "Patient", "id": "b"}},
                ],
            },
            422,
            "processing",
            "several Patient",
        ),
    ],
)
def test_bad_bodies_are_operation_outcomes(app: Flask, body, status, issue, words):
    response = post_bundle(app, body)
    assert response.status_code == status
    found = outcome(response)
    assert found["code"] == issue and words in found["diagnostics"]


def test_media_type_and_size_are_checked(make_app):
    app = make_app(MAX_BODY_BYTES=2048)
    assert post_bundle(app, {"resourceType": "Bundle"}, "text/plain").status_code == 415
    big = {"resourceType": "Bundle", "type": "collection", "padding": "x" * 4096}
    response = post_bundle(app, big)
    assert response.status_code == 413 and outcome(response)["code"] == "too-long"


# ---- live assessments against the sandbox store over HTTP ------------------------------------


@pytest.fixture
def live_app(make_app, fhir_store, store_admin) -> Flask:
    return make_app(FHIR_BASE_URL=fhir_store.base_url)


def assess_live(app: Flask, patient_id: str, query: str = "", body=None):
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    return app.test_client().post(f"/api/patients/{patient_id}/assessment{query}", **kwargs)


def test_a_patient_is_read_live_without_writing(live_app, store_admin):
    patient = store_admin.patient_id(STEM)
    before = store_admin.counts()
    response = assess_live(live_app, patient)
    assert response.status_code == 200
    body = response.get_json()
    assert body["results"]["entry"] and "write" not in body
    assert store_admin.counts() == before


def test_write_back_reports_every_result_and_writes_nothing_twice(live_app, store_admin):
    patient = store_admin.patient_id(STEM)
    first = assess_live(live_app, patient, "?write=true").get_json()["write"]
    results = len(first["outcomes"])
    assert first["complete"] and first["counts"]["created"] == results > 1
    again = assess_live(live_app, patient, body={"write": True}).get_json()["write"]
    assert again["counts"] == {"created": 0, "existing": results, "refused": 0, "failed": 0}


@pytest.mark.parametrize(
    ("query", "body", "words"),
    [
        ("?write=maybe", None, "write must be true or false"),
        ("?write=true", {"write": False}, "disagree"),
        ("", {"write": "yes"}, "write must be true or false"),
        ("", {"write": True, "other": 1}, "must be {"),
    ],
)
def test_the_write_flag_is_checked(live_app, store_admin, query, body, words):
    response = assess_live(live_app, store_admin.patient_id(STEM), query, body)
    assert response.status_code == 400 and words in outcome(response)["diagnostics"]


def test_an_unknown_or_malformed_patient(live_app):
    assert assess_live(live_app, "no-such-patient").status_code == 404
    response = assess_live(live_app, "a" * 65)
    assert response.status_code == 400 and "FHIR id" in outcome(response)["diagnostics"]


def test_without_an_ehr_live_assessment_is_not_configured(app: Flask):
    response = assess_live(app, "p1")
    assert response.status_code == 501
    assert "NOMS_FHIR_BASE_URL" in outcome(response)["diagnostics"]
