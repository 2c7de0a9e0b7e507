"""Standalone launch: the sign-in page with the user and patient pickers, over real HTTP."""

from __future__ import annotations

from typing import Any

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.sandbox.smart_support import (
    APP_REDIRECT_URI,
    Flow,
    exchange,
    field_values,
    forms_of,
    redirect_params,
    start_flow,
)

STANDALONE = "launch/patient openid fhirUser patient/*.rs offline_access"


def sign_in_page(flow: Flow) -> tuple[requests.Response, dict[str, Any]]:
    page = requests.get(flow.url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text
    (form,) = forms_of(page.text)
    return page, form


def answer(ehr: Any, form: dict[str, Any], **choices: str) -> requests.Response:
    data = {"pending": field_values(form, "pending")[0], **choices}
    return requests.post(ehr.auth_url + "/authorize", data=data, allow_redirects=False, timeout=10)


def test_the_sign_in_page_offers_the_users_and_the_demo_patients(smart_ehr, patients):
    page, form = sign_in_page(start_flow(smart_ehr, scope=STANDALONE))

    assert form["method"] == "post" and form["action"] == "/auth/authorize"
    assert field_values(form, "user") == ["clinician", "radiologist", "oncologist"]
    assert field_values(form, "patient") == patients
    assert set(field_values(form, "decision")) == {"allow", "deny"}
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    for scope in STANDALONE.split():
        assert f"<code>{scope}</code>" in page.text


def test_a_standalone_launch_gets_the_chosen_patient_and_user(smart_ehr, patients):
    flow = start_flow(smart_ehr, scope=STANDALONE)
    _, form = sign_in_page(flow)

    redirect = answer(smart_ehr, form, user="radiologist", patient=patients[3], decision="allow")
    assert redirect_params(redirect)["state"] == flow.state
    token = exchange(smart_ehr, flow, redirect)

    assert token["patient"] == patients[3]
    assert token["need_patient_banner"] is True  # no EHR around the app
    assert token["scope"] == STANDALONE
    assert token["refresh_token"]
    keys = KeySet.import_key_set(requests.get(smart_ehr.auth_url + "/jwks", timeout=10).json())
    claims = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["sub"] == "radiologist"
    assert claims["fhirUser"].endswith("/Practitioner/sandbox-radiologist")
    patient = requests.get(
        f"{smart_ehr.fhir_base}/Patient/{patients[3]}",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert patient.status_code == 200


def test_denying_sends_access_denied_with_the_state(smart_ehr):
    flow = start_flow(smart_ehr, scope=STANDALONE)
    _, form = sign_in_page(flow)
    params = redirect_params(answer(smart_ehr, form, decision="deny"))
    assert params == {
        "error": "access_denied",
        "error_description": params["error_description"],
        "state": flow.state,
    }


def test_without_a_patient_the_page_asks_again_and_the_old_form_is_spent(smart_ehr, patients):
    flow = start_flow(smart_ehr, scope=STANDALONE)
    _, form = sign_in_page(flow)

    again = answer(smart_ehr, form, user="clinician", decision="allow")
    assert again.status_code == 400
    assert "Choose a patient." in again.text
    (second,) = forms_of(again.text)
    assert field_values(second, "pending") != field_values(form, "pending")

    spent = answer(smart_ehr, form, user="clinician", patient=patients[0], decision="allow")
    assert spent.status_code == 400
    assert "expired or was already used" in spent.text
    assert "Location" not in spent.headers

    done = answer(smart_ehr, second, user="clinician", patient=patients[0], decision="allow")
    assert exchange(smart_ehr, flow, done)["patient"] == patients[0]


def test_an_unknown_patient_or_user_is_not_accepted(smart_ehr, patients):
    flow = start_flow(smart_ehr, scope=STANDALONE)
    _, form = sign_in_page(flow)
    unknown_patient = answer(smart_ehr, form, user="clinician", patient="no-such", decision="allow")
    assert unknown_patient.status_code == 400
    (form,) = forms_of(unknown_patient.text)
    unknown_user = answer(smart_ehr, form, user="mallory", patient=patients[0], decision="allow")
    assert unknown_user.status_code == 400
    assert "Choose who you are." in unknown_user.text


def test_user_scopes_alone_need_a_user_but_no_patient(smart_ehr, patients):
    flow = start_flow(smart_ehr, scope="openid fhirUser user/*.rs")
    _, form = sign_in_page(flow)
    assert field_values(form, "patient") == []

    redirect = answer(smart_ehr, form, user="oncologist", patient=patients[0], decision="allow")
    token = exchange(smart_ehr, flow, redirect)
    assert "patient" not in token  # a patient posted without being asked for is ignored
    assert "refresh_token" not in token


def test_the_app_cannot_pick_the_patient_or_user_through_its_request(smart_ehr, patients):
    flow = start_flow(smart_ehr, scope=STANDALONE, patient=patients[0], user="clinician")
    _page, form = sign_in_page(flow)
    assert field_values(form, "patient") == patients  # still asked


def test_launch_encounter_is_not_granted_standalone(smart_ehr, patients):
    flow = start_flow(smart_ehr, scope="launch/patient launch/encounter patient/*.rs")
    _, form = sign_in_page(flow)
    redirect = answer(smart_ehr, form, user="clinician", patient=patients[0], decision="allow")
    assert exchange(smart_ehr, flow, redirect)["scope"] == "launch/patient patient/*.rs"


def test_errors_before_the_page_go_back_to_the_app(smart_ehr):
    flow = start_flow(smart_ehr, scope=STANDALONE, aud="http://127.0.0.1:9/fhir")
    response = requests.get(flow.url, allow_redirects=False, timeout=10)
    assert response.headers["Location"].startswith(APP_REDIRECT_URI)
    assert redirect_params(response)["error"] == "invalid_request"
