"""CDS Hooks requests and feedback, checked against the spec before any handler sees them.

Sources: CDS Hooks 2.0 §Calling a CDS Service (request fields, ``fhirAuthorization``),
§Feedback, and the CDS Hooks Library 1.0.1 hook definitions (context fields each hook
requires). Nothing is filled in: a required field that is missing or of the wrong type is a 400
naming the field (never its value, which may identify the patient). The FHIR access token is
kept out of ``repr`` and never logged (CDS Hooks best practices: treat it as transient).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from service.cds.jwt import VerifiedCaller
from service.cds.registry import ServiceDescription
from service.errors import RequestError

# Context fields each hook requires, with their JSON type (CDS Hooks Library 1.0.1).
HOOK_CONTEXT: Final[Mapping[str, Mapping[str, type]]] = {
    "patient-view": {"userId": str, "patientId": str},
    "order-select": {"userId": str, "patientId": str, "selections": list, "draftOrders": dict},
    "order-sign": {"userId": str, "patientId": str, "draftOrders": dict},
}
OPTIONAL_CONTEXT: Final[Mapping[str, type]] = {"encounterId": str}
AUTHORIZATION_FIELDS: Final[Mapping[str, type]] = {
    "access_token": str,
    "token_type": str,
    "expires_in": int,
    "scope": str,
    "subject": str,
}
FEEDBACK_OUTCOMES: Final = frozenset({"accepted", "overridden"})
MAX_FEEDBACK_ITEMS: Final = 100


def _invalid(problem: str) -> RequestError:
    return RequestError(f"invalid CDS Hooks request: {problem}")


@dataclass(frozen=True)
class FhirAuthorization:
    """The token the CDS client lends for calls to its FHIR server (never stored or logged)."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


@dataclass(frozen=True)
class HookRequest:
    """A validated call of one service.

    Attributes:
        service_id: The service called.
        hook: The hook that fired (one the service is registered for).
        hook_instance: The call's UUID.
        context: The hook context as sent (its required fields checked).
        fhir_server: The CDS client's FHIR base URL, when given.
        fhir_authorization: The token for that server, when given.
        prefetch: The prefetch keys the client satisfied: a resource (maybe a Bundle or an
            OperationOutcome) or None when there was no data. Keys it did not satisfy are absent.
        caller: Who signed the call (from the JWT).
    """

    service_id: str
    hook: str
    hook_instance: str
    context: Mapping[str, Any]
    fhir_server: str | None
    fhir_authorization: FhirAuthorization | None
    prefetch: Mapping[str, Mapping[str, Any] | None]
    caller: VerifiedCaller

    @property
    def patient_id(self) -> str | None:
        """``context.patientId``."""
        return self.context.get("patientId")

    @property
    def user_id(self) -> str | None:
        """``context.userId``."""
        return self.context.get("userId")


def _typed(value: Any, kind: type) -> bool:
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check_fields(where: str, body: Mapping[str, Any], fields: Mapping[str, type], required: bool):
    for name, kind in fields.items():
        if name not in body or body[name] is None:
            if required:
                raise _invalid(f"{where}{name} is required")
            continue
        if not _typed(body[name], kind) or body[name] in ("", [], {}):
            raise _invalid(f"{where}{name} must be a non-empty {kind.__name__}")


def _fhir_server(value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        raise _invalid("fhirServer must be an absolute http(s) base URL")
    return value.rstrip("/")


def _authorization(value: Any) -> FhirAuthorization:
    if not isinstance(value, dict):
        raise _invalid("fhirAuthorization must be an object")
    _check_fields("fhirAuthorization.", value, AUTHORIZATION_FIELDS, required=True)
    if value["token_type"].lower() != "bearer":
        raise _invalid("fhirAuthorization.token_type must be Bearer")
    patient = value.get("patient")
    if patient is not None and not (isinstance(patient, str) and patient):
        raise _invalid("fhirAuthorization.patient must be a non-empty string")
    return FhirAuthorization(
        access_token=value["access_token"],
        token_type=value["token_type"],
        expires_in=value["expires_in"],
        scope=value["scope"],
        subject=value["subject"],
        patient=patient,
    )


def _prefetch(value: Any) -> dict[str, Mapping[str, Any] | None]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid("prefetch must be an object")
    for key, item in value.items():
        if item is not None and not (
            isinstance(item, dict) and isinstance(item.get("resourceType"), str)
        ):
            raise _invalid(f"prefetch.{key} must be a FHIR resource or null")
    return dict(value)


def parse_hook_request(
    body: Any, service: ServiceDescription, caller: VerifiedCaller
) -> HookRequest:
    """Check a call's body against CDS Hooks 2.0 and the hook's context rules.

    Raises:
        RequestError: a required field is missing or malformed (answered 400).
    """
    if not isinstance(body, dict):
        raise _invalid("the body must be a JSON object")
    hook = body.get("hook")
    if not isinstance(hook, str) or not hook:
        raise _invalid("hook is required")
    if hook not in service.hooks:
        raise _invalid(f"service {service.id} does not answer the {hook!r} hook")
    instance = body.get("hookInstance")
    try:
        uuid.UUID(instance)
    except (TypeError, ValueError, AttributeError):
        raise _invalid("hookInstance must be a UUID") from None
    context = body.get("context")
    if not isinstance(context, dict):
        raise _invalid("context must be an object")
    _check_fields("context.", context, HOOK_CONTEXT.get(hook, {}), required=True)
    _check_fields("context.", context, OPTIONAL_CONTEXT, required=False)
    if hook == "order-select" and not all(isinstance(s, str) and s for s in context["selections"]):
        raise _invalid("context.selections must list the ids of draft orders")
    if "draftOrders" in context and context["draftOrders"].get("resourceType") != "Bundle":
        raise _invalid("context.draftOrders must be a Bundle")
    server = body.get("fhirServer")
    authorization = body.get("fhirAuthorization")
    if authorization is not None and server is None:
        raise _invalid("fhirServer is required with fhirAuthorization")
    return HookRequest(
        service_id=service.id,
        hook=hook,
        hook_instance=instance,
        context=context,
        fhir_server=None if server is None else _fhir_server(server),
        fhir_authorization=None if authorization is None else _authorization(authorization),
        prefetch=_prefetch(body.get("prefetch")),
        caller=caller,
    )


@dataclass(frozen=True)
class FeedbackItem:
    """One piece of feedback on a card (CDS Hooks 2.0 §Feedback)."""

    card: str
    outcome: str
    outcome_timestamp: datetime
    accepted_suggestions: tuple[str, ...] = ()
    override_reason: Mapping[str, Any] | None = None


def _timestamp(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise _invalid(f"{where}outcomeTimestamp must be an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise _invalid(f"{where}outcomeTimestamp must carry a time zone (UTC)")
    return moment.astimezone(UTC)


def _feedback_item(index: int, item: Any) -> FeedbackItem:
    where = f"feedback[{index}]."
    if not isinstance(item, dict):
        raise _invalid(f"{where[:-1]} must be an object")
    _check_fields(where, item, {"card": str, "outcome": str}, required=True)
    if item["outcome"] not in FEEDBACK_OUTCOMES:
        raise _invalid(f"{where}outcome must be accepted or overridden")
    accepted = item.get("acceptedSuggestions")
    if item["outcome"] == "accepted":
        if not isinstance(accepted, list) or not accepted:
            raise _invalid(f"{where}acceptedSuggestions is required when accepted")
        if not all(isinstance(s, dict) and isinstance(s.get("id"), str) for s in accepted):
            raise _invalid(f"{where}acceptedSuggestions must be objects with an id")
    reason = item.get("overrideReason")
    if reason is not None:
        if not isinstance(reason, dict):
            raise _invalid(f"{where}overrideReason must be an object")
        if "reason" in reason and not isinstance(reason["reason"], dict):
            raise _invalid(f"{where}overrideReason.reason must be a Coding")
        if "userComment" in reason and not isinstance(reason["userComment"], str):
            raise _invalid(f"{where}overrideReason.userComment must be a string")
    return FeedbackItem(
        card=item["card"],
        outcome=item["outcome"],
        outcome_timestamp=_timestamp(item.get("outcomeTimestamp"), where),
        accepted_suggestions=tuple(s["id"] for s in accepted or ()),
        override_reason=reason,
    )


def parse_feedback(body: Any) -> tuple[FeedbackItem, ...]:
    """Check a feedback body (``{"feedback": [...]}``).

    Raises:
        RequestError: the body or an item is malformed (answered 400).
    """
    items = body.get("feedback") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise _invalid("feedback must be a non-empty array")
    if len(items) > MAX_FEEDBACK_ITEMS:
        raise _invalid(f"at most {MAX_FEEDBACK_ITEMS} feedback items per call")
    return tuple(_feedback_item(index, item) for index, item in enumerate(items))
