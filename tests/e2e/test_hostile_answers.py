"""What comes back is checked, and what is shown of it is cleaned, over real HTTP: wrong resource
types, errors dressed as 200, malformed Bundles, search matches about someone else, server text
with terminal escapes and the echoed token; and through the CLI, each failure is one line with
the documented exit code, never a traceback. Logs carry neither the token nor patient ids."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from typing import Any

import pytest

from service import cli
from service.errors import FhirAuthError, FhirInvalidResponse
from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from tests.e2e.hostile import Exchange, Reply, capability, outcome, searchset, serving

TOKEN = "eyJhbGciOi.echoed-token-0123456789"
PATIENT_ID = "patient-7f3a9c"
PATIENT = {"resourceType": "Patient", "id": PATIENT_ID, "birthDate": "1950-01-01"}
ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b[31mred\u202e"


def condition(cid: str, subject: Any) -> dict[str, Any]:
    resource = {"resourceType": "Condition", "id": cid, "code": {"text": "x"}}
    if subject is not None:
        resource["subject"] = subject
    return resource


def fhir_server(routes: dict[str, Callable[[Exchange, Reply], None]]):
    """A server answering by path (``Condition``, ``Patient/<id>``, ``metadata``...), with
    empty searchsets for the other searches and no batch."""

    def respond(exchange: Exchange, reply: Reply) -> None:
        rest = exchange.path.removeprefix("/fhir/")
        for name, handler in routes.items():
            if rest == name:
                handler(exchange, reply)
                return
        if rest == "metadata":
            reply.json(200, capability())
        elif rest.startswith("Patient/"):
            reply.json(200, PATIENT)
        else:
            reply.json(200, searchset([]))

    return serving(respond)


def client_of(base_url: str) -> FhirClient:
    return FhirClient(base_url, BearerToken(TOKEN), limits=Limits(retries=0))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"resourceType": "Practitioner", "id": PATIENT_ID},
            "GET Patient: the server answered with a Practitioner, not the Patient asked for",
        ),
        (
            outcome("no such thing"),
            "GET Patient: the server answered HTTP 200 with an error (no such thing)",
        ),
        (
            {"resourceType": "Patient", "id": "someone-else"},
            "GET Patient: the server answered with another Patient than the one asked for",
        ),
        ([PATIENT], "GET Patient: the server's answer is not a FHIR resource"),
    ],
    ids=["practitioner", "error-outcome", "other-patient", "not-a-resource"],
)
def test_a_read_must_answer_with_what_was_asked_for(body: Any, message: str) -> None:
    def patient(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, body)

    with fhir_server({f"Patient/{PATIENT_ID}": patient}) as server:
        with pytest.raises(FhirInvalidResponse) as info:
            client_of(server.base_url).read("Patient", PATIENT_ID)
    assert str(info.value) == message


def test_search_matches_about_someone_else_are_not_used_and_reported() -> None:
    entries = [
        condition("mine", {"reference": f"Patient/{PATIENT_ID}"}),
        condition("mine-too", {"reference": f"Patient/{PATIENT_ID}/_history/2"}),
        condition("no-subject", None),
        condition("other-patient", {"reference": "Patient/someone-else"}),
        condition("other-server", {"reference": f"https://evil.example/fhir/Patient/{PATIENT_ID}"}),
        condition("not-a-reference", "Patient/x"),
        {"resourceType": "Practitioner", "id": "dr"},
    ]

    def conditions(exchange: Exchange, reply: Reply) -> None:
        absolute = {"reference": f"{server.base_url}/Patient/{PATIENT_ID}"}
        reply.json(200, searchset([*entries, condition("mine-absolute", absolute)]))

    with fhir_server({"Condition": conditions}) as server:
        found, issues = client_of(server.base_url).search("Condition", {"patient": PATIENT_ID})
    assert [r["id"] for r in found] == ["mine", "mine-too", "mine-absolute"]
    assert [(i.message, i.resource) for i in issues] == [
        ("names no patient as its subject: not used", "Condition/no-subject"),
        ("names another patient as its subject: not used", "Condition/other-patient"),
        ("names a patient on another server: not used", "Condition/other-server"),
        ("names no patient as its subject: not used", "Condition/not-a-reference"),
        ("Condition search answered with Practitioner: not used", None),
    ]


@pytest.mark.parametrize(
    ("bundle", "message"),
    [
        (
            {"resourceType": "Bundle", "type": "searchset", "entry": [1, "x"]},
            "Condition search: Bundle entry 0 is not an object",
        ),
        (
            {"resourceType": "Bundle", "type": "searchset", "entry": {"resource": {}}},
            "Condition search: Bundle.entry is not a list",
        ),
        (
            {"resourceType": "Bundle", "type": "searchset", "link": ["next"]},
            "Condition search: Bundle link 0 is not an object",
        ),
        (
            {"resourceType": "Bundle", "type": "searchset", "link": [{"relation": "next"}]},
            "Condition search: Bundle link 0 (next) has no URL",
        ),
        (
            {"resourceType": "Bundle", "type": "batch-response"},
            "Condition search: the answer is not a searchset Bundle",
        ),
    ],
    ids=[
        "entries-not-objects",
        "entry-not-a-list",
        "link-not-an-object",
        "next-without-url",
        "type",
    ],
)
def test_a_malformed_searchset_is_an_invalid_answer(bundle: dict, message: str) -> None:
    def conditions(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, bundle)

    with fhir_server({"Condition": conditions}) as server:
        with pytest.raises(FhirInvalidResponse) as info:
            client_of(server.base_url).search("Condition", {"patient": PATIENT_ID})
    assert str(info.value) == message


def test_server_text_is_shown_bounded_without_escapes_and_without_the_token() -> None:
    diagnostics = f"token {TOKEN} is invalid {ESCAPES} " + "x" * 5000

    def patient(exchange: Exchange, reply: Reply) -> None:
        reply.json(401, outcome(diagnostics))

    with fhir_server({f"Patient/{PATIENT_ID}": patient}) as server:
        with pytest.raises(FhirAuthError) as info:
            client_of(server.base_url).read("Patient", PATIENT_ID)
        assert server.received("Authorization") == [f"Bearer {TOKEN}"]
    message = str(info.value)
    assert message.startswith("GET Patient: HTTP 401 (token [redacted] is invalid ")
    assert TOKEN not in message and "\x1b" not in message and "\u202e" not in message
    assert "\n" not in message and len(message) < 400 and message.endswith("…)")


def test_searchset_outcomes_are_reported_cleaned() -> None:
    def conditions(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, searchset([outcome(f"{ESCAPES}withheld for {TOKEN}", "warning")]))

    with fhir_server({"Condition": conditions}) as server:
        _, issues = client_of(server.base_url).search("Condition", {"patient": PATIENT_ID})
    (issue,) = issues
    assert issue.severity == "warning"
    assert (
        issue.message
        == "server reported (Condition search): [2J ]0;pwned [31mred withheld for [redacted]"
    )


# -- through the command line: one line, the documented exit code --------------------------------


def gzip_lie(exchange: Exchange, reply: Reply) -> None:
    reply.send(200, b'{"resourceType": "Bundle"}', {"Content-Encoding": "gzip"})


def broken_chunks(exchange: Exchange, reply: Reply) -> None:
    reply.raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n")


def redirect_loop(exchange: Exchange, reply: Reply) -> None:
    reply.send(302, headers={"Location": exchange.path})


def deep(exchange: Exchange, reply: Reply) -> None:
    reply.send(200, b"[" * 200_000 + b"]" * 200_000)


def practitioner(exchange: Exchange, reply: Reply) -> None:
    reply.json(200, {"resourceType": "Practitioner", "id": PATIENT_ID})


def bad_entries(exchange: Exchange, reply: Reply) -> None:
    reply.json(200, {"resourceType": "Bundle", "type": "searchset", "entry": ["x"]})


def too_large(exchange: Exchange, reply: Reply) -> None:
    reply.head(200)
    reply.stream(b" " * 65536 for _ in range(1000))


def retry_much_later(exchange: Exchange, reply: Reply) -> None:
    reply.json(429, outcome("later"), {"Retry-After": "100000"})


def trickle(exchange: Exchange, reply: Reply) -> None:
    reply.head(200, {"Content-Length": "1000"})
    reply.trickle(b" " * 1000, 0.05)


def echo_token(exchange: Exchange, reply: Reply) -> None:
    reply.json(403, outcome(f"{ESCAPES} scope missing for {exchange.headers['authorization']}"))


@pytest.mark.parametrize(
    ("route", "handler", "expected"),
    [
        ("Condition", gzip_lie, "says it is gzip-encoded but does not decompress as such"),
        ("Condition", broken_chunks, "the answer broke off (invalid chunked encoding)"),
        (f"Patient/{PATIENT_ID}", redirect_loop, "more than 3 redirects (a loop?)"),
        ("Observation", deep, "nests arrays and objects deeper than the 100 levels allowed"),
        (f"Patient/{PATIENT_ID}", practitioner, "answered with a Practitioner, not the Patient"),
        ("Procedure", bad_entries, "Procedure search: Bundle entry 0 is not an object"),
        ("ImagingStudy", too_large, "the answer is larger than the 16 MiB allowed"),
        ("Condition", retry_much_later, "the server asks to wait 100000 s"),
        ("Condition", trickle, "no complete answer by the deadline"),
        ("Condition", echo_token, "HTTP 403 ([2J ]0;pwned [31mred scope missing for [redacted])"),
    ],
    ids=[
        "lying-encoding",
        "broken-chunking",
        "redirect-loop",
        "deep-nesting",
        "wrong-type",
        "malformed-bundle",
        "too-large",
        "retry-after",
        "trickle",
        "echoed-token",
    ],
)
def test_each_transport_failure_is_one_line_and_exit_4(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    route: str,
    handler: Callable[[Exchange, Reply], None],
    expected: str,
) -> None:
    quick = Limits(request_deadline=1.0, gather_deadline=3.0, retries=1, backoff=0.01)
    monkeypatch.setattr(cli, "FhirClient", functools.partial(FhirClient, limits=quick))
    out, err = io.StringIO(), io.StringIO()
    with fhir_server({route: handler}) as server, caplog.at_level(logging.DEBUG):
        status = cli.main(
            ["assess", "--fhir-base", server.base_url, "--patient", PATIENT_ID, "--token", TOKEN],
            out,
            err,
        )
    assert (status, out.getvalue()) == (4, "")
    lines = err.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("noms-cds: FHIR server ")
    assert expected in lines[0]
    assert "Traceback" not in err.getvalue() and "\x1b" not in err.getvalue()
    assert TOKEN not in err.getvalue()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert TOKEN not in logged and PATIENT_ID not in logged


def test_logs_of_a_whole_assessment_carry_no_token_and_no_patient_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    with fhir_server({}) as server, caplog.at_level(logging.DEBUG):
        status = cli.main(
            ["assess", "--fhir-base", server.base_url, "--patient", PATIENT_ID, "--token", TOKEN],
            out,
            err,
        )
        assert all(e.headers["authorization"] == f"Bearer {TOKEN}" for e in server.exchanges)
    assert status == 0 and caplog.records
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert TOKEN not in logged and PATIENT_ID not in logged
