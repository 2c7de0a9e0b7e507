"""Malformed answers and unusable hosts after the review with hostile servers, over real HTTP:
batch and transaction entries whose status is no HTTP status, CapabilityStatements whose codes
are not strings, Bundle types that are objects, host names longer than DNS allows. Each is one
error (or one write outcome) of the service's own with a one-line message, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from service import cli
from service.errors import ConfigurationError, FhirInvalidResponse, FhirOutsideBase
from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.clients import FhirClients
from service.fhir.http import entry_status
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.writeback import write_results
from service.workflow import assess_bundle
from tests.e2e.helpers import NOW, demo_bundle
from tests.e2e.hostile import Exchange, Reply, capability, searchset, serving

PATIENT = {"resourceType": "Patient", "id": "p1"}
BAD_STATUSES = ["200OK", "²00", "2000", "20", "", " ", "OK 200"]
LONG_LABEL = "a" * 64


def client_of(base_url: str) -> FhirClient:
    return FhirClient(base_url, BearerToken("t0ken-value"), limits=Limits(retries=0))


def emitted_results():
    report = assess_bundle(demo_bundle("18-two-levels-nsclc"), now=NOW)
    return report.results, provenance(report.results, report.extraction, report.assessed_at, "t")


def one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message
    assert "invalid literal" not in message and "unhashable" not in message


@pytest.mark.parametrize("status", [*BAD_STATUSES, 200, ["200"], {"code": 200}])
def test_a_batch_entry_status_that_is_no_http_status_is_an_invalid_answer(status: Any) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(batch=True))
            return
        sent = exchange.json()["entry"]
        entries = [{"resource": PATIENT, "response": {"status": status}}]
        entries += [{"resource": searchset([]), "response": {"status": status}}] * (len(sent) - 1)
        reply.json(200, {"resourceType": "Bundle", "type": "batch-response", "entry": entries})

    with serving(respond) as server:
        with pytest.raises(FhirInvalidResponse) as info:
            client_of(server.base_url).gather("p1")
    one_line(str(info.value))
    assert str(info.value).startswith(
        "batch Patient: the entry's response.status is not an HTTP status"
    )


@pytest.mark.parametrize("status", ["200OK", "²00", "2000", 201])
def test_a_transaction_entry_status_that_is_no_http_status_is_a_failed_outcome(
    status: Any,
) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(transaction=True, conditional=True))
            return
        entries = [{"response": {"status": status}}] * len(exchange.json()["entry"])
        reply.json(
            200, {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
        )

    results, prov = emitted_results()
    with serving(respond) as server:
        report = write_results(client_of(server.base_url), results, prov)
    assert report.mode == "transaction" and report.count("failed") == len(results) + 1
    assert report.outcomes[0].message.startswith("the server's answer gives no HTTP status")


def test_entry_statuses_are_read_strictly() -> None:
    assert [entry_status(s) for s in ("200 OK", "201", " 404 Not Found ", "500 x")] == [
        200,
        201,
        404,
        500,
    ]
    assert [entry_status(s) for s in BAD_STATUSES] == [None] * len(BAD_STATUSES)


@pytest.mark.parametrize(
    "interaction",
    [[{"code": ["create"]}], [{"code": {"create": True}}], [{"code": 7}], {"code": "create"}],
    ids=["list", "object", "number", "not-a-list"],
)
@pytest.mark.parametrize("where", ["resource", "system"])
def test_a_capability_statement_with_codes_that_are_not_strings_says_nothing_of_them(
    interaction: Any, where: str
) -> None:
    statement = capability(batch=where == "system")  # a batch the server would not answer
    if where == "resource":
        statement["rest"][0]["resource"][0]["interaction"] = interaction
    else:
        statement["rest"][0]["interaction"] = interaction

    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, statement)
        elif exchange.path == "/fhir/Patient/p1":
            reply.json(200, PATIENT)
        else:
            reply.json(200, searchset([]))

    with serving(respond) as server:
        client = client_of(server.base_url)
        caps = client.capabilities()
        resources, _ = client.gather("p1")
    assert resources == [PATIENT]
    if where == "resource":
        assert "Observation" not in caps.creatable and "Provenance" in caps.creatable
    else:
        assert not caps.batch and "Observation" in caps.creatable


@pytest.mark.parametrize("bundle_type", [{"searchset": True}, ["searchset"], 3])
def test_a_bundle_type_that_is_an_object_is_an_invalid_answer(bundle_type: Any) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(batch=True))
            return
        reply.json(200, {"resourceType": "Bundle", "type": bundle_type, "entry": []})

    with serving(respond) as server:
        client = client_of(server.base_url)
        with pytest.raises(FhirInvalidResponse) as search:
            client.search("Condition", {"patient": "p1"})
        with pytest.raises(FhirInvalidResponse) as batch:
            client.gather("p1")
    assert str(search.value) == "Condition search: the answer is not a searchset Bundle"
    assert str(batch.value) == "batch: the server's answer is not a batch-response"


@pytest.mark.parametrize("bundle_type", [{"collection": 1}, ["collection"]])
def test_a_bundle_file_whose_type_is_an_object_is_one_line_and_exit_2(
    tmp_path: Path, bundle_type: Any
) -> None:
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": bundle_type, "entry": []}))
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["assess", "--bundle", str(path)], out, err) == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and "is not one of collection, searchset, transaction" in lines[0]
    one_line(lines[0])


# -- hosts longer than DNS allows ------------------------------------------------------------


@pytest.mark.parametrize(
    "base",
    [
        f"https://{LONG_LABEL}.example/fhir",
        "https://" + ".".join(c * 40 for c in "bcdefgh") + "/fhir",
        "https://exa..mple.org/fhir",
        f"https://{'é' * 70}.example/fhir",
    ],
    ids=["label-over-63", "name-over-253", "empty-label", "idna-label-over-63"],
)
def test_a_base_whose_host_dns_cannot_carry_is_a_configuration_error(base: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        FhirClient(base)
    assert str(info.value).startswith("the FHIR base's host name is not usable")
    one_line(str(info.value))
    with pytest.raises(ConfigurationError):
        FhirClients().client(base, "t0ken-value")


def test_a_base_with_a_long_host_is_one_line_and_exit_2_on_the_command_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    base = f"https://{LONG_LABEL}.example/fhir"
    assert cli.main(["assess", "--fhir-base", base, "--patient", "p1"], out, err) == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and "host name is not usable" in lines[0]


@pytest.mark.parametrize("header", ["Location", "next"])
def test_a_long_host_sent_by_a_server_is_outside_the_base(header: str) -> None:
    elsewhere = f"http://{LONG_LABEL}.example/fhir/Condition?page=2"

    def respond(exchange: Exchange, reply: Reply) -> None:
        if header == "Location":
            reply.send(302, headers={"Location": elsewhere})
        else:
            reply.json(200, searchset([], [{"relation": "next", "url": elsewhere}]))

    with serving(respond) as server:
        with pytest.raises(FhirOutsideBase) as info:
            client_of(server.base_url).search("Condition", {"patient": "p1"})
    one_line(str(info.value))
    assert len(server.exchanges) == 1
