"""Reading the outbox: every delivery's state, and a report for operators (no patient data).

Split from :mod:`service.alerts.outbox`, which writes; :class:`~service.alerts.outbox.Outbox`
offers both functions as methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from service.storage.database import Database
from service.storage.models import alert_deliveries, alerts


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """One delivery as stored (for reports, operators and tests)."""

    delivery_id: int
    alert_id: int
    alert_key: str
    scope: str
    tier: str
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OutboxReport:
    """The state of the outbox, without patient references.

    Attributes:
        counts: number of deliveries per (channel, status).
        problems: undelivered deliveries that have failed at least once, oldest first (limited).
        oldest_undelivered_at: creation time of the oldest delivery not yet delivered.
    """

    counts: dict[tuple[str, str], int]
    problems: list[DeliveryState]
    oldest_undelivered_at: datetime | None

    @property
    def undelivered(self) -> int:
        """Deliveries not yet delivered (pending or failing)."""
        return sum(n for (_, status), n in self.counts.items() if status != "delivered")

    @property
    def failing(self) -> int:
        """Deliveries in the ``failing`` state."""
        return sum(n for (_, status), n in self.counts.items() if status == "failing")


def deliveries(database: Database, *, alert_key: str | None = None) -> list[DeliveryState]:
    """Every delivery (of one alert when ``alert_key`` is given), oldest first."""
    query = state_query()
    if alert_key is not None:
        query = query.where(alerts.c.key == alert_key)
    with database.read() as connection:
        return [state_of(row) for row in connection.execute(query)]


def report(database: Database, *, problem_limit: int = 50) -> OutboxReport:
    """Counts per channel and status, and the undelivered deliveries that have failed."""
    d = alert_deliveries
    with database.read() as connection:
        counts = {
            (row.channel, row.status): row.n
            for row in connection.execute(
                select(d.c.channel, d.c.status, func.count().label("n")).group_by(
                    d.c.channel, d.c.status
                )
            )
        }
        problems = [
            state_of(row)
            for row in connection.execute(
                state_query()
                .where(d.c.status != "delivered", d.c.last_error.is_not(None))
                .limit(problem_limit)
            )
        ]
        oldest = connection.execute(
            select(func.min(d.c.created_at)).where(d.c.status != "delivered")
        ).scalar_one_or_none()
    return OutboxReport(counts, problems, oldest)


def state_query() -> Any:
    """Deliveries joined with their alerts (scope and tier, never the patient), oldest first."""
    d = alert_deliveries
    return (
        select(
            d.c.id,
            d.c.alert_id,
            alerts.c.key,
            alerts.c.scope,
            alerts.c.tier,
            d.c.channel,
            d.c.status,
            d.c.attempts,
            d.c.next_attempt_at,
            d.c.last_attempt_at,
            d.c.last_error,
            d.c.delivered_at,
            d.c.lease_owner,
            d.c.lease_expires_at,
            d.c.created_at,
        )
        .join(alerts, alerts.c.id == d.c.alert_id)
        .order_by(d.c.created_at, d.c.id)
    )


def state_of(row: Any) -> DeliveryState:
    """One row of :func:`state_query` as a :class:`DeliveryState`."""
    return DeliveryState(
        delivery_id=row.id,
        alert_id=row.alert_id,
        alert_key=row.key,
        scope=row.scope,
        tier=row.tier,
        channel=row.channel,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        last_error=row.last_error,
        delivered_at=row.delivered_at,
        lease_owner=row.lease_owner,
        lease_expires_at=row.lease_expires_at,
        created_at=row.created_at,
    )
