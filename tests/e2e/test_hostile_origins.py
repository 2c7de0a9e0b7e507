"""Credentials stay home, over real HTTP: a next link, a redirect or a Location that leaves the
FHIR base is not followed, a write is never redirected, and a second origin never sees the
token (two loopback servers on two ports are two origins)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.errors import FhirInvalidResponse, FhirOutsideBase
from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.writeback import write_results
from service.workflow import assess_bundle
from tests.e2e.helpers import NOW, demo_bundle
from tests.e2e.hostile import Exchange, LoopbackServer, Reply, capability, searchset, serving

TOKEN = "s3cr3t-bearer-token-of-the-clinician"
PATIENT = {"resourceType": "Patient", "id": "p1"}
CONDITION = {
    "resourceType": "Condition",
    "id": "c1",
    "subject": {"reference": "Patient/p1"},
    "code": {"text": "x"},
}


@pytest.fixture
def elsewhere() -> Iterator[LoopbackServer]:
    """A second origin that records whatever reaches it and answers like a FHIR server."""

    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, searchset([CONDITION]) if "Condition" in exchange.path else PATIENT)

    with serving(respond) as server:
        yield server


def client_of(server: LoopbackServer, **limits: float) -> FhirClient:
    return FhirClient(server.base_url, BearerToken(TOKEN), limits=Limits(retries=0, **limits))


def test_a_next_link_to_another_origin_is_not_followed(elsewhere: LoopbackServer) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, searchset([CONDITION], [{"relation": "next", "url": elsewhere.base_url}]))

    with serving(respond) as home:
        with pytest.raises(FhirOutsideBase) as info:
            client_of(home).search("Condition", {"patient": "p1"})
    assert str(info.value) == (
        f"Condition search: the next link leads to {elsewhere.origin}, outside the FHIR base: "
        "not followed"
    )
    assert home.received("Authorization") == [f"Bearer {TOKEN}"]
    assert elsewhere.exchanges == []


@pytest.mark.parametrize(
    "target",
    [
        "{elsewhere}/fhir/Patient/p1",  # another port: another origin
        "https://127.0.0.1:{home_port}/fhir/Patient/p1",  # another scheme
        "{home}/other/Patient/p1",  # the same origin, outside the base path
        "{home}/fhir/../other/Patient/p1",  # dot segments
        "http://user@127.0.0.1:{home_port}/fhir/Patient/p1",  # user information
    ],
    ids=["origin", "scheme", "path", "dot-segments", "userinfo"],
)
def test_a_redirect_out_of_the_base_is_not_followed(elsewhere: LoopbackServer, target: str) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/Patient/p1":
            location = target.format(
                elsewhere=elsewhere.origin, home=home.origin, home_port=home.port
            )
            reply.send(302, headers={"Location": location})
        else:
            reply.json(200, PATIENT)

    with serving(respond) as home:
        with pytest.raises(FhirOutsideBase, match="outside the FHIR base: not followed"):
            client_of(home).read("Patient", "p1")
    assert [e.path for e in home.exchanges] == ["/fhir/Patient/p1"]  # nothing more asked
    assert elsewhere.exchanges == []


def test_a_redirect_within_the_base_is_followed_with_the_token() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/Patient/p1":
            reply.send(301, headers={"Location": "/fhir/Patient/moved"})
        else:
            reply.json(200, {**PATIENT, "id": "p1"})

    with serving(respond) as home:
        assert client_of(home).read("Patient", "p1")["id"] == "p1"
    assert [e.path for e in home.exchanges] == ["/fhir/Patient/p1", "/fhir/Patient/moved"]
    assert home.received("Authorization") == [f"Bearer {TOKEN}"] * 2


def test_a_redirect_loop_stops_after_the_limit() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.send(307, headers={"Location": exchange.path})

    with serving(respond) as home:
        with pytest.raises(FhirInvalidResponse, match=r"more than 3 redirects \(a loop\?\)"):
            client_of(home).read("Patient", "p1")
    assert len(home.exchanges) == 4


def emitted_results():
    report = assess_bundle(demo_bundle("07-r7-nsclc-high-grade-stable-fit"), now=NOW)
    prov = provenance(report.results, report.extraction, report.assessed_at, "test")
    return report.results, prov


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("to", ["elsewhere", "home"])
def test_no_write_follows_a_redirect(elsewhere: LoopbackServer, status: int, to: str) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(transaction=False, conditional=True))
        else:
            origin = elsewhere.origin if to == "elsewhere" else home.origin
            reply.send(status, headers={"Location": f"{origin}{exchange.path}"})

    results, prov = emitted_results()
    with serving(respond) as home:
        report = write_results(client_of(home), results, prov)
    assert report.count("failed") == len(results) and report.count("created") == 0
    assert all("a write is never redirected" in o.message for o in report.outcomes)
    assert elsewhere.exchanges == []
    posts = [e for e in home.exchanges if e.method == "POST"]
    assert len(posts) == len(results)  # each once, never again at the Location; no Provenance


def test_a_redirected_transaction_is_reported_failed_and_not_resent(
    elsewhere: LoopbackServer,
) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(transaction=True, conditional=True))
        else:
            reply.send(307, headers={"Location": elsewhere.base_url})

    results, prov = emitted_results()
    with serving(respond) as home:
        report = write_results(client_of(home), results, prov)
    assert report.mode == "transaction" and report.count("failed") == len(results) + 1
    assert [e.method for e in home.exchanges] == ["GET", "POST"]
    assert elsewhere.exchanges == []


def test_a_location_outside_the_base_is_not_trusted(elsewhere: LoopbackServer) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(transaction=False, conditional=True))
        else:
            n = len(home.exchanges)
            reply.send(201, headers={"Location": f"{elsewhere.base_url}/Observation/{n}"})

    results, prov = emitted_results()
    with serving(respond) as home:
        report = write_results(client_of(home), results, prov)
    assert report.count("created") == len(results) + 1  # the server said 201 to each
    first = report.outcomes[0]
    assert first.reference is None
    assert first.message.startswith("server error: its Location lies outside the FHIR base")
    assert "cited by its identifier" in first.message
    sent_provenance = next(e.json() for e in home.exchanges if e.path == "/fhir/Provenance")
    assert all("identifier" in t and "reference" not in t for t in sent_provenance["target"])
    assert elsewhere.exchanges == []


def test_a_client_refuses_to_send_a_token_over_plain_http_to_another_machine() -> None:
    from service.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"over plain HTTP to http://ehr\.example"):
        FhirClient("http://ehr.example/fhir", BearerToken(TOKEN))
    FhirClient("https://ehr.example/fhir", BearerToken(TOKEN))  # fine
    FhirClient("http://ehr.example/fhir")  # no credentials: fine
