"""Honest write reports, over real HTTP: each outcome is what the server's answer shows, and
nothing is ever written twice, also when the server's capabilities are unknown, it ignores
If-None-Exist, and it fails with a 500 after committing a create."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from service.fhir import codes
from service.fhir.auth import BearerToken
from service.fhir.capabilities import Capabilities
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.writeback import write_results
from service.workflow import assess_bundle, assess_patient
from tests.e2e.helpers import NOW, Admin, demo_bundle, expected_types, make_client, per_type
from tests.e2e.hostile import Exchange, Reply, capability, outcome, searchset, serving
from tests.e2e.test_write import result_key

STEM = "18-two-levels-nsclc"  # 13 results (11 Observations, 2 RiskAssessments) and a Provenance


def emitted_results():
    report = assess_bundle(demo_bundle(STEM), now=NOW)
    prov = provenance(report.results, report.extraction, report.assessed_at, "test")
    return report.results, prov


def server_writing(create: Any, caps: dict[str, Any] | None = None):
    """A server that offers individual conditional creates, answering each with ``create``."""

    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, caps or capability(transaction=False, conditional=True))
        elif exchange.method == "GET":
            reply.json(200, searchset([]))
        else:
            create(exchange, reply)

    return serving(respond)


def client_of(base_url: str) -> FhirClient:
    return FhirClient(base_url, BearerToken("t0ken"), limits=Limits(retries=0))


def test_201_without_location_is_created_and_cited_by_identifier() -> None:
    def create(exchange: Exchange, reply: Reply) -> None:
        reply.send(201)  # no Location, no body

    results, prov = emitted_results()
    with server_writing(create) as server:
        report = write_results(client_of(server.base_url), results, prov)
        sent = {e.path.rsplit("/", 1)[1]: e.json() for e in server.exchanges if e.method == "POST"}
    assert report.complete and report.count("created") == len(results) + 1
    assert all(o.reference is None for o in report.outcomes)
    assert all("cited by its identifier" in o.message for o in report.outcomes)
    assert not any("no Provenance" in n for n in report.notes)
    identifiers = {e.identifier for e in results}
    targets = sent["Provenance"]["target"]
    assert {t["identifier"]["value"] for t in targets} == identifiers
    assert all(t["identifier"]["system"] == codes.RESULT_IDENTIFIER_SYSTEM for t in targets)
    basis = sent["RiskAssessment"]["basis"]  # the last RiskAssessment cites its Observations
    assert basis and all(
        "identifier" in b and b["identifier"]["value"] in identifiers for b in basis
    )


def test_201_with_the_resource_but_no_location_takes_the_id_from_the_resource() -> None:
    def create(exchange: Exchange, reply: Reply) -> None:
        body = exchange.json()
        reply.json(201, {**body, "id": f"made-{len(server.exchanges)}"})

    results, prov = emitted_results()
    with server_writing(create) as server:
        report = write_results(client_of(server.base_url), results, prov)
        provenance_sent = next(e.json() for e in server.exchanges if e.path.endswith("Provenance"))
    assert report.complete
    assert all(o.reference and o.reference.startswith(o.resource_type) for o in report.outcomes)
    references = {t["reference"] for t in provenance_sent["target"]}
    assert references == {o.reference for o in report.outcomes[:-1]}


@pytest.mark.parametrize("status", [200, 201])
def test_a_2xx_carrying_an_error_outcome_is_failed(status: int) -> None:
    def create(exchange: Exchange, reply: Reply) -> None:
        reply.json(status, outcome("could not store: disk full"))

    results, prov = emitted_results()
    with server_writing(create) as server:
        report = write_results(client_of(server.base_url), results, prov)
    assert report.count("failed") == len(results) and report.count("created") == 0
    assert report.outcomes[0].message == (
        f"the server answered HTTP {status} with an error (could not store: disk full)"
    )
    assert "no result was written, so no Provenance was written" in report.notes


def test_a_transaction_entry_that_failed_is_reported_failed() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(transaction=True, conditional=True))
            return
        entries = exchange.json()["entry"]
        replies = [{"response": {"status": "201 Created", "location": "Observation/1"}}] * (
            len(entries) - 1
        )
        replies.append({"response": {"status": "500", "outcome": outcome("lost")}})
        reply.json(
            200, {"resourceType": "Bundle", "type": "transaction-response", "entry": replies}
        )

    results, prov = emitted_results()
    with serving(respond) as server:
        report = write_results(client_of(server.base_url), results, prov)
    assert report.mode == "transaction" and not report.complete
    assert [o.status for o in report.outcomes] == ["created"] * len(results) + ["failed"]
    assert report.outcomes[-1].message == "HTTP 500 (lost)"


def test_a_look_up_answered_with_everything_is_not_taken_for_the_result() -> None:
    # A server that ignores the identifier parameter returns the patient's other results: the
    # look-up checks that a match carries the identifier before calling it "existing".
    results, _ = emitted_results()
    decoy = {**results[0].resource, "id": "old", "identifier": [{"system": "x", "value": "y"}]}

    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(transaction=False, conditional=False))
        elif exchange.method == "GET":
            reply.json(200, searchset([decoy]))
        else:
            reply.send(201, headers={"Location": f"Observation/{len(server.exchanges)}"})

    with serving(respond) as server:
        report = write_results(client_of(server.base_url), results[:1])
    assert [o.status for o in report.outcomes] == ["created"]


@pytest.mark.parametrize(
    "statement",
    [
        {"resourceType": "CapabilityStatement", "rest": [{"mode": "server"}]},
        {"resourceType": "CapabilityStatement"},
        {"resourceType": "CapabilityStatement", "rest": [{"resource": [{"interaction": 1}]}]},
    ],
    ids=["no-resources", "no-rest", "garbage"],
)
def test_a_capability_statement_that_lists_no_resources_says_nothing(statement) -> None:
    assert Capabilities.from_statement(statement) == Capabilities()
    assert not Capabilities.from_statement(statement).known


@pytest.mark.parametrize("metadata", ["unreadable", "lists-no-resources"])
def test_unknown_capabilities_and_a_500_after_commit_duplicate_nothing(
    admin: Admin, metadata: str
) -> None:
    # A server that ignores If-None-Exist, whose CapabilityStatement says nothing, and whose
    # answer to the first create is lost after the commit (a 500): the client looks before each
    # create and again before the retry, so every result lands once; writing again adds nothing.
    admin.settings(conditional_create=False, transactions=False)
    if metadata == "unreadable":
        admin.fault(kind="fail", status=404, path_prefix="metadata", count=10)
    patient_id = admin.patient_id(STEM)
    before = admin.counts()

    client, sleeps = make_client(admin)
    if metadata == "lists-no-resources":
        client._capabilities = Capabilities.from_statement({"resourceType": "CapabilityStatement"})
    assert not client.capabilities().known
    report = assess_patient(client, patient_id, now=NOW).report
    admin.fault(kind="fail-after", status=500, method="POST", resource_type="Observation")
    prov = provenance(report.results, report.extraction, report.assessed_at, "test")
    written = write_results(client, report.results, prov)

    assert written.mode == "individual" and written.complete, written
    assert per_type(before, admin.counts()) == expected_types(report)
    # Found by looking again after the 500: stored by this write-back, so "created", not
    # "already there".
    assert written.outcomes[0].status == "created"
    assert "found by looking again" in written.outcomes[0].message
    assert len(sleeps.waits) == 1
    assert any("looked for before it was created" in note for note in written.notes)
    keys = Counter(result_key(r) for r in admin.written_results())
    assert len(keys) == len(report.results) + 1 and max(keys.values()) == 1

    again = write_results(client, report.results, prov)
    assert again.complete and again.count("created") == 0
    assert per_type(before, admin.counts()) == expected_types(report)
