"""Prometheus metrics of the alert triggers (added up over gunicorn's workers like the HTTP ones,
service/web/metrics.py): what was enqueued and what could not be. Labels are bounded: the tier,
the trigger and the outcome; never a patient or a level."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

ENQUEUED: Final = Counter(
    "noms_cds_alerts_enqueued_total",
    "Alerts offered to the outbox, by tier, trigger and outcome (created, duplicate, covered).",
    ["tier", "trigger", "outcome"],
)
FAILED: Final = Counter(
    "noms_cds_alerts_enqueue_failures_total",
    "Assessments whose alerts could not be enqueued (the outbox failed), by trigger.",
    ["trigger"],
)


def enqueued(tier: str, trigger: str, outcome: str) -> None:
    """Count one alert offered to the outbox."""
    ENQUEUED.labels(tier, trigger, outcome).inc()


def failed(trigger: str) -> None:
    """Count one assessment whose alerts could not be enqueued."""
    FAILED.labels(trigger).inc()
