"""The FHIR client: gather one patient's data in as few round trips as the server allows, and
write results back without losing or duplicating any.

- One ``requests.Session`` per server; a timeout on every call.
- Retries with exponential backoff only for 408/429/5xx and connection errors or timeouts,
  honouring ``Retry-After`` (seconds or HTTP date). Writes are conditional creates on
  deterministic identifiers, so retrying one after a timeout cannot create a duplicate.
- Paging follows ``Bundle.link[next]`` up to a cap, and says so when it stops early.
- Gathering: one ``batch`` Bundle of searches where the CapabilityStatement offers batch, else the
  same searches in parallel; never one request per resource. Observation searches always carry a
  ``code`` (Epic refuses patient-only Observation searches, standards.md §6.3).
- Writing: one ``transaction`` where supported with conditional create of every type written;
  otherwise (or when the server refuses it) one conditional create per resource (a search, then
  a create, where conditional create is not offered), in order, rewriting references between
  results. A resource type or write the server refuses is reported, the rest is still written
  (Oracle Health accepts neither RiskAssessment nor non-laboratory Observations, standards.md
  §6.4).

Logs name the method, the resource type and the status; never a URL with its query (search URLs
carry patient ids) and never a token.
"""

from __future__ import annotations

import email.utils
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

import requests

from service.errors import (
    FhirAuthError,
    FhirError,
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
    FhirTemporaryError,
)
from service.fhir import codes
from service.fhir.auth import Auth, NoAuth
from service.fhir.emit import Emitted, transaction_bundle
from service.fhir.extract import Issue, reference_key

log = logging.getLogger("noms_cds.fhir")

FHIR_JSON = "application/fhir+json"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
DEFAULT_PAGE_SIZE = 200  # Oracle Health caps Observation _count at 200
DEFAULT_MAX_PAGES = 25

# What is searched for one patient (docs/fhir-input.md). Observations by code, never bare.
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


@dataclass(frozen=True)
class WriteOutcome:
    """What happened to one result."""

    resource_type: str
    identifier: str
    status: str  # "created", "existing", "refused" or "failed"
    location: str | None = None
    message: str = ""


@dataclass(frozen=True)
class WriteReport:
    """Every result's outcome; nothing is dropped silently."""

    mode: str  # "transaction" or "individual"
    outcomes: tuple[WriteOutcome, ...]
    notes: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        """How many results ended with this status."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def complete(self) -> bool:
        """True when every result is on the server (created now or before)."""
        return all(o.status in ("created", "existing") for o in self.outcomes)


def _retry_after(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


def _outcome_text(body: Any) -> str:
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        texts = [
            i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code", "")
            for i in body.get("issue") or []
        ]
        return "; ".join(t for t in texts if t)
    return ""


class _PatientLock:
    """A lock that can be held in a weak-value dictionary (bare locks cannot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class FhirClient:
    """A client for one FHIR R4 server."""

    # One lock per (server, patient), kept only while some write holds it, so a long-running
    # process does not accumulate a lock per patient ever written.
    _patient_locks: ClassVar[weakref.WeakValueDictionary[tuple[str, str], _PatientLock]] = (
        weakref.WeakValueDictionary()
    )
    _locks_guard: ClassVar[threading.Lock] = threading.Lock()

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
        self.base_url = base_url.rstrip("/")
        self.auth = auth or NoAuth()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.max_pages = max_pages
        self.page_size = page_size
        self.max_workers = max_workers
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": FHIR_JSON})
        self._sleep = sleep
        self._clock = clock
        self._capabilities: Capabilities | None = None
        self._sent = itertools.count(1)
        self._sent_total = 0

    # -- transport ------------------------------------------------------------------------------

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}" if path_or_url else self.base_url

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far by this client (retries included)."""
        return self._sent_total

    def _what(self, url: str, body: Any = None) -> str:
        """Resource type (or operation) of a URL, for logs and messages: never ids or queries."""
        path = urlsplit(url).path
        base_path = urlsplit(self.base_url).path.rstrip("/")
        rest = path[len(base_path) :].strip("/") if path.startswith(base_path) else path
        if not rest.split("/")[0] and isinstance(body, dict) and body.get("type"):
            return str(body["type"])  # "batch" or "transaction" posted to the base
        return rest.split("/")[0] or "(system)"

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
        """Send one request with retries; return a 2xx response or raise a FhirError.

        ``retries`` overrides the client's number of retries (0: a single attempt), for requests
        that are not safe to resend as they are.
        """
        url = self._url(path_or_url)
        limit = self.retries if retries is None else retries
        what = self._what(url, json_body)
        renewed = False
        attempt = 0
        while True:
            all_headers = {**self.auth.headers(), **(headers or {})}
            if json_body is not None:
                all_headers["Content-Type"] = FHIR_JSON
            started = time.monotonic()
            try:
                self._sent_total = next(self._sent)  # itertools.count is atomic in CPython
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=all_headers,
                    timeout=self.timeout,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                log.warning("%s %s %s (attempt %d)", method, what, kind, attempt + 1)
                if attempt < limit:
                    self._sleep(self._backoff(attempt, None))
                    attempt += 1
                    continue
                raise FhirTemporaryError(
                    f"{method} {what}: {kind} after {attempt + 1} attempts"
                ) from exc
            log.info(
                "%s %s -> %d in %.0f ms",
                method,
                what,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            status = response.status_code
            if status < 300:
                return response
            if status in RETRY_STATUSES and attempt < limit:
                self._sleep(self._backoff(attempt, response.headers.get("Retry-After")))
                attempt += 1
                continue
            if status == 401 and not renewed and self.auth.renew():
                renewed = True
                continue
            raise self._error(method, what, response)

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        wait = _retry_after(retry_after, self._clock)
        if wait is None:
            wait = self.backoff * (2**attempt)
        return min(wait, self.max_wait)

    def _error(self, method: str, what: str, response: requests.Response) -> FhirError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        outcome = (
            body
            if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome"
            else None
        )
        detail = _outcome_text(body)
        message = f"{method} {what}: HTTP {status}" + (f" ({detail})" if detail else "")
        if status in (401, 403):
            return FhirAuthError(message, status, outcome)
        if status in (404, 410):
            return FhirNotFound(message, status, outcome)
        if status in RETRY_STATUSES:
            return FhirTemporaryError(message, status, outcome)
        return FhirRequestError(message, status, outcome)

    def _json(self, response: requests.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise FhirInvalidResponse(
                f"{what}: the server's answer is not JSON", response.status_code
            ) from exc
        if not isinstance(body, dict) or "resourceType" not in body:
            raise FhirInvalidResponse(
                f"{what}: the server's answer is not a FHIR resource", response.status_code
            )
        return body

    # -- reading --------------------------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        """The server's CapabilityStatement (read once); unknown when it cannot be read."""
        if self._capabilities is None:
            try:
                statement = self._json(self.request("GET", "metadata"), "metadata")
                self._capabilities = Capabilities.from_statement(statement)
            except (FhirRequestError, FhirNotFound, FhirInvalidResponse):
                log.warning("CapabilityStatement unreadable: assuming no batch or transaction")
                self._capabilities = Capabilities()
        return self._capabilities

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any]:
        """Read one resource."""
        return self._json(self.request("GET", f"{resource_type}/{resource_id}"), resource_type)

    def search(
        self, resource_type: str, params: dict[str, str]
    ) -> tuple[list[dict[str, Any]], list[Issue]]:
        """Every match of a search, following ``next`` links up to the page cap."""
        first = self._json(self.request("GET", resource_type, params=params), resource_type)
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
                    text = _outcome_text(resource) or "no detail"
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
            page = self._json(self.request("GET", next_url), resource_type)

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
        answer = self._json(self.request("POST", "", json_body=batch), "batch")
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
        detail = _outcome_text(outcome) or _outcome_text(resource)
        message = f"batch {what}: HTTP {status or '?'}" + (f" ({detail})" if detail else "")
        if status in (404, 410):
            raise FhirNotFound(message, status)
        if status in (401, 403):
            raise FhirAuthError(message, status)
        if status in RETRY_STATUSES:
            raise FhirTemporaryError(message, status)
        raise FhirRequestError(message, status or None)

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

    # -- writing --------------------------------------------------------------------------------

    def _patient_lock(self, patient_ref: str) -> _PatientLock:
        key = (self.base_url, patient_ref)
        with self._locks_guard:
            lock = self._patient_locks.get(key)
            if lock is None:
                lock = self._patient_locks[key] = _PatientLock()
            return lock

    def write(self, results: Sequence[Emitted], provenance: Emitted | None = None) -> WriteReport:
        """Write results (and their Provenance) so that nothing is duplicated or dropped.

        Writes for one patient are serialized within this process; across processes the
        conditional creates on deterministic identifiers keep retries and races harmless on
        servers whose conditional create is atomic.
        """
        if not results:
            return WriteReport("individual", ())
        patient_ref = results[0].resource["subject"]["reference"]
        with self._patient_lock(patient_ref):
            caps = self.capabilities()
            notes: list[str] = []
            types = {e.resource["resourceType"] for e in results}
            if provenance is not None:
                types.add(provenance.resource["resourceType"])
            # A transaction relies on ifNoneExist; a server that does not honour it for every
            # type would create duplicates on a re-write, so those get one write each, looked up
            # first (and a type the server cannot create would fail the whole transaction).
            not_conditional = types - caps.conditional_create
            unguarded = sorted(t for t in not_conditional if caps.may_create(t))
            if caps.transaction and unguarded:
                notes.append(
                    "the server offers transactions but no conditional create of "
                    f"{', '.join(unguarded)}: results were looked up and written one by one"
                )
            if not caps.known or (caps.transaction and not not_conditional):
                try:
                    return self._write_transaction(results, provenance)
                except (FhirRequestError, FhirAuthError, FhirInvalidResponse) as exc:
                    if isinstance(exc, FhirAuthError) and exc.status == 401:
                        raise
                    notes.append(
                        f"the transaction was refused ({exc}); results were written one by one"
                    )
            report = self._write_individually(results, provenance, caps)
            return WriteReport(report.mode, report.outcomes, (*notes, *report.notes))

    def _write_transaction(
        self, results: Sequence[Emitted], provenance: Emitted | None
    ) -> WriteReport:
        bundle = transaction_bundle(results, provenance)
        answer = self._json(self.request("POST", "", json_body=bundle), "transaction")
        replies = answer.get("entry") or []
        if answer.get("type") != "transaction-response" or len(replies) != len(bundle["entry"]):
            raise FhirInvalidResponse("transaction: the answer is not a transaction-response")
        outcomes = []
        for entry, reply in zip(bundle["entry"], replies, strict=True):
            response = reply.get("response") or {}
            status = str(response.get("status", ""))
            resource = entry["resource"]
            identifier = (resource.get("identifier") or [{}])[0].get("value") or resource["meta"][
                "tag"
            ][0]["code"]
            outcomes.append(
                WriteOutcome(
                    resource["resourceType"],
                    identifier,
                    "created" if status.startswith("201") else "existing",
                    response.get("location"),
                )
            )
        return WriteReport("transaction", tuple(outcomes))

    def _write_individually(
        self, results: Sequence[Emitted], provenance: Emitted | None, caps: Capabilities
    ) -> WriteReport:
        locations: dict[str, str] = {}
        outcomes: list[WriteOutcome] = []
        notes: list[str] = []
        for emitted in results:
            outcome = self._create(
                emitted.resource,
                emitted.identifier,
                f"identifier={codes.RESULT_IDENTIFIER_SYSTEM}|{emitted.identifier}",
                caps,
                locations,
            )
            outcomes.append(outcome)
            if outcome.location:
                locations[emitted.full_url] = reference_key(outcome.location)
        if provenance is not None:
            tag = provenance.resource["meta"]["tag"][0]["code"]
            targets = [t for t in provenance.resource["target"] if t["reference"] in locations]
            if targets:
                resource = {**provenance.resource, "target": targets}
                outcomes.append(
                    self._create(
                        resource,
                        tag,
                        f"_tag={codes.RESULT_IDENTIFIER_SYSTEM}|{tag}",
                        caps,
                        locations,
                    )
                )
            else:
                notes.append("no result was written, so no Provenance was written")
        return WriteReport("individual", tuple(outcomes), tuple(notes))

    def _create(
        self,
        resource: dict[str, Any],
        identifier: str,
        condition: str,
        caps: Capabilities,
        locations: dict[str, str],
    ) -> WriteOutcome:
        rtype = resource["resourceType"]
        if not caps.may_create(rtype):
            return WriteOutcome(
                rtype,
                identifier,
                "refused",
                message=f"the server does not create {rtype} resources",
            )
        resource, dropped = _resolve_references(resource, locations)
        note = (
            f"{dropped} reference(s) to results that were not written were left out"
            if dropped
            else ""
        )
        try:
            if caps.known and rtype not in caps.conditional_create:
                found = self._look_then_create(rtype, resource, condition)
                if isinstance(found, str):
                    return WriteOutcome(rtype, identifier, "existing", found, note)
                response = found
            else:
                response = self.request(
                    "POST",
                    rtype,
                    json_body=resource,
                    headers={"If-None-Exist": condition, "Prefer": "return=minimal"},
                )
        except FhirTemporaryError as exc:
            return WriteOutcome(rtype, identifier, "failed", message=str(exc))
        except (FhirRequestError, FhirAuthError, FhirNotFound) as exc:
            if isinstance(exc, FhirAuthError) and exc.status == 401:
                raise
            return WriteOutcome(rtype, identifier, "refused", message=str(exc))
        status = "created" if response.status_code == 201 else "existing"
        location = response.headers.get("Location") or response.headers.get("Content-Location")
        return WriteOutcome(rtype, identifier, status, location, note)

    def _look_then_create(
        self, rtype: str, resource: dict[str, Any], condition: str
    ) -> requests.Response | str:
        """Create ``resource`` unless a search on ``condition`` finds it (servers without
        conditional create); returns the create's response, or ``Type/id`` of the one found.

        A plain POST is not idempotent: after a failure that may have created the resource all
        the same (a timeout, a 5xx), the client looks again before sending it again.
        """
        attempt = 0
        while True:
            found, _ = self.search(rtype, _lookup_params(resource, condition))
            if found:
                return f"{rtype}/{found[0].get('id')}"
            try:
                return self.request(
                    "POST",
                    rtype,
                    json_body=resource,
                    headers={"Prefer": "return=minimal"},
                    retries=0,
                )
            except FhirTemporaryError as exc:
                if attempt >= self.retries:
                    raise FhirTemporaryError(
                        f"{exc} (tried {attempt + 1} times, looking first each time)",
                        exc.status,
                        exc.outcome,
                    ) from exc
                self._sleep(self._backoff(attempt, None))
                attempt += 1


def _lookup_params(resource: dict[str, Any], condition: str) -> dict[str, str]:
    """The search for an earlier copy of a result: its identifier (or tag), narrowed to its
    patient and code, which some servers require of every Observation search (Epic)."""
    params = dict([condition.split("=", 1)])
    subject = (resource.get("subject") or {}).get("reference", "")
    if subject.startswith("Patient/"):
        params["patient"] = subject
    coding = ((resource.get("code") or {}).get("coding") or [{}])[0]
    if coding.get("system") and coding.get("code"):
        params["code"] = f"{coding['system']}|{coding['code']}"
    return params


def _resolve_references(
    resource: dict[str, Any], locations: dict[str, str]
) -> tuple[dict[str, Any], int]:
    """Replace ``urn:uuid`` references to written results; drop those to unwritten ones."""
    dropped = 0

    def walk(node: Any) -> Any:
        nonlocal dropped
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            kept = []
            for item in node:
                ref = item.get("reference") if isinstance(item, dict) else None
                if isinstance(ref, str) and ref.startswith("urn:uuid:") and ref not in locations:
                    dropped += 1
                    continue
                kept.append(walk(item))
            return kept
        return node

    resolved = walk(resource)

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: rewrite(v) for k, v in node.items()}
            if out.get("reference") in locations:
                out["reference"] = locations[out["reference"]]
            return out
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    return rewrite(resolved), dropped


def summarize(report: WriteReport) -> Iterable[str]:
    """Lines telling the user what was written, what was refused and why."""
    yield (
        f"write-back ({report.mode}): {report.count('created')} created, "
        f"{report.count('existing')} already there, {report.count('refused')} refused, "
        f"{report.count('failed')} failed"
    )
    for outcome in report.outcomes:
        if outcome.status in ("refused", "failed"):
            yield (
                f"  {outcome.status}: {outcome.resource_type} {outcome.identifier}: "
                f"{outcome.message}"
            )
    yield from (f"  note: {n}" for n in report.notes)
