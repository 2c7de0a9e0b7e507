"""Writing results back against mocked servers (responses): strategies and the write report."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from service.fhir import codes
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.writeback import write_results
from service.workflow import assess_bundle
from tests.conftest import DEMO, load
from tests.fhir.mocks import BASE, capability, searchset


@pytest.fixture
def results():
    report = assess_bundle(load(DEMO / "07-r7-nsclc-high-grade-stable-fit.json"))
    prov = provenance(report.results, report.extraction, report.assessed_at, "test")
    return report.results, prov


def test_transaction_write(mock, client, results):
    emitted, prov = results
    mock.get(f"{BASE}/metadata", json=capability())

    def reply(request):
        sent = json.loads(request.body)
        assert sent["type"] == "transaction"
        assert all(e["request"]["ifNoneExist"] for e in sent["entry"])
        statuses = ["201 Created"] * (len(sent["entry"]) - 1) + ["200 OK"]
        return (
            200,
            {},
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "transaction-response",
                    "entry": [
                        {"response": {"status": s, "location": f"X/{i}/_history/1"}}
                        for i, s in enumerate(statuses)
                    ],
                }
            ),
        )

    mock.add_callback(responses.POST, BASE, callback=reply)
    report = write_results(client, emitted, prov)
    assert report.mode == "transaction" and report.complete
    assert report.count("created") == len(emitted) and report.count("existing") == 1


def test_refused_transaction_falls_back_and_reports_refused_types(mock, client, results):
    emitted, prov = results
    mock.get(
        f"{BASE}/metadata",
        json=capability(creatable=("Observation", "RiskAssessment", "Provenance")),
    )
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "not-supported", "diagnostics": "RiskAssessment refused"}
        ],
    }
    mock.post(BASE, json=outcome, status=422)
    counter = iter(range(100))

    def create(request):
        body = json.loads(request.body)
        assert request.headers["If-None-Exist"]
        if body["resourceType"] == "RiskAssessment":
            return 422, {}, json.dumps(outcome)
        n = next(counter)
        if body["resourceType"] == "Provenance":
            targets = [t["reference"] for t in body["target"]]
            assert all(t.startswith("Observation/") for t in targets)
        return 201, {"Location": f"{BASE}/{body['resourceType']}/{n}/_history/1"}, ""

    for rtype in ("Observation", "RiskAssessment", "Provenance"):
        mock.add_callback(responses.POST, f"{BASE}/{rtype}", callback=create)
    report = write_results(client, emitted, prov)
    assert report.mode == "individual" and not report.complete
    refused = [o for o in report.outcomes if o.status == "refused"]
    assert [o.resource_type for o in refused] == ["RiskAssessment"]
    assert "RiskAssessment refused" in refused[0].message
    assert report.count("created") == len(emitted)  # 8 Observations + the Provenance
    assert any("transaction was refused" in n for n in report.notes)


def lookup(e) -> dict[str, str]:
    """The look-up of a result on a server without conditional create: identifier, narrowed to
    patient and code (Epic refuses Observation searches without both)."""
    coding = e.resource["code"]["coding"][0]
    return {
        "identifier": f"{codes.RESULT_IDENTIFIER_SYSTEM}|{e.identifier}",
        "patient": e.resource["subject"]["reference"],
        "code": f"{coding['system']}|{coding['code']}",
    }


def test_without_conditional_create_the_client_looks_before_creating(mock, client, results):
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=False, conditional=False))
    first = emitted[0]
    mock.get(
        f"{BASE}/Observation",
        json=searchset([{**first.resource, "id": "old"}]),
        match=[responses.matchers.query_param_matcher(lookup(first))],
    )
    for e in emitted[1:]:
        mock.get(
            f"{BASE}/{e.resource['resourceType']}",
            json=searchset([]),
            match=[responses.matchers.query_param_matcher(lookup(e))],
        )
    for e in emitted[1:]:
        mock.post(
            f"{BASE}/{e.resource['resourceType']}",
            status=201,
            headers={"Location": f"{BASE}/{e.resource['resourceType']}/new"},
        )
    report = write_results(client, emitted)
    assert [o.status for o in report.outcomes] == ["existing"] + ["created"] * (len(emitted) - 1)


def test_transactions_without_conditional_create_are_not_used(mock, client, results):
    # ifNoneExist would be ignored: a re-write in a transaction would duplicate every result.
    emitted, prov = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=True, conditional=False))
    for rtype in ("Observation", "RiskAssessment", "Provenance"):
        mock.get(f"{BASE}/{rtype}", json=searchset([]))
        mock.post(f"{BASE}/{rtype}", status=201, headers={"Location": f"{BASE}/{rtype}/1"})
    report = write_results(client, emitted, prov)
    assert report.mode == "individual" and report.count("created") == len(emitted) + 1
    assert not any(call.request.url == BASE for call in mock.calls)
    assert any("no conditional create of Observation" in n for n in report.notes)


def test_a_transaction_is_not_tried_with_a_type_the_server_cannot_create(mock, client, results):
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(creatable=("Observation",)))
    mock.post(f"{BASE}/Observation", status=201, headers={"Location": f"{BASE}/Observation/1"})
    report = write_results(client, emitted)
    assert report.mode == "individual" and report.count("refused") == 1
    assert not report.notes


def test_a_write_retried_after_a_timeout_stays_conditional(mock, client, results, sleeps):
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=False))
    one = emitted[:1]
    mock.post(f"{BASE}/Observation", body=requests.Timeout("slow"))
    mock.post(
        f"{BASE}/Observation",
        status=200,
        headers={"Location": f"{BASE}/Observation/first"},
        match=[
            responses.matchers.header_matcher(
                {
                    "If-None-Exist": (
                        f"identifier={codes.RESULT_IDENTIFIER_SYSTEM}|{one[0].identifier}"
                    )
                }
            )
        ],
    )
    report = write_results(client, one)
    assert [o.status for o in report.outcomes] == ["existing"] and sleeps == [0.5]


def test_a_create_without_conditional_create_is_not_resent_blindly(mock, client, results, sleeps):
    # The POST timed out but the server created the resource: looking again finds it.
    emitted, _ = results
    one = emitted[0]
    mock.get(f"{BASE}/metadata", json=capability(transaction=False, conditional=False))
    mock.get(f"{BASE}/Observation", json=searchset([]))
    mock.post(f"{BASE}/Observation", body=requests.Timeout("slow"))
    mock.get(f"{BASE}/Observation", json=searchset([{**one.resource, "id": "made"}]))
    report = write_results(client, [one])
    assert [(o.status, o.reference) for o in report.outcomes] == [("created", "Observation/made")]
    assert report.outcomes[0].message == (
        "stored although the server's answer to the create was an error (no complete answer): "
        "found by looking again"
    )
    assert sleeps == [0.5]
    assert [c.request.method for c in mock.calls] == ["GET", "GET", "POST", "GET"]


def test_a_create_without_conditional_create_is_resent_when_nothing_was_made(
    mock, client, results, sleeps
):
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=False, conditional=False))
    mock.get(f"{BASE}/Observation", json=searchset([]))
    mock.post(f"{BASE}/Observation", status=503)
    mock.post(f"{BASE}/Observation", status=201, headers={"Location": f"{BASE}/Observation/9"})
    report = write_results(client, emitted[:1])
    assert [o.status for o in report.outcomes] == ["created"] and sleeps == [0.5]
    assert [c.request.method for c in mock.calls] == ["GET", "GET", "POST", "GET", "POST"]


def test_a_create_without_conditional_create_fails_after_the_retries(mock, results, sleeps):
    client = FhirClient(BASE, sleep=sleeps.append, limits=Limits(retries=1, backoff=0.5))
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=False, conditional=False))
    mock.get(f"{BASE}/Observation", json=searchset([]))
    mock.post(f"{BASE}/Observation", status=500)
    report = write_results(client, emitted[:1])
    (outcome,) = report.outcomes
    assert (
        outcome.status == "failed" and "tried 2 times, looking first each time" in outcome.message
    )
    assert sleeps == [0.5]


def test_server_that_creates_no_risk_assessment_is_not_asked(mock, client, results):
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=False, creatable=("Observation",)))
    for _ in [e for e in emitted if e.resource["resourceType"] == "Observation"]:
        mock.post(f"{BASE}/Observation", status=201, headers={"Location": "Observation/1"})
    report = write_results(client, emitted)
    assert report.count("refused") == 1
    assert "does not create RiskAssessment" in next(
        o.message for o in report.outcomes if o.status == "refused"
    )
