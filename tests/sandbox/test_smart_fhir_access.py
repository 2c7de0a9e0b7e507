"""The sandbox FHIR store in SMART mode: tokens required, scopes and patient compartment kept."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.workflow import assess_patient
from tests.sandbox.smart_support import bearer, ehr_launch, exchange, start_flow

OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def token_for(ehr: Any, patient: str, scope: str, user: str = "clinician") -> dict[str, Any]:
    launch = ehr_launch(ehr, patient, user)
    flow = start_flow(ehr, scope=f"launch {scope}", launch=launch)
    response = requests.get(flow.url, allow_redirects=False, timeout=10)
    return exchange(ehr, flow, response)


def get(ehr: Any, path: str, token: Any = None, **params: str) -> requests.Response:
    headers = bearer(token) if token is not None else {}
    return requests.get(f"{ehr.fhir_base}/{path}", headers=headers, params=params, timeout=10)


def post(ehr: Any, path: str, body: dict[str, Any], token: Any) -> requests.Response:
    headers = {**bearer(token), "Content-Type": "application/fhir+json"}
    return requests.post(f"{ehr.fhir_base}/{path}", json=body, headers=headers, timeout=10)


def observation(patient: str, performer: str = "Practitioner/sandbox-clinician") -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam"}]}],
        "code": {"text": "a clinician's finding"},
        "subject": {"reference": f"Patient/{patient}"},
        "performer": [{"reference": performer}],
        "valueBoolean": True,
    }


def own_observations(ehr: Any, patient: str) -> int:
    return sum(
        1
        for v in ehr.store.data.all_current("Observation")
        if v.resource.get("subject", {}).get("reference") == f"Patient/{patient}"
    )


# -- authentication ----------------------------------------------------------------------------


def test_a_request_without_a_token_gets_401_with_bearer_challenge(smart_ehr, patients):
    response = get(smart_ehr, f"Patient/{patients[0]}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sandbox-ehr"'
    assert response.json()["issue"][0]["code"] == "login"


@pytest.mark.parametrize(
    "header", ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer"], ids=repr
)
def test_an_invalid_token_gets_401(smart_ehr, patients, header):
    response = requests.get(
        f"{smart_ehr.fhir_base}/Patient/{patients[0]}", headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_an_unknown_token_is_named_invalid(smart_ehr, patients):
    response = get(smart_ehr, f"Patient/{patients[0]}", "x" * 43)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_expired_token_gets_401(smart_ehr, patients, epoch_clock):
    token = token_for(smart_ehr, patients[0], "patient/*.rs")
    assert get(smart_ehr, f"Patient/{patients[0]}", token).status_code == 200
    epoch_clock.advance(token["expires_in"] + 1)
    response = get(smart_ehr, f"Patient/{patients[0]}", token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("path", ["metadata", ".well-known/smart-configuration"])
def test_discovery_needs_no_token(smart_ehr, path):
    assert get(smart_ehr, path).status_code == 200


def test_the_admin_api_reports_that_tokens_are_required(smart_ehr):
    settings = requests.get(f"{smart_ehr.admin_url}/settings", timeout=10).json()
    assert settings["auth_required"] is True


# -- patient/ scopes: only the launch patient ----------------------------------------------


def test_a_patient_token_reads_its_patient_and_not_another(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "patient/*.rs")
    assert get(smart_ehr, f"Patient/{patients[0]}", token).json()["id"] == patients[0]

    other = get(smart_ehr, f"Patient/{patients[1]}", token)
    assert other.status_code == 403
    assert other.json()["issue"][0]["code"] == "forbidden"
    assert 'error="insufficient_scope"' in other.headers["WWW-Authenticate"]


def test_a_patient_token_cannot_read_another_patients_observation(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "patient/*.rs")
    theirs = next(
        v.id
        for v in smart_ehr.store.data.all_current("Observation")
        if v.resource["subject"]["reference"] == f"Patient/{patients[1]}"
    )
    assert get(smart_ehr, f"Observation/{theirs}", token).status_code == 403
    assert get(smart_ehr, f"Observation/{theirs}/_history/1", token).status_code == 403


def test_searches_return_only_the_launch_patients_resources(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "patient/*.rs")
    everything = get(smart_ehr, "Observation", token, _count="500").json()
    assert everything["total"] == own_observations(smart_ehr, patients[0]) > 0
    assert {e["resource"]["subject"]["reference"] for e in everything["entry"]} == {
        f"Patient/{patients[0]}"
    }
    assert get(smart_ehr, "Patient", token).json()["total"] == 1


@pytest.mark.parametrize("param", ["patient", "subject"])
def test_a_search_naming_another_patient_is_refused(smart_ehr, patients, param):
    token = token_for(smart_ehr, patients[0], "patient/*.rs")
    assert get(smart_ehr, "Observation", token, **{param: patients[0]}).status_code == 200
    assert get(smart_ehr, "Observation", token, **{param: patients[1]}).status_code == 403


def test_paging_links_cannot_be_followed_with_another_patients_token(smart_ehr, patients):
    mine = token_for(smart_ehr, patients[0], "patient/*.rs")
    page = get(smart_ehr, "Observation", mine, patient=patients[0], _count="2").json()
    next_url = next(link["url"] for link in page["link"] if link["relation"] == "next")
    assert requests.get(next_url, headers=bearer(mine), timeout=10).status_code == 200
    theirs = token_for(smart_ehr, patients[1], "patient/*.rs")
    assert requests.get(next_url, headers=bearer(theirs), timeout=10).status_code == 403


def test_a_read_only_token_cannot_write(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "patient/*.rs")
    response = post(smart_ehr, "Observation", observation(patients[0]), token)
    assert response.status_code == 403
    assert "create of Observation" in response.json()["issue"][0]["diagnostics"]


def test_a_patient_write_token_writes_only_into_its_patients_record(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "patient/Observation.cu")
    assert post(smart_ehr, "Observation", observation(patients[0]), token).status_code == 201
    before = smart_ehr.store.data.counts()
    response = post(smart_ehr, "Observation", observation(patients[1]), token)
    assert response.status_code == 403
    assert f"Patient/{patients[0]}" in response.json()["issue"][0]["diagnostics"]
    assert smart_ehr.store.data.counts() == before


def test_an_update_cannot_move_another_patients_resource_into_the_record(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "patient/Observation.rus")
    theirs = next(
        v.resource
        for v in smart_ehr.store.data.all_current("Observation")
        if v.resource["subject"]["reference"] == f"Patient/{patients[1]}"
    )
    moved = {**theirs, "subject": {"reference": f"Patient/{patients[0]}"}}
    headers = {**bearer(token), "Content-Type": "application/fhir+json"}
    response = requests.put(
        f"{smart_ehr.fhir_base}/Observation/{theirs['id']}", json=moved, headers=headers
    )
    assert response.status_code == 403


def test_a_refused_transaction_entry_rolls_back_the_whole_transaction(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "patient/Observation.c")
    before = smart_ehr.store.data.counts()
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": observation(patients[0]),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": observation(patients[1]),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    response = post(smart_ehr, "", bundle, token)
    assert response.status_code == 403
    assert "Bundle.entry[1]" in response.json()["issue"][0]["diagnostics"]
    assert smart_ehr.store.data.counts() == before


def test_a_granular_scope_limits_what_is_seen(smart_ehr, patients):
    # SMART v2 granular scope (scopes-and-launch-context.md "Finer-grained resource constraints").
    scope = f"patient/Observation.rs?category={OBSERVATION_CATEGORY}|laboratory"
    token = token_for(smart_ehr, patients[0], scope)
    assert token["scope"] == f"launch {scope}"
    found = get(smart_ehr, "Observation", token, _count="500").json()
    categories = {
        c["code"]
        for e in found.get("entry", [])
        for cat in e["resource"]["category"]
        for c in cat["coding"]
    }
    assert categories <= {"laboratory"}
    exam = next(
        v.id
        for v in smart_ehr.store.data.all_current("Observation")
        if v.resource["subject"]["reference"] == f"Patient/{patients[0]}"
        and v.resource["category"][0]["coding"][0]["code"] == "exam"
    )
    assert get(smart_ehr, f"Observation/{exam}", token).status_code == 403


def test_a_granular_scope_the_store_cannot_check_is_not_granted(smart_ehr, patients):
    token = token_for(
        smart_ehr, patients[0], "patient/Observation.rs?date=ge2024 patient/Patient.rs"
    )
    assert token["scope"] == "launch patient/Patient.rs"


# -- user/ scopes and fhirUser --------------------------------------------------------------------


def test_a_user_token_reaches_every_patient(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "user/Patient.rs")
    assert get(smart_ehr, f"Patient/{patients[1]}", token).status_code == 200
    assert get(smart_ehr, "Observation", token).status_code == 403  # no Observation scope


def test_fhiruser_lets_the_app_read_its_own_practitioner_only(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "openid fhirUser patient/*.rs")
    assert get(smart_ehr, "Practitioner/sandbox-clinician", token).status_code == 200
    assert get(smart_ehr, "Practitioner/sandbox-radiologist", token).status_code == 403
    without = token_for(smart_ehr, patients[0], "openid patient/*.rs")
    assert get(smart_ehr, "Practitioner/sandbox-clinician", without).status_code == 403


def test_the_sandbox_users_are_practitioners_in_the_store(smart_ehr, patients):
    token = token_for(smart_ehr, patients[0], "user/Practitioner.rs")
    found = get(smart_ehr, "Practitioner", token).json()
    ids = {e["resource"]["id"] for e in found["entry"]}
    assert {"sandbox-clinician", "sandbox-radiologist"} <= ids


def test_the_service_gathers_assesses_and_saves_with_a_launch_token(smart_ehr, patients):
    """What the SMART app will do: read with the token, write results with the user named."""
    scope = "patient/*.rs patient/Observation.c patient/RiskAssessment.c patient/Provenance.c"
    token = token_for(smart_ehr, patients[0], scope)
    client = FhirClient(smart_ehr.fhir_base, BearerToken(token["access_token"]))
    before = smart_ehr.store.data.counts()

    live = assess_patient(
        client, token["patient"], write=True, user="Practitioner/sandbox-clinician"
    )

    assert live.write is not None and live.write.mode == "transaction"
    after = smart_ehr.store.data.counts()
    assert after["Provenance"] == before.get("Provenance", 0) + 1
    provenance = smart_ehr.store.data.all_current("Provenance")[-1].resource
    assert {"reference": "Practitioner/sandbox-clinician"} in [
        a["who"] for a in provenance["agent"]
    ]
    for target in provenance["target"]:
        kind, ident = target["reference"].split("/")
        written = smart_ehr.store.data.current(kind, ident).resource
        assert written["subject"]["reference"] == f"Patient/{patients[0]}"
