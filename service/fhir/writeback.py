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
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from service.errors import (
    FhirAuthError,
    FhirError,
    FhirInvalidResponse,
    FhirTemporaryError,
)
from service.fhir import codes
from service.fhir.client import Capabilities, FhirClient
from service.fhir.emit import Emitted
from service.fhir.extract import InvalidInput, bundle_entries, reference_key
from service.fhir.http import Answer, entry_status
from service.fhir.outcomes import is_outcome, outcome_has_error
from service.fhir.result_references import (
    carries,
    lookup_params,
    reference_to,
    resolve_references,
)
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

__all__ = ["WriteOutcome", "WriteReport", "summarize", "transaction_bundle", "write_results"]


def transaction_bundle(results: Sequence[Emitted], prov: Emitted | None) -> dict[str, Any]:
    """A transaction Bundle that creates each result only if its identifier is new."""
    entries = [
        {
            "fullUrl": e.full_url,
            "resource": e.resource,
            "request": {
                "method": "POST",
                "url": e.resource["resourceType"],
                "ifNoneExist": f"identifier={codes.RESULT_IDENTIFIER_SYSTEM}|{e.identifier}",
            },
        }
        for e in results
    ]
    if prov is not None:
        tag = prov.resource["meta"]["tag"][0]["code"]
        entries.append(
            {
                "fullUrl": prov.full_url,
                "resource": prov.resource,
                "request": {
                    "method": "POST",
                    "url": "Provenance",
                    "ifNoneExist": f"_tag={codes.RESULT_IDENTIFIER_SYSTEM}|{tag}",
                },
            }
        )
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


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
            caps = self.client.capabilities()
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
                    return self._write_transaction(results, provenance)
                except FhirTemporaryError as exc:
                    return _all_failed(results, provenance, f"{exc}; {MAYBE_STORED}")
                except FhirError as exc:
                    if isinstance(exc, FhirAuthError) and exc.status == 401:
                        raise
                    if _redirected(exc):
                        return _all_failed(results, provenance, str(exc))
                    notes.append(
                        f"the transaction was refused ({exc}); results were written one by one"
                    )
            report = self._write_individually(results, provenance, caps)
            return WriteReport(report.mode, report.outcomes, (*notes, *report.notes))

    # -- one transaction ----------------------------------------------------------------------

    def _write_transaction(
        self, results: Sequence[Emitted], provenance: Emitted | None
    ) -> WriteReport:
        bundle = transaction_bundle(results, provenance)
        answer = self.client.request("POST", "", json_body=bundle, what="transaction")
        reply = self.client.resource(answer, "POST transaction", "Bundle")
        try:
            replies = bundle_entries(reply)
        except InvalidInput as exc:
            raise FhirInvalidResponse(f"transaction: {exc}", answer.status) from None
        if reply.get("type") != "transaction-response" or len(replies) != len(bundle["entry"]):
            raise FhirInvalidResponse(
                "transaction: the answer is not a transaction-response", answer.status
            )
        outcomes = []
        for entry, item in zip(bundle["entry"], replies, strict=True):
            resource = entry["resource"]
            key = _key_of(resource)
            response = item.get("response") if isinstance(item.get("response"), dict) else {}
            status = entry_status(response.get("status"))
            rtype = resource["resourceType"]
            if status is None:
                message = f"the server's answer gives no HTTP status for it; {MAYBE_STORED}"
                outcomes.append(WriteOutcome(rtype, key, FAILED, message=message))
                continue
            if not 200 <= status < 300 or outcome_has_error(response.get("outcome")):
                detail = self.client.outcome_text(response.get("outcome")) or "no detail"
                outcomes.append(
                    WriteOutcome(rtype, key, FAILED, message=f"HTTP {status} ({detail})")
                )
                continue
            reference, note = self._server_reference(rtype, response.get("location"), None)
            outcomes.append(
                WriteOutcome(rtype, key, CREATED if status == 201 else EXISTING, reference, note)
            )
        return WriteReport("transaction", tuple(outcomes))

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
        try:
            if conditional:
                answer = self._post(rtype, resource, item.condition, retries=None)
            else:
                found = self._look_then_create(rtype, resource, item)
                if isinstance(found, str):
                    return WriteOutcome(rtype, item.key, EXISTING, found, _join(notes))
                answer = found
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
        reference, note = self._server_reference(rtype, location, answer.body)
        notes += [note] if note else []
        # 200 to a conditional create: the server found the result. Where the client looked
        # first and found nothing, any 2xx is the create.
        status = EXISTING if conditional and answer.status == 200 else CREATED
        return WriteOutcome(rtype, item.key, status, reference, _join(notes))

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
        )

    def _look_then_create(self, rtype: str, resource: dict[str, Any], item: _Item) -> Answer | str:
        """Create ``resource`` unless a search finds it; returns the create's answer, or
        ``Type/id`` of the copy found.

        A plain POST is not idempotent: after a failure that may have created the resource all
        the same (a timeout, a 5xx), the client looks again before sending it again. The
        ``If-None-Exist`` header goes along: a server that honours it without saying so is
        protected from a race between the look and the create.
        """
        attempt = 0
        retries = self.client.limits.retries
        while True:
            found = self._find(rtype, resource, item)
            if found:
                return found
            try:
                return self._post(rtype, resource, item.condition, retries=0)
            except FhirTemporaryError as exc:
                if attempt >= retries:
                    raise FhirTemporaryError(
                        f"{exc} (tried {attempt + 1} times, looking first each time)",
                        exc.status,
                        exc.outcome,
                    ) from None
                self.client.http.sleep(self.client.limits.backoff * (2**attempt))
                attempt += 1

    def _find(self, rtype: str, resource: dict[str, Any], item: _Item) -> str | None:
        """``Type/id`` of a copy of the result already on the server, or None.

        Raises:
            FhirError: the search failed: the result is then not written (it might be there).
        """
        try:
            found, _ = self.client.search(rtype, lookup_params(resource, item.condition))
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
            if carries(match, item.condition) and isinstance(match.get("id"), str):
                return f"{rtype}/{match['id']}"
        return None

    def _server_reference(self, rtype: str, location: Any, body: Any) -> tuple[str | None, str]:
        """The result's ``Type/id`` on the server (from its Location, else from the resource it
        sent back), and a note when there is none to trust."""
        if isinstance(location, str) and location.strip():
            url = self.client.http.base.resolve(location)
            key = reference_key(location.strip())
            if self.client.http.base.contains(url) and key.split("/")[0] == rtype:
                return key, ""
            note = (
                "server error: its Location lies outside the FHIR base or names another type "
                "(not followed)"
            )
        else:
            note = ""
        if isinstance(body, dict) and body.get("resourceType") == rtype:
            rid = body.get("id")
            if isinstance(rid, str) and rid:
                return f"{rtype}/{rid}", note
        cited = "the server gave no id: the result is cited by its identifier"
        return None, f"{note}; {cited}" if note else cited


def _join(notes: list[str]) -> str:
    return "; ".join(n for n in notes if n)


def _redirected(exc: FhirError) -> bool:
    return exc.status is not None and 300 <= exc.status < 400


def _key_of(resource: dict[str, Any]) -> str:
    identifiers = resource.get("identifier") or []
    if identifiers:
        return identifiers[0]["value"]
    return resource["meta"]["tag"][0]["code"]


def _all_failed(
    results: Sequence[Emitted], provenance: Emitted | None, message: str
) -> WriteReport:
    everything = [*results, *([provenance] if provenance is not None else [])]
    return WriteReport(
        "transaction",
        tuple(
            WriteOutcome(e.resource["resourceType"], _key_of(e.resource), FAILED, message=message)
            for e in everything
        ),
    )
