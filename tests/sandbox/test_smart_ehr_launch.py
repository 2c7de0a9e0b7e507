"""EHR launch against the sandbox EHR over real HTTP, driven with Authlib's OAuth2Session."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet, RSAKey

from tests.sandbox.smart_support import (
    APP_REDIRECT_URI,
    PUBLIC_APP,
    SYMMETRIC_APP,
    bearer,
    ehr_launch,
    exchange,
    load,
    redirect_params,
    start_flow,
)

FULL_SCOPE = (
    "launch openid fhirUser patient/*.rs user/Observation.cu user/Provenance.c offline_access"
)


def authorize(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=10)


def launched_token(ehr: Any, patient: str, scope: str = FULL_SCOPE, **flow: str) -> dict:
    launch = ehr_launch(ehr, patient)
    started = start_flow(ehr, scope=scope, launch=launch, **flow)
    return exchange(ehr, started, authorize(started.url))


def test_ehr_launch_issues_a_code_for_the_launch_context_and_echoes_state(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope=FULL_SCOPE, launch=launch)
    assert "code_challenge_method=S256" in flow.url

    params = redirect_params(authorize(flow.url))

    assert params["state"] == flow.state
    assert len(params["code"]) >= 40
    assert set(params) == {"code", "state"}


def test_token_response_has_the_smart_fields_of_the_published_example(smart_ehr, patients):
    # Shapes: tests/data/smart/token-response-authorization-code.json (SMART App Launch IG).
    example = load("token-response-authorization-code.json")
    token = launched_token(smart_ehr, patients[0])

    assert set(example) <= set(token)
    for key, value in example.items():
        assert type(token[key]) is type(value), key
    assert token["token_type"] == "Bearer"
    assert token["patient"] == patients[0]
    assert token["need_patient_banner"] is False  # the EHR page shows its own banner
    assert token["smart_style_url"] == smart_ehr.root_url + "/smart-style.json"
    assert token["scope"].split() == FULL_SCOPE.split()
    assert 0 < token["expires_in"] <= 3600
    assert "id_token" in token and "encounter" not in token


def test_token_endpoint_answers_no_store(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    code = redirect_params(authorize(flow.url))["code"]
    response = requests.post(
        smart_ehr.auth_url + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": APP_REDIRECT_URI,
            "client_id": PUBLIC_APP,
            "code_verifier": flow.verifier,
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"
    assert "refresh_token" not in response.json()  # no offline_access, no online_access
    assert "id_token" not in response.json()  # no openid


def test_id_token_verifies_with_the_published_jwks_and_names_the_practitioner(smart_ehr, patients):
    token = launched_token(smart_ehr, patients[0], nonce="n-0S6_WzA2Mj")
    config = requests.get(
        smart_ehr.auth_url + "/.well-known/openid-configuration", timeout=10
    ).json()
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=10).json())

    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": config["issuer"]},
        aud={"essential": True, "value": PUBLIC_APP},
        sub={"essential": True, "value": "clinician"},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": "n-0S6_WzA2Mj"},
    ).validate(decoded.claims)
    assert decoded.header["kid"] == keys.keys[0].kid
    fhir_user = decoded.claims["fhirUser"]
    assert fhir_user == f"{smart_ehr.fhir_base}/Practitioner/sandbox-clinician"
    practitioner = requests.get(fhir_user, headers=bearer(token), timeout=10)
    assert practitioner.status_code == 200
    assert practitioner.json()["name"][0]["family"] == "Okafor"


def test_an_id_token_signed_by_another_key_does_not_verify(smart_ehr, patients):
    token = launched_token(smart_ehr, patients[0])
    keys = KeySet.import_key_set(requests.get(smart_ehr.auth_url + "/jwks", timeout=10).json())
    genuine = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    impostor = RSAKey.generate_key(2048, parameters={"kid": keys.keys[0].kid})
    forged = jwt.encode(genuine.header, genuine.claims, impostor, algorithms=["RS256"])
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, keys, algorithms=["RS256"])


def _error_redirect(url: str, state: str) -> dict[str, str]:
    params = redirect_params(authorize(url))
    assert params["state"] == state
    assert "code" not in params
    return params


def test_authorization_without_pkce_is_refused(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    query = {
        "response_type": "code",
        "client_id": PUBLIC_APP,
        "redirect_uri": APP_REDIRECT_URI,
        "scope": "launch patient/*.rs",
        "state": "st-no-pkce",
        "aud": smart_ehr.fhir_base,
        "launch": launch,
    }
    params = _error_redirect(f"{smart_ehr.auth_url}/authorize?{urlencode(query)}", "st-no-pkce")
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]


def test_plain_pkce_is_refused(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    verifier = "v" * 50
    query = {
        "response_type": "code",
        "client_id": PUBLIC_APP,
        "redirect_uri": APP_REDIRECT_URI,
        "scope": "launch patient/*.rs",
        "state": "st-plain",
        "aud": smart_ehr.fhir_base,
        "launch": launch,
        "code_challenge": verifier,
        "code_challenge_method": "plain",
    }
    params = _error_redirect(f"{smart_ehr.auth_url}/authorize?{urlencode(query)}", "st-plain")
    assert params["error"] == "invalid_request"
    assert "S256" in params["error_description"]


def test_a_wrong_code_verifier_is_refused_at_the_token_endpoint(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    response = authorize(flow.url)
    flow.verifier = "w" * 48
    with pytest.raises(OAuthError) as refused:
        exchange(smart_ehr, flow, response)
    assert refused.value.error == "invalid_grant"


def test_a_token_request_without_code_verifier_is_refused(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    code = redirect_params(authorize(flow.url))["code"]
    response = requests.post(
        smart_ehr.auth_url + "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": APP_REDIRECT_URI,
            "client_id": PUBLIC_APP,
        },
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "aud",
    ["http://127.0.0.1:9/fhir", "https://evil.example/fhir", ""],
    ids=["other-port", "other-host", "missing"],
)
def test_an_aud_other_than_the_fhir_base_is_refused(smart_ehr, patients, aud):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch, aud=aud)
    params = _error_redirect(flow.url, flow.state)
    assert params["error"] == "invalid_request"
    assert "aud" in params["error_description"]


def test_the_fhir_base_with_a_trailing_slash_is_accepted_as_aud(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(
        smart_ehr, scope="launch patient/*.rs", launch=launch, aud=smart_ehr.fhir_base + "/"
    )
    assert "code" in redirect_params(authorize(flow.url))


@pytest.mark.parametrize(
    "redirect_uri",
    [APP_REDIRECT_URI + "/extra", APP_REDIRECT_URI.replace("127.0.0.1", "localhost"), ""],
    ids=["longer-path", "other-host", "missing"],
)
def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    smart_ehr, patients, redirect_uri
):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(
        smart_ehr, scope="launch patient/*.rs", launch=launch, redirect_uri=redirect_uri
    )
    response = authorize(flow.url)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_request" in response.text


def test_an_unknown_client_gets_an_error_page(smart_ehr):
    query = {"response_type": "code", "client_id": "nobody", "redirect_uri": APP_REDIRECT_URI}
    response = authorize(f"{smart_ehr.auth_url}/authorize?{urlencode(query)}")
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_client" in response.text


@pytest.mark.parametrize(
    ("launch", "scope", "error"),
    [
        ("not-a-launch", "launch patient/*.rs", "invalid_request"),
        (None, "patient/*.rs launch", "invalid_request"),  # launch scope without a launch
        ("LAUNCH", "patient/*.rs", "invalid_scope"),  # a launch without the launch scope
        ("LAUNCH", "launch not/a-scope", "invalid_scope"),  # nothing grantable
    ],
    ids=["unknown-launch", "scope-without-launch", "launch-without-scope", "nothing-grantable"],
)
def test_bad_launch_requests_are_refused(smart_ehr, patients, launch, scope, error):
    params: dict[str, str] = {}
    if launch == "LAUNCH":
        params["launch"] = ehr_launch(smart_ehr, patients[0])
    elif launch is not None:
        params["launch"] = launch
    flow = start_flow(smart_ehr, scope=scope, **params)
    assert _error_redirect(flow.url, flow.state)["error"] == error


def test_a_launch_made_for_another_app_is_refused(smart_ehr, patients):
    launch = smart_ehr.auth.launch(SYMMETRIC_APP, "clinician", patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    params = _error_redirect(flow.url, flow.state)
    assert "another app" in params["error_description"]


def test_a_launch_expires(smart_ehr, patients, epoch_clock):
    launch = ehr_launch(smart_ehr, patients[0])
    epoch_clock.advance(3601)
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    assert "expired" in _error_redirect(flow.url, flow.state)["error_description"]


def test_a_code_works_once(smart_ehr, patients):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    response = authorize(flow.url)
    exchange(smart_ehr, flow, response)
    with pytest.raises(OAuthError) as refused:
        exchange(smart_ehr, flow, response)
    assert refused.value.error == "invalid_grant"


def test_a_code_expires_after_a_minute(smart_ehr, patients, epoch_clock):
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    response = authorize(flow.url)
    epoch_clock.advance(61)
    with pytest.raises(OAuthError) as refused:
        exchange(smart_ehr, flow, response)
    assert refused.value.error == "invalid_grant"


def test_authorize_post_works_like_get(smart_ehr, patients):
    # SMART conformance "authorize-post": the same parameters as a form.
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    url, _, query = flow.url.partition("?")
    response = requests.post(
        url,
        data=query,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=10,
    )
    assert redirect_params(response)["state"] == flow.state
    assert exchange(smart_ehr, flow, response)["patient"] == patients[0]


def test_the_banner_and_style_follow_the_launch(smart_ehr, patients):
    launch = ehr_launch(
        smart_ehr,
        patients[1],
        need_patient_banner=True,
        smart_style_url="http://127.0.0.1:1/style.json",
    )
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    token = exchange(smart_ehr, flow, authorize(flow.url))
    assert token["patient"] == patients[1]
    assert token["need_patient_banner"] is True
    assert token["smart_style_url"] == "http://127.0.0.1:1/style.json"


def test_launch_encounter_is_granted_only_with_an_encounter_in_context(smart_ehr, patients):
    token = launched_token(smart_ehr, patients[0], scope="launch launch/encounter patient/*.rs")
    assert token["scope"] == "launch patient/*.rs"
    launch = ehr_launch(smart_ehr, patients[0], encounter_id="enc-1")
    flow = start_flow(smart_ehr, scope="launch launch/encounter patient/*.rs", launch=launch)
    token = exchange(smart_ehr, flow, authorize(flow.url))
    assert token["encounter"] == "enc-1"
    assert "launch/encounter" in token["scope"].split()


# -- refresh ------------------------------------------------------------------------------------


def test_refresh_gives_a_new_token_with_the_same_context_and_rotates(smart_ehr, patients):
    # Shapes: tests/data/smart/token-response-refresh.json (SMART App Launch IG).
    example = load("token-response-refresh.json")
    first = launched_token(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope=FULL_SCOPE)

    second = dict(
        flow.session.refresh_token(
            smart_ehr.auth_url + "/token", refresh_token=first["refresh_token"]
        )
    )

    assert set(example) <= set(second)
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["patient"] == patients[0]
    assert second["scope"] == first["scope"]
    assert second["expires_in"] > 0
    ok = requests.get(f"{smart_ehr.fhir_base}/Patient/{patients[0]}", headers=bearer(second))
    assert ok.status_code == 200
    with pytest.raises(OAuthError) as reused:  # a refresh token works once
        flow.session.refresh_token(
            smart_ehr.auth_url + "/token", refresh_token=first["refresh_token"]
        )
    assert reused.value.error == "invalid_grant"


def test_refresh_may_narrow_but_not_widen_the_scope(smart_ehr, patients):
    first = launched_token(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope=FULL_SCOPE)
    narrower = flow.session.refresh_token(
        smart_ehr.auth_url + "/token",
        refresh_token=first["refresh_token"],
        scope="patient/*.rs offline_access",
    )
    assert narrower["scope"] == "patient/*.rs offline_access"
    with pytest.raises(OAuthError) as widened:
        flow.session.refresh_token(
            smart_ehr.auth_url + "/token",
            refresh_token=narrower["refresh_token"],
            scope="patient/*.rs user/*.cruds offline_access",
        )
    assert widened.value.error == "invalid_scope"


def test_a_refresh_token_belongs_to_its_client(smart_ehr, patients):
    first = launched_token(smart_ehr, patients[0])
    other = start_flow(smart_ehr, client_id=SYMMETRIC_APP, scope=FULL_SCOPE)
    with pytest.raises(OAuthError) as refused:
        other.session.refresh_token(
            smart_ehr.auth_url + "/token", refresh_token=first["refresh_token"]
        )
    assert refused.value.error == "invalid_grant"


def test_online_access_also_gives_a_refresh_token(smart_ehr, patients):
    token = launched_token(smart_ehr, patients[0], scope="launch patient/*.rs online_access")
    assert token["refresh_token"]


def test_an_openid_nonce_cannot_be_replayed(smart_ehr, patients):
    launched_token(smart_ehr, patients[0], nonce="same-nonce-1")
    launch = ehr_launch(smart_ehr, patients[0])
    flow = start_flow(smart_ehr, scope=FULL_SCOPE, launch=launch, nonce="same-nonce-1")
    params = _error_redirect(flow.url, flow.state)
    assert params["error"] == "invalid_request"


def test_many_launches_at_once_each_get_their_own_patient(smart_ehr, patients):
    # The werkzeug server is threaded and the state is shared: nothing may cross over.
    def one(patient: str) -> str:
        token = launched_token(smart_ehr, patient, scope="launch patient/*.rs")
        reply = requests.get(
            f"{smart_ehr.fhir_base}/Patient", headers=bearer(token), timeout=10
        ).json()
        assert [e["resource"]["id"] for e in reply["entry"]] == [patient]
        return token["patient"]

    wanted = patients * 2
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(one, wanted)) == wanted


def test_a_refresh_token_outlives_its_access_token(smart_ehr, patients, epoch_clock):
    first = launched_token(smart_ehr, patients[0])
    epoch_clock.advance(first["expires_in"] + 1)
    expired = requests.get(f"{smart_ehr.fhir_base}/Patient/{patients[0]}", headers=bearer(first))
    assert expired.status_code == 401
    flow = start_flow(smart_ehr, scope=FULL_SCOPE)
    second = flow.session.refresh_token(
        smart_ehr.auth_url + "/token", refresh_token=first["refresh_token"]
    )
    fresh = requests.get(f"{smart_ehr.fhir_base}/Patient/{patients[0]}", headers=bearer(second))
    assert fresh.status_code == 200
