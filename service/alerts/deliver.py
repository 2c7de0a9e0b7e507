"""``noms-cds deliver-alerts``: the delivery worker configured by the service's own settings.

The same ``NOMS_`` variables as the web service (README): the database (``NOMS_DATABASE_URL``),
the EHR (``NOMS_FHIR_BASE_URL`` with ``NOMS_FHIR_BACKEND_CONFIG``) for alerts to the CareTeam of
``NOMS_ALERT_CARE_TEAM``, the webhook (``NOMS_ALERT_WEBHOOK_URL`` and its secret), and the
worker's lease, batch, poll, backoff and timeouts (``NOMS_ALERT_*``). Run one or more next to
the service, anywhere that reaches the database; they share the outbox (docs/alerts.md).
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from service.alerts.outbox import Outbox
from service.alerts.retry import RetryPolicy
from service.alerts.senders import EhrSender, Sender, WebhookSender
from service.alerts.worker import DeliveryWorker
from service.config import Settings
from service.errors import ConfigurationError
from service.fhir.auth import NoAuth, backend_services_from_config
from service.storage.database import open_database
from service.web import logs

log = logging.getLogger("noms_cds.alerts")


def configure_logging(level: str) -> None:
    """JSON lines on standard error, as the web service writes them (service/web/logs.py), for
    the service's loggers and the worker's own (``service.alerts.worker``)."""
    logs.configure(level)
    service = logging.getLogger(logs.LOGGER)
    worker = logging.getLogger("service.alerts")
    worker.setLevel(level)
    for handler in service.handlers:
        if handler not in worker.handlers:
            worker.addHandler(handler)
    worker.propagate = False


def senders_from_settings(settings: Settings) -> dict[str, Sender]:
    """The configured channels' senders; none configured is a ConfigurationError."""
    alerts = settings.alerts
    timeout = (alerts.connect_timeout, alerts.read_timeout)
    senders: dict[str, Sender] = {}
    if alerts.care_team is not None and settings.fhir_base_url is not None:
        auth = (
            backend_services_from_config(settings.fhir_backend_config)
            if settings.fhir_backend_config is not None
            else NoAuth()
        )
        senders["ehr"] = EhrSender(
            settings.fhir_base_url,
            auth=auth,
            mode="individual" if alerts.ehr_mode == "individual" else "transaction",
            timeout=timeout,
        )
    if alerts.webhook_url is not None:
        senders["webhook"] = WebhookSender(
            alerts.webhook_url, alerts.webhook_secrets, timeout=timeout
        )
    if not senders:
        raise ConfigurationError(
            "no alert channel is configured: set NOMS_ALERT_CARE_TEAM (with NOMS_FHIR_BASE_URL) "
            "or NOMS_ALERT_WEBHOOK_URL (with NOMS_ALERT_WEBHOOK_SECRET)"
        )
    return senders


def deliver(settings: Settings, *, once: bool = False) -> int:
    """Run the worker: until SIGTERM/SIGINT, or with ``once`` until nothing is due. Returns 0.

    SIGTERM lets the delivery in hand finish and gives the rest of the batch back; a worker
    killed outright leaves leases that expire, and the deliveries are sent again (at least once).
    """
    alerts = settings.alerts
    senders = senders_from_settings(settings)
    configure_logging(settings.log_level)
    database = open_database(settings.database_url)
    policy = RetryPolicy(alerts.base_delay_seconds, alerts.max_delay_seconds, alerts.failing_after)
    try:
        worker = DeliveryWorker(
            Outbox(database, policy=policy),
            senders,
            lease_seconds=alerts.lease_seconds,
            batch_size=alerts.batch_size,
            idle_seconds=alerts.poll_seconds,
        )
    except ValueError as exc:
        database.dispose()
        raise ConfigurationError(f"NOMS_ALERT_LEASE_SECONDS: {exc}") from exc
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run(stop, exit_when_idle=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        database.dispose()
    return 0


def report(settings: Settings) -> dict[str, Any]:
    """The outbox's state for an operator: counts, the oldest undelivered, the failures.

    Scope, tier, channel, attempts and the last error (status codes and error classes) only:
    never the patient.
    """
    database = open_database(settings.database_url)
    try:
        state = Outbox(database).report()
    finally:
        database.dispose()
    return {
        "counts": [
            {"channel": channel, "status": status, "deliveries": n}
            for (channel, status), n in sorted(state.counts.items())
        ],
        "undelivered": state.undelivered,
        "failing": state.failing,
        "oldestUndelivered": state.oldest_undelivered_at.isoformat()
        if state.oldest_undelivered_at
        else None,
        "problems": [
            {
                "delivery": p.delivery_id,
                "scope": p.scope,
                "tier": p.tier,
                "channel": p.channel,
                "status": p.status,
                "attempts": p.attempts,
                "lastError": p.last_error,
                "nextAttempt": p.next_attempt_at.isoformat(),
            }
            for p in state.problems
        ],
    }
