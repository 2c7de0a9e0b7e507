"""The structured-report route on the wire: a report alone or with the chart, refusals as
OperationOutcomes, the same answer as the Observations it replaces."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from service import demo
from tests.fhir.report_builders import replace_findings

FHIR_JSON = "application/fhir+json"
ROUTE = "/api/questionnaire-responses/assessment"
STEM = "07-r7-nsclc-high-grade-stable-fit"


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(MAX_BODY_BYTES=4 * 1024 * 1024)


def post(app: Flask, body, content_type: str = FHIR_JSON):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return app.test_client().post(ROUTE, data=data, content_type=content_type)


def test_a_report_with_the_chart_is_assessed_like_the_chart(app: Flask):
    chart = demo.load_patient(STEM)
    replacement = replace_findings(chart, with_pain=False)
    assert replacement is not None
    response = post(app, replacement.bundle)
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    expected = app.test_client().post("/api/assessments", json=chart).get_json()
    assert body["assessment"]["patient"]["urgency"] == expected["assessment"]["patient"]["urgency"]
    [level] = body["assessment"]["levels"]
    assert level["plan"]["code"] == "plan-separation-surgery-then-srs"
    assert level["plan"] == expected["assessment"]["levels"][0]["plan"]
    extracted = body["extracted"]
    assert extracted["type"] == "collection" and len(extracted["entry"]) == 5
    for entry in extracted["entry"]:
        assert entry["fullUrl"].startswith("urn:uuid:")
        derived = [d["reference"] for d in entry["resource"]["derivedFrom"]]
        assert derived[0] == "urn:uuid:5b0e8f43-7a2c-4d19-9e61-3c8a2f7d4b10"
    assert body["results"]["type"] == "collection" and body["results"]["entry"]


def test_a_report_alone_is_assessed_with_what_is_missing(app: Flask):
    replacement = replace_findings(demo.load_patient(STEM), with_pain=True)
    assert replacement is not None
    report = {**replacement.response, "subject": {"reference": "Patient/p7"}}
    response = post(app, report, content_type="application/json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["assessment"]["patient"]["id"] == "p7"
    [level] = body["assessment"]["levels"]
    assert level["level"] == "T9"
    # Without the chart the primary, neurology and performance status are missing, never normal.
    assert level["plan"]["code"] == "plan-needs-clinician-input"
    assert level["missing"]


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"status": "in-progress"}, 422, "only a completed or amended report"),
        ({"questionnaire": "http://example.org/Questionnaire/x"}, 422, "does not answer"),
        ({"authored": "soon"}, 422, "authored"),
        ({"resourceType": "Patient"}, 422, "send a QuestionnaireResponse"),
    ],
)
def test_an_unusable_report_is_refused_with_an_operation_outcome(app, change, status, words):
    replacement = replace_findings(demo.load_patient(STEM), with_pain=False)
    assert replacement is not None
    response = post(app, {**replacement.response, **change})
    assert response.status_code == status and response.mimetype == FHIR_JSON
    outcome = response.get_json(force=True)
    assert outcome["resourceType"] == "OperationOutcome"
    assert words in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b"[" * 100_000 + b"]" * 100_000, 400), (b"[]", 422)],
)
def test_malformed_bodies_are_refused(app: Flask, body: bytes, status: int):
    response = post(app, body)
    assert response.status_code == status and response.mimetype == FHIR_JSON
