"""FHIR Subscription notifications received by the service: authenticate, then parse.

Accepted (docs/alerts.md, "Subscription notifications"):

- R4 ``rest-hook`` (FHIR R4 Subscription): an empty POST ("something matched your criteria"),
  or, when the Subscription asked for a payload, the matching resource itself (R4: a PUT to
  ``<endpoint>/<type>/<id>``; some servers POST it).
- Topic-based notifications of the Subscriptions R5 Backport IG, and R5's own: a Bundle of type
  ``history`` (R5: ``subscription-notification``) whose first entry is the status, a
  ``SubscriptionStatus`` (R4B, R5) or a ``Parameters`` with the backport's R4 profile; its
  ``type`` is ``handshake``, ``heartbeat`` or ``event-notification``, and each
  ``notificationEvent`` may name a ``focus`` and ``additionalContext``. The payload may be
  ``empty``, ``id-only`` or ``full-resource`` (the focus resources as further entries).

Authentication comes first, before the body is even parsed: the Subscription's ``header``
(R4 ``channel.header``, e.g. ``Authorization: Bearer <secret>``) must arrive with one of the
configured values, compared in constant time. A missing or wrong value raises
:class:`NotificationUnauthorized` (401).

The result names what changed (focus references such as ``Observation/123``) and, where the
notification says, the patient; it never trusts included resources beyond that: the assessment
re-reads them from the EHR. An event without a usable focus still counts: it means "run the
subscription's query again".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from service.alerts.errors import NotificationError
from service.alerts.notification_auth import NotificationAuth, header_value
from service.errors import InvalidJson, JsonTooDeep
from service.fhir import jsonio

MAX_NOTIFICATION_BYTES = 1_000_000
MAX_EVENTS = 1000
MAX_ENTRIES = 1000
ACCEPTED_MEDIA_TYPES = ("application/fhir+json", "application/json")

Kind = Literal["handshake", "heartbeat", "event"]
Format = Literal["r4-rest-hook", "backport-r4", "backport-r4b", "r5"]

_KINDS: dict[str, Kind] = {
    "handshake": "handshake",
    "heartbeat": "heartbeat",
    "event-notification": "event",
}
_REFERENCE_RE = re.compile(
    r"^(?:(?P<base>https?://[!-~]+?)/)?(?P<type>[A-Z][A-Za-z]{1,63})/(?P<id>[A-Za-z0-9.\-]{1,64})"
    r"(?:/_history/(?P<version>[A-Za-z0-9.\-]{1,64}))?$"
)


@dataclass(frozen=True, slots=True)
class ResourceReference:
    """A parsed FHIR reference.

    Attributes:
        resource_type: e.g. ``Observation``.
        id: the logical id.
        base: the server base of an absolute reference (``https://ehr.example.org/fhir``);
            ``None`` for a relative one. Callers check it is their EHR's before reading.
        version: a ``_history`` version, if the reference had one.
    """

    resource_type: str
    id: str
    base: str | None = None
    version: str | None = None

    @property
    def relative(self) -> str:
        """``Type/id``."""
        return f"{self.resource_type}/{self.id}"


@dataclass(frozen=True, slots=True)
class NotificationEvent:
    """One event of a notification.

    Attributes:
        number: the event's number in the subscription (topic-based only).
        timestamp: when it happened on the server (as sent).
        focus: the resource that changed; ``None`` when not given or not a FHIR reference
            (then re-run the subscription's query).
        patient: the patient, when the notification says (the focus itself, a Patient in
            ``additionalContext``, or the included focus resource's subject).
        additional_context: other references sent with the event.
    """

    number: int | None
    timestamp: str | None
    focus: ResourceReference | None
    patient: ResourceReference | None
    additional_context: tuple[ResourceReference, ...] = ()


@dataclass(frozen=True, slots=True)
class Notification:
    """What a notification said.

    Attributes:
        kind: ``handshake`` (the subscription is being set up: answer 200), ``heartbeat``
            (still alive) or ``event`` (something changed: assess).
        format: which of the accepted shapes it came in.
        subscription: the Subscription's reference (topic-based only).
        topic: the SubscriptionTopic canonical (topic-based, when sent).
        status: the subscription's status (topic-based).
        events_since_start: the server's event counter (topic-based, when sent): a gap shows
            missed notifications.
        events: the events (none for handshakes and heartbeats; none for an empty R4 ping).
    """

    kind: Kind
    format: Format
    subscription: str | None = None
    topic: str | None = None
    status: str | None = None
    events_since_start: int | None = None
    events: tuple[NotificationEvent, ...] = ()

    @property
    def focus(self) -> tuple[str, ...]:
        """The focus references (``Type/id``), in order, without repeats."""
        return tuple(dict.fromkeys(e.focus.relative for e in self.events if e.focus))

    @property
    def patients(self) -> tuple[str, ...]:
        """The patients named (``Patient/id``), in order, without repeats."""
        return tuple(dict.fromkeys(e.patient.relative for e in self.events if e.patient))


def parse_reference(value: object) -> ResourceReference | None:
    """A FHIR reference string as :class:`ResourceReference`; ``None`` when it is not one."""
    if not isinstance(value, str) or len(value) > 2048:
        return None
    match = _REFERENCE_RE.match(value.strip())
    if match is None:
        return None
    return ResourceReference(match["type"], match["id"], match["base"], match["version"])


def _reference_of(resource: Any) -> ResourceReference | None:
    """``Type/id`` of a resource, when it has a valid type and id."""
    if not isinstance(resource, dict):
        return None
    kind, ident = resource.get("resourceType"), resource.get("id")
    if not isinstance(kind, str) or not isinstance(ident, str):
        return None
    return parse_reference(f"{kind}/{ident}")


def receive_notification(
    *,
    headers: Mapping[str, str],
    body: bytes,
    auth: NotificationAuth,
    path: str = "",
    max_bytes: int = MAX_NOTIFICATION_BYTES,
) -> Notification:
    """Authenticate a notification request, then parse it.

    Args:
        headers: the request headers (any case).
        body: the raw body (may be empty).
        auth: the subscription's secret header.
        path: what followed the notification endpoint in the URL (R4 rest-hook with payload:
            ``Observation/123``), or ``""``.
        max_bytes: the largest body accepted.

    Raises:
        NotificationUnauthorized: missing or wrong secret (checked before anything else).
        NotificationError: a body that is too large (413), not FHIR JSON (415), or not a
            notification (400).
    """
    auth.check(headers)
    if len(body) > max_bytes:
        raise NotificationError(f"notification larger than {max_bytes} bytes", status=413)
    if not body.strip():
        return Notification(kind="event", format="r4-rest-hook")
    media_type = (header_value(headers, "Content-Type") or "").split(";")[0].strip().lower()
    if media_type and media_type not in ACCEPTED_MEDIA_TYPES:
        raise NotificationError("notifications must be FHIR JSON", status=415)
    try:
        document = jsonio.loads(body, max_bytes=max_bytes, what="the notification")
    except JsonTooDeep:
        raise NotificationError("the notification nests too deeply") from None
    except InvalidJson:
        raise NotificationError("the notification is not valid JSON") from None
    return parse_notification(document, path=path)


def parse_notification(document: Any, *, path: str = "") -> Notification:
    """Parse an already-authenticated notification body (see :func:`receive_notification`)."""
    if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
        raise NotificationError("the notification is not a FHIR resource")
    if document["resourceType"] == "Bundle":
        return _topic_based(document)
    return _rest_hook_resource(document, path)


def _rest_hook_resource(resource: dict[str, Any], path: str) -> Notification:
    focus = _reference_of(resource)
    if focus is None:
        raise NotificationError("the notified resource has no valid type and id")
    if path.strip("/"):
        named = parse_reference(path.strip("/"))
        if named is None or named.relative != focus.relative:
            raise NotificationError("the URL names another resource than the body")
    event = NotificationEvent(None, None, focus, patient_of(resource))
    return Notification(kind="event", format="r4-rest-hook", events=(event,))


def patient_of(resource: Any) -> ResourceReference | None:
    """The patient a resource is about: itself, or its ``subject``/``patient`` if a Patient."""
    if not isinstance(resource, dict):
        return None
    if resource.get("resourceType") == "Patient":
        return _reference_of(resource)
    for element in ("subject", "patient"):
        target = resource.get(element)
        if isinstance(target, dict):
            reference = parse_reference(target.get("reference"))
            if reference is not None and reference.resource_type == "Patient":
                return reference
    return None


def _topic_based(bundle: dict[str, Any]) -> Notification:
    bundle_type = bundle.get("type")
    if bundle_type not in ("history", "subscription-notification"):
        raise NotificationError(
            "a notification Bundle has type history (R5: subscription-notification)"
        )
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise NotificationError("a notification Bundle starts with its status entry")
    if len(entries) > MAX_ENTRIES:
        raise NotificationError(f"a notification Bundle has at most {MAX_ENTRIES} entries", 413)
    first = entries[0].get("resource") if isinstance(entries[0], dict) else None
    if not isinstance(first, dict):
        raise NotificationError("the first entry of a notification Bundle has no resource")
    included = _included_resources(entries[1:])
    if first.get("resourceType") == "SubscriptionStatus":
        status = _from_subscription_status(first)
        fmt: Format = "r5" if bundle_type == "subscription-notification" else "backport-r4b"
    elif first.get("resourceType") == "Parameters":
        status = _from_parameters(first)
        fmt = "backport-r4"
    else:
        raise NotificationError("the first entry must be a SubscriptionStatus or Parameters")
    raw_kind, raw_events, common = status
    if raw_kind not in _KINDS:
        raise NotificationError(
            "notification type must be handshake, heartbeat or event-notification"
        )
    if len(raw_events) > MAX_EVENTS:
        raise NotificationError(f"a notification has at most {MAX_EVENTS} events", 413)
    events = tuple(_event(raw, included) for raw in raw_events)
    return Notification(kind=_KINDS[raw_kind], format=fmt, events=events, **common)


def _included_resources(entries: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Included resources by their fullUrl and by ``Type/id`` (to find a focus's subject)."""
    found: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            continue
        resource = entry["resource"]
        if isinstance(entry.get("fullUrl"), str):
            found[entry["fullUrl"]] = resource
        reference = _reference_of(resource)
        if reference is not None:
            found.setdefault(reference.relative, resource)
    return found


def _integer(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _reference_value(value: Any) -> str | None:
    return value.get("reference") if isinstance(value, dict) else None


RawEvent = tuple[Any, Any, str | None, list[str | None]]


def _from_subscription_status(status: dict[str, Any]) -> tuple[Any, list[RawEvent], dict[str, Any]]:
    raw_events = status.get("notificationEvent") or []
    if not isinstance(raw_events, list):
        raise NotificationError("SubscriptionStatus.notificationEvent must be a list")
    events: list[RawEvent] = []
    for item in raw_events:
        if not isinstance(item, dict):
            raise NotificationError("a notificationEvent must be an object")
        context = item.get("additionalContext") or []
        events.append(
            (
                item.get("eventNumber"),
                item.get("timestamp"),
                _reference_value(item.get("focus")),
                [_reference_value(c) for c in context] if isinstance(context, list) else [],
            )
        )
    common = {
        "subscription": _reference_value(status.get("subscription")),
        "topic": status.get("topic") if isinstance(status.get("topic"), str) else None,
        "status": status.get("status") if isinstance(status.get("status"), str) else None,
        "events_since_start": _integer(status.get("eventsSinceSubscriptionStart")),
    }
    return status.get("type"), events, common


def _parameters(resource: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = resource.get(key) or []
    if not isinstance(items, list):
        raise NotificationError(f"Parameters.{key} must be a list")
    return [item for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)]


def _from_parameters(parameters: dict[str, Any]) -> tuple[Any, list[RawEvent], dict[str, Any]]:
    """The backport's R4 profile: the SubscriptionStatus fields as named parameters."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for item in _parameters(parameters, "parameter"):
        by_name.setdefault(item["name"], []).append(item)

    def one(name: str, value_key: str) -> Any:
        items = by_name.get(name) or [{}]
        return items[0].get(value_key)

    events: list[RawEvent] = []
    for item in by_name.get("notification-event", []):
        parts: dict[str, list[dict[str, Any]]] = {}
        for part in _parameters(item, "part"):
            parts.setdefault(part["name"], []).append(part)
        focus = (parts.get("focus") or [{}])[0].get("valueReference")
        events.append(
            (
                (parts.get("event-number") or [{}])[0].get("valueString"),
                (parts.get("timestamp") or [{}])[0].get("valueInstant"),
                _reference_value(focus),
                [
                    _reference_value(p.get("valueReference"))
                    for p in parts.get("additional-context", [])
                ],
            )
        )
    topic = one("topic", "valueCanonical")
    status = one("status", "valueCode")
    common = {
        "subscription": _reference_value(one("subscription", "valueReference")),
        "topic": topic if isinstance(topic, str) else None,
        "status": status if isinstance(status, str) else None,
        "events_since_start": _integer(one("events-since-subscription-start", "valueString")),
    }
    return one("type", "valueCode"), events, common


def _event(raw: RawEvent, included: Mapping[str, dict[str, Any]]) -> NotificationEvent:
    number, timestamp, focus_text, context_texts = raw
    focus = parse_reference(focus_text)
    focus_resource = None
    if isinstance(focus_text, str):
        focus_resource = included.get(focus_text) or (
            included.get(focus.relative) if focus else None
        )
    if focus is None and focus_resource is not None:  # e.g. a urn:uuid focus with its resource
        focus = _reference_of(focus_resource)
    context = tuple(ref for ref in map(parse_reference, context_texts) if ref is not None)
    patient: ResourceReference | None = None
    if focus is not None and focus.resource_type == "Patient":
        patient = focus
    else:
        patient = next((ref for ref in context if ref.resource_type == "Patient"), None)
        if patient is None:
            patient = patient_of(focus_resource)
    return NotificationEvent(
        number=_integer(number),
        timestamp=timestamp if isinstance(timestamp, str) else None,
        focus=focus,
        patient=patient,
        additional_context=context,
    )
