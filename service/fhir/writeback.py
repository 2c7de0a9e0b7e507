"""Writing results back: strategies chosen from the server's capabilities, and a report that
names every result's outcome.

- One ``transaction`` where the server offers it with conditional create of every type written
  (``ifNoneExist`` on the deterministic identifiers, so a retry after a timeout adds nothing).
- Otherwise (or when the server refuses the transaction) one conditional create per result (a
  search, then a create, where conditional create is not offered), in order, rewriting the
  references between results to the server's ids.
- A resource type or write the server refuses is reported, the rest is still written (Oracle
  Health accepts neither RiskAssessment nor non-laboratory Observations, standards.md §6.4).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import requests

from service.errors import (
    FhirAuthError,
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
    FhirTemporaryError,
)
from service.fhir import codes
from service.fhir.client import Capabilities, FhirClient
from service.fhir.emit import Emitted
from service.fhir.extract import reference_key


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
    """Write results (and their Provenance) so that nothing is duplicated or dropped."""
    return _Writer(client).write(results, provenance)


class _PatientLock:
    """A lock that can be held in a weak-value dictionary (bare locks cannot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


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
            caps = self.client.capabilities()
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
        answer = self.client.json(self.client.request("POST", "", json_body=bundle), "transaction")
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
                response = self.client.request(
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
            found, _ = self.client.search(rtype, _lookup_params(resource, condition))
            if found:
                return f"{rtype}/{found[0].get('id')}"
            try:
                return self.client.request(
                    "POST",
                    rtype,
                    json_body=resource,
                    headers={"Prefer": "return=minimal"},
                    retries=0,
                )
            except FhirTemporaryError as exc:
                if attempt >= self.client.http.retries:
                    raise FhirTemporaryError(
                        f"{exc} (tried {attempt + 1} times, looking first each time)",
                        exc.status,
                        exc.outcome,
                    ) from exc
                self.client.http.sleep(self.client.http.backoff_for(attempt, None))
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
