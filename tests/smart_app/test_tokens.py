"""Client authentication, id_token checks and refresh (SMART App Launch 2.2), against mocks."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey

from service.errors import AuthConfigurationError, ConfigurationError
from smart_app.views import EXTENSION
from tests.smart_app.conftest import callback, launched_session, start_launch
from tests.smart_app.mock_ehr import AUTH, CLIENT_ID, ISS, load, signing_key


def _session_of(app, page: str):
    return app.extensions[EXTENSION].sessions.load(page.split("/")[3])


# -- client authentication at the token endpoint ----------------------------------------------


def test_a_symmetric_client_authenticates_with_http_basic(smart_app, ehr):
    app = smart_app(SMART_CLIENT_TYPE="confidential-symmetric", SMART_CLIENT_SECRET="s3cret")
    launched_session(app.test_client(), ehr)
    request = ehr.token_requests[0]
    expected = base64.b64encode(f"{CLIENT_ID}:s3cret".encode()).decode()
    assert request["headers"]["Authorization"] == f"Basic {expected}"
    assert "client_secret" not in request["form"]
    assert "code_verifier" in request["form"]  # PKCE is sent by confidential clients too


def test_the_client_secret_can_come_from_a_file(smart_app, ehr, tmp_path: Path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n", encoding="utf-8")
    app = smart_app(SMART_CLIENT_TYPE="confidential-symmetric", SMART_CLIENT_SECRET_FILE=secret)
    launched_session(app.test_client(), ehr)
    expected = base64.b64encode(f"{CLIENT_ID}:from-a-file".encode()).decode()
    assert ehr.token_requests[0]["headers"]["Authorization"] == f"Basic {expected}"


@pytest.mark.parametrize("kind", ["RS384", "ES384"])
def test_an_asymmetric_client_sends_a_fresh_private_key_jwt(smart_app, ehr, tmp_path, kind):
    key_file = Path(__file__).resolve().parents[1] / "data" / "smart"
    key_file = key_file / f"example-jwks-{kind}.private-PUBLISHED-TEST-KEY.json"
    app = smart_app(SMART_CLIENT_TYPE="confidential-asymmetric", SMART_PRIVATE_KEY_FILE=key_file)
    client = app.test_client()
    launched_session(client, ehr)
    launched = start_launch(client, ehr, launch="again")
    assert callback(client, launched.params).status_code == 303
    public = KeySet.import_key_set(load(f"example-jwks-{kind}.public-PUBLISHED-TEST-KEY.json"))
    assertions = []
    for request in ehr.token_requests:
        form = request["form"]
        assert form["client_assertion_type"] == (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        )
        assert "Authorization" not in request["headers"]
        token = jwt.decode(form["client_assertion"], public, algorithms=[kind])
        assert token.header["alg"] == kind and token.header["typ"] == "JWT"
        assert token.header["kid"] == public.keys[0].kid
        claims = token.claims
        assert claims["iss"] == claims["sub"] == CLIENT_ID
        assert claims["aud"] == AUTH + "/token"
        assert 0 < claims["exp"] - time.time() <= 300
        assertions.append(claims["jti"])
    assert len(set(assertions)) == 2  # a new jti for every request


def test_an_asymmetric_client_needs_a_usable_key(smart_app, tmp_path: Path):
    missing = tmp_path / "none.json"
    with pytest.raises(ConfigurationError, match="SMART_PRIVATE_KEY_FILE"):
        smart_app(SMART_CLIENT_TYPE="confidential-asymmetric")
    with pytest.raises(ConfigurationError, match="is not a file"):
        smart_app(SMART_CLIENT_TYPE="confidential-asymmetric", SMART_PRIVATE_KEY_FILE=missing)
    public_only = Path(__file__).resolve().parents[1] / "data" / "smart"
    public_only = public_only / "example-jwks-RS384.public-PUBLISHED-TEST-KEY.json"
    with pytest.raises(AuthConfigurationError, match="no private key"):
        smart_app(SMART_CLIENT_TYPE="confidential-asymmetric", SMART_PRIVATE_KEY_FILE=public_only)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SMART_CLIENT_TYPE": "confidential-symmetric"}, "needs its secret"),
        ({"SMART_CLIENT_SECRET": "x"}, "a public app has no secret"),
        ({"SMART_CLIENT_TYPE": "secret"}, "must be one of"),
        ({"SMART_SCOPES": "launch patient/Patient.rs"}, "added by the app itself"),
        ({"SMART_SCOPES": "patient/Observation.write system/*.read"}, "not a SMART scope"),
        ({"SMART_ISSUERS": "http://ehr.example.org/fhir"}, "must use https"),
        ({"PUBLIC_BASE_URL": "http://cds.example.org"}, "must be https when the SMART app"),
        ({"SMART_SCOPE_VERSION": "v3"}, "v1 or v2"),
    ],
)
def test_settings_that_cannot_work_stop_start_up(smart_app, settings, message):
    with pytest.raises(ConfigurationError, match=message):
        smart_app(**settings)


def test_v1_scopes_can_be_asked_for(smart_app, ehr):
    client = smart_app(SMART_SCOPE_VERSION="v1").test_client()
    ehr.discovery()
    scopes = start_launch(client, ehr, launch="x").params["scope"].split()
    assert "patient/Observation.read" in scopes and "patient/Observation.write" in scopes
    assert not any(s.endswith((".rs", ".crs", ".cs")) for s in scopes)


def test_configured_scopes_replace_the_defaults(smart_app, ehr):
    client = smart_app(SMART_SCOPES="patient/*.rs").test_client()
    ehr.discovery()
    assert start_launch(client, ehr).params["scope"] == "launch/patient patient/*.rs"
    assert ehr.nonce is None  # no openid: no nonce, and no id_token is expected


# -- the id_token -----------------------------------------------------------------------------


def test_a_valid_id_token_makes_fhir_user_the_author(app, client, ehr):
    page = launched_session(client, ehr)
    session = _session_of(app, page)
    assert session.fhir_user == "Practitioner/sandbox-clinician"  # relative: same server
    assert session.user_name == "Dr Amara Okafor"
    assert ehr.calls.count(AUTH + "/jwks") == 1


def test_a_fhir_user_on_another_server_is_kept_absolute(app, client, ehr):
    ehr.id_token_claims = {"fhirUser": "https://directory.example.org/fhir/Practitioner/9"}
    session = _session_of(app, launched_session(client, ehr))
    assert session.fhir_user == "https://directory.example.org/fhir/Practitioner/9"


@pytest.mark.parametrize(
    "claim", ["Device/1", "not a url", "javascript:alert(1)", "https://x.org/Organization/1"]
)
def test_a_fhir_user_that_is_not_a_user_gives_no_author(app, client, ehr, claim):
    ehr.id_token_claims = {"fhirUser": claim}
    session = _session_of(app, launched_session(client, ehr))
    assert session.fhir_user is None


def _forged(claims: dict, key=None, alg: str = "RS384", header: dict | None = None) -> str:
    key = key or signing_key()
    return jwt.encode(
        {"alg": alg, "kid": "eee9f17a3b598fd86417a980b591fbe6", **(header or {})},
        claims,
        key,
        algorithms=[alg],
    )


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


@pytest.mark.parametrize(
    "problem",
    [
        "wrong-nonce",
        "wrong-audience",
        "wrong-issuer",
        "expired",
        "no-nonce",
        "other-key",
        "none",
        "hs256-with-public-key",
        "several-audiences-no-azp",
    ],
)
def test_an_id_token_that_does_not_verify_stops_the_launch(client, ehr, monkeypatch, problem):
    ehr.discovery()
    ehr.token_endpoint()
    launched = start_launch(client, ehr, launch="x")
    now = int(time.time())
    claims = {
        "iss": AUTH,
        "sub": "u",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": ehr.nonce,
        "fhirUser": ISS + "/Practitioner/p",
    }
    changes = {
        "wrong-nonce": {"nonce": "another"},
        "wrong-audience": {"aud": "someone-else"},
        "wrong-issuer": {"iss": "https://evil.example.org"},
        "expired": {"exp": now - 3600, "iat": now - 7200},
        "no-nonce": {"nonce": None},
        "several-audiences-no-azp": {"aud": [CLIENT_ID, "other"]},
    }
    claims = {k: v for k, v in {**claims, **changes.get(problem, {})}.items() if v is not None}
    if problem == "other-key":
        other = KeySet.generate_key_set("RSA", 2048, count=1).keys[0]
        token = _forged(claims, other)
    elif problem == "none":
        token = _unsigned(claims)
    elif problem == "hs256-with-public-key":
        public = json.dumps(load("example-jwks-RS384.public-PUBLISHED-TEST-KEY.json")["keys"][0])
        token = _forged(claims, OctKey.import_key(public.encode()), alg="HS256")
    else:
        token = _forged(claims)
    ehr.with_id_token = False
    ehr.token = {**ehr.token, "id_token": token}
    answer = callback(client, launched.params)
    assert answer.status_code == 502
    assert "did not verify" in answer.get_data(as_text=True) or "several apps" in answer.get_data(
        as_text=True
    )


def test_without_an_id_token_the_session_has_no_author(app, client, ehr):
    ehr.with_id_token = False
    session = _session_of(app, launched_session(client, ehr))
    assert session.fhir_user is None


def test_an_id_token_from_an_ehr_that_hides_its_keys_is_refused(client, ehr):
    ehr.discovery(issuer=None, jwks_uri=None)
    ehr.token_endpoint()
    launched = start_launch(client, ehr, launch="x")
    assert callback(client, launched.params).status_code == 502


def test_openid_discovery_of_the_issuer_finds_the_keys(app, client, ehr):
    ehr.discovery(jwks_uri=None)
    ehr.rsps.get(
        AUTH + "/.well-known/openid-configuration",
        json={"issuer": AUTH, "jwks_uri": AUTH + "/jwks"},
    )
    ehr.token_endpoint()
    launched = start_launch(client, ehr, launch="x")
    page = callback(client, launched.params).headers["Location"]
    assert _session_of(app, page).fhir_user == "Practitioner/sandbox-clinician"


# -- refresh ----------------------------------------------------------------------------------


def test_an_expired_access_token_is_refreshed_before_the_fhir_calls(app, client, ehr):
    ehr.token = {**ehr.token, "expires_in": 1}  # within the refresh margin: already "expired"
    ehr.fhir()
    page = launched_session(client, ehr)
    assert client.get(page).status_code == 200
    assert len(ehr.refreshed) == 1
    refresh = ehr.refreshed[0]
    assert refresh["grant_type"] == "refresh_token"
    assert (
        refresh["refresh_token"] == load("token-response-authorization-code.json")["refresh_token"]
    )
    assert "scope" not in refresh  # the same grant, never a wider one
    assert set(ehr.fhir_tokens) == {"Bearer refreshed-access-0"}
    session = _session_of(app, page)
    assert session.access_token == "refreshed-access-0"
    assert session.refresh_token == "refreshed-refresh-0"  # the new one replaces the old


def test_a_401_from_the_fhir_server_refreshes_once_and_retries(app, client, ehr):
    ehr.fhir()
    page = launched_session(client, ehr)
    ehr.fhir_status = 401  # the EHR revoked the token early
    original = ehr._seen

    def once_401(request):
        status = original(request)
        ehr.fhir_status = 200
        return status

    ehr._seen = once_401
    ehr.fhir_tokens.clear()
    assert client.get(page).status_code == 200
    assert len(ehr.refreshed) == 1
    assert ehr.fhir_tokens[0] != "Bearer refreshed-access-0"
    assert "Bearer refreshed-access-0" in ehr.fhir_tokens[1:]


def test_a_refused_refresh_ends_the_session(app, client, ehr):
    ehr.token = {**ehr.token, "expires_in": 1}
    ehr.fhir()
    page = launched_session(client, ehr)
    ehr.token_status, ehr.token = 400, {"error": "invalid_grant"}
    answer = client.get(page)
    assert answer.status_code == 401
    assert "launch the app again" in answer.get_data(as_text=True).lower()
    assert _session_of(app, page) is None


def test_without_a_refresh_token_an_expired_session_asks_for_a_new_launch(app, client, ehr):
    ehr.token = {k: v for k, v in ehr.token.items() if k != "refresh_token"} | {"expires_in": 1}
    ehr.fhir()
    page = launched_session(client, ehr)
    answer = client.get(page)
    assert answer.status_code == 401
    assert ehr.refreshed == []
    assert ehr.fhir_tokens == []  # no FHIR call was made with the expired token


def test_an_asymmetric_app_publishes_only_its_public_key(smart_app):
    key_file = Path(__file__).resolve().parents[1] / "data" / "smart"
    key_file = key_file / "example-jwks-ES384.private-PUBLISHED-TEST-KEY.json"
    app = smart_app(SMART_CLIENT_TYPE="confidential-asymmetric", SMART_PRIVATE_KEY_FILE=key_file)
    answer = app.test_client().get("/smart/jwks.json")
    assert answer.status_code == 200
    (key,) = answer.get_json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-384" and key["alg"] == "ES384"
    assert "d" not in key and key["kid"]


def test_a_public_app_has_no_key_to_publish(client):
    assert client.get("/smart/jwks.json").status_code == 404
