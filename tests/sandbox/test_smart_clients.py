"""Confidential clients (client_secret_basic, private_key_jwt) and SMART Backend Services."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jwt
from joserfc.jwk import ECKey

from service.errors import FhirAuthError
from service.fhir.auth import (
    ASSERTION_TYPE,
    DEFAULT_SYSTEM_SCOPE,
    BackendServices,
    backend_services_from_config,
    load_signing_key,
)
from service.fhir.client import FhirClient
from service.workflow import assess_patient
from tests.sandbox.smart_support import (
    ASYMMETRIC_APP,
    BACKEND,
    PUBLIC_APP,
    SMART_DATA,
    SYMMETRIC_APP,
    FreshPrivateKeyJWT,
    bearer,
    exchange,
    field_values,
    forms_of,
    private_key,
    start_flow,
)


def token_url(ehr: Any) -> str:
    return requests.get(ehr.smart_configuration_url, timeout=10).json()["token_endpoint"]


def code_for(ehr: Any, client_id: str, patient: str, scope: str) -> tuple[Any, requests.Response]:
    """An approved standalone flow of a client (sign-in page answered)."""
    flow = start_flow(ehr, client_id=client_id, scope=scope)
    page = requests.get(flow.url, allow_redirects=False, timeout=10)
    (form,) = forms_of(page.text)
    answer = requests.post(
        ehr.auth_url + "/authorize",
        data={
            "pending": field_values(form, "pending")[0],
            "user": "clinician",
            "patient": patient,
            "decision": "allow",
        },
        allow_redirects=False,
        timeout=10,
    )
    return flow, answer


def assertion(ehr: Any, kind: str = "RS384", **changes: Any) -> str:
    """A client assertion of the asymmetric app; ``changes`` alter claims or the header."""
    header = {"alg": kind, "typ": "JWT", **changes.pop("header", {})}
    key = private_key(kind, any_alg=header["alg"] != kind)
    header.setdefault("kid", key.kid)
    now = int(time.time())
    claims = {
        "iss": ASYMMETRIC_APP,
        "sub": ASYMMETRIC_APP,
        "aud": token_url(ehr),
        "iat": now,
        "exp": now + 240,
        "jti": str(uuid.uuid4()),
        **changes,
    }
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def client_credentials(ehr: Any, signed: str, scope: str = "system/*.read") -> requests.Response:
    return requests.post(
        token_url(ehr),
        data={
            "grant_type": "client_credentials",
            "scope": scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": signed,
        },
        timeout=10,
    )


# -- client_secret_basic -----------------------------------------------------------------------


def test_a_symmetric_client_launched_by_the_ehr_gets_tokens(smart_ehr, patients):
    launch = smart_ehr.auth.launch(SYMMETRIC_APP, "clinician", patients[2])
    flow = start_flow(
        smart_ehr,
        client_id=SYMMETRIC_APP,
        scope="launch patient/*.rs offline_access",
        launch=launch,
    )
    response = requests.get(flow.url, allow_redirects=False, timeout=10)
    token = exchange(smart_ehr, flow, response)
    assert token["patient"] == patients[2]
    refreshed = flow.session.refresh_token(
        smart_ehr.auth_url + "/token", refresh_token=token["refresh_token"]
    )
    assert refreshed["patient"] == patients[2]


@pytest.mark.parametrize(
    ("secret", "method"),
    [("wrong-secret", "client_secret_basic"), (None, "none")],
    ids=["wrong-secret", "no-authentication"],
)
def test_a_symmetric_client_must_authenticate(smart_ehr, patients, secret, method):
    flow, response = code_for(smart_ehr, SYMMETRIC_APP, patients[0], "launch/patient patient/*.rs")
    impostor = OAuth2Session(
        SYMMETRIC_APP,
        secret,
        token_endpoint_auth_method=method,
        redirect_uri=flow.session.redirect_uri,
    )
    with pytest.raises(OAuthError) as refused:
        impostor.fetch_token(
            smart_ehr.auth_url + "/token",
            authorization_response=response.headers["Location"],
            code_verifier=flow.verifier,
        )
    assert refused.value.error == "invalid_client"


def test_a_public_client_cannot_use_a_secret(smart_ehr, patients):
    flow, response = code_for(smart_ehr, PUBLIC_APP, patients[0], "launch/patient patient/*.rs")
    with_secret = OAuth2Session(
        PUBLIC_APP,
        "made-up",
        token_endpoint_auth_method="client_secret_basic",
        redirect_uri=flow.session.redirect_uri,
    )
    with pytest.raises(OAuthError) as refused:
        with_secret.fetch_token(
            smart_ehr.auth_url + "/token",
            authorization_response=response.headers["Location"],
            code_verifier=flow.verifier,
        )
    assert refused.value.error == "invalid_client"


# -- private_key_jwt ---------------------------------------------------------------------------


def test_an_asymmetric_client_authenticates_with_a_signed_assertion(smart_ehr, patients):
    flow, response = code_for(
        smart_ehr, ASYMMETRIC_APP, patients[4], "launch/patient patient/*.rs online_access"
    )
    token = exchange(smart_ehr, flow, response)
    assert token["patient"] == patients[4]
    ok = requests.get(f"{smart_ehr.fhir_base}/Patient/{patients[4]}", headers=bearer(token))
    assert ok.status_code == 200
    # The refresh authenticates again, with a new assertion (new jti).
    refreshed = flow.session.refresh_token(
        smart_ehr.auth_url + "/token", refresh_token=token["refresh_token"]
    )
    assert refreshed["access_token"] != token["access_token"]


def test_an_es384_key_works_too(smart_ehr, patients):
    flow, response = code_for(smart_ehr, ASYMMETRIC_APP, patients[0], "launch/patient patient/*.rs")
    key = private_key("ES384")
    assert isinstance(key, ECKey)
    flow.session.client_secret = key
    flow.session.register_client_auth_method(
        FreshPrivateKeyJWT(smart_ehr.auth_url + "/token", key, "ES384")
    )
    assert exchange(smart_ehr, flow, response)["patient"] == patients[0]


def test_authlibs_default_assertion_is_refused(smart_ehr, patients):
    # authlib's PrivateKeyJWT signs RS256 and lives an hour: both outside SMART's rules.
    flow, response = code_for(smart_ehr, ASYMMETRIC_APP, patients[0], "launch/patient patient/*.rs")
    flow.session.client_secret = private_key("RS384", any_alg=True)
    flow.session.register_client_auth_method(PrivateKeyJWT(smart_ehr.auth_url + "/token"))
    with pytest.raises(OAuthError) as refused:
        exchange(smart_ehr, flow, response)
    assert refused.value.error == "invalid_client"


BAD_ASSERTIONS = {
    "rs256": ({"header": {"alg": "RS256"}}, "RS384 or ES384"),
    "an-hour-long": ({"exp": int(time.time()) + 3600}, "five minutes"),
    "expired": ({"exp": int(time.time()) - 120, "iat": int(time.time()) - 400}, ""),
    "other-audience": ({"aud": "http://127.0.0.1:1/token"}, ""),
    "iss-not-sub": ({"iss": "someone-else"}, ""),
    "unknown-kid": ({"header": {"kid": "not-registered"}}, ""),
    "no-kid": ({"header": {"kid": ""}}, "kid"),
    "jku": ({"header": {"jku": "https://evil.example/jwks.json"}}, "jku"),
    "no-jti": ({"jti": None}, ""),
}


@pytest.mark.parametrize(("changes", "message"), BAD_ASSERTIONS.values(), ids=BAD_ASSERTIONS)
def test_bad_client_assertions_are_refused(smart_ehr, changes, message):
    # SMART client-confidential-asymmetric.md: alg, kid, jku, iss = sub, aud, exp <= 5 min, jti.
    claims = dict(changes)
    if claims.get("jti", "") is None:
        signed = assertion_without_jti(smart_ehr)
    else:
        signed = assertion(smart_ehr, **claims)
    response = client_credentials(smart_ehr, signed)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == "invalid_client"
    assert message in response.json().get("error_description", "")


def assertion_without_jti(ehr: Any) -> str:
    key = private_key("RS384")
    now = int(time.time())
    claims = {
        "iss": ASYMMETRIC_APP,
        "sub": ASYMMETRIC_APP,
        "aud": token_url(ehr),
        "exp": now + 240,
    }
    return jwt.encode({"alg": "RS384", "kid": key.kid}, claims, key, algorithms=["RS384"])


def test_an_assertion_cannot_be_replayed(smart_ehr):
    signed = assertion(smart_ehr, sub=BACKEND, iss=BACKEND)
    assert client_credentials(smart_ehr, signed).status_code == 200
    replay = client_credentials(smart_ehr, signed)
    assert replay.json()["error"] == "invalid_client"
    assert "used before" in replay.json()["error_description"]


# -- Backend Services --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["RS384", "ES384"])
def test_the_services_backend_client_reads_and_writes_every_patient(smart_ehr, patients, kind):
    key = load_signing_key(SMART_DATA / f"example-jwks-{kind}.private-PUBLISHED-TEST-KEY.json")
    auth = BackendServices(token_url(smart_ehr), BACKEND, key, DEFAULT_SYSTEM_SCOPE)
    client = FhirClient(smart_ehr.fhir_base, auth)

    assert client.read("Patient", patients[0])["id"] == patients[0]
    assert client.read("Patient", patients[5])["id"] == patients[5]
    live = assess_patient(client, patients[5], write=True)
    assert live.write is not None and live.write.count("created") > 0


def test_a_backend_token_is_short_lived_with_system_scopes_and_no_refresh(smart_ehr):
    response = client_credentials(
        smart_ehr,
        assertion(smart_ehr, sub=BACKEND, iss=BACKEND),
        scope="system/Patient.read system/Observation.rs patient/*.rs launch openid",
    )
    token = response.json()
    assert response.headers["Cache-Control"] == "no-store"
    assert token["token_type"] == "Bearer"
    assert token["scope"] == "system/Patient.read system/Observation.rs"
    assert 0 < token["expires_in"] <= 300
    assert "refresh_token" not in token and "patient" not in token


def test_a_backend_request_without_system_scopes_is_refused(smart_ehr):
    response = client_credentials(
        smart_ehr, assertion(smart_ehr, sub=BACKEND, iss=BACKEND), scope="patient/*.rs"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_the_backend_client_from_a_config_file(smart_ehr, patients, tmp_path):
    # The way `noms-cds assess --backend-config FILE` is set up (docs/integration.md).
    key = SMART_DATA / "example-jwks-RS384.private-PUBLISHED-TEST-KEY.json"
    config = tmp_path / "backend.json"
    config.write_text(
        json.dumps(
            {"token_url": token_url(smart_ehr), "client_id": BACKEND, "private_key": str(key)}
        )
    )
    client = FhirClient(smart_ehr.fhir_base, backend_services_from_config(config))
    assert client.read("Patient", patients[1])["id"] == patients[1]


def test_an_unregistered_backend_client_is_refused(smart_ehr):
    key = load_signing_key(SMART_DATA / "example-jwks-RS384.private-PUBLISHED-TEST-KEY.json")
    auth = BackendServices(token_url(smart_ehr), "not-registered", key, DEFAULT_SYSTEM_SCOPE)
    with pytest.raises(FhirAuthError, match="invalid_client"):
        auth.headers()


def test_a_launched_app_cannot_use_client_credentials(smart_ehr):
    signed = assertion(smart_ehr)  # the asymmetric app, which launches with a user
    response = client_credentials(smart_ehr, signed)
    assert response.json()["error"] == "unauthorized_client"


def test_a_backend_client_cannot_start_a_launch(smart_ehr):
    flow = start_flow(smart_ehr, client_id=BACKEND, scope="launch/patient patient/*.rs")
    response = requests.get(flow.url, allow_redirects=False, timeout=10)
    assert response.status_code == 400  # it has no redirect URI the code could go to
    assert "Location" not in response.headers
