"""Writing results back in one transaction, and what the writers share: how a result created
on the server is cited (its ``Location``, else the resource sent back), and its key.

The transaction is only used where the CapabilityStatement offers transactions and conditional
create of every type written (``service.fhir.writeback`` decides): every entry is a conditional
create (``ifNoneExist`` on the deterministic identifier), so a retry after a timeout adds
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.errors import FhirInvalidResponse
from service.fhir import codes
from service.fhir.client import FhirClient
from service.fhir.emit import Emitted
from service.fhir.extract import InvalidInput, bundle_entries, reference_key
from service.fhir.http import entry_status
from service.fhir.outcomes import outcome_has_error
from service.fhir.untrusted import is_fhir_id
from service.fhir.write_report import (
    CREATED,
    EXISTING,
    FAILED,
    MAYBE_STORED,
    WriteOutcome,
    WriteReport,
)


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


def write_transaction(
    client: FhirClient,
    results: Sequence[Emitted],
    provenance: Emitted | None,
    deadline: float,
) -> WriteReport:
    """Write every result (and the Provenance) in one transaction of conditional creates.

    Raises:
        FhirError: the transaction as a whole failed (each entry's failure is an outcome).
    """
    bundle = transaction_bundle(results, provenance)
    answer = client.request("POST", "", json_body=bundle, what="transaction", deadline=deadline)
    reply = client.resource(answer, "POST transaction", "Bundle")
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
        key = key_of(resource)
        response = item.get("response") if isinstance(item.get("response"), dict) else {}
        status = entry_status(response.get("status"))
        rtype = resource["resourceType"]
        if status is None:
            message = f"the server's answer gives no HTTP status for it; {MAYBE_STORED}"
            outcomes.append(WriteOutcome(rtype, key, FAILED, message=message))
            continue
        if not 200 <= status < 300 or outcome_has_error(response.get("outcome")):
            detail = client.outcome_text(response.get("outcome")) or "no detail"
            outcomes.append(WriteOutcome(rtype, key, FAILED, message=f"HTTP {status} ({detail})"))
            continue
        reference, note = server_reference(client, rtype, response.get("location"), None)
        outcomes.append(
            WriteOutcome(rtype, key, CREATED if status == 201 else EXISTING, reference, note)
        )
    return WriteReport("transaction", tuple(outcomes))


def server_reference(
    client: FhirClient, rtype: str, location: Any, body: Any
) -> tuple[str | None, str]:
    """The result's ``Type/id`` on the server (from its Location, else from the resource it
    sent back), and a note when there is none to trust."""
    if isinstance(location, str) and location.strip():
        url = client.http.base.resolve(location)
        key = reference_key(location.strip())
        kind, _, rid = key.partition("/")
        if client.http.base.contains(url) and kind == rtype and is_fhir_id(rid):
            return key, ""
        note = (
            "server error: its Location lies outside the FHIR base, names another type or no "
            "FHIR id (not followed)"
        )
    else:
        note = ""
    if isinstance(body, dict) and body.get("resourceType") == rtype:
        rid = body.get("id")
        if is_fhir_id(rid):
            return f"{rtype}/{rid}", note
        if rid is not None:
            note = _join(note, "server error: the id it sent back is not a FHIR id")
    cited = "the server gave no id: the result is cited by its identifier"
    return None, _join(note, cited)


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def key_of(resource: dict[str, Any]) -> str:
    identifiers = resource.get("identifier") or []
    if identifiers:
        return identifiers[0]["value"]
    return resource["meta"]["tag"][0]["code"]


def all_failed(results: Sequence[Emitted], provenance: Emitted | None, message: str) -> WriteReport:
    everything = [*results, *([provenance] if provenance is not None else [])]
    return WriteReport(
        "transaction",
        tuple(
            WriteOutcome(e.resource["resourceType"], key_of(e.resource), FAILED, message=message)
            for e in everything
        ),
    )
