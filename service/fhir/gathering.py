"""Gathering one patient's data: one ``batch`` of searches where the server offers batch, else
the same searches in parallel; never one request per resource. Observation searches always carry
a ``code`` (Epic refuses patient-only Observation searches, standards.md §6.3).

A gathering is bounded as a whole, not only request by request: it ends by
``Limits.gather_deadline`` (reading the CapabilityStatement included), and its searches share one
:class:`~service.fhir.limits.Budget` of bytes and resources, past which no further page is asked
for and the stop is reported ("some data may be missing"), so that many pages cannot add up to
more than the budget however each is capped.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from service.errors import FhirInvalidResponse, FhirRequestError
from service.fhir import contract
from service.fhir.extract import InvalidInput, Issue, bundle_entries
from service.fhir.http import Answer, entry_status, error_for_status
from service.fhir.limits import Budget, Limits

if TYPE_CHECKING:
    from service.fhir.client import FhirClient

log = logging.getLogger("noms_cds.fhir")

Found = tuple[list[dict[str, Any]], list[Issue]]


def patient_searches(
    patient_id: str, page_size: int | None = None
) -> list[tuple[str, dict[str, str]]]:
    """The searches that gather one patient's data, as (resource type, parameters); the page
    size is ``Limits.page_size`` unless given."""
    common = {"patient": patient_id, "_count": str(page_size or Limits().page_size)}
    return [
        ("Condition", dict(common)),
        ("Observation", {**common, "code": ",".join(contract.OBSERVATION_CODES)}),
        ("Procedure", {**common, "code": ",".join(contract.RADIOTHERAPY_CODES)}),
        ("ImagingStudy", dict(common)),
    ]


def entry_count(bundle: dict[str, Any]) -> int:
    """How many entries a Bundle holds, as a budget counts them (not checked here)."""
    entries = bundle.get("entry")
    return len(entries) if isinstance(entries, list) else 0


def gather(client: FhirClient, patient_id: str) -> Found:
    """All of one patient's relevant data, done by ``Limits.gather_deadline`` (else
    ``FhirTimeout``) and within one budget of bytes and resources.

    Raises:
        FhirNotFound: when the patient does not exist.
    """
    limits = client.limits
    deadline = time.monotonic() + limits.gather_deadline
    budget = Budget.of(limits)
    searches = patient_searches(patient_id, limits.page_size)
    if client.capabilities(deadline=deadline).batch:
        try:
            return _gather_batch(client, patient_id, searches, deadline, budget)
        except FhirRequestError as exc:
            log.warning("batch refused (%s): searching in parallel", exc.status)
    return _gather_parallel(client, patient_id, searches, deadline, budget)


def _gather_batch(
    client: FhirClient,
    patient_id: str,
    searches: list[tuple[str, dict[str, str]]],
    deadline: float,
    budget: Budget,
) -> Found:
    entries = [{"request": {"method": "GET", "url": f"Patient/{patient_id}"}}]
    urls = [f"{rtype}?{urlencode(params)}" for rtype, params in searches]
    entries += [{"request": {"method": "GET", "url": url}} for url in urls]
    batch = {"resourceType": "Bundle", "type": "batch", "entry": entries}
    answer = client.request("POST", "", json_body=batch, what="batch", deadline=deadline)
    budget.spend(answer.size)
    reply = client.resource(answer, "POST batch", "Bundle")
    try:
        replies = bundle_entries(reply)
    except InvalidInput as exc:
        raise FhirInvalidResponse(f"batch: {exc}") from None
    if reply.get("type") != "batch-response" or len(replies) != len(entries):
        raise FhirInvalidResponse("batch: the server's answer is not a batch-response")
    patient_reply, *search_replies = replies
    patient = _batch_resource(client, patient_reply, "Patient")
    if patient.get("id") != patient_id:
        raise FhirInvalidResponse("batch: the Patient answered is not the one asked for")
    resources: list[dict[str, Any]] = [patient]
    issues: list[Issue] = []
    pending = [
        (rtype, url, _batch_resource(client, entry, rtype, "Bundle"))
        for (rtype, _), url, entry in zip(searches, urls, search_replies, strict=True)
    ]
    # Every first page came in the one answer: counted at once, before any next page is asked.
    budget.spend(0, sum(entry_count(page) for _, _, page in pending))

    def pages(item: tuple[str, str, dict[str, Any]]) -> Found:
        rtype, url, page = item
        # A relative next link in a batch answer is relative to the search it answers, as if
        # that search had been sent on its own (not to the base the batch was posted to).
        return client.collect_pages(
            rtype,
            page,
            f"{client.base_url}/{url}",
            patient_id,
            deadline=deadline,
            budget=budget,
            first_counted=True,
        )

    with ThreadPoolExecutor(max_workers=client.limits.max_workers) as pool:
        for found, found_issues in pool.map(pages, pending):
            resources.extend(found)
            issues.extend(found_issues)
    return resources, issues


def _batch_resource(
    client: FhirClient, reply: dict[str, Any], rtype: str, expected: str | None = None
) -> dict[str, Any]:
    """The resource of one batch-response entry, checked like an answer of its own."""
    response = reply.get("response") if isinstance(reply.get("response"), dict) else {}
    status = entry_status(response.get("status"))
    if status is None:
        raise FhirInvalidResponse(
            f"batch {rtype}: the entry's response.status is not an HTTP status "
            f"({client.clean(repr(response.get('status')))[:40]})"
        )
    resource = reply.get("resource")
    what = f"batch {rtype}"
    if 200 <= status < 300 and isinstance(resource, dict):
        return client.resource(Answer(status, {}, resource, ""), what, expected or rtype)
    detail = client.outcome_text(response.get("outcome")) or client.outcome_text(resource)
    message = f"{what}: HTTP {status}" + (f" ({detail})" if detail else "")
    raise error_for_status(message, status)


def _gather_parallel(
    client: FhirClient,
    patient_id: str,
    searches: list[tuple[str, dict[str, str]]],
    deadline: float,
    budget: Budget,
) -> Found:
    with ThreadPoolExecutor(max_workers=client.limits.max_workers) as pool:
        patient_future = pool.submit(client.read, "Patient", patient_id, deadline=deadline)
        futures = [
            pool.submit(client.search, rtype, params, deadline=deadline, budget=budget)
            for rtype, params in searches
        ]
        patient = patient_future.result()
        resources: list[dict[str, Any]] = [patient]
        issues: list[Issue] = []
        for future in futures:
            found, found_issues = future.result()
            resources.extend(found)
            issues.extend(found_issues)
    return resources, issues
