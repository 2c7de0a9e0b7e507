"""The FHIR client against mocked servers (responses): reading, retrying, paging."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from service.errors import (
    FhirAuthError,
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
    FhirTemporaryError,
)
from service.fhir import codes
from service.fhir.auth import BearerToken
from service.fhir.client import Capabilities, FhirClient
from service.fhir.http import retry_after_seconds
from service.fhir.limits import Limits
from service.workflow import assess_resources
from tests.conftest import AUSTIN, load
from tests.fhir.mocks import BASE, capability, searchset

AUSTIN_ID = "84afbe27-2a55-4f53-b1de-3513e21dae68"  # the Patient.id in tests/data/synthea/Austin_*


def austin_resources() -> list[dict[str, Any]]:
    """The real Synthea patient, as a server would hand it out (references made local)."""
    from service.fhir.extract import resources_from_bundle

    resources, _ = resources_from_bundle(load(AUSTIN))
    return resources


# --- Capabilities, reading and paging ---------------------------------------------------------


def test_capabilities_are_read_once(mock, client):
    mock.get(f"{BASE}/metadata", json=capability(conditional=False))
    caps = client.capabilities()
    assert client.capabilities() is caps
    assert (caps.batch, caps.transaction, caps.known) == (True, True, True)
    assert caps.creatable == {"Observation", "RiskAssessment", "Provenance"}
    assert caps.conditional_create == frozenset()


def test_unreadable_capability_statement_means_unknown(mock, client):
    mock.get(f"{BASE}/metadata", status=404)
    caps = client.capabilities()
    assert caps == Capabilities() and caps.may_create("RiskAssessment")


def test_search_follows_next_links_without_gaps(mock, client):
    observations = [r for r in austin_resources() if r["resourceType"] == "Observation"]
    pages = [observations[i : i + 60] for i in range(0, len(observations), 60)]
    assert len(pages) == 4  # 188 real Observations
    mock.get(
        f"{BASE}/Observation",
        json=searchset(pages[0], f"{BASE}/page?n=1"),
        match=[responses.matchers.query_param_matcher({"patient": AUSTIN_ID, "code": "x"})],
    )
    for n, page in enumerate(pages[1:], start=1):
        next_url = f"{BASE}/page?n={n + 1}" if n + 1 < len(pages) else None
        mock.get(
            f"{BASE}/page",
            json=searchset(page, next_url),
            match=[responses.matchers.query_param_matcher({"n": str(n)})],
        )
    found, issues = client.search("Observation", {"patient": AUSTIN_ID, "code": "x"})
    assert [r["id"] for r in found] == [r["id"] for r in observations]
    assert issues == []


def test_paging_stops_at_the_cap_and_says_so(mock, sleeps):
    capped = FhirClient(BASE, limits=Limits(max_pages=2), sleep=sleeps.append)
    mock.get(f"{BASE}/Condition", json=searchset([], f"{BASE}/p2"))
    mock.get(f"{BASE}/p2", json=searchset([], f"{BASE}/p3"))
    _, issues = capped.search("Condition", {"patient": "p"})
    assert len(issues) == 1 and "stopped after 2 pages" in issues[0].message


def test_gather_uses_one_batch_when_offered(mock, client):
    resources = austin_resources()
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    by_type = {
        t: [r for r in resources if r["resourceType"] == t]
        for t in ("Condition", "Observation", "Procedure", "ImagingStudy")
    }
    mock.get(f"{BASE}/metadata", json=capability())

    def batch_reply(request):
        sent = json.loads(request.body)
        assert sent["type"] == "batch"
        urls = [e["request"]["url"] for e in sent["entry"]]
        assert urls[0] == f"Patient/{patient['id']}"
        observation_query = parse_qs(urlsplit(urls[2]).query)
        assert observation_query["patient"] == [patient["id"]]
        assert f"{codes.SPINE_ONCOLOGY}|sins-pain" in observation_query["code"][0]
        assert f"{codes.LOINC}|89247-1" in observation_query["code"][0]
        replies = [{"resource": patient, "response": {"status": "200 OK"}}]
        for rtype in ("Condition", "Observation", "Procedure", "ImagingStudy"):
            next_url = f"{BASE}/more-observations" if rtype == "Observation" else None
            first = by_type[rtype][:100] if rtype == "Observation" else by_type[rtype]
            replies.append(
                {"resource": searchset(first, next_url), "response": {"status": "200 OK"}}
            )
        return (
            200,
            {},
            json.dumps({"resourceType": "Bundle", "type": "batch-response", "entry": replies}),
        )

    mock.add_callback(responses.POST, BASE, callback=batch_reply)
    mock.get(f"{BASE}/more-observations", json=searchset(by_type["Observation"][100:]))
    found, issues = client.gather(patient["id"])
    assert len(found) == 1 + sum(len(v) for v in by_type.values())
    assert client.requests_sent == 3  # metadata, the batch, one more page
    assert issues == []


def test_gather_searches_in_parallel_without_batch(mock, client):
    mock.get(f"{BASE}/metadata", json=capability(batch=False))
    mock.get(f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    for rtype in ("Condition", "Observation", "Procedure", "ImagingStudy"):
        mock.get(f"{BASE}/{rtype}", json=searchset([]))
    found, _ = client.gather("p1")
    assert [r["resourceType"] for r in found] == ["Patient"]
    queries = {
        urlsplit(c.request.url).path.rsplit("/", 1)[-1]: parse_qs(urlsplit(c.request.url).query)
        for c in mock.calls
    }
    assert "code" in queries["Observation"]  # Epic refuses Observation searches without one
    assert queries["Condition"]["patient"] == ["p1"]


def test_missing_patient_in_a_batch_is_not_found(mock, client):
    mock.get(f"{BASE}/metadata", json=capability())
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "not-found", "diagnostics": "Patient/zz is not known"}
        ],
    }
    mock.post(
        BASE,
        json={
            "resourceType": "Bundle",
            "type": "batch-response",
            "entry": [{"response": {"status": "404 Not Found", "outcome": outcome}}]
            + [{"resource": searchset([]), "response": {"status": "200 OK"}}] * 4,
        },
    )
    with pytest.raises(FhirNotFound, match="not known"):
        client.gather("zz")


# --- Errors and retries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, FhirAuthError),
        (403, FhirAuthError),
        (404, FhirNotFound),
        (410, FhirNotFound),
        (400, FhirRequestError),
        (422, FhirRequestError),
    ],
)
def test_status_is_mapped_to_an_error_without_retrying(mock, client, sleeps, status, error):
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "processing", "diagnostics": "nope"}],
    }
    mock.get(f"{BASE}/Patient/p1", json=outcome, status=status)
    with pytest.raises(error) as info:
        client.read("Patient", "p1")
    assert info.value.status == status and info.value.outcome == outcome
    assert "(nope)" in str(info.value) and "p1" not in str(info.value)
    assert sleeps == []


def test_429_honours_retry_after_seconds(mock, client, sleeps):
    mock.get(f"{BASE}/Patient/p1", status=429, headers={"Retry-After": "7"})
    mock.get(f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    assert client.read("Patient", "p1")["id"] == "p1"
    assert sleeps == [7.0]


def test_429_honours_retry_after_date(mock, sleeps):
    now = 1_900_000_000.0
    timed = FhirClient(
        BASE, sleep=sleeps.append, clock=lambda: now, limits=Limits(retry_wait_budget=30)
    )
    when = format_datetime(datetime.fromtimestamp(now + 12, UTC), usegmt=True)
    mock.get(f"{BASE}/Patient/p1", status=429, headers={"Retry-After": when})
    mock.get(f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    timed.read("Patient", "p1")
    assert sleeps == [12.0]


def test_5xx_then_success_backs_off_exponentially(mock, client, sleeps):
    mock.get(f"{BASE}/Patient/p1", status=503)
    mock.get(f"{BASE}/Patient/p1", status=502)
    mock.get(f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    client.read("Patient", "p1")
    assert sleeps == [0.5, 1.0]


def test_persistent_5xx_gives_up_as_temporary(mock, client, sleeps):
    for _ in range(4):
        mock.get(f"{BASE}/Patient/p1", status=500)
    with pytest.raises(FhirTemporaryError, match="HTTP 500"):
        client.read("Patient", "p1")
    assert len(sleeps) == 3


def test_timeouts_are_retried(mock, client, sleeps):
    mock.get(f"{BASE}/Patient/p1", body=requests.Timeout("slow"))
    mock.get(f"{BASE}/Patient/p1", json={"resourceType": "Patient", "id": "p1"})
    assert client.read("Patient", "p1")["id"] == "p1"
    assert sleeps == [0.5]


def test_timeouts_that_persist_are_temporary_errors(mock, client):
    for _ in range(4):
        mock.get(f"{BASE}/Patient/p1", body=requests.ConnectionError("refused"))
    with pytest.raises(FhirTemporaryError, match="connection failed after 4 attempts"):
        client.read("Patient", "p1")


def test_unparseable_json_is_an_invalid_response(mock, client):
    mock.get(f"{BASE}/Condition", body="<html>gateway</html>", status=200)
    with pytest.raises(FhirInvalidResponse, match="is not valid JSON"):
        client.search("Condition", {"patient": "p1"})


def test_operation_outcome_inside_a_searchset_is_reported(mock, client):
    warning = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "warning", "code": "incomplete", "diagnostics": "some data withheld"}
        ],
    }
    mock.get(f"{BASE}/Condition", json=searchset([warning]))
    found, issues = client.search("Condition", {"patient": "p1"})
    assert found == [] and "some data withheld" in issues[0].message


def test_resource_failing_r4b_parsing_is_skipped_and_the_rest_used():
    resources = austin_resources()
    broken = next(
        r
        for r in resources
        if r["resourceType"] == "Condition" and r["code"]["coding"][0]["code"] == "254637007"
    )
    broken["onsetDateTime"] = "not a date"
    report = assess_resources(resources)
    assert any(
        i.resource == f"Condition/{broken['id']}" and "not a valid" in i.message
        for i in report.extraction.issues
    )
    assert len(report.extraction.findings.primaries) == 1  # the other NSCLC Condition


def test_bearer_token_is_sent(mock):
    authed = FhirClient(BASE, BearerToken("secret-token"))
    mock.get(
        f"{BASE}/Patient/p1",
        json={"resourceType": "Patient", "id": "p1"},
        match=[responses.matchers.header_matcher({"Authorization": "Bearer secret-token"})],
    )
    authed.read("Patient", "p1")
    assert "secret-token" not in repr(BearerToken("secret-token"))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_parsing(header, seconds):
    assert retry_after_seconds(header, time.time) == seconds
