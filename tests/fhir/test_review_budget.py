"""A budget for a whole gathering, after the review with hostile servers, over real HTTP: each
answer is capped on its own, and now their sum too (bytes and resources), with the stop reported;
and relative ``next`` links in a batch answer lead where the search they continue would."""

from __future__ import annotations

from collections import Counter

import pytest

from service.fhir.auth import BearerToken
from service.fhir.client import FhirClient
from service.fhir.limits import Budget, Limits
from tests.e2e.hostile import Exchange, Reply, capability, searchset, serving

PATIENT = {"resourceType": "Patient", "id": "p1"}
PER_PAGE = 50
PADDING = "x" * 100_000  # about 100 KB of text in each page


def conditions(page: int, padded: bool = False) -> list[dict]:
    made = []
    for n in range(PER_PAGE):
        resource = {
            "resourceType": "Condition",
            "id": f"c{page}-{n}",
            "subject": {"reference": "Patient/p1"},
            "code": {"text": "x"},
        }
        if padded and n == 0:
            resource["note"] = [{"text": PADDING}]
        made.append(resource)
    return made


def endless_conditions(padded: bool = False, batch: bool = False):
    """A server whose Condition search never ends: every page links to the next one."""

    def respond(exchange: Exchange, reply: Reply) -> None:
        rest = exchange.path.removeprefix("/fhir/")
        if rest == "metadata":
            reply.json(200, capability(batch=batch))
        elif rest == "Patient/p1":
            reply.json(200, PATIENT)
        elif rest == "Condition" or exchange.method == "POST":
            page = int(exchange.query.get("page", "1"))
            link = [{"relation": "next", "url": f"/fhir/Condition?page={page + 1}"}]
            bundle = searchset(conditions(page, padded), link)
            if exchange.method == "POST":  # a batch: the same endless search answers each
                entries = [{"resource": PATIENT, "response": {"status": "200 OK"}}]
                entries += [{"resource": bundle, "response": {"status": "200"}}] * (
                    len(exchange.json()["entry"]) - 1
                )
                bundle = {"resourceType": "Bundle", "type": "batch-response", "entry": entries}
            reply.json(200, bundle)
        else:
            reply.json(200, searchset([]))

    return serving(respond)


def client_of(base_url: str, **limits: float) -> FhirClient:
    options = {"retries": 0, "max_pages": 100, **limits}
    return FhirClient(base_url, BearerToken("t0ken-value"), limits=Limits(**options))


def condition_pages(server) -> int:
    return sum(e.path == "/fhir/Condition" for e in server.exchanges)


def test_a_gathering_stops_at_its_resource_budget_and_says_so() -> None:
    with endless_conditions() as server:
        resources, issues = client_of(server.base_url, max_gather_resources=300).gather("p1")
    kinds = Counter(r["resourceType"] for r in resources)
    assert 300 <= kinds["Condition"] <= 300 + PER_PAGE
    assert condition_pages(server) == kinds["Condition"] // PER_PAGE
    (stop,) = [i for i in issues if i.message.startswith("Condition search")]
    assert stop.severity == "warning"
    assert stop.message == (
        f"Condition search stopped after {condition_pages(server)} pages: the gathering's "
        "budget (64 MiB of answers, 300 resources) was reached: some data may be missing"
    )


def test_a_gathering_stops_at_its_byte_budget_and_says_so() -> None:
    budget = 1024 * 1024
    with endless_conditions(padded=True) as server:
        _, issues = client_of(server.base_url, max_gather_bytes=budget).gather("p1")
    page_size = len(PADDING) + PER_PAGE * 100
    # Pages until the sum passes the budget (one more in flight at most), not the 100 allowed.
    assert condition_pages(server) <= budget // page_size + 2
    assert any("budget (1 MiB of answers" in i.message for i in issues)


def test_the_budget_is_shared_by_the_searches_of_a_batch_gathering() -> None:
    with endless_conditions(batch=True) as server:
        resources, issues = client_of(server.base_url, max_gather_resources=120).gather("p1")
    # Every search of the batch was answered with 50 Conditions (not used by the others, but
    # read): 200 entries in the batch answer already spend the budget of 120.
    assert sum("budget" in i.message for i in issues) == 4
    assert condition_pages(server) == 0
    assert Counter(r["resourceType"] for r in resources)["Condition"] == PER_PAGE


def test_a_search_not_yet_sent_when_the_budget_is_spent_is_reported_not_sent() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, searchset([]))

    spent = Budget(max_bytes=10, max_resources=10, spent_bytes=10)
    with serving(respond) as server:
        found, issues = client_of(server.base_url).search(
            "Condition", {"patient": "p1"}, budget=spent
        )
    assert found == [] and server.exchanges == []
    assert issues[0].message.startswith("Condition search not sent: the gathering's budget")


@pytest.mark.parametrize(
    "link",
    ["Condition?patient=p1&page=2", "?patient=p1&page=2", "/fhir/Condition?patient=p1&page=2"],
    ids=["relative-to-base", "query-only", "absolute-path"],
)
def test_a_relative_next_link_in_a_batch_answer_continues_its_search(link: str) -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability(batch=True))
        elif exchange.method == "POST":
            searches = exchange.json()["entry"][1:]
            entries = [{"resource": PATIENT, "response": {"status": "200 OK"}}]
            for entry in searches:
                first = entry["request"]["url"].startswith("Condition?")
                page = (
                    searchset(conditions(1), [{"relation": "next", "url": link}])
                    if first
                    else searchset([])
                )
                entries.append({"resource": page, "response": {"status": "200 OK"}})
            reply.json(200, {"resourceType": "Bundle", "type": "batch-response", "entry": entries})
        elif exchange.path == "/fhir/Condition" and exchange.query.get("page") == "2":
            reply.json(200, searchset(conditions(2)))
        else:
            reply.send(404)

    with serving(respond) as server:
        resources, _ = client_of(server.base_url).gather("p1")
    assert sum(r["resourceType"] == "Condition" for r in resources) >= 2 * PER_PAGE
    assert [e.path for e in server.exchanges][-1] == "/fhir/Condition"
