"""Writing results back: a strategy chosen from what the server says it can do, and a report
that tells each result's outcome as it is.

Strategies, in the order they are considered:

- ``transaction``: one transaction Bundle, every entry a conditional create (``ifNoneExist`` on
  the deterministic identifier), where the CapabilityStatement offers transactions and
  conditional create of every type written. A retry after a timeout adds nothing.
- one write per result (``individual``), in order (Observations, then the RiskAssessments that
  cite them, then the Provenance), with the references between results rewritten to the server's
  ids, or to logical references by identifier when the server gave no id:
  - a conditional create (``If-None-Exist``) where the server offers it for the type;
  - otherwise "look, then create": a search by identifier first (its matches are checked to
    carry the identifier: a server that ignores the parameter returns everything), and a look
    again before any retry, so that a create the server committed before failing (a 500, a
    timeout) is found rather than sent twice. This is also what happens when the
    CapabilityStatement cannot be read, or lists no resources: it then says nothing.

Bounds: the whole write-back, from reading the CapabilityStatement (a failing one means
"unknown", so look first) to the last answer, ends by ``Limits.write_deadline``; a result not
sent by then is ``failed`` as "not sent". A look-then-create resends only after looking again,
and waits as the server's ``Retry-After`` asks when that fits ``Limits.retry_wait_budget`` and
the deadline; past them it stops and names the wait asked for. Server ids are kept only when
they are FHIR ids (``service.fhir.untrusted.is_fhir_id``). The transaction itself is
``service.fhir.write_transaction``.

Outcomes: ``created`` (2xx to a create; the server's id from its ``Location`` or the returned
resource, else the result is cited by its identifier), ``existing`` (a match was found, or the
conditional create matched), ``refused`` (the server said no: 4xx, or a type it cannot create),
``failed`` (no answer that says it was stored: 5xx or timeouts after the retries, a 2xx carrying
an error OperationOutcome, a write redirected). A resource type or write the server refuses is
reported, the rest is still written (Oracle Health accepts neither RiskAssessment nor
non-laboratory Observations, standards.md §6.4).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from service.errors import (
    FhirAuthError,
    FhirError,
    FhirInvalidResponse,
    FhirRetryLater,
    FhirTemporaryError,
)
from service.fhir import codes
from service.fhir.client import Capabilities, FhirClient
from service.fhir.emit import Emitted
from service.fhir.http import Answer
from service.fhir.outcomes import is_outcome, outcome_has_error
from service.fhir.result_references import (
    carries,
    lookup_params,
    reference_to,
    resolve_references,
)
from service.fhir.untrusted import is_fhir_id
from service.fhir.write_report import (
    CREATED,
    EXISTING,
    FAILED,
    MAYBE_STORED,
    REFUSED,
    WriteOutcome,
    WriteReport,
    summarize,
)
from service.fhir.write_transaction import (
    all_failed,
    server_reference,
    transaction_bundle,
    write_transaction,
)

__all__ = ["WriteOutcome", "WriteReport", "summarize", "transaction_bundle", "write_results"]


def write_results(
    client: FhirClient, results: Sequence[Emitted], provenance: Emitted | None = None
) -> WriteReport:
    """Write results (and their Provenance) so that nothing is duplicated or dropped.

    Writes for one patient are serialized within this process; across processes the
    deterministic identifiers keep retries and races harmless on servers whose conditional
    create is atomic.

    Raises:
        FhirAuthError: a 401 the credentials could not be renewed for (nothing else: every
            other failure is an outcome in the report).
    """
    return _Writer(client).write(results, provenance)


class _PatientLock:
    """A lock that can be held in a weak-value dictionary (bare locks cannot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


@dataclass(frozen=True, slots=True)
class _Item:
    """One resource to write: the resource, its key (identifier or tag) and its look-up."""

    resource: dict[str, Any]
    key: str
    condition: str  # "identifier=system|value" or "_tag=system|code"
    full_url: str


class _Writer:
    """One write of results through one client."""

    # One lock per (server, patient), kept only while some write holds it, so a long-running
    # process does not accumulate a lock per patient ever written.
    _patient_locks: ClassVar[weakref.WeakValueDictionary[tuple[str, str], _PatientLock]] = (
        weakref.WeakValueDictionary()
    )
    _locks_guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, client: FhirClient) -> None:
        self.client = client
        self.deadline = time.monotonic() + client.limits.write_deadline

    def _patient_lock(self, patient_ref: str) -> _PatientLock:
        key = (self.client.base_url, patient_ref)
        with self._locks_guard:
            lock = self._patient_locks.get(key)
            if lock is None:
                lock = self._patient_locks[key] = _PatientLock()
            return lock

    def write(self, results: Sequence[Emitted], provenance: Emitted | None) -> WriteReport:
        if not results:
            return WriteReport("individual", ())
        patient_ref = results[0].resource["subject"]["reference"]
        with self._patient_lock(patient_ref):
            # The deadline spans the whole write-back, from the CapabilityStatement on (waiting
            # for another write of the same patient included).
            caps = self.client.capabilities(deadline=self.deadline)
            notes: list[str] = []
            types = {e.resource["resourceType"] for e in results}
            if provenance is not None:
                types.add(provenance.resource["resourceType"])
            if not caps.known:
                notes.append(
                    "the server's CapabilityStatement says nothing usable: each result was "
                    "looked for before it was created"
                )
            # A transaction relies on ifNoneExist; a server that does not honour it for every
            # type would create duplicates on a re-write, so those get one write each, looked up
            # first (and a type the server cannot create would fail the whole transaction).
            not_conditional = types - caps.conditional_create
            unguarded = sorted(t for t in not_conditional if caps.may_create(t))
            if caps.known and caps.transaction and unguarded:
                notes.append(
                    "the server offers transactions but no conditional create of "
                    f"{', '.join(unguarded)}: results were looked up and written one by one"
                )
            if caps.known and caps.transaction and not not_conditional:
                try:
                    return write_transaction(self.client, results, provenance, self.deadline)
                except FhirTemporaryError as exc:
                    return all_failed(results, provenance, f"{exc}; {MAYBE_STORED}")
                except FhirError as exc:
                    if isinstance(exc, FhirAuthError) and exc.status == 401:
                        raise
                    if _redirected(exc):
                        return all_failed(results, provenance, str(exc))
                    notes.append(
                        f"the transaction was refused ({exc}); results were written one by one"
                    )
            report = self._write_individually(results, provenance, caps)
            return WriteReport(report.mode, report.outcomes, (*notes, *report.notes))

    # -- one write per result -----------------------------------------------------------------

    def _write_individually(
        self, results: Sequence[Emitted], provenance: Emitted | None, caps: Capabilities
    ) -> WriteReport:
        written: dict[str, dict[str, Any]] = {}  # fullUrl → the Reference to use for it
        outcomes: list[WriteOutcome] = []
        notes: list[str] = []
        for emitted in results:
            item = _Item(
                emitted.resource,
                emitted.identifier,
                f"identifier={codes.RESULT_IDENTIFIER_SYSTEM}|{emitted.identifier}",
                emitted.full_url,
            )
            outcome = self._create(item, caps, written)
            outcomes.append(outcome)
            if outcome.status in (CREATED, EXISTING):
                written[emitted.full_url] = reference_to(
                    outcome.reference, outcome.identifier, emitted.resource
                )
        if provenance is not None:
            tag = provenance.resource["meta"]["tag"][0]["code"]
            targets = [t for t in provenance.resource["target"] if t["reference"] in written]
            if targets:
                resource = {**provenance.resource, "target": targets}
                item = _Item(
                    resource,
                    tag,
                    f"_tag={codes.RESULT_IDENTIFIER_SYSTEM}|{tag}",
                    provenance.full_url,
                )
                outcomes.append(self._create(item, caps, written))
            else:
                notes.append("no result was written, so no Provenance was written")
        return WriteReport("individual", tuple(outcomes), tuple(notes))

    def _create(
        self, item: _Item, caps: Capabilities, written: Mapping[str, dict[str, Any]]
    ) -> WriteOutcome:
        rtype = item.resource["resourceType"]
        if not caps.may_create(rtype):
            return WriteOutcome(
                rtype, item.key, REFUSED, message=f"the server does not create {rtype} resources"
            )
        resource, dropped = resolve_references(item.resource, written)
        notes = [f"{dropped} reference(s) to results not written were left out"] if dropped else []
        conditional = caps.known and rtype in caps.conditional_create
        if time.monotonic() >= self.deadline:
            return WriteOutcome(rtype, item.key, FAILED, message=self._past_deadline())
        try:
            if conditional:
                answer = self._post(rtype, resource, item.condition, retries=None)
            else:
                found = self._look_then_create(rtype, resource, item)
                if isinstance(found, _Found):
                    if found.after is None:
                        return WriteOutcome(rtype, item.key, EXISTING, found.key, _join(notes))
                    # The create's answer was lost (a 5xx, a timeout) but the look again found
                    # the result: this write-back (or a concurrent one) stored it; "already
                    # there" would tell the reader it had been written before.
                    notes.append(
                        f"stored although the server's answer to the create was an error "
                        f"({found.after}): found by looking again"
                    )
                    return WriteOutcome(rtype, item.key, CREATED, found.key, _join(notes))
                answer = found
        except _NotSent as exc:
            return WriteOutcome(rtype, item.key, FAILED, message=str(exc))
        except FhirTemporaryError as exc:
            return WriteOutcome(rtype, item.key, FAILED, message=f"{exc}; {MAYBE_STORED}")
        except FhirError as exc:
            if isinstance(exc, FhirAuthError) and exc.status == 401:
                raise
            if not isinstance(exc, FhirInvalidResponse):
                return WriteOutcome(rtype, item.key, REFUSED, message=str(exc))
            stored = exc.status is not None and 200 <= exc.status < 300
            message = f"{exc}; {MAYBE_STORED}" if stored else str(exc)
            return WriteOutcome(rtype, item.key, FAILED, message=message)
        if is_outcome(answer.body) and outcome_has_error(answer.body):
            detail = self.client.outcome_text(answer.body) or "no detail"
            return WriteOutcome(
                rtype,
                item.key,
                FAILED,
                message=f"the server answered HTTP {answer.status} with an error ({detail})",
            )
        location = answer.headers.get("Location") or answer.headers.get("Content-Location")
        reference, note = server_reference(self.client, rtype, location, answer.body)
        notes += [note] if note else []
        # 200 to a conditional create: the server found the result. Where the client looked
        # first and found nothing, any 2xx is the create.
        status = EXISTING if conditional and answer.status == 200 else CREATED
        return WriteOutcome(rtype, item.key, status, reference, _join(notes))

    def _past_deadline(self) -> str:
        return (
            f"not sent: the write-back's deadline ({self.client.limits.write_deadline:g} s) "
            "had passed"
        )

    def _post(
        self, rtype: str, resource: dict[str, Any], condition: str, retries: int | None
    ) -> Answer:
        return self.client.request(
            "POST",
            rtype,
            json_body=resource,
            headers={"If-None-Exist": condition, "Prefer": "return=minimal"},
            retries=retries,
            what=rtype,
            deadline=self.deadline,
        )

    def _look_then_create(
        self, rtype: str, resource: dict[str, Any], item: _Item
    ) -> Answer | _Found:
        """Create ``resource`` unless a search finds it; returns the create's answer, or the
        copy found (and the failure of the create before it, if one came first).

        A plain POST is not idempotent: after a failure that may have created the resource all
        the same (a timeout, a 5xx), the client looks again before sending it again. The
        ``If-None-Exist`` header goes along: a server that honours it without saying so is
        protected from a race between the look and the create.
        """
        limits = self.client.limits
        attempt = 0
        waited = 0.0
        failure: str | None = None
        while True:
            found = self._find(rtype, resource, item)
            if found:
                return _Found(found, failure)
            if time.monotonic() >= self.deadline:
                raise _NotSent(self._past_deadline())
            try:
                return self._post(rtype, resource, item.condition, retries=0)
            except FhirTemporaryError as exc:
                failure = f"HTTP {exc.status}" if exc.status else "no complete answer"
                tried = f"tried {attempt + 1} times, looking first each time"
                if attempt >= limits.retries:
                    raise FhirTemporaryError(f"{exc} ({tried})", exc.status, exc.outcome) from None
                # The server's Retry-After, else backoff; within the budget for waits and the
                # write-back's deadline, as the transport does for the requests it resends.
                asked = exc.retry_after
                wait = asked if asked is not None else limits.backoff * (2**attempt)
                left = min(limits.retry_wait_budget - waited, self.deadline - time.monotonic())
                if wait > left:
                    if asked is None:
                        raise FhirTemporaryError(
                            f"{exc} ({tried})", exc.status, exc.outcome
                        ) from None
                    raise FhirRetryLater(
                        f"{exc}: the server asks to wait {asked:g} s, longer than this client "
                        f"waits ({max(left, 0.0):.0f} s left)",
                        exc.status,
                        exc.outcome,
                        retry_after=asked,
                    ) from None
                self.client.http.sleep(wait)
                waited += wait
                attempt += 1

    def _find(self, rtype: str, resource: dict[str, Any], item: _Item) -> str | None:
        """``Type/id`` of a copy of the result already on the server, or None.

        Raises:
            FhirError: the search failed: the result is then not written (it might be there).
        """
        if time.monotonic() >= self.deadline:
            raise _NotSent(self._past_deadline())
        try:
            found, _ = self.client.search(
                rtype, lookup_params(resource, item.condition), deadline=self.deadline
            )
        except FhirTemporaryError:
            raise
        except FhirError as exc:
            if isinstance(exc, FhirAuthError) and exc.status == 401:
                raise
            raise FhirInvalidResponse(
                f"could not look for an earlier copy ({exc}): not written, so as not to write "
                "it twice",
                exc.status,
            ) from None
        for match in found:
            if carries(match, item.condition) and is_fhir_id(match.get("id")):
                return f"{rtype}/{match['id']}"
        return None


@dataclass(frozen=True, slots=True)
class _Found:
    """A copy of a result found on the server: its ``Type/id``, and the failure of this
    write-back's create that came before the look that found it (None: found at first)."""

    key: str
    after: str | None = None


class _NotSent(Exception):
    """The write-back's deadline passed before a result was sent: nothing of it is stored."""


def _join(notes: list[str]) -> str:
    return "; ".join(n for n in notes if n)


def _redirected(exc: FhirError) -> bool:
    return exc.status is not None and 300 <= exc.status < 400
