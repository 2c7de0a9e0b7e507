"""The launch and the callback on the wire (SMART App Launch 2.2 app-launch.md), against mocks."""

from __future__ import annotations

import json

import pytest
import responses

from tests.smart_app.conftest import COOKIE, callback, start_launch
from tests.smart_app.mock_ehr import (
    APP,
    AUTH,
    CLIENT_ID,
    ISS,
    ig_token_response,
    load,
    query,
    s256,
)


def test_ehr_launch_sends_the_browser_to_authorize_with_pkce_aud_launch_and_state(client, ehr):
    ehr.discovery()
    launched = start_launch(client, ehr, launch="xyz123")
    location = launched.response.headers["Location"]
    assert location.startswith(AUTH + "/authorize?")
    p = launched.params
    assert p["response_type"] == "code"
    assert p["client_id"] == CLIENT_ID
    assert p["redirect_uri"] == APP + "/smart/callback"
    assert p["aud"] == ISS
    assert p["launch"] == "xyz123"
    scopes = p["scope"].split()
    assert scopes[0] == "launch" and "launch/patient" not in scopes
    assert {"openid", "fhirUser", "patient/Observation.crs"} <= set(scopes)
    assert p["code_challenge_method"] == "S256"
    assert len(p["code_challenge"]) == 43  # base64url of a SHA-256, no padding
    assert len(p["state"]) >= 43 and len(p["nonce"]) >= 43  # 256 bits, SMART asks >= 122
    assert ehr.calls == [ISS + "/.well-known/smart-configuration"]


def test_each_launch_has_its_own_state_verifier_and_nonce(client, ehr):
    ehr.discovery()
    first = start_launch(client, ehr, launch="a").params
    second = start_launch(client, ehr, launch="b").params
    for name in ("state", "code_challenge", "nonce"):
        assert first[name] != second[name]


def test_the_code_verifier_sent_matches_the_challenge(client, ehr):
    ehr.discovery()
    ehr.token_endpoint()
    launched = start_launch(client, ehr, launch="xyz123")
    assert callback(client, launched.params).status_code == 303
    form = ehr.token_requests[0]["form"]
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == "the-code"
    assert form["redirect_uri"] == APP + "/smart/callback"
    assert s256(form["code_verifier"]) == launched.params["code_challenge"]
    assert form["client_id"] == CLIENT_ID  # public client: no secret, PKCE only


def test_the_cookie_fits_an_ehr_iframe_and_holds_only_an_opaque_id(client, ehr):
    ehr.discovery()
    launched = start_launch(client, ehr, launch="xyz123")
    header = launched.response.headers["Set-Cookie"]
    name, _, rest = header.partition("=")
    assert name == COOKIE  # __Host-: https, no Domain, Path=/
    attributes = {part.strip().split("=")[0].lower() for part in rest.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "partitioned", "path"} <= attributes
    assert "SameSite=None" in header and "Path=/" in header and "Domain" not in header
    assert len(launched.cookie) == 43
    assert launched.cookie not in launched.response.headers["Location"]


def test_a_second_launch_in_the_same_browser_keeps_its_cookie(client, ehr):
    ehr.discovery()
    first = start_launch(client, ehr, launch="a")
    second = client.get("/smart/launch", query_string={"iss": ISS, "launch": "b"})
    assert "Set-Cookie" not in second.headers
    assert client.get_cookie(COOKIE).value == first.cookie


def test_standalone_launch_asks_for_a_patient(client, ehr):
    ehr.discovery()
    p = start_launch(client, ehr).params
    assert "launch" not in p
    assert p["scope"].split()[0] == "launch/patient"
    assert p["aud"] == ISS


def test_standalone_launch_without_iss_uses_the_only_allowed_ehr(client, ehr):
    ehr.discovery()
    response = client.get("/smart/launch")
    assert response.status_code == 302
    assert query(response.headers["Location"])["aud"] == ISS


def test_with_several_ehrs_a_standalone_launch_asks_which(smart_app, ehr):
    client = smart_app(SMART_ISSUERS=f"{ISS} https://other.example.org/fhir").test_client()
    response = client.get("/smart/launch")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "https://other.example.org/fhir" in page and ISS in page
    assert ehr.calls == []


@pytest.mark.parametrize(
    "iss",
    [
        "https://evil.example.org/fhir",
        "https://ehr.example.org/fhir/../other",
        "https://ehr.example.org/fhirx",
        "http://ehr.example.org/fhir",
        "https://ehr.example.org.evil.org/fhir",
    ],
)
def test_an_unknown_issuer_is_refused_before_any_request_is_made(client, iss):
    # No URL is registered: any request the app sent would fail with a ConnectionError, and
    # responses records every attempt.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        response = client.get("/smart/launch", query_string={"iss": iss, "launch": "x"})
        assert len(rsps.calls) == 0
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "not allowed" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_a_trailing_slash_on_iss_is_the_same_ehr(client, ehr):
    ehr.discovery()
    response = client.get("/smart/launch", query_string={"iss": ISS + "/", "launch": "x"})
    assert response.status_code == 302
    assert query(response.headers["Location"])["aud"] == ISS


def test_an_ehr_launch_without_iss_is_refused(client, ehr):
    response = client.get("/smart/launch", query_string={"launch": "x"})
    assert response.status_code == 400
    assert ehr.calls == []


def test_discovery_falls_back_to_the_capability_statement(client, ehr):
    ehr.rsps.get(ISS + "/.well-known/smart-configuration", status=404)
    statement = {
        "resourceType": "CapabilityStatement",
        "rest": [
            {
                "mode": "server",
                "security": {
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/"
                            "oauth-uris",
                            "extension": [
                                {"url": "authorize", "valueUri": AUTH + "/v1/authorize"},
                                {"url": "token", "valueUri": AUTH + "/v1/token"},
                            ],
                        }
                    ]
                },
            }
        ],
    }
    ehr.rsps.get(ISS + "/metadata", json=statement)
    response = client.get("/smart/launch", query_string={"iss": ISS, "launch": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(AUTH + "/v1/authorize?")


def test_the_published_ig_configuration_is_understood(smart_app, ehr):
    document = load("smart-configuration-example.json")
    base = document["authorization_endpoint"].removesuffix("/auth/authorize") + "/fhir"
    client = smart_app(SMART_ISSUERS=base).test_client()
    ehr.rsps.get(base + "/.well-known/smart-configuration", json=document)
    response = client.get("/smart/launch", query_string={"iss": base, "launch": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(document["authorization_endpoint"] + "?")


def test_discovery_is_cached_in_the_shared_store(client, ehr):
    ehr.discovery()
    start_launch(client, ehr, launch="a")
    start_launch(client, ehr, launch="b")
    assert ehr.calls.count(ISS + "/.well-known/smart-configuration") == 1


@pytest.mark.parametrize(
    "document",
    [
        {"token_endpoint": "http://ehr.example.org/auth/token"},  # secrets over plain http
        {"authorization_endpoint": "javascript:alert(1)"},
        {"token_endpoint": "https://user:pw@ehr.example.org/token"},
        {"token_endpoint": None},
    ],
    ids=["http-token", "javascript", "credentials", "no-token"],
)
def test_unusable_endpoints_stop_the_launch(client, ehr, document):
    ehr.discovery(**document)
    response = client.get("/smart/launch", query_string={"iss": ISS, "launch": "x"})
    assert response.status_code == 502
    assert "SMART configuration" in response.get_data(as_text=True)


def test_an_unreadable_discovery_is_a_clear_error(client, ehr):
    ehr.rsps.get(ISS + "/.well-known/smart-configuration", body="<html>oops</html>")
    ehr.rsps.get(ISS + "/metadata", status=500)
    response = client.get("/smart/launch", query_string={"iss": ISS, "launch": "x"})
    assert response.status_code == 502
    assert "could not be read" in response.get_data(as_text=True)


def test_a_redirecting_discovery_is_not_followed(client, ehr):
    ehr.rsps.get(
        ISS + "/.well-known/smart-configuration",
        status=302,
        headers={"Location": "http://169.254.169.254/latest"},
    )
    ehr.rsps.get(ISS + "/metadata", status=404)
    response = client.get("/smart/launch", query_string={"iss": ISS, "launch": "x"})
    assert response.status_code == 502
    assert not any("169.254" in url for url in ehr.calls)


# -- the callback -----------------------------------------------------------------------------


def test_the_callback_opens_a_session_page(client, ehr):
    ehr.discovery()
    ehr.token_endpoint()
    launched = start_launch(client, ehr, launch="xyz123")
    answer = callback(client, launched.params)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/smart/a/")


def test_an_unknown_state_is_refused(client, ehr):
    ehr.discovery()
    ehr.token_endpoint()
    start_launch(client, ehr, launch="xyz123")
    answer = client.get("/smart/callback", query_string={"code": "c", "state": "forged" * 8})
    assert answer.status_code == 400
    assert ehr.token_requests == []


def test_a_callback_without_state_is_refused(client, ehr):
    answer = client.get("/smart/callback", query_string={"code": "c"})
    assert answer.status_code == 400


def test_a_state_works_once(client, ehr):
    ehr.discovery()
    ehr.token_endpoint()
    launched = start_launch(client, ehr, launch="xyz123")
    assert callback(client, launched.params).status_code == 303
    again = callback(client, launched.params)
    assert again.status_code == 400
    assert len(ehr.token_requests) == 1


def test_a_state_from_another_browser_is_refused(app, ehr):
    ehr.discovery()
    ehr.token_endpoint()
    victim, attacker = app.test_client(), app.test_client()
    launched = start_launch(attacker, ehr, launch="xyz123")
    start_launch(victim, ehr, launch="other")
    answer = callback(victim, launched.params)
    assert answer.status_code == 400
    assert "another browser" in answer.get_data(as_text=True)
    assert ehr.token_requests == []


def test_a_blocked_cookie_gets_a_clear_error_not_a_loop(app, ehr):
    ehr.discovery()
    ehr.token_endpoint()
    launched = start_launch(app.test_client(), ehr, launch="xyz123")
    answer = callback(app.test_client(), launched.params)  # a browser that dropped the cookie
    assert answer.status_code == 400
    assert "cookie" in answer.get_data(as_text=True)
    assert "Location" not in answer.headers
    assert ehr.token_requests == []


def test_an_authorization_error_is_shown_escaped(client, ehr):
    ehr.discovery()
    launched = start_launch(client, ehr, launch="xyz123")
    answer = client.get(
        "/smart/callback",
        query_string={
            "state": launched.params["state"],
            "error": "access_denied",
            "error_description": "<script>alert(1)</script> the user said no",
        },
    )
    assert answer.status_code == 403
    page = answer.get_data(as_text=True)
    assert "access_denied" in page and "the user said no" in page
    assert "<script>alert" not in page


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "invalid_grant", "error_description": "code expired"}),
        (401, {"error": "invalid_client"}),
        (500, {"error": "server_error"}),
    ],
)
def test_token_errors_are_pages_not_crashes(client, ehr, status, body):
    ehr.discovery()
    ehr.token_endpoint()
    ehr.token_status, ehr.token = status, body
    launched = start_launch(client, ehr, launch="xyz123")
    answer = callback(client, launched.params)
    assert answer.status_code == 502
    page = answer.get_data(as_text=True)
    assert "did not give the app access" in page
    if status < 500:
        assert body["error"] in page


def test_a_token_endpoint_that_answers_html_is_an_error(client, ehr):
    ehr.discovery()
    ehr.rsps.post(AUTH + "/token", body="<html>maintenance</html>", status=200)
    launched = start_launch(client, ehr, launch="xyz123")
    assert callback(client, launched.params).status_code == 502


@pytest.mark.parametrize(
    "change",
    [
        {"token_type": "mac"},
        {"access_token": ""},
        {"patient": None},
        {"patient": "../Patient/other"},
    ],
    ids=["not-bearer", "no-access-token", "no-patient", "bad-patient-id"],
)
def test_unusable_token_responses_are_refused(client, ehr, change):
    ehr.discovery()
    ehr.token_endpoint()
    ehr.token = {k: v for k, v in {**ehr.token, **change}.items() if v is not None}
    launched = start_launch(client, ehr, launch="xyz123")
    answer = callback(client, launched.params)
    assert answer.status_code == 502
    assert "/smart/a/" not in answer.headers.get("Location", "")


def test_a_token_response_that_is_not_a_json_object_is_refused(client, ehr):
    ehr.discovery()
    ehr.rsps.post(AUTH + "/token", body=json.dumps([1, 2]), content_type="application/json")
    launched = start_launch(client, ehr, launch="xyz123")
    assert callback(client, launched.params).status_code == 502


@pytest.mark.parametrize(
    "body",
    [
        # a token answer is a few KB: 64 KiB of padding is refused before Authlib parses it
        json.dumps({**ig_token_response(), "pad": "x" * (70 * 1024)}),
        # Authlib's response.json() has no depth limit; 100,000 levels would end in RecursionError
        json.dumps(ig_token_response())[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ],
    ids=["too-large", "too-deep"],
)
def test_a_token_response_out_of_bounds_is_refused(client, ehr, body):
    ehr.discovery()
    ehr.rsps.post(AUTH + "/token", body=body, content_type="application/json")
    launched = start_launch(client, ehr, launch="xyz123")
    answer = callback(client, launched.params)
    assert answer.status_code == 502
    assert "/smart/a/" not in answer.headers.get("Location", "")


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_a_launch_can_finish_on_another_worker(make_app, ehr, store, request):
    # Two apps on one shared store behave like two gunicorn workers (or replicas): the launch
    # starts on one and the callback and the page land on the other.
    settings = {"PUBLIC_BASE_URL": APP, "SMART_ISSUERS": ISS}
    if store == "redis":
        settings["REDIS_URL"] = request.getfixturevalue("redis_url")
    first, second = make_app(**settings), make_app(**settings)
    ehr.discovery()
    ehr.token_endpoint()
    ehr.fhir()
    browser = first.test_client()
    launched = start_launch(browser, ehr, launch="xyz123")
    other = second.test_client()
    other.set_cookie(COOKIE, launched.cookie, domain="localhost")
    answer = callback(other, launched.params)
    assert answer.status_code == 303
    assert browser.get(answer.headers["Location"]).status_code == 200
