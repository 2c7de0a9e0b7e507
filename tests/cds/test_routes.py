"""CDS Hooks routes on the wire: discovery, dispatch through the registry, trust, CORS, feedback.

A test-only service (tests/cds/conftest.py) stands in for the real handlers.
"""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from flask import Flask

from service.cds import cds_runtime
from service.cds.registry import CdsService, Registry, ServiceDescription
from service.errors import DataUnavailable, FhirTemporaryError
from tests.cds import tokens
from tests.cds.conftest import BASE, ECHO, Recorder, bearer

SPEC = tokens.SPEC
HOOKS = tokens.CDS_DATA / "hooks"
CALL = "/cds-services/test-echo"


def patient_view(**changes) -> dict:
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": "1288992"},
    }
    body.update(changes)
    return body


def post(app: Flask, key, body, path: str = CALL, headers=None, **kwargs):
    headers = {**bearer(key, path), **(headers or {})}
    data = body if isinstance(body, bytes) else json.dumps(body)
    return app.test_client().post(
        path,
        data=data,
        headers=headers,
        content_type=kwargs.pop("content_type", "application/json"),
    )


def test_discovery_lists_what_is_registered(cds_app: Flask):
    response = cds_app.test_client().get("/cds-services")
    assert response.status_code == 200 and response.mimetype == "application/json"
    services = response.get_json()["services"]
    assert [(s["id"], s["hook"]) for s in services] == [
        ("spine-mets-noms", "patient-view"),  # registered by create_app
        ("spine-mets-noms-orders", "order-select"),
        ("spine-mets-noms-orders", "order-sign"),
        ("test-echo", "patient-view"),
        ("test-echo", "order-select"),
        ("test-echo", "order-sign"),
    ]
    assert services[3] == {
        "hook": "patient-view",
        "title": "Test echo",
        "description": "Records the validated request (tests only).",
        "id": "test-echo",
        "prefetch": {"patient": "Patient/{{context.patientId}}"},
    }


def test_an_app_offers_the_noms_services_and_an_empty_registry_none():
    assert Registry().discovery() == {"services": []}


def test_discovery_can_require_a_jwt(make_app, sandbox_key):
    app = make_app(
        PUBLIC_BASE_URL=BASE,
        CDS_ISSUERS=json.dumps({tokens.SANDBOX_ISSUER: {"jwks": tokens.sandbox_public_jwks()}}),
        CDS_DISCOVERY_REQUIRES_JWT="true",
    )
    client = app.test_client()
    assert client.get("/cds-services").status_code == 401
    assert (
        client.get("/cds-services", headers=bearer(sandbox_key, "/cds-services")).status_code == 200
    )


def test_a_call_reaches_the_handler_validated(cds_app: Flask, recorder: Recorder, sandbox_key):
    recorder.answer = {"cards": [{"summary": "s", "indicator": "info", "source": {"label": "t"}}]}
    response = post(cds_app, sandbox_key, patient_view())
    assert response.status_code == 200
    assert response.get_json() == recorder.answer
    [request] = recorder.calls
    assert request.service_id == "test-echo" and request.hook == "patient-view"
    assert request.patient_id == "1288992" and request.prefetch == {}
    assert request.caller.issuer == tokens.SANDBOX_ISSUER


def test_the_specs_patient_view_request(cds_app: Flask, recorder: Recorder, sandbox_key):
    body = tokens.read_json(SPEC / "patient-view-request.json")
    assert post(cds_app, sandbox_key, body).status_code == 200
    [request] = recorder.calls
    assert request.fhir_server == "http://hooks.smarthealthit.org:9080"
    assert request.fhir_authorization.subject == "cds-service4"
    assert "some-opaque-fhir-access-token" not in repr(request)
    assert request.prefetch["patientToGreet"]["id"] == "1288992"
    assert request.context["encounterId"] == "89284"


@pytest.mark.parametrize("name", ["order-select-context-r4.json", "order-sign-context-r4.json"])
def test_the_specs_r4_order_examples(cds_app: Flask, recorder: Recorder, sandbox_key, name):
    context = tokens.read_json(HOOKS / name)["context"]
    hook = name.removesuffix("-context-r4.json")
    assert (
        post(
            cds_app,
            sandbox_key,
            {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context},
        ).status_code
        == 200
    )
    assert recorder.calls[0].context["draftOrders"]["resourceType"] == "Bundle"


def test_the_jwt_audience_is_the_public_url_not_the_host_header(cds_app: Flask, sandbox_key):
    client = cds_app.test_client()
    local = {"Authorization": "Bearer " + tokens.sign(sandbox_key, "http://localhost" + CALL)}
    assert client.post(CALL, json=patient_view(), headers=local).status_code == 401
    spoofed = {**bearer(sandbox_key, CALL), "Host": "evil.example.org"}
    assert client.post(CALL, json=patient_view(), headers=spoofed).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic YTpi"}],
    ids=["none", "garbage", "basic"],
)
def test_unauthenticated_calls_are_401_without_detail(cds_app: Flask, recorder: Recorder, headers):
    response = cds_app.test_client().post(CALL, json=patient_view(), headers=headers)
    assert response.status_code == 401
    assert response.get_data() == b""
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert recorder.calls == []


def test_a_replayed_call_is_401(cds_app: Flask, sandbox_key):
    headers = bearer(sandbox_key, CALL)
    client = cds_app.test_client()
    assert client.post(CALL, json=patient_view(), headers=headers).status_code == 200
    assert client.post(CALL, json=patient_view(), headers=headers).status_code == 401


def test_the_body_is_not_read_before_the_caller_is_known(cds_app: Flask):
    response = cds_app.test_client().post(
        CALL, data=b"[" * 100_000, content_type="application/json"
    )
    assert response.status_code == 401


def test_unknown_service_is_404(cds_app: Flask, sandbox_key):
    response = post(cds_app, sandbox_key, patient_view(), path="/cds-services/nope")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            patient_view(hook="encounter-discharge"),
            "does not answer the 'encounter-discharge' hook",
        ),
        ({k: v for k, v in patient_view().items() if k != "hook"}, "hook is required"),
        (patient_view(hookInstance="not-a-uuid"), "hookInstance must be a UUID"),
        (
            {k: v for k, v in patient_view().items() if k != "hookInstance"},
            "hookInstance must be a UUID",
        ),
        (patient_view(context=[]), "context must be an object"),
        (patient_view(context={"userId": "Practitioner/1"}), "context.patientId is required"),
        (patient_view(context={"patientId": "1"}), "context.userId is required"),
        (
            patient_view(context={"userId": "Practitioner/1", "patientId": 12}),
            "context.patientId must be a non-empty str",
        ),
        (
            patient_view(
                fhirAuthorization={
                    "access_token": "t",
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "scope": "s",
                    "subject": "c",
                }
            ),
            "fhirServer is required",
        ),
        (patient_view(fhirServer="ftp://ehr"), "fhirServer must be an absolute"),
        (
            patient_view(fhirServer="https://ehr/fhir", fhirAuthorization={"access_token": "t"}),
            "fhirAuthorization.token_type is required",
        ),
        (
            patient_view(
                fhirServer="https://ehr/fhir",
                fhirAuthorization={
                    "access_token": "t",
                    "token_type": "MAC",
                    "expires_in": 1,
                    "scope": "s",
                    "subject": "c",
                },
            ),
            "token_type must be Bearer",
        ),
        (patient_view(prefetch=[]), "prefetch must be an object"),
        (
            patient_view(prefetch={"patient": {"id": "x"}}),
            "prefetch.patient must be a FHIR resource or null",
        ),
        ([], "the body must be a JSON object"),
    ],
)
def test_malformed_calls_are_400_naming_the_field(
    cds_app: Flask, recorder: Recorder, sandbox_key, body, problem
):
    response = post(cds_app, sandbox_key, body)
    assert response.status_code == 400
    issue = response.get_json()["issue"][0]
    assert problem in issue["diagnostics"]
    assert recorder.calls == []


def test_order_select_needs_its_context(cds_app: Flask, sandbox_key):
    context = tokens.read_json(HOOKS / "order-select-context-r4.json")["context"]
    for field, value, problem in [
        ("selections", None, "context.selections is required"),
        ("draftOrders", {"resourceType": "Patient"}, "context.draftOrders must be a Bundle"),
        ("selections", [""], "context.selections must list"),
    ]:
        changed = copy.deepcopy(context)
        changed[field] = value
        body = {"hook": "order-select", "hookInstance": str(uuid.uuid4()), "context": changed}
        response = post(cds_app, sandbox_key, body)
        assert response.status_code == 400 and problem in response.get_data(as_text=True)


def test_null_and_missing_prefetch_keys_are_kept_apart(
    cds_app: Flask, recorder: Recorder, sandbox_key
):
    post(cds_app, sandbox_key, patient_view(prefetch={"patient": None}))
    assert recorder.calls[0].prefetch == {"patient": None}


def test_bodies_are_bounded_on_cds_routes_too(cds_app: Flask, sandbox_key):
    deep = post(cds_app, sandbox_key, b"[" * 1000 + b"]" * 1000)
    assert deep.status_code == 400 and deep.mimetype == "application/json"
    wrong_type = post(cds_app, sandbox_key, b"{}", content_type="text/plain")
    assert wrong_type.status_code == 415


def test_handler_errors(cds_app: Flask, recorder: Recorder, sandbox_key):
    recorder.answer = DataUnavailable("no prefetch and no FHIR server access")
    response = post(cds_app, sandbox_key, patient_view())
    assert response.status_code == 412
    assert response.get_json()["issue"][0]["diagnostics"] == "no prefetch and no FHIR server access"
    recorder.answer = FhirTemporaryError("Observation search: 503")
    assert post(cds_app, sandbox_key, patient_view()).status_code == 503
    recorder.answer = {"no": "cards"}  # a handler bug is a 500, never a 200 without cards
    broken = post(cds_app, sandbox_key, patient_view())
    assert broken.status_code == 500 and "cards" not in broken.get_data(as_text=True)


@pytest.mark.parametrize(
    "name",
    ["feedback-accepted.json", "feedback-overridden.json", "feedback-overridden-with-reason.json"],
)
def test_the_specs_feedback_is_taken(cds_app: Flask, recorder: Recorder, sandbox_key, name):
    path = CALL + "/feedback"
    response = post(cds_app, sandbox_key, tokens.read_json(SPEC / name), path=path)
    assert response.status_code == 200
    [(service_id, items)] = recorder.feedback
    assert service_id == "test-echo" and items[0].outcome in {"accepted", "overridden"}
    assert items[0].outcome_timestamp.tzinfo is not None


def test_feedback_needs_its_own_audience_and_a_valid_body(
    cds_app: Flask, recorder: Recorder, sandbox_key
):
    client = cds_app.test_client()
    body = tokens.read_json(SPEC / "feedback-accepted.json")
    wrong_aud = client.post(CALL + "/feedback", json=body, headers=bearer(sandbox_key, CALL))
    assert wrong_aud.status_code == 401
    bad = copy.deepcopy(body)
    del bad["feedback"][0]["acceptedSuggestions"]
    response = post(cds_app, sandbox_key, bad, path=CALL + "/feedback")
    assert response.status_code == 400 and "acceptedSuggestions is required" in response.get_data(
        as_text=True
    )
    naive = copy.deepcopy(body)
    naive["feedback"][0]["outcomeTimestamp"] = "2021-12-11T10:05:31"
    assert post(cds_app, sandbox_key, naive, path=CALL + "/feedback").status_code == 400
    assert recorder.feedback == []


def test_a_service_without_feedback_has_no_feedback_endpoint(cds_app: Flask, sandbox_key):
    with cds_app.app_context():
        cds_runtime().registry.register(
            CdsService(
                ServiceDescription("test-quiet", ("patient-view",), "Quiet", "No feedback."),
                lambda r: {"cards": []},
            )
        )
    response = post(
        cds_app,
        sandbox_key,
        tokens.read_json(SPEC / "feedback-accepted.json"),
        path="/cds-services/test-quiet/feedback",
    )
    assert response.status_code == 404


def test_cors_preflight_is_answered_without_a_token(cds_app: Flask):
    response = cds_app.test_client().options(
        CALL,
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"authorization", "content-type"} <= allowed
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_cors_on_answers_and_on_errors(cds_app: Flask, sandbox_key):
    origin = {"Origin": "https://sandbox.cds-hooks.org"}
    ok = post(cds_app, sandbox_key, patient_view(), headers=origin)
    refused = cds_app.test_client().post(CALL, json=patient_view(), headers=origin)
    discovery = cds_app.test_client().get("/cds-services", headers=origin)
    for response in (ok, refused, discovery):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    api = cds_app.test_client().get("/healthz", headers=origin)
    assert "Access-Control-Allow-Origin" not in api.headers


def test_cors_with_a_list_of_origins(make_app):
    app = make_app(CDS_CORS_ORIGINS="https://sandbox.cds-hooks.org")
    client = app.test_client()
    allowed = client.get("/cds-services", headers={"Origin": "https://sandbox.cds-hooks.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://sandbox.cds-hooks.org"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/cds-services", headers={"Origin": "https://evil.example.org"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_registry_refuses_a_second_service_with_the_same_id(cds_app: Flask, recorder: Recorder):
    with cds_app.app_context(), pytest.raises(ValueError, match="already registered"):
        cds_runtime().registry.register(CdsService(ECHO, recorder.handle))


def test_service_ids_are_kebab_case():
    with pytest.raises(ValueError, match="kebab-case"):
        ServiceDescription("Spine_Mets", ("patient-view",), "t", "d")
