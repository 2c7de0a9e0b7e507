"""The Subscription notification endpoint: a FHIR server tells us something changed; we assess.

Routes (docs/alerts.md, "The notification endpoint"; openapi.yaml):

- ``POST /fhir/subscription-notification``: an R4 rest-hook ping (empty), an R4 rest-hook
  payload (the resource), or a topic-based notification Bundle (Subscriptions R5 Backport IG:
  R4 ``Parameters`` or R4B ``SubscriptionStatus``; R5);
- ``POST`` or ``PUT /fhir/subscription-notification/{type}/{id}``: the same, where the
  Subscription's endpoint names the resource (R4 rest-hook with payload PUTs there) or the
  patient (a per-patient Subscription's endpoint ``.../Patient/{id}``, for empty pings).

The secret header (``NOMS_SUBSCRIPTION_HEADER``, values ``NOMS_SUBSCRIPTION_SECRET``) is checked
in constant time before the body is read; missing or wrong is a 401 OperationOutcome, and so is
every call while no secret is configured. Then each patient the notification names (directly, or
as the subject of a focus resource read from the EHR) is read through the hardened FHIR client
from ``NOMS_FHIR_BASE_URL``, assessed, and its alerts enqueued, all before the 200: an EHR
whose notification failed (a 5xx) sends it again, so nothing is lost. Only the EHR's own
references are followed: a reference to another server is never read.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import replace
from typing import Final

from flask import Blueprint, Flask, Response, current_app, request

from service import workflow
from service.alerts.errors import NotificationError, NotificationUnauthorized
from service.alerts.notifications import (
    MAX_NOTIFICATION_BYTES,
    Notification,
    NotificationAuth,
    NotificationEvent,
    parse_reference,
    patient_of,
    receive_notification,
)
from service.alerts.triggers import Alerting
from service.alerts.triggers import install as install_triggers
from service.errors import FhirNotFound
from service.fhir.client import FhirClient
from service.fhir.extract import InvalidInput
from service.views import report_view
from service.web.errors import operation_outcome
from service.web.runtime import Runtime, ehr_client, runtime

log = logging.getLogger("noms_cds.alerts")

PATH: Final = "/fhir/subscription-notification"
#: Most patients one notification may make us read (each is a few FHIR searches): a larger one is
#: refused (413) so that the sender splits it, rather than timing out half-way.
MAX_PATIENTS: Final = 50
MAX_FOCUS_READS: Final = 50
#: Resource types whose ``subject``/``patient`` names the patient they are about.
FOCUS_TYPES: Final = frozenset(
    {"Observation", "ImagingStudy", "Condition", "Procedure", "DiagnosticReport", "Encounter"}
)

bp = Blueprint("alert_notifications", __name__)


def _alerting() -> Alerting:
    return current_app.extensions["noms-cds.alerts"]


def _auth() -> NotificationAuth:
    settings = runtime().settings.alerts
    if not settings.subscription_secrets:
        raise NotificationUnauthorized("no subscription secret is configured")
    return NotificationAuth(settings.subscription_header, settings.subscription_secrets)


def _client() -> FhirClient:
    return ehr_client("notifications")


def _ours(base: str | None) -> bool:
    """Whether a reference's base is the configured EHR (a relative reference is)."""
    if base is None:
        return True
    configured = runtime().settings.fhir_base_url
    return configured is not None and base.rstrip("/") == configured.rstrip("/")


def _patients(notification: Notification, named: str | None) -> tuple[list[str], int]:
    """The patient ids to assess, and how many events named none we could follow."""
    patients: list[str] = []
    unresolved = 0
    reads = 0
    if named is not None:
        patients.append(named)
    for event in notification.events:
        if event.patient is not None and _ours(event.patient.base):
            patients.append(event.patient.id)
            continue
        focus = event.focus
        if focus is None or not _ours(focus.base) or focus.resource_type not in FOCUS_TYPES:
            unresolved += 0 if named is not None else 1
            continue
        reads += 1
        if reads > MAX_FOCUS_READS:
            raise NotificationError(f"at most {MAX_FOCUS_READS} resources to look up", 413)
        try:
            resource = _client().read(focus.resource_type, focus.id)
        except FhirNotFound:  # deleted since: nothing to assess
            unresolved += 1
            continue
        patient = patient_of(resource)
        if patient is None or not _ours(patient.base):
            unresolved += 1
        else:
            patients.append(patient.id)
    if not notification.events and named is None:
        unresolved += 1  # an empty ping to the shared endpoint: no patient to read
    found = list(dict.fromkeys(patients))
    if len(found) > MAX_PATIENTS:
        raise NotificationError(f"a notification may name at most {MAX_PATIENTS} patients", 413)
    return found, unresolved


def _refused(error: NotificationError) -> Response:
    issue = {401: "login", 413: "too-long", 415: "not-supported"}.get(error.status, "invalid")
    log.info("notification refused", extra={"event": "notification", "status": error.status})
    body = json.dumps(operation_outcome(issue, str(error)))
    response = Response(body, error.status, mimetype="application/fhir+json")
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@bp.post(PATH)
@bp.post(f"{PATH}/<resource_type>/<resource_id>")
@bp.put(f"{PATH}/<resource_type>/<resource_id>")
def notification(resource_type: str | None = None, resource_id: str | None = None) -> Response:
    """Receive one notification; assess the patients it names and enqueue their alerts."""
    try:
        auth = _auth()
        auth.check(request.headers)  # before a byte of the body is read
        path = f"{resource_type}/{resource_id}" if resource_type else ""
        if path and parse_reference(path) is None:
            raise NotificationError("the URL must end in a FHIR type and id (e.g. Patient/123)")
        received = receive_notification(
            headers=request.headers,
            body=request.get_data(cache=False),
            auth=auth,
            path=path,
            max_bytes=MAX_NOTIFICATION_BYTES,
        )
        named = resource_id if resource_type == "Patient" else None
        if path and named is None and not received.events:
            # An empty ping to <endpoint>/<type>/<id>: the URL names what changed.
            focus = NotificationEvent(None, None, parse_reference(path), None)
            received = replace(received, events=(focus,))
        patients, unresolved = _patients(received, named) if received.kind == "event" else ([], 0)
    except NotificationError as exc:
        return _refused(exc)
    statuses: Counter[str] = Counter()
    assessed = 0
    for patient_id in patients:
        try:
            live = workflow.assess_patient(_client(), patient_id)
        except FhirNotFound:
            unresolved += 1
            continue
        except InvalidInput:
            unresolved += 1
            continue
        assessed += 1
        # Not quietly: if the outbox cannot take the alert, the 5xx makes the sender retry.
        for result in _alerting().enqueue(report_view(live.report), "subscription"):
            statuses[result.status] += 1
    receipt = {
        "kind": received.kind,
        "format": received.format,
        "events": len(received.events),
        "patientsAssessed": assessed,
        "unresolved": unresolved,
        "alerts": {name: statuses[name] for name in ("created", "duplicate", "covered")},
    }
    if unresolved:
        log.warning(
            "notification events without a patient to assess",
            extra={"event": "notification", "reason": "unresolved"},
        )
    return Response(json.dumps(receipt), 200, mimetype="application/json")


def install(app: Flask, state: Runtime) -> Alerting:
    """Register the endpoint and the alert side of the app (the call-site hooks find it)."""
    settings = state.settings
    alerting = Alerting(settings.alerts, settings.database_url, state.clock)
    install_triggers(app, alerting)
    app.register_blueprint(bp)
    if settings.alerts.enabled and not settings.alerts.subscription_secrets:
        log.info("no NOMS_SUBSCRIPTION_SECRET: Subscription notifications are refused (401)")
    return alerting
