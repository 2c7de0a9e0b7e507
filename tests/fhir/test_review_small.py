"""Smaller findings of the review with hostile servers, over real HTTP: a deflate answer sent a
byte at a time, ids from servers that are no FHIR ids, and the wording of a result found after
its create failed."""

from __future__ import annotations

import zlib

import pytest

from service.errors import FhirInvalidResponse
from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.untrusted import is_fhir_id
from service.fhir.writeback import write_results
from service.workflow import assess_bundle
from tests.e2e.helpers import NOW, demo_bundle
from tests.e2e.hostile import Exchange, Reply, capability, searchset, serving

PATIENT = b'{"resourceType": "Patient", "id": "p1", "birthDate": "1950-01-01"}'


def client_of(base_url: str, sleeps: list[float] | None = None) -> FhirClient:
    sleep = sleeps.append if sleeps is not None else (lambda _: None)
    return FhirClient(base_url, BearerToken("t0ken-value"), limits=Limits(retries=1), sleep=sleep)


def one_byte_chunks(body: bytes):
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.head(200, {"Transfer-Encoding": "chunked", "Content-Encoding": "deflate"})
        for byte in body:
            reply.raw(b"1\r\n" + bytes([byte]) + b"\r\n")
        reply.raw(b"0\r\n\r\n")

    return serving(respond)


@pytest.mark.parametrize("form", ["zlib", "raw"])
def test_a_deflate_answer_sent_a_byte_at_a_time_is_read(form: str) -> None:
    if form == "zlib":
        body = zlib.compress(PATIENT)
    else:
        compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        body = compressor.compress(PATIENT) + compressor.flush()
    with one_byte_chunks(body) as server:
        assert client_of(server.base_url).read("Patient", "p1")["birthDate"] == "1950-01-01"


def test_a_deflate_answer_of_one_byte_is_an_invalid_answer() -> None:
    with one_byte_chunks(b"x") as server:
        with pytest.raises(FhirInvalidResponse, match="deflate-encoded but does not decompress"):
            client_of(server.base_url).read("Patient", "p1")


# -- ids from servers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("abc-123.X", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        ("a/b", False),
        ("a?x=1", False),
        ("ü", False),
        ("a b", False),
        (7, False),
    ],
)
def test_fhir_ids_are_checked_by_their_pattern(value: object, ok: bool) -> None:
    assert is_fhir_id(value) is ok


def emitted_results():
    report = assess_bundle(demo_bundle("18-two-levels-nsclc"), now=NOW)
    return report.results, provenance(report.results, report.extraction, report.assessed_at, "t")


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Location": "Observation/a%20b/_history/1"}, None),
        ({"Location": "Observation/" + "x" * 65}, None),
        ({}, {"resourceType": "Observation", "id": "../../Patient/evil"}),
        ({}, {"resourceType": "Observation", "id": "\x1b[31m"}),
    ],
    ids=["location-escaped-space", "location-too-long", "body-path", "body-escape"],
)
def test_an_id_from_the_server_that_is_no_fhir_id_is_not_cited(headers, body) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(conditional=True))
        elif body is not None:
            reply.json(201, body, headers)
        else:
            reply.send(201, b"", headers)

    results, _ = emitted_results()
    with serving(respond) as server:
        report = write_results(client_of(server.base_url), results[:1])
    (only,) = report.outcomes
    assert only.status == "created" and only.reference is None
    assert "the result is cited by its identifier" in only.message
    assert "server error" in only.message


def test_a_look_up_match_whose_id_is_no_fhir_id_is_not_taken_for_the_result() -> None:
    results, _ = emitted_results()
    copy = {**results[0].resource, "id": "bad/id"}

    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(conditional=False))
        elif exchange.method == "GET":
            reply.json(200, searchset([copy]))
        else:
            reply.send(201, headers={"Location": "Observation/o1"})

    with serving(respond) as server:
        report = write_results(client_of(server.base_url), results[:1])
    assert [(o.status, o.reference) for o in report.outcomes] == [("created", "Observation/o1")]


# -- a result found after its create failed --------------------------------------------------


def test_a_result_found_after_its_create_failed_is_created_not_already_there() -> None:
    results, _ = emitted_results()
    stored: list[dict] = []

    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(conditional=False))
        elif exchange.method == "GET":
            reply.json(200, searchset(stored))
        else:
            stored.append({**exchange.json(), "id": "o1"})
            reply.send(500)  # committed, then failed to answer

    sleeps: list[float] = []
    with serving(respond) as server:
        report = write_results(client_of(server.base_url, sleeps), results[:1])
    (only,) = report.outcomes
    assert (only.status, only.reference) == ("created", "Observation/o1")
    assert only.message == (
        "stored although the server's answer to the create was an error (HTTP 500): found by "
        "looking again"
    )
    assert report.count("existing") == 0 and len(stored) == 1
