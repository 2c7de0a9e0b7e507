"""The app's skeleton on the wire: health, readiness, metrics, errors, limits, headers, logs."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask

from service.errors import ConfigurationError, FhirTemporaryError
from service.storage.keyvalue import StoreUnavailable
from service.web.body import read_json
from service.web.runtime import runtime

FHIR_JSON = "application/fhir+json"


@pytest.fixture
def app(make_app) -> Flask:
    app = make_app(MAX_BODY_BYTES=2048, MAX_JSON_DEPTH=16)

    # Routes registered by the test only, to drive the error mapping (never shipped).
    @app.post("/api/echo")
    def echo():
        return {"got": read_json(("application/json", FHIR_JSON))}

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internal detail about Jane Doe")

    @app.get("/api/fhir-down")
    def fhir_down():
        raise FhirTemporaryError("GET Observation search: 503 after 3 tries", status=503)

    return app


def outcome(response) -> dict:
    assert response.mimetype == FHIR_JSON
    body = response.get_json(force=True)
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]


def test_health_and_readiness(app: Flask):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"settings": "ok", "store": "ok"}}


def test_readiness_fails_when_the_store_does_not_answer(app: Flask, monkeypatch):
    def down() -> None:
        raise StoreUnavailable("cannot open the store")

    monkeypatch.setattr(
        runtime.__wrapped__
        if hasattr(runtime, "__wrapped__")
        else app.extensions["noms-cds"].store,
        "ping",
        down,
    )
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["store"] == "unavailable"


def test_metrics_count_requests_by_route(app: Flask):
    client = app.test_client()
    client.get("/healthz")
    client.get("/no/such/patient/123")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'noms_cds_http_requests_total{endpoint="/healthz",method="GET",status="200"}' in text
    assert 'endpoint="unmatched",method="GET",status="404"' in text
    assert "noms_cds_http_request_duration_seconds_bucket" in text
    assert "/no/such/patient/123" not in text


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/nope", 404, "not-found"),
        ("post", "/healthz", 405, "not-supported"),
        ("get", "/api/echo", 405, "not-supported"),
    ],
)
def test_http_errors_are_operation_outcomes(app: Flask, method, path, status, code):
    response = getattr(app.test_client(), method)(path)
    assert response.status_code == status
    assert outcome(response)["code"] == code
    if status == 405:
        assert "Allow" in response.headers


def test_bad_bodies(app: Flask):
    client = app.test_client()
    cases = [
        (b"{not json", "application/json", 400, "structure"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 413, "too-long"),  # over 2 KiB
        (b"[" * 1000 + b"]" * 1000, "application/json", 400, "structure"),  # deeper than 16
        (b"{}", "text/plain", 415, "not-supported"),
        (b"x" * 4096, FHIR_JSON, 413, "too-long"),
    ]
    for body, media_type, status, code in cases:
        response = client.post("/api/echo", data=body, content_type=media_type)
        assert (response.status_code, outcome(response)["code"]) == (status, code), body[:20]
    ok = client.post("/api/echo", data=b'{"a": [1]}', content_type=FHIR_JSON)
    assert ok.get_json() == {"got": {"a": [1]}}


def test_hundred_thousand_deep_array_within_the_size_limit_is_a_400(make_app):
    app = make_app(MAX_BODY_BYTES=1024 * 1024)

    @app.post("/api/echo")
    def echo():
        return {"got": read_json()}

    response = app.test_client().post(
        "/api/echo", data=b"[" * 100_000 + b"]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert "deeper than the 64 levels allowed" in outcome(response)["diagnostics"]


def test_unexpected_errors_are_500_without_internals(app: Flask):
    response = app.test_client().get("/api/boom", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 500
    issue = outcome(response)
    assert issue["code"] == "exception"
    assert "Jane" not in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
    assert "trace-42" in issue["diagnostics"]


def test_fhir_server_errors_are_named_by_code_only(app: Flask):
    response = app.test_client().get("/api/fhir-down")
    assert response.status_code == 503
    issue = outcome(response)
    assert issue["code"] == "transient"
    assert "fhir-temporary" in issue["diagnostics"] and "Observation" not in issue["diagnostics"]


def test_security_headers_fit_an_ehr_iframe(make_app):
    plain = make_app().test_client().get("/healthz")
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert plain.headers["Referrer-Policy"] == "no-referrer"
    assert plain.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'self'" in plain.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in plain.headers
    assert "Strict-Transport-Security" not in plain.headers  # http public URL
    secure = (
        make_app(
            PUBLIC_BASE_URL="https://cds.example.org",
            FRAME_ANCESTORS="https://ehr.example.org https://*.epic.com",
        )
        .test_client()
        .get("/nope")
    )
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    csp = secure.headers["Content-Security-Policy"]
    assert "frame-ancestors https://ehr.example.org https://*.epic.com" in csp
    assert "default-src 'none'" in csp
    assert "X-Frame-Options" not in secure.headers


def test_request_id_is_accepted_when_well_formed_and_echoed(app: Flask):
    client = app.test_client()
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123.x"}).headers["X-Request-ID"]
        == "abc-123.x"
    )
    for bad in ["", "has space", "x" * 200, "<script>", "-starts-with-dash"]:
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert echoed != bad and len(echoed) == 32


def test_logs_are_json_lines_without_query_strings_bodies_or_tokens(app: Flask, capsys):
    client = app.test_client()
    client.post(
        "/api/echo?patient=Jane-Doe-123",
        data=json.dumps({"name": "Jane Doe"}),
        content_type="application/json",
        headers={"Authorization": "Bearer secret-token-xyz", "X-Request-ID": "req-1"},
    )
    client.get("/api/boom")
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line.get("event") == "request"]
    assert access[0]["request_id"] == "req-1" and access[0]["endpoint"] == "/api/echo"
    assert access[0]["status"] == 200 and access[0]["method"] == "POST"
    crash = next(line for line in lines if line["message"] == "unexpected error")
    assert crash["exception"]["type"] == "builtins.RuntimeError" and crash["exception"]["frames"]
    text = json.dumps(lines)
    for secret in ("Jane", "secret-token-xyz", "patient="):
        assert secret not in text


def test_extra_fields_outside_the_allow_list_are_dropped(app: Flask, capsys):
    logging.getLogger("noms_cds.test").warning("hello", extra={"status": 1, "patient_name": "Jane"})
    line = json.loads(capsys.readouterr().err.splitlines()[-1])
    assert line["status"] == 1 and "patient_name" not in line


def test_a_bad_setting_stops_create_app(make_app):
    with pytest.raises(ConfigurationError, match="NOMS_WORKERS"):
        make_app(WORKERS="zero")


def test_one_ehr_client_with_the_configured_limits_serves_the_api_and_the_notifications(make_app):
    # The live API and the Subscription notifications read the same EHR: one client per app,
    # bounded by NOMS_FHIR_<LIMIT> like every other (docs/integration.md).
    from service.alerts import endpoint
    from service.api import assessments

    app = make_app(FHIR_BASE_URL="http://127.0.0.1:9/fhir", FHIR_MAX_RESPONSE_BYTES="4096")
    with app.app_context():
        client = assessments._ehr_client()
        assert endpoint._client() is client
        assert client.limits.max_response_bytes == 4096
