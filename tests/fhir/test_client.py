"""The FHIR client against mocked servers (responses): reading, retrying, paging, writing, auth."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from joserfc import jwt
from joserfc.jwk import KeySet

from service.errors import (
    FhirAuthError,
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
    FhirTemporaryError,
)
from service.fhir import codes
from service.fhir.auth import BackendServices, BearerToken, load_signing_key
from service.fhir.client import Capabilities, FhirClient, _retry_after
from service.fhir.emit import provenance
from service.workflow import assess_bundle, assess_resources
from tests.conftest import AUSTIN, DATA, DEMO, load

BASE = "https://ehr.test/fhir"
SMART = DATA / "smart"


def capability(
    batch: bool = True,
    transaction: bool = True,
    conditional: bool = True,
    creatable: tuple[str, ...] = ("Observation", "RiskAssessment", "Provenance"),
) -> dict[str, Any]:
    interactions = [{"code": c} for c, on in (("batch", batch), ("transaction", transaction)) if on]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "interaction": interactions,
                "resource": [
                    {
                        "type": t,
                        "interaction": [{"code": "create"}],
                        "conditionalCreate": conditional,
                    }
                    for t in creatable
                ],
            }
        ],
    }


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return FhirClient(BASE, sleep=sleeps.append, retries=3, backoff=0.5)


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
        match=[responses.matchers.query_param_matcher({"patient": "p", "code": "x"})],
    )
    for n, page in enumerate(pages[1:], start=1):
        next_url = f"{BASE}/page?n={n + 1}" if n + 1 < len(pages) else None
        mock.get(
            f"{BASE}/page",
            json=searchset(page, next_url),
            match=[responses.matchers.query_param_matcher({"n": str(n)})],
        )
    found, issues = client.search("Observation", {"patient": "p", "code": "x"})
    assert [r["id"] for r in found] == [r["id"] for r in observations]
    assert issues == []


def test_paging_stops_at_the_cap_and_says_so(mock, sleeps):
    capped = FhirClient(BASE, max_pages=2, sleep=sleeps.append)
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
    timed = FhirClient(BASE, sleep=sleeps.append, clock=lambda: now)
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
    with pytest.raises(FhirInvalidResponse, match="not JSON"):
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
    assert _retry_after(header, time.time) == seconds


# --- Writing ----------------------------------------------------------------------------------


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
    report = client.write(emitted, prov)
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
    report = client.write(emitted, prov)
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
    report = client.write(emitted)
    assert [o.status for o in report.outcomes] == ["existing"] + ["created"] * (len(emitted) - 1)


def test_transactions_without_conditional_create_are_not_used(mock, client, results):
    # ifNoneExist would be ignored: a re-write in a transaction would duplicate every result.
    emitted, prov = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=True, conditional=False))
    for rtype in ("Observation", "RiskAssessment", "Provenance"):
        mock.get(f"{BASE}/{rtype}", json=searchset([]))
        mock.post(f"{BASE}/{rtype}", status=201, headers={"Location": f"{BASE}/{rtype}/1"})
    report = client.write(emitted, prov)
    assert report.mode == "individual" and report.count("created") == len(emitted) + 1
    assert not any(call.request.url == BASE for call in mock.calls)
    assert any("no conditional create of Observation" in n for n in report.notes)


def test_a_transaction_is_not_tried_with_a_type_the_server_cannot_create(mock, client, results):
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(creatable=("Observation",)))
    mock.post(f"{BASE}/Observation", status=201, headers={"Location": f"{BASE}/Observation/1"})
    report = client.write(emitted)
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
    report = client.write(one)
    assert [o.status for o in report.outcomes] == ["existing"] and sleeps == [0.5]


def test_a_create_without_conditional_create_is_not_resent_blindly(mock, client, results, sleeps):
    # The POST timed out but the server created the resource: looking again finds it.
    emitted, _ = results
    one = emitted[0]
    mock.get(f"{BASE}/metadata", json=capability(transaction=False, conditional=False))
    mock.get(f"{BASE}/Observation", json=searchset([]))
    mock.post(f"{BASE}/Observation", body=requests.Timeout("slow"))
    mock.get(f"{BASE}/Observation", json=searchset([{**one.resource, "id": "made"}]))
    report = client.write([one])
    assert [(o.status, o.location) for o in report.outcomes] == [("existing", "Observation/made")]
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
    report = client.write(emitted[:1])
    assert [o.status for o in report.outcomes] == ["created"] and sleeps == [0.5]
    assert [c.request.method for c in mock.calls] == ["GET", "GET", "POST", "GET", "POST"]


def test_a_create_without_conditional_create_fails_after_the_retries(mock, results, sleeps):
    client = FhirClient(BASE, sleep=sleeps.append, retries=1, backoff=0.5)
    emitted, _ = results
    mock.get(f"{BASE}/metadata", json=capability(transaction=False, conditional=False))
    mock.get(f"{BASE}/Observation", json=searchset([]))
    mock.post(f"{BASE}/Observation", status=500)
    report = client.write(emitted[:1])
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
    report = client.write(emitted)
    assert report.count("refused") == 1
    assert "does not create RiskAssessment" in next(
        o.message for o in report.outcomes if o.status == "refused"
    )


# --- SMART Backend Services -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["RS384", "ES384"])
def test_backend_services_assertion_meets_smart(mock, kind):
    private = SMART / f"example-jwks-{kind}.private-PUBLISHED-TEST-KEY.json"
    public = KeySet.import_key_set(
        load(SMART / f"example-jwks-{kind}.public-PUBLISHED-TEST-KEY.json")
    )
    now = [1_800_000_000.0]
    auth = BackendServices(
        "https://auth.test/token",
        "client-1",
        load_signing_key(private),
        "system/Observation.read",
        clock=lambda: now[0],
    )
    token_response = load(SMART / "token-response-authorization-code.json")
    assertions = []

    def token(request):
        form = parse_qs(request.body)
        assert form["grant_type"] == ["client_credentials"]
        assert form["client_assertion_type"] == [
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ]
        assertions.append(form["client_assertion"][0])
        return 200, {}, json.dumps({**token_response, "expires_in": 300})

    mock.add_callback(responses.POST, "https://auth.test/token", callback=token)
    first = auth.headers()
    assert first == {"Authorization": f"Bearer {token_response['access_token']}"}
    assert auth.headers() == first and len(assertions) == 1  # cached
    now[0] += 280  # past expiry minus the margin
    auth.headers()
    assert len(assertions) == 2
    decoded = [jwt.decode(a, public, algorithms=[kind]) for a in assertions]
    for token_ in decoded:
        assert token_.header["alg"] == kind and token_.header["typ"] == "JWT"
        assert token_.header["kid"]
        claims = token_.claims
        assert claims["iss"] == claims["sub"] == "client-1"
        assert claims["aud"] == "https://auth.test/token"
        assert 0 < claims["exp"] - claims["iat"] <= 300
    assert decoded[0].claims["jti"] != decoded[1].claims["jti"]


def test_backend_services_refused_client(mock):
    key = load_signing_key(SMART / "example-jwks-RS384.private-PUBLISHED-TEST-KEY.json")
    auth = BackendServices("https://auth.test/token", "c", key, "system/*.read")
    mock.post("https://auth.test/token", json={"error": "invalid_client"}, status=400)
    with pytest.raises(FhirAuthError, match="invalid_client"):
        auth.headers()


def test_401_renews_a_backend_token_once(mock):
    key = load_signing_key(SMART / "example-jwks-ES384.private-PUBLISHED-TEST-KEY.json")
    auth = BackendServices("https://auth.test/token", "c", key, "system/*.read")
    mock.post("https://auth.test/token", json={"access_token": "a", "expires_in": 300})
    mock.post("https://auth.test/token", json={"access_token": "b", "expires_in": 300})
    mock.get(f"{BASE}/Patient/p1", status=401)
    mock.get(
        f"{BASE}/Patient/p1",
        json={"resourceType": "Patient", "id": "p1"},
        match=[responses.matchers.header_matcher({"Authorization": "Bearer b"})],
    )
    assert FhirClient(BASE, auth).read("Patient", "p1")["id"] == "p1"


def test_only_rs384_or_es384_keys(tmp_path: Path):
    from service.errors import AuthConfigurationError

    p256 = KeySet.generate_key_set("EC", "P-256", count=1, private=True).as_dict(private=True)
    p256["keys"][0]["kid"] = "k"
    path = tmp_path / "k.json"
    path.write_text(json.dumps(p256))
    with pytest.raises(AuthConfigurationError, match="P-384"):
        BackendServices("https://auth.test/token", "c", load_signing_key(path), "s")
