"""The worklist on the wire: assessments through the API (a Bundle, a patient read live) and a
CDS patient-view call become entries; GET /api/worklist answers JSON or CSV; bad ranges are 400."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from flask import Flask

from service import demo
from tests.cds import tokens
from tests.cds.conftest import BASE, bearer
from tests.cds.prefetching import prefetch_from
from tests.conftest import AUSTIN

FHIR_JSON = "application/fhir+json"
EMERGENT = "20-emergent-nsclc-c5-cord-compression-myelopathy"  # treated: closed
OPEN = "13-special-c-unknown-primary-myelopathy"
ROUTINE = "01-r1-breast-low-grade-stable"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def app(make_app, tmp_path) -> Flask:
    made = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'noms.sqlite3'}")
    made.extensions["noms-cds"] = _fixed_clock(made)
    return made


def _fixed_clock(app: Flask):
    return replace(app.extensions["noms-cds"], clock=lambda: NOW)


def post(app: Flask, name: str):
    response = app.test_client().post(
        "/api/assessments", data=json.dumps(demo.load_patient(name)), content_type=FHIR_JSON
    )
    assert response.status_code == 200


def test_assessed_bundles_make_the_worklist(app: Flask):
    for name in (ROUTINE, EMERGENT, OPEN):
        post(app, name)
    response = app.test_client().get("/api/worklist?from=2026-12-01&to=2026-12-02")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert (body["from"], body["to"], body["target_days"]) == ("2026-12-01", "2026-12-02", 56)
    # The emergent patient is treated (surgery the day after the MRI): not open, yet counted.
    assert [e["urgency"]["at_most"] for e in body["entries"]] == ["emergent", "routine"]
    assert body["programme"]["patients"] == 3 and body["programme"]["treated"] == 1
    first = body["entries"][0]
    assert first["source"] == "api-bundle" and first["fhir_server"] is None
    assert first["milestones"]["tumour-board"] == "2026-10-28"
    intervals = {i["key"]: i for i in first["intervals"]}
    assert intervals["imaging-to-treatment"]["state"] == "running"
    assert intervals["imaging-to-treatment"]["days"] == 43
    medians = {i["key"]: i["median_days"] for i in body["programme"]["intervals"]}
    assert medians["imaging-to-treatment"] == 1  # the one treated patient


def test_a_range_without_assessments_is_empty(app: Flask):
    post(app, ROUTINE)
    body = app.test_client().get("/api/worklist?from=2026-11-01&to=2026-11-30").get_json()
    assert body["entries"] == [] and body["programme"]["patients"] == 0


def test_without_a_range_the_last_week(app: Flask):
    post(app, ROUTINE)
    body = app.test_client().get("/api/worklist").get_json()
    assert (body["from"], body["to"]) == ("2026-11-26", "2026-12-02")
    assert len(body["entries"]) == 1


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("from=2026-13-01", "from must be a date"),
        ("to=20261201", "to must be a date"),
        ("from=2026-12-1", "from must be a date"),
        ("from=2026-12-03&to=2026-12-02", "must not be after"),
        ("from=2025-01-01&to=2026-12-02", "at most 366 days"),
    ],
)
def test_bad_ranges_are_operation_outcomes(app: Flask, query: str, words: str):
    for path in ("/api/worklist", "/api/worklist.csv"):
        response = app.test_client().get(f"{path}?{query}")
        assert response.status_code == 400 and response.mimetype == FHIR_JSON
        issue = response.get_json(force=True)["issue"][0]
        assert issue["code"] == "invalid" and words in issue["diagnostics"]


def test_csv_by_accept_header_or_path(app: Flask):
    for name in (ROUTINE, OPEN):
        post(app, name)
    client = app.test_client()
    by_accept = client.get("/api/worklist?from=2026-12-02", headers={"Accept": "text/csv"})
    by_path = client.get("/api/worklist.csv?from=2026-12-02")
    for response in (by_accept, by_path):
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
    assert by_accept.data == by_path.data
    rows = list(csv.DictReader(io.StringIO(by_path.get_data(as_text=True))))
    assert [r["urgency_at_most"] for r in rows] == ["emergent", "routine"]


def test_a_failing_database_never_costs_the_assessment(make_app, tmp_path):
    # A folder that does not exist: the database cannot be opened.
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'absent' / 'noms.sqlite3'}")
    post(app, ROUTINE)


@pytest.fixture
def live_app(make_app, fhir_store, store_admin, tmp_path) -> Flask:
    made = make_app(
        FHIR_BASE_URL=fhir_store.base_url, DATABASE_URL=f"sqlite:///{tmp_path / 'noms.sqlite3'}"
    )
    made.extensions["noms-cds"] = _fixed_clock(made)
    return made


def test_a_live_assessment_reads_the_milestones_from_the_ehr(live_app, fhir_store, store_admin):
    patient = store_admin.patient_id(OPEN)
    response = live_app.test_client().post(f"/api/patients/{patient}/assessment")
    assert response.status_code == 200
    [entry] = live_app.test_client().get("/api/worklist").get_json()["entries"]
    assert entry["patient"] == f"Patient/{patient}"
    assert entry["source"] == "api-patient" and entry["fhir_server"] == fhir_store.base_url
    assert entry["milestones"] == {
        "symptoms": "2026-10-20",
        "first-imaging": "2026-10-20",
        "spine-team": "2026-10-21",
        "biopsy": "2026-10-22",
        "tumour-board": "2026-10-28",
        "treatment": "none on record",
    }


def test_a_cds_patient_view_call_makes_an_entry(make_app, fhir_store, store_admin, tmp_path):
    issuers = {
        tokens.SANDBOX_ISSUER: {
            "jwks": tokens.sandbox_public_jwks(),
            "fhir_servers": [fhir_store.base_url],
        }
    }
    app = make_app(
        PUBLIC_BASE_URL=BASE,
        CDS_ISSUERS=json.dumps(issuers),
        DATABASE_URL=f"sqlite:///{tmp_path / 'noms.sqlite3'}",
    )
    patient = store_admin.patient_id(OPEN)
    path = "/cds-services/spine-mets-noms"
    body = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": patient},
        "prefetch": prefetch_from(fhir_store.base_url, patient),
        "fhirServer": fhir_store.base_url,
    }
    response = app.test_client().post(
        path,
        data=json.dumps(body),
        headers=bearer(tokens.sandbox_private_key(), path),
        content_type="application/json",
    )
    assert response.status_code == 200
    [entry] = app.test_client().get("/api/worklist").get_json()["entries"]
    assert entry["source"] == "cds-patient-view" and entry["urgency"]["at_most"] == "emergent"
    # The prefetch carries no Encounters: the milestones were not read, never "none".
    assert entry["milestones"]["spine-team"] == "not read"
    assert {i["state"] for i in entry["intervals"]} == {"unknown"}


def test_milestones_the_ehr_refuses_are_not_read(live_app, store_admin):
    patient = store_admin.patient_id(OPEN)
    store_admin.fault(kind="fail", count=5, status=400, resource_type="Encounter")
    response = live_app.test_client().post(f"/api/patients/{patient}/assessment")
    assert response.status_code == 200  # the assessment stands
    [entry] = live_app.test_client().get("/api/worklist").get_json()["entries"]
    assert entry["milestones"]["spine-team"] == "not read"  # unknown, not "none on record"
    assert entry["milestones"]["tumour-board"] == "2026-10-28"  # a Procedure here
    intervals = {i["key"]: i["state"] for i in entry["intervals"]}
    assert intervals["imaging-to-spine-team"] == "unknown"
    assert intervals["imaging-to-treatment"] == "running"


def test_the_target_is_a_setting(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'noms.sqlite3'}", PATHWAY_TARGET_DAYS="42")
    app.extensions["noms-cds"] = _fixed_clock(app)
    post(app, OPEN)
    body = app.test_client().get("/api/worklist").get_json()
    assert body["target_days"] == 42
    [entry] = body["entries"]
    # 43 days since the MRI, untreated: past a 6-week target (within the default 8 weeks).
    assert entry["target"]["past"] is True and "6 weeks" in entry["target"]["text"]


def test_a_patient_without_a_spinal_metastasis_makes_no_entry(app: Flask):
    response = app.test_client().post(
        "/api/assessments", data=AUSTIN.read_bytes(), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.get_json()["assessment"]["levels"] == []
    assert app.test_client().get("/api/worklist").get_json()["entries"] == []
