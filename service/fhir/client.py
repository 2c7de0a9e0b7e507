"""The FHIR client: what a server offers, and one patient's data in as few round trips as it
allows.

- Capabilities: the CapabilityStatement, read once per client.
- Searches follow ``Bundle.link[next]`` up to a cap, and say so when they stop early.
- Gathering: one ``batch`` Bundle of searches where the CapabilityStatement offers batch, else the
  same searches in parallel; never one request per resource. Observation searches always carry a
  ``code`` (Epic refuses patient-only Observation searches, standards.md §6.3).

Transport (retries, limits, errors) is ``service.fhir.http``; writing results back is
``service.fhir.writeback``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from service.errors import (
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
)
from service.fhir import codes
from service.fhir.auth import Auth
from service.fhir.extract import Issue
from service.fhir.http import DEFAULT_TIMEOUT, HttpTransport, error_for_status, outcome_text

log = logging.getLogger("noms_cds.fhir")

DEFAULT_PAGE_SIZE = 200  # Oracle Health caps Observation _count at 200
DEFAULT_MAX_PAGES = 25

# What is searched for one patient (fhir-contract §1). Observations by code, never bare.
OBSERVATION_CODES = tuple(
    f"{codes.SPINE_ONCOLOGY}|{code}"
    for code in (
        "sins-bone-lesion",
        "sins-alignment",
        "sins-collapse",
        "sins-posterolateral",
        "escc-grade",
        "sins-pain",
        "prior-radiation",
        "myelopathy",
        "cauda-equina-syndrome",
        "functional-radiculopathy",
        "frankel-grade",
        "ambulatory-status",
        "extraspinal-bone-metastases-count",
        "vertebral-metastases-count",
        "major-organ-metastases",
        "visceral-metastases",
        "surgical-candidate",
        "stability-assessment",
        "sois",
    )
) + tuple(
    f"{codes.LOINC}|{code}"
    for code in (
        codes.LOINC_ECOG,
        codes.LOINC_KARNOFSKY,
        codes.LOINC_ASIA,
        *sorted(codes.LOINC_ALBUMIN),
    )
)
RADIOTHERAPY_CODES = tuple(f"{codes.SNOMED}|{c}" for c in sorted(codes.RADIOTHERAPY_PROCEDURES))


def patient_searches(
    patient_id: str, page_size: int = DEFAULT_PAGE_SIZE
) -> list[tuple[str, dict[str, str]]]:
    """The searches that gather one patient's data, as (resource type, parameters)."""
    common = {"patient": patient_id, "_count": str(page_size)}
    return [
        ("Condition", dict(common)),
        ("Observation", {**common, "code": ",".join(OBSERVATION_CODES)}),
        ("Procedure", {**common, "code": ",".join(RADIOTHERAPY_CODES)}),
        ("ImagingStudy", dict(common)),
    ]


@dataclass(frozen=True)
class Capabilities:
    """What a server says it supports (CapabilityStatement), as far as we use it."""

    batch: bool = False
    transaction: bool = False
    creatable: frozenset[str] = frozenset()
    conditional_create: frozenset[str] = frozenset()
    known: bool = False  # False when the statement could not be read: try and see

    @classmethod
    def from_statement(cls, statement: dict[str, Any]) -> Capabilities:
        """Read a CapabilityStatement."""
        batch = transaction = False
        creatable: set[str] = set()
        conditional: set[str] = set()
        for rest in statement.get("rest") or []:
            if rest.get("mode") not in (None, "server"):
                continue
            system = {i.get("code") for i in rest.get("interaction") or []}
            batch |= "batch" in system
            transaction |= "transaction" in system
            for resource in rest.get("resource") or []:
                interactions = {i.get("code") for i in resource.get("interaction") or []}
                if "create" in interactions:
                    creatable.add(resource.get("type"))
                    if resource.get("conditionalCreate"):
                        conditional.add(resource.get("type"))
        return cls(batch, transaction, frozenset(creatable), frozenset(conditional), True)

    def may_create(self, resource_type: str) -> bool:
        """False only when the server says it cannot create this type."""
        return not self.known or resource_type in self.creatable


class FhirClient:
    """A client for one FHIR R4 server."""

    def __init__(
        self,
        base_url: str,
        auth: Auth | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        max_pages: int = DEFAULT_MAX_PAGES,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_workers: int = 6,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = HttpTransport(
            base_url,
            auth,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_wait=max_wait,
            session=session,
            sleep=sleep,
            clock=clock,
        )
        self.base_url = self.http.base_url
        self.max_pages = max_pages
        self.page_size = page_size
        self.max_workers = max_workers
        self._capabilities: Capabilities | None = None

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far by this client (retries included)."""
        return self.http.requests_sent

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
    ) -> requests.Response:
        """Send one request with retries; return a 2xx response or raise a FhirError."""
        return self.http.request(
            method,
            path_or_url,
            params=params,
            json_body=json_body,
            headers=headers,
            retries=retries,
        )

    def json(self, response: requests.Response, what: str) -> dict[str, Any]:
        """The FHIR resource a 2xx answer holds."""
        return self.http.json(response, what)

    # -- reading --------------------------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        """The server's CapabilityStatement (read once); unknown when it cannot be read."""
        if self._capabilities is None:
            try:
                statement = self.json(self.request("GET", "metadata"), "metadata")
                self._capabilities = Capabilities.from_statement(statement)
            except (FhirRequestError, FhirNotFound, FhirInvalidResponse):
                log.warning("CapabilityStatement unreadable: assuming no batch or transaction")
                self._capabilities = Capabilities()
        return self._capabilities

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any]:
        """Read one resource."""
        return self.json(self.request("GET", f"{resource_type}/{resource_id}"), resource_type)

    def search(
        self, resource_type: str, params: dict[str, str]
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        """Every match of a search, following ``next`` links up to the page cap."""
        first = self.json(self.request("GET", resource_type, params=params), resource_type)
        return self._collect_pages(resource_type, first)

    def _collect_pages(
        self, resource_type: str, page: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        resources: list[dict[str, Any]] = []
        issues: list[Issue] = []
        pages = 0
        while True:
            if page.get("resourceType") != "Bundle":
                raise FhirInvalidResponse(f"{resource_type}: a search did not return a Bundle")
            pages += 1
            for entry in page.get("entry") or []:
                resource = entry.get("resource")
                if not isinstance(resource, dict):
                    continue
                if resource.get("resourceType") == "OperationOutcome":
                    text = outcome_text(resource) or "no detail"
                    issues.append(
                        Issue("warning", f"server reported ({resource_type} search): {text}")
                    )
                    continue
                resources.append(resource)
            next_url = next(
                (
                    link.get("url")
                    for link in page.get("link") or []
                    if link.get("relation") == "next"
                ),
                None,
            )
            if not next_url:
                return resources, issues
            if pages >= self.max_pages:
                issues.append(
                    Issue(
                        "warning",
                        f"{resource_type} search stopped after "
                        f"{pages} pages: some data may be missing",
                    )
                )
                return resources, issues
            page = self.json(self.request("GET", next_url), resource_type)

    def gather(self, patient_id: str) -> tuple[list[dict[str, Any]], list[Issue]]:
        """All of one patient's relevant data: one batch where possible, else parallel searches.

        Raises:
            FhirNotFound: when the patient does not exist.
        """
        searches = patient_searches(patient_id, self.page_size)
        if self.capabilities().batch:
            try:
                return self._gather_batch(patient_id, searches)
            except FhirRequestError as exc:
                log.warning("batch refused (%s): searching in parallel", exc.status)
        return self._gather_parallel(patient_id, searches)

    def _gather_batch(
        self, patient_id: str, searches: list[tuple[str, dict[str, str]]]
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        entries = [{"request": {"method": "GET", "url": f"Patient/{patient_id}"}}]
        entries += [
            {"request": {"method": "GET", "url": f"{rtype}?{urlencode(params)}"}}
            for rtype, params in searches
        ]
        batch = {"resourceType": "Bundle", "type": "batch", "entry": entries}
        answer = self.json(self.request("POST", "", json_body=batch), "batch")
        replies = answer.get("entry") or []
        if answer.get("type") != "batch-response" or len(replies) != len(entries):
            raise FhirInvalidResponse("batch: the server's answer is not a batch-response")
        patient_reply, *search_replies = replies
        patient = self._batch_resource(patient_reply, "Patient")
        resources: list[dict[str, Any]] = [patient]
        issues: list[Issue] = []
        pending = []
        for (rtype, _), reply in zip(searches, search_replies, strict=True):
            pending.append((rtype, self._batch_resource(reply, rtype)))
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            for found, found_issues in pool.map(lambda item: self._collect_pages(*item), pending):
                resources.extend(found)
                issues.extend(found_issues)
        return resources, issues

    def _batch_resource(self, reply: dict[str, Any], what: str) -> dict[str, Any]:
        status_text = str((reply.get("response") or {}).get("status", ""))
        status = int(status_text.split()[0]) if status_text[:3].isdigit() else 0
        resource = reply.get("resource")
        if 200 <= status < 300 and isinstance(resource, dict):
            return resource
        outcome = (reply.get("response") or {}).get("outcome")
        detail = outcome_text(outcome) or outcome_text(resource)
        message = f"batch {what}: HTTP {status or '?'}" + (f" ({detail})" if detail else "")
        raise error_for_status(message, status or None)

    def _gather_parallel(
        self, patient_id: str, searches: list[tuple[str, dict[str, str]]]
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            patient_future = pool.submit(self.read, "Patient", patient_id)
            futures = [pool.submit(self.search, rtype, params) for rtype, params in searches]
            patient = patient_future.result()
            resources: list[dict[str, Any]] = [patient]
            issues: list[Issue] = []
            for future in futures:
                found, found_issues = future.result()
                resources.extend(found)
                issues.extend(found_issues)
        return resources, issues
