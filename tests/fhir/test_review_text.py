"""Server text after the review with hostile servers, over real HTTP: the token is redacted before
the text is bounded (a cut never leaves part of it in view), and what a server names (ids,
codes) reaches an Issue bounded and without control characters."""

from __future__ import annotations

import pytest

from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.extract import Issue
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.untrusted import REDACTED, clean_text
from service.fhir.writeback import write_results
from service.workflow import assess_bundle
from tests.e2e.helpers import NOW, demo_bundle
from tests.e2e.hostile import Exchange, Reply, capability, outcome, searchset, serving

TOKEN = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
PATIENT_ID = "p1"
PATIENT = {"resourceType": "Patient", "id": PATIENT_ID}
MAX_TEXT = 300
# Diagnostics that put the echoed token right across the cut at MAX_TEXT characters.
ACROSS_THE_CUT = "x" * (MAX_TEXT - 20) + " " + TOKEN + " trailing words"
LEAKED = TOKEN[:8]


def client_of(base_url: str) -> FhirClient:
    return FhirClient(base_url, BearerToken(TOKEN), limits=Limits(retries=0, max_text=MAX_TEXT))


def emitted_results():
    report = assess_bundle(demo_bundle("18-two-levels-nsclc"), now=NOW)
    return report.results, provenance(report.results, report.extraction, report.assessed_at, "t")


def test_a_token_split_by_the_cut_is_redacted_on_a_read() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, outcome(ACROSS_THE_CUT))  # an error dressed as 200

    with serving(respond) as server:
        with pytest.raises(Exception) as info:
            client_of(server.base_url).read("Patient", PATIENT_ID)
    message = str(info.value)
    assert message.startswith("GET Patient: the server answered HTTP 200 with an error (xxx")
    assert LEAKED not in message and REDACTED in message


def test_a_token_split_by_the_cut_is_redacted_in_searchset_outcomes() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, searchset([outcome(ACROSS_THE_CUT, "warning")]))

    with serving(respond) as server:
        _, issues = client_of(server.base_url).search("Condition", {"patient": PATIENT_ID})
    assert len(issues) == 1
    assert issues[0].message.startswith("server reported (Condition search): xxx")
    assert LEAKED not in issues[0].message and REDACTED in issues[0].message


def test_a_token_split_by_the_cut_is_redacted_in_batch_entry_failures() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(batch=True))
            return
        entries = [
            {"response": {"status": "500", "outcome": outcome(ACROSS_THE_CUT)}}
            for _ in exchange.json()["entry"]
        ]
        reply.json(200, {"resourceType": "Bundle", "type": "batch-response", "entry": entries})

    with serving(respond) as server:
        with pytest.raises(Exception) as info:
            client_of(server.base_url).gather(PATIENT_ID)
    assert str(info.value).startswith("batch Patient: HTTP 500 (xxx")
    assert LEAKED not in str(info.value)


@pytest.mark.parametrize("status", [200, 201])
def test_a_token_split_by_the_cut_is_redacted_in_write_outcomes(status: int) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(conditional=True))
        elif exchange.method == "GET":
            reply.json(200, searchset([]))
        else:
            reply.json(status, outcome(ACROSS_THE_CUT))

    results, prov = emitted_results()
    with serving(respond) as server:
        report = write_results(client_of(server.base_url), results[:2], prov)
    messages = [o.message for o in report.outcomes]
    assert messages and all(m.startswith(f"the server answered HTTP {status}") for m in messages)
    assert not any(LEAKED in m for m in messages)


def test_a_token_split_by_the_cut_is_redacted_in_transaction_entries() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(transaction=True, conditional=True))
            return
        entries = [
            {"response": {"status": "500", "outcome": outcome(ACROSS_THE_CUT)}}
            for _ in exchange.json()["entry"]
        ]
        reply.json(
            200, {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
        )

    results, prov = emitted_results()
    with serving(respond) as server:
        report = write_results(client_of(server.base_url), results, prov)
    assert report.mode == "transaction" and report.count("failed") == len(results) + 1
    assert all(o.message.startswith("HTTP 500 (xxx") for o in report.outcomes)
    assert not any(LEAKED in o.message for o in report.outcomes)


@pytest.mark.parametrize("at", range(MAX_TEXT - 40, MAX_TEXT + 5))
def test_no_prefix_of_a_secret_survives_any_cut(at: int) -> None:
    shown = clean_text("y" * at + TOKEN, secrets=[TOKEN], limit=MAX_TEXT)
    assert len(shown) <= MAX_TEXT and LEAKED not in shown


def test_a_secret_cut_by_the_first_bound_is_not_shown_after_spaces_collapse() -> None:
    # Thousands of spaces collapse to one after the first, generous bound: what that bound cut
    # must not carry the start of the token into view.
    text = " " * (4 * 50 + len(TOKEN) - 12) + TOKEN
    assert LEAKED not in clean_text(text, secrets=[TOKEN], limit=50)


# -- what servers name reaches an Issue cleaned ----------------------------------------------


@pytest.mark.parametrize(
    ("message", "resource"),
    [
        ("Condition/\x1b[31mred\x1b[0m has no code", "Condition/\x1b]0;pwned\x07x"),
        ("code " + "9" * 5000 + " is unknown", "Observation/" + "a" * 5000),
        ("left\u202eright\nsecond line", "Procedure/\u200bid"),
    ],
    ids=["escapes", "huge", "bidi-and-lines"],
)
def test_an_issue_is_bounded_and_free_of_control_characters(message: str, resource: str) -> None:
    issue = Issue("warning", message, resource)
    for text, limit in ((issue.message, 1000), (issue.resource or "", 200)):
        assert len(text) <= limit
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text)
        assert not any(c in text for c in "\u202e\u200b\n")


def test_server_ids_reach_search_issues_cleaned() -> None:
    other = {
        "resourceType": "Condition",
        "id": "\x1b[2J" + "z" * 500,
        "subject": {"reference": "Patient/someone-else"},
    }

    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, searchset([other]))

    with serving(respond) as server:
        _, issues = client_of(server.base_url).search("Condition", {"patient": PATIENT_ID})
    assert len(issues) == 1 and issues[0].resource is not None
    assert "\x1b" not in issues[0].resource and len(issues[0].resource) <= 200
