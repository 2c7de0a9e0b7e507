"""A patient's data for a CDS call: prefetch first, the rest from fhirServer over real HTTP.

The EHR is the sandbox FHIR store on a loopback port; the prefetch is what a CDS client would
send (each template filled in and fetched from the same store, tests/cds/prefetching.py).
"""

from __future__ import annotations

import json
import uuid

import pytest

from service.cds.descriptions import PATIENT_QUERIES, SPINE_METS_NOMS
from service.cds.gathering import cds_limits, from_prefetch, gather
from service.cds.hooks import parse_hook_request
from service.cds.jwt import VerifiedCaller
from service.config import load_settings
from service.errors import DataUnavailable, FhirAuthError, FhirNotFound
from service.fhir.client import FhirClient
from tests.cds import tokens
from tests.cds.prefetching import prefetch_from

STEM = "18-two-levels-nsclc"
KEYS = [query.key for query in PATIENT_QUERIES]


def settings_for(*fhir_servers: str):
    issuers = {tokens.SANDBOX_ISSUER: {"jku": [tokens.SANDBOX_JKU], "fhir_servers": fhir_servers}}
    return load_settings({"CDS_ISSUERS": json.dumps(issuers)}, prefix="")


def hook_request(patient_id: str, prefetch=None, fhir_server=None, token=None):
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": patient_id},
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    if fhir_server:
        body["fhirServer"] = fhir_server
    if token:
        body["fhirAuthorization"] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "user/Patient.read user/Observation.read",
            "subject": "noms-cds",
        }
    caller = VerifiedCaller(tokens.SANDBOX_ISSUER, None, 0.0)
    return parse_hook_request(body, SPINE_METS_NOMS, caller)


def ids(resources) -> set[str]:
    return {f"{r['resourceType']}/{r['id']}" for r in resources}


@pytest.fixture
def patient(store_admin) -> str:
    return store_admin.patient_id(STEM)


@pytest.fixture
def everything(fhir_store, patient) -> set[str]:
    resources, _ = FhirClient(fhir_store.base_url).gather(patient)
    return ids(resources)


def test_a_full_prefetch_needs_no_fhir_server(fhir_store, store_admin, patient, everything):
    prefetch = prefetch_from(fhir_store.base_url, patient)
    store_admin.clear_log()
    data = gather(hook_request(patient, prefetch), settings_for())
    assert ids(data.resources) == everything and data.fetched == ()
    assert store_admin.request_count() == 0


def test_a_partial_prefetch_is_completed_from_the_fhir_server(
    fhir_store, store_admin, patient, everything
):
    prefetch = prefetch_from(fhir_store.base_url, patient)
    del prefetch["observations"]  # not satisfied
    prefetch["conditions"] = {  # the client tried and failed
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout"}],
    }
    prefetch["procedures"]["link"] = [{"relation": "next", "url": fhir_store.base_url + "/x"}]
    store_admin.clear_log()
    request = hook_request(patient, prefetch, fhir_store.base_url, token="lent-token")
    data = gather(request, settings_for(fhir_store.base_url))
    assert ids(data.resources) == everything
    assert set(data.fetched) == {"conditions", "observations", "procedures"}
    paths = sorted(entry["path"].rsplit("/", 1)[-1] for entry in store_admin.log())
    assert paths == ["Condition", "Observation", "Procedure"]  # no batch: only what was missing


def test_nothing_prefetched_is_one_batch(fhir_store, store_admin, patient, everything):
    store_admin.clear_log()
    data = gather(
        hook_request(patient, None, fhir_store.base_url), settings_for(fhir_store.base_url)
    )
    assert ids(data.resources) == everything and set(data.fetched) == set(KEYS)
    assert [entry["method"] for entry in store_admin.log()] == ["GET", "POST"]  # metadata, batch


def test_null_means_no_data_and_is_not_fetched(store_admin, patient):
    prefetch = dict.fromkeys(KEYS)
    data, missing = from_prefetch(hook_request(patient, prefetch))
    assert data.resources == [] and missing == ()


def test_an_empty_searchset_is_no_data():
    empty = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    prefetch = {key: empty for key in KEYS if key != "patient"}
    prefetch["patient"] = {"resourceType": "Patient", "id": "p1"}
    data, missing = from_prefetch(hook_request("p1", prefetch))
    assert ids(data.resources) == {"Patient/p1"} and missing == ()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("patient", {"resourceType": "Patient", "id": "someone-else"}),
        ("patient", {"resourceType": "Bundle", "type": "searchset"}),
        ("conditions", {"resourceType": "Condition", "id": "c1"}),
        ("conditions", {"resourceType": "Bundle", "entry": "not a list"}),
        (
            "conditions",
            {
                "resourceType": "Bundle",
                "entry": [
                    {
                        "resource": {
                            "resourceType": "OperationOutcome",
                            "issue": [{"severity": "fatal", "code": "exception"}],
                        },
                        "search": {"mode": "outcome"},
                    }
                ],
            },
        ),
    ],
)
def test_what_does_not_answer_its_query_is_fetched(key, value):
    prefetch = dict.fromkeys(KEYS)
    prefetch[key] = value
    data, missing = from_prefetch(hook_request("p1", prefetch))
    assert [query.key for query in missing] == [key]
    assert any(key in issue.message for issue in data.issues)


def test_warnings_and_other_types_in_a_searchset_are_kept_as_issues():
    prefetch = dict.fromkeys(KEYS)
    prefetch["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": {"resourceType": "Condition", "id": "c1"}},
            {"resource": {"resourceType": "Encounter", "id": "e1"}, "search": {"mode": "include"}},
            {
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [{"severity": "warning", "code": "incomplete", "diagnostics": "cut"}],
                }
            },
        ],
    }
    data, missing = from_prefetch(hook_request("p1", prefetch))
    assert missing == () and ids(data.resources) == {"Condition/c1"}
    assert [issue.message for issue in data.issues] == [
        "prefetch conditions: a Encounter ignored",
        "prefetch conditions: the EHR reported: cut",
    ]


def test_prefetch_outcome_text_is_cleaned_and_the_lent_token_redacted():
    # The text comes from the EHR: the call's own token, echoed, is redacted before the text is
    # bounded (a cut at 200 characters must not leave the token's prefix), controls removed.
    token = "lent-token-" + "s" * 40
    text = "x" * 180 + " echo " + token + "\x1b[31m"
    prefetch = dict.fromkeys(KEYS)
    prefetch["conditions"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [{"severity": "warning", "code": "incomplete", "diagnostics": text}],
                }
            }
        ],
    }
    request = hook_request("p1", prefetch, "https://ehr.example.org/fhir", token=token)
    data, _ = from_prefetch(request)
    (issue,) = data.issues
    assert "lent-tok" not in issue.message and "\x1b" not in issue.message


def test_no_prefetch_and_no_fhir_server_is_data_unavailable():
    with pytest.raises(DataUnavailable, match="the prefetch lacks patient, conditions"):
        gather(hook_request("p1"), settings_for())


def test_a_fhir_server_off_the_allow_list_is_never_called(fhir_store, store_admin, patient):
    store_admin.clear_log()
    request = hook_request(patient, None, fhir_store.base_url, token="lent-token")
    with pytest.raises(DataUnavailable, match="not one the service may call"):
        gather(request, settings_for("https://ehr.example.org/fhir"))
    with pytest.raises(DataUnavailable):
        gather(request, settings_for(fhir_store.base_url + "-other"))
    assert store_admin.request_count() == 0


def test_the_lent_token_is_sent_and_a_refusal_is_an_error(fhir_store, store_admin, patient):
    store_admin.settings(bearer_tokens=["lent-token"])
    settings = settings_for(fhir_store.base_url)
    data = gather(hook_request(patient, None, fhir_store.base_url, "lent-token"), settings)
    assert data.resources
    with pytest.raises(FhirAuthError):
        gather(hook_request(patient, None, fhir_store.base_url, "wrong-token"), settings)


def test_an_unknown_patient_is_not_found(fhir_store, store_admin):
    settings = settings_for(fhir_store.base_url)
    with pytest.raises(FhirNotFound):
        gather(hook_request("no-such-patient", None, fhir_store.base_url), settings)


def test_cds_calls_keep_the_configured_limits_and_tighten_only_the_times():
    # docs/integration.md: NOMS_FHIR_<LIMIT> bounds every FHIR client, the CDS one included;
    # a CDS call then ends within NOMS_CDS_FHIR_TIMEOUT.
    settings = load_settings(
        {"FHIR_MAX_RESPONSE_BYTES": "4096", "FHIR_GATHER_DEADLINE": "3", "CDS_FHIR_TIMEOUT": "8"},
        prefix="",
    )
    limits = cds_limits(settings)
    assert limits.max_response_bytes == 4096  # configured, kept
    assert limits.gather_deadline == 3  # configured tighter than the CDS timeout, kept
    assert limits.request_deadline == 8 and limits.retries == 1 and limits.max_pages == 10
