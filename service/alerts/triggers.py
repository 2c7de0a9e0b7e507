"""From an assessment to alerts in the outbox: which findings alert, and the call sites' hooks.

An assessment alerts (docs/alerts.md, "When an assessment alerts") for

- each level whose highest possible urgency tier (``service.domain.urgency``, as the report view
  shows it) is ``urgent`` or ``emergent``: the same tier the headline leads with, so that a
  possible emergency is never kept from the spine team while the chart lacks an input;
- the patient as a whole, only when the patient's tier is above every level's (something no
  level accounts for: a metastasis without a level, a myelopathy no level explains). Otherwise
  the patient's tier is a level's, and one finding makes one alert.

The outbox makes it idempotent per (patient, scope, tier) and opens a new alert when the tier
rises (``service.alerts.outbox``). The call sites (CDS patient-view, the API) pass their view
through :func:`cds_assessed` and :func:`api_assessed`: these never raise and never slow the
answer much. CDS hands the enqueueing to a background thread, since a CDS answer is wanted in
about 500 ms (CDS Hooks 2.0), and the card already shows the urgency; the API enqueues before it
answers. Failures are logged with their error class only, never the patient.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Final

from flask import Flask, current_app

from service.alerts import metrics
from service.alerts.documents import AlertContent, ehr_transaction, webhook_body
from service.alerts.keys import PATIENT_SCOPE, TIER_RANKS, AlertFinding
from service.alerts.outbox import EnqueueResult, Outbox
from service.alerts.retry import RetryPolicy
from service.config.alerts import AlertSettings
from service.storage.database import Database, open_database
from service.views import ReportView
from service.views.report import UrgencyView

log = logging.getLogger("noms_cds.alerts")

EXTENSION: Final = "noms-cds.alerts"
ALERTING_RANK: Final = TIER_RANKS["urgent"]  # urgent and emergent alert; routine does not
#: CDS enqueues waiting for the background thread at most; beyond, one is dropped and logged
#: (the next trigger of the same finding enqueues it: the key is the same).
MAX_PENDING: Final = 200


def _rank(tier: str) -> int:
    return TIER_RANKS.get(tier, 0)


def _content(
    view: ReportView, scope: str, urgency: UrgencyView, trigger: str
) -> AlertContent | None:
    if _rank(urgency.at_most) < ALERTING_RANK:
        return None
    try:
        finding = AlertFinding(f"Patient/{view.patient.id}", scope, urgency.at_most)
    except ValueError:
        log.warning("an alerting assessment has no usable patient id or level: not enqueued")
        return None
    return AlertContent(
        finding=finding,
        headline=urgency.headline,
        certain=urgency.tier is not None,
        deciding=urgency.deciding,
        assessed_at=view.assessed_at,
        trigger=trigger,
    )


def alert_contents(view: ReportView, trigger: str) -> list[AlertContent]:
    """The alerts an assessment calls for (see the module's rules), most urgent first."""
    found = [
        content
        for level in view.by_urgency()
        if (content := _content(view, level.code, level.urgency, trigger)) is not None
    ]
    top_level = max((_rank(level.urgency.at_most) for level in view.levels), default=0)
    if _rank(view.patient.urgency.at_most) > top_level:
        patient = _content(view, PATIENT_SCOPE, view.patient.urgency, trigger)
        if patient is not None:
            found.insert(0, patient)
    return found


class Alerting:
    """The alert side of one app: builds the documents and enqueues them in the outbox.

    Args:
        settings: The alert settings (channels, backoff).
        database_url: The service's database (opened and migrated on first use).
        clock: Seconds since the epoch.
    """

    def __init__(
        self,
        settings: AlertSettings,
        database_url: str,
        clock: Callable[[], float],
        opener: Callable[[str], Database] = open_database,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._url = database_url
        self._opener = opener
        self._outbox: Outbox | None = None
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pending = 0

    def outbox(self) -> Outbox:
        """The outbox, its database opened (and migrated) once per process on first use."""
        with self._lock:
            if self._outbox is None:
                policy = RetryPolicy(
                    self.settings.base_delay_seconds,
                    self.settings.max_delay_seconds,
                    self.settings.failing_after,
                )
                self._outbox = Outbox(self._opener(self._url), policy=policy)
            return self._outbox

    def documents(self, content: AlertContent) -> dict[str, dict[str, Any]]:
        """One document per configured channel."""
        sent = datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds")
        docs: dict[str, dict[str, Any]] = {}
        if self.settings.care_team is not None:
            docs["ehr"] = ehr_transaction(content, self.settings.care_team, sent)
        if self.settings.webhook_url is not None:
            docs["webhook"] = webhook_body(content, sent)
        return docs

    def enqueue(self, view: ReportView, trigger: str) -> list[EnqueueResult]:
        """Enqueue the alerts ``view`` calls for; raises when the outbox cannot be written."""
        if not self.settings.enabled:
            return []
        results = []
        for content in alert_contents(view, trigger):
            result = self.outbox().enqueue(content.finding, self.documents(content))
            results.append(result)
            metrics.enqueued(content.finding.tier, trigger, result.status)
            if result.created:
                # The scope and tier only: the key's hash and the patient stay out of the log.
                log.info(
                    "alert enqueued (%s, %s, from %s)",
                    content.finding.scope,
                    content.finding.tier,
                    trigger,
                    extra={"event": "alert-enqueued"},
                )
        return results

    def enqueue_quietly(self, view: ReportView, trigger: str) -> list[EnqueueResult]:
        """:meth:`enqueue`, a failure logged (error class only) instead of raised."""
        try:
            return self.enqueue(view, trigger)
        except Exception as exc:
            metrics.failed(trigger)
            log.error(
                "alerts could not be enqueued (%s)",
                type(exc).__name__,
                extra={"event": "alert-enqueue-failed", "reason": trigger},
            )
            return []

    def submit(self, view: ReportView, trigger: str) -> bool:
        """Enqueue in the background; False (logged) when too many wait already."""
        if not self.settings.enabled or not alert_contents(view, trigger):
            return False
        with self._lock:
            if self._pending >= MAX_PENDING:
                log.error(
                    "alert queue full: an alert was not enqueued now",
                    extra={"event": "alert-queue-full"},
                )
                return False
            self._pending += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="noms-alerts")
            executor = self._executor
        executor.submit(self._background, view, trigger)
        return True

    def _background(self, view: ReportView, trigger: str) -> None:
        try:
            self.enqueue_quietly(view, trigger)
        finally:
            with self._lock:
                self._pending -= 1

    def drain(self) -> None:
        """Wait for the background enqueues (tests, and a worker stopping)."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def install(app: Flask, alerting: Alerting) -> None:
    """Make ``alerting`` the app's (the call-site hooks find it there)."""
    app.extensions[EXTENSION] = alerting


def _current() -> Alerting | None:
    try:
        return current_app.extensions.get(EXTENSION)
    except RuntimeError:  # outside an app (the CLI, a test of a handler alone)
        return None


def cds_assessed(view: ReportView) -> ReportView:
    """Hook of the CDS patient-view call: alerts enqueued in the background; the view back."""
    alerting = _current()
    if alerting is not None:
        try:
            alerting.submit(view, "cds-patient-view")
        except Exception as exc:
            log.error("alerts could not be queued (%s)", type(exc).__name__)
    return view


def api_assessed(view: ReportView) -> ReportView:
    """Hook of the API's assessments: alerts enqueued before the answer; the view back."""
    alerting = _current()
    if alerting is not None:
        alerting.enqueue_quietly(view, "api")
    return view
