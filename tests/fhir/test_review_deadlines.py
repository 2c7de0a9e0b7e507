"""Deadlines and waits after the review with hostile servers, over real HTTP: the
CapabilityStatement counts toward a gathering's (and a write's) deadline, and a failing one means
"capabilities unknown", not an abort; a write-back has a deadline of its own; redirects share
their request's deadline; a look-then-create honours ``Retry-After`` within the budget.

The deadline tests check what the servers saw and how the client stopped, with seconds of
margin between what the client allows and what the server would take: behaviour, not speed.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from service.errors import FhirTimeout
from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.writeback import write_results
from service.workflow import assess_bundle
from tests.e2e.helpers import NOW, demo_bundle
from tests.e2e.hostile import Exchange, Reply, capability, outcome, searchset, serving

PATIENT = {"resourceType": "Patient", "id": "p1"}
CONDITION = {
    "resourceType": "Condition",
    "id": "c1",
    "subject": {"reference": "Patient/p1"},
    "code": {"text": "x"},
}


def client_of(base_url: str, sleeps: list[float] | None = None, **limits: float) -> FhirClient:
    sleep = sleeps.append if sleeps is not None else (lambda _: None)
    options = {"retries": 0, **limits}
    return FhirClient(base_url, BearerToken("t0ken-value"), limits=Limits(**options), sleep=sleep)


def emitted_results():
    report = assess_bundle(demo_bundle("18-two-levels-nsclc"), now=NOW)
    return report.results, provenance(report.results, report.extraction, report.assessed_at, "t")


def reads(metadata):
    """A server answering reads (a Patient, one Condition, empty searches) and creates, and
    ``metadata`` as the test says."""
    ids = itertools.count(1)

    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            metadata(exchange, reply)
        elif exchange.path == "/fhir/Patient/p1":
            reply.json(200, PATIENT)
        elif exchange.path == "/fhir/Condition":
            reply.json(200, searchset([CONDITION]))
        elif exchange.method == "GET":
            reply.json(200, searchset([]))
        else:
            rtype = exchange.path.rsplit("/", 1)[1]
            reply.send(201, headers={"Location": f"{rtype}/{next(ids)}"})

    return serving(respond)


def hanging(exchange: Exchange, reply: Reply) -> None:
    reply.head(200, {"Content-Length": "100000"})
    reply.trickle(b" " * 100_000, 0.05)  # well over a minute


def paths(server) -> Counter[str]:
    return Counter(e.path.removeprefix("/fhir/") for e in server.exchanges)


# -- capabilities ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_on_metadata_means_unknown_capabilities_for_a_gathering(status: int) -> None:
    served = reads(lambda exchange, reply: reply.json(status, outcome("metadata is down")))
    with served as server:
        client = client_of(server.base_url, retries=2)
        resources, _ = client.gather("p1")
        assert not client.capabilities().known
    assert resources == [PATIENT, CONDITION]
    assert paths(server)["metadata"] == 1  # not retried: its failure has a safe fallback


def test_a_5xx_on_metadata_means_look_before_create_for_a_write() -> None:
    served = reads(lambda exchange, reply: reply.json(503, outcome("down")))
    results, prov = emitted_results()
    with served as server:
        report = write_results(client_of(server.base_url), results, prov)
    assert report.complete and report.count("created") == len(results) + 1
    assert any("looked for before it was created" in note for note in report.notes)
    looks = [e for e in server.exchanges if e.method == "GET" and e.path != "/fhir/metadata"]
    assert len(looks) == len(results) + 1  # one look before each create


def test_a_hanging_metadata_gives_way_to_the_gathering_within_its_deadline() -> None:
    served = reads(hanging)
    with served as server:
        client = client_of(server.base_url, request_deadline=1.0, gather_deadline=8.0, retries=3)
        resources, _ = client.gather("p1")
    assert resources == [PATIENT, CONDITION]
    assert paths(server)["metadata"] == 1


def test_reading_the_capabilities_counts_toward_the_gathering_deadline() -> None:
    served = reads(hanging)
    with served as server:
        client = client_of(server.base_url, request_deadline=20.0, gather_deadline=1.0, retries=3)
        with pytest.raises(FhirTimeout) as info:
            client.gather("p1")
    # The metadata read stopped at the gathering's deadline (not its own 20 s, three times),
    # and nothing was sent after it.
    assert "not sent, the deadline has passed" in str(info.value)
    assert list(paths(server)) == ["metadata"] and paths(server)["metadata"] == 1


# -- a deadline for the whole write-back ----------------------------------------------------


def test_a_write_back_ends_by_its_deadline_and_says_what_was_not_sent() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(conditional=True))
            return
        reply.stopping.wait(0.3)  # a slow server: each create takes 0.3 s
        reply.send(201, headers={"Location": f"Observation/{len(server.exchanges)}"})

    results, prov = emitted_results()
    with serving(respond) as server:
        report = write_results(client_of(server.base_url, write_deadline=1.5), results, prov)
    posts = [e for e in server.exchanges if e.method == "POST"]
    assert 0 < report.count("created") < len(results)
    assert len(posts) <= report.count("created") + 1  # at most one was cut short in flight
    not_sent = [o for o in report.outcomes if o.message.startswith("not sent")]
    assert len(not_sent) >= len(results) - len(posts)
    assert not_sent[0].message == "not sent: the write-back's deadline (1.5 s) had passed"
    assert not report.complete


# -- redirects share their request's deadline -----------------------------------------------


def test_redirects_share_one_deadline() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        hop = int(exchange.query.get("hop", "0"))
        reply.stopping.wait(0.5)
        if hop < 3:
            reply.send(307, headers={"Location": f"/fhir/Patient/p1?hop={hop + 1}"})
        else:
            reply.json(200, PATIENT)

    with serving(respond) as server:
        client = client_of(server.base_url, request_deadline=1.2, max_redirects=5)
        with pytest.raises(FhirTimeout) as info:
            client.read("Patient", "p1")
    # Four answers of 0.5 s each do not fit in one request's 1.2 s, however they are split.
    assert str(info.value) == "GET Patient: no complete answer by the deadline"
    assert len(server.exchanges) <= 3


# -- look-then-create honours Retry-After ---------------------------------------------------


def lookup_server(create):
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(conditional=False))
        elif exchange.method == "GET":
            reply.json(200, searchset([]))
        else:
            create(exchange, reply)

    return serving(respond)


def test_look_then_create_waits_as_long_as_retry_after_asks() -> None:
    def create(exchange: Exchange, reply: Reply) -> None:
        posts = sum(e.method == "POST" for e in server.exchanges)
        if posts == 1:
            reply.json(503, outcome("busy"), {"Retry-After": "3"})
        else:
            reply.send(201, headers={"Location": "Observation/o1"})

    sleeps: list[float] = []
    results, _ = emitted_results()
    with lookup_server(create) as server:
        report = write_results(client_of(server.base_url, sleeps, retries=2), results[:1])
    assert [o.status for o in report.outcomes] == ["created"]
    assert sleeps == [3.0]
    assert [e.method for e in server.exchanges[1:]] == ["GET", "POST", "GET", "POST"]


def test_look_then_create_does_not_wait_past_the_budget() -> None:
    def create(exchange: Exchange, reply: Reply) -> None:
        reply.json(429, outcome("slow down"), {"Retry-After": "100000"})

    sleeps: list[float] = []
    results, _ = emitted_results()
    with lookup_server(create) as server:
        report = write_results(client_of(server.base_url, sleeps, retries=3), results[:1])
    (only,) = report.outcomes
    assert only.status == "failed" and sleeps == []
    assert "the server asks to wait 100000 s, longer than this client waits" in only.message
    assert sum(e.method == "POST" for e in server.exchanges) == 1
