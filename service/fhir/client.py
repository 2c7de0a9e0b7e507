"""The FHIR client: what a server offers, and one patient's data in as few round trips as it
allows, checked before it is used.

- Capabilities: the CapabilityStatement, read once per client (or shared, see
  ``service.fhir.clients``). One that cannot be read, or that lists no resources, says nothing:
  the capabilities are then unknown, and writers look before they create.
- Searches follow ``Bundle.link[next]`` up to a cap and within a budget of bytes and entries,
  and say so when they stop early; a next link outside the FHIR base is not followed
  (``FhirOutsideBase``).
- Gathering (``service.fhir.gathering``): one ``batch`` of searches where the server offers it,
  else the same searches in parallel, by ``Limits.gather_deadline`` and within one budget.
- What comes back is checked: a read answers with the type (and id) asked for; an error
  OperationOutcome in a 2xx is an error; a search entry of another type, or whose subject is
  missing or names another patient (or another server), is not used and is reported.

Transport (limits, retries, errors) is ``service.fhir.http``; writing back is
``service.fhir.writeback``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from service.errors import (
    ConfigurationError,
    FhirError,
    FhirInvalidResponse,
    FhirOutsideBase,
)
from service.fhir.auth import Auth, NoAuth
from service.fhir.capabilities import Capabilities, CapabilitiesCache
from service.fhir.extract import InvalidInput, Issue, bundle_entries, bundle_link
from service.fhir.extract.bundle import outcome_issues
from service.fhir.extract.references import reference_key, subject_reference
from service.fhir.gathering import entry_count, gather, patient_searches
from service.fhir.http import Answer, HttpTransport, secrets_of
from service.fhir.limits import Budget, Limits
from service.fhir.origins import origin_of
from service.fhir.outcomes import is_outcome, outcome_has_error, outcome_text
from service.fhir.untrusted import is_fhir_id

log = logging.getLogger("noms_cds.fhir")

__all__ = ["Capabilities", "FhirClient", "patient_searches"]


class FhirClient:
    """A client for one FHIR R4 server, with one set of credentials.

    Cheap to make: give it a shared ``transport`` (one connection pool per server) and a shared
    ``capabilities_cache`` to make one per user or per request (``service.fhir.clients``
    does).


    Raises:
        ConfigurationError: the base URL is not usable, or credentials would travel over plain
            HTTP to another machine.
    """

    def __init__(
        self,
        base_url: str,
        auth: Auth | None = None,
        *,
        limits: Limits | None = None,
        transport: HttpTransport | None = None,
        capabilities: Capabilities | None = None,
        capabilities_cache: CapabilitiesCache | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            self.http = transport or HttpTransport(
                base_url, limits, session=session, sleep=sleep, clock=clock
            )
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if transport is not None and transport.base.url != base_url.strip().rstrip("/"):
            raise ConfigurationError("the transport serves another FHIR base")
        self.auth = auth or NoAuth()
        base = self.http.base
        if not isinstance(self.auth, NoAuth) and base.scheme == "http" and not base.is_loopback:
            raise ConfigurationError(
                f"refusing to send credentials over plain HTTP to {origin_of(base.url)}: use https"
            )
        self.base_url = self.http.base_url
        self.limits = self.http.limits
        self._capabilities = capabilities
        self._capabilities_cache = capabilities_cache

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far through this client's transport (retries included)."""
        return self.http.requests_sent

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        retries: int | None = None,
        what: str | None = None,
        deadline: float | None = None,
    ) -> Answer:
        """Send one request with this client's credentials (see ``HttpTransport.send``)."""
        return self.http.send(
            method,
            path_or_url,
            auth=self.auth,
            params=params,
            json_body=json_body,
            headers=headers,
            retries=retries,
            what=what,
            deadline=deadline,
        )

    def clean(self, text: object) -> str:
        """Server text as it may be shown (bounded, no controls, credentials redacted)."""
        return self.http.clean(text, self.auth)

    def outcome_text(self, body: Any) -> str:
        """What an OperationOutcome says, as it may be shown: the credentials are redacted
        before the text is bounded, so a cut never leaves part of a token in view."""
        return outcome_text(body, secrets=self.secrets(), limit=self.limits.max_text)

    def secrets(self) -> tuple[str, ...]:
        """The credentials this client sends, to redact wherever a server might echo them."""
        return secrets_of(self.auth.headers())

    def resource(self, answer: Answer, what: str, expected: str | None = None) -> dict[str, Any]:
        """The FHIR resource a 2xx answer holds, checked.

        Raises:
            FhirInvalidResponse: no resource, an error OperationOutcome, or another type than
                ``expected``.
        """
        body = answer.body
        if not isinstance(body, dict) or not isinstance(body.get("resourceType"), str):
            raise FhirInvalidResponse(
                f"{what}: the server's answer is not a FHIR resource", answer.status
            )
        if is_outcome(body) and expected != "OperationOutcome":
            if outcome_has_error(body):
                detail = self.outcome_text(body) or "no detail"
                raise FhirInvalidResponse(
                    f"{what}: the server answered HTTP {answer.status} with an error ({detail})",
                    answer.status,
                    body,
                )
        if expected is not None and body["resourceType"] != expected:
            got = self.clean(body["resourceType"])[:40]
            raise FhirInvalidResponse(
                f"{what}: the server answered with {_a(got)}, not the {expected} asked for",
                answer.status,
            )
        return body

    # -- reading --------------------------------------------------------------------------------

    def capabilities(self, *, deadline: float | None = None) -> Capabilities:
        """The server's CapabilityStatement (read once, or taken from the shared cache);
        unknown when it cannot be read, for whatever reason (an error status, a 5xx, a
        timeout, an answer that is not one): the callers then take the careful way (searches
        one by one, a look before each create), never abort.

        Args:
            deadline: A ``time.monotonic()`` the read must end by (a gathering's or a write's
                deadline: reading the capabilities counts toward it). It is tried once: its
                failure has a safe fallback, and a retry would spend the caller's time.
        """
        cache = self._capabilities_cache
        if self._capabilities is None and cache is not None:
            self._capabilities = cache.get(self.base_url)
        if self._capabilities is None:
            try:
                answer = self.request(
                    "GET", "metadata", what="metadata", retries=0, deadline=deadline
                )
                statement = self.resource(answer, "GET metadata", "CapabilityStatement")
                self._capabilities = Capabilities.from_statement(statement)
            except FhirError as exc:
                log.warning("CapabilityStatement unreadable (%s): capabilities unknown", exc.code)
                self._capabilities = Capabilities()
            if cache is not None:
                cache.put(self.base_url, self._capabilities)
        return self._capabilities

    def read(
        self, resource_type: str, resource_id: str, *, deadline: float | None = None
    ) -> dict[str, Any]:
        """Read one resource; it must be of the type and have the id asked for."""
        what = f"GET {resource_type}"
        answer = self.request(
            "GET", f"{resource_type}/{resource_id}", what=resource_type, deadline=deadline
        )
        resource = self.resource(answer, what, resource_type)
        if resource.get("id") != resource_id:
            raise FhirInvalidResponse(
                f"{what}: the server answered with another {resource_type} than the one asked for",
                answer.status,
            )
        return resource

    def search(
        self,
        resource_type: str,
        params: Mapping[str, str],
        *,
        deadline: float | None = None,
        budget: Budget | None = None,
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        """Every match of a search, following ``next`` links up to the page cap and within
        the budget (a gathering's, shared by its searches; else one of this search's own).

        With a ``patient`` parameter, matches must be about that patient (see
        :meth:`_page_resources`).
        """
        budget = budget or Budget.of(self.limits)
        if budget.exhausted:
            return [], [Issue("warning", f"{resource_type} search not sent: {budget.reason()}")]
        answer = self.request(
            "GET", resource_type, params=params, what=resource_type, deadline=deadline
        )
        page = self.resource(answer, f"GET {resource_type}", "Bundle")
        patient = params.get("patient")
        patient_id = patient.removeprefix("Patient/") if patient else None
        budget.spend(answer.size)
        return self.collect_pages(
            resource_type, page, answer.url, patient_id, deadline=deadline, budget=budget
        )

    def collect_pages(
        self,
        resource_type: str,
        page: dict[str, Any],
        page_url: str,
        patient_id: str | None,
        *,
        deadline: float | None,
        budget: Budget,
        first_counted: bool = False,
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        """The matches of a search from its first page on (its bytes already spent, and its
        entries too when ``first_counted``), following ``next`` links (relative ones resolved
        against ``page_url``) while the page cap and the budget allow."""
        resources: list[dict[str, Any]] = []
        issues: list[Issue] = []
        pages = 0
        what = f"{resource_type} search"
        while True:
            if page.get("resourceType") != "Bundle" or page.get("type") not in (None, "searchset"):
                raise FhirInvalidResponse(f"{what}: the answer is not a searchset Bundle")
            pages += 1
            found, found_issues = self._page_resources(resource_type, page, patient_id)
            resources.extend(found)
            issues.extend(found_issues)
            if pages > 1 or not first_counted:
                budget.spend(0, entry_count(page))
            try:
                link = bundle_link(page, "next")
            except InvalidInput as exc:
                raise FhirInvalidResponse(f"{what}: {exc}") from None
            if not link:
                return resources, issues
            if budget.exhausted:
                issues.append(
                    Issue("warning", f"{what} stopped after {pages} pages: {budget.reason()}")
                )
                return resources, issues
            if pages >= self.limits.max_pages:
                issues.append(
                    Issue(
                        "warning",
                        f"{resource_type} search stopped after "
                        f"{pages} pages: some data may be missing",
                    )
                )
                return resources, issues
            next_url = self.http.base.resolve(link, against=page_url)
            if not self.http.base.contains(next_url):
                raise FhirOutsideBase(
                    f"{what}: the next link leads to {origin_of(next_url)}, outside the FHIR "
                    "base: not followed"
                )
            answer = self.request("GET", next_url, what=resource_type, deadline=deadline)
            page = self.resource(answer, f"GET {resource_type} (next page)", "Bundle")
            page_url = answer.url
            budget.spend(answer.size)

    def _page_resources(
        self, resource_type: str, page: dict[str, Any], patient_id: str | None
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        """The usable matches of one page, and what was not used and why."""
        try:
            entries = bundle_entries(page)
        except InvalidInput as exc:
            raise FhirInvalidResponse(f"{resource_type} search: {exc}") from None
        resources: list[dict[str, Any]] = []
        issues: list[Issue] = []
        for entry in entries:
            resource = entry.get("resource")
            if not isinstance(resource, dict):
                issues.append(
                    Issue("warning", f"{resource_type} search: an entry without a resource")
                )
                continue
            kind = resource.get("resourceType")
            if kind == "OperationOutcome":
                source = f"server reported ({resource_type} search)"
                issues.extend(outcome_issues(resource, source, secrets=self.secrets()))
                continue
            if kind != resource_type:
                shown = self.clean(kind)[:40] if isinstance(kind, str) else "an entry of no type"
                issues.append(
                    Issue("warning", f"{resource_type} search answered with {shown}: not used")
                )
                continue
            reason = self._not_the_patient(resource, patient_id) if patient_id else None
            if reason:
                issues.append(Issue("warning", f"{reason}: not used", self._key(resource)))
                continue
            resources.append(resource)
        return resources, issues

    def _not_the_patient(self, resource: dict[str, Any], patient_id: str) -> str | None:
        """Why a match is not about the patient searched for, or None when it is."""
        reference = subject_reference(resource)
        if reference is None:
            return "names no patient as its subject"
        if reference.startswith(("http://", "https://")) and not self.http.base.contains(reference):
            return "names a patient on another server"
        if reference_key(reference) != f"Patient/{patient_id}":
            return "names another patient as its subject"
        return None

    def _key(self, resource: dict[str, Any]) -> str:
        rid = resource.get("id")
        shown = rid if is_fhir_id(rid) else "(an id that is not a FHIR id)"
        return f"{resource['resourceType']}/{shown}"

    def gather(self, patient_id: str) -> tuple[list[dict[str, Any]], list[Issue]]:
        """All of one patient's relevant data (see :func:`service.fhir.gathering.gather`).

        Raises:
            FhirNotFound: when the patient does not exist.
            FhirTimeout: the gathering did not end by ``Limits.gather_deadline``.
        """
        return gather(self, patient_id)


def _a(name: str) -> str:
    """``a Practitioner``, ``an OperationOutcome``."""
    return f"{'an' if name[:1].upper() in 'AEIOU' else 'a'} {name}"
