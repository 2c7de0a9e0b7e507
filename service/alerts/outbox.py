"""The alert outbox: alerts enqueued once, delivered at least once per channel, never dropped.

The outbox stores and delivers documents that others built (a FHIR transaction for the EHR, a
JSON body for the webhook); it never looks inside them. Its rules (docs/alerts.md):

- one alert per (patient, scope, tier), however often and by however many processes it is
  enqueued: the key is unique in the database and the insert is an insert-or-ignore;
- a new alert when the tier rises, none when it stays or falls: an alert is skipped when the
  same patient and scope already has one at the same or a higher tier;
- each alert has one delivery per channel, enqueued in the same transaction as the alert;
- workers claim due deliveries with a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite: one
  ``UPDATE`` under the write lock), so two workers never hold the same delivery; a worker that
  dies leaves a lease that expires, and the delivery is claimed and sent again (at least once);
- a failure is recorded (bounded text) and retried with capped, jittered backoff
  (:mod:`service.alerts.retry`); after N attempts the delivery is ``failing``: it shows in
  :meth:`Outbox.report` and is still retried at the capped interval.

Times come from ``clock`` (UTC) of the calling process: replicas need synchronised clocks (NTP),
with skew far below the lease (minutes by default).
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, and_, case, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from service.alerts import inspection
from service.alerts.inspection import DeliveryState, OutboxReport
from service.alerts.keys import AlertFinding
from service.alerts.retry import RetryPolicy
from service.storage.database import Database
from service.storage.models import MAX_ERROR_CHARS, alert_deliveries, alerts

#: The document of one channel must stay below this (a FHIR transaction of two resources, or a
#: webhook body, is a few kilobytes).
DEFAULT_MAX_BODY_BYTES = 1_000_000
LOST_LEASE_ERROR = "the previous attempt did not finish (its lease expired)"

_CHANNEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")

EnqueueStatus = Literal["created", "duplicate", "covered"]


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class EnqueueResult:
    """What :meth:`Outbox.enqueue` did.

    Attributes:
        status: ``created`` (a new alert and its deliveries), ``duplicate`` (this very alert
            exists) or ``covered`` (the same patient and scope was already alerted at this tier
            or a higher one: the tier stayed or fell).
        key: the finding's idempotency key.
        alert_id: the new alert, the existing one, or the higher-tier one that covers it.
        existing_tier: for ``duplicate`` and ``covered``, the tier of that alert.
    """

    status: EnqueueStatus
    key: str
    alert_id: int
    existing_tier: str | None = None

    @property
    def created(self) -> bool:
        """Whether this call enqueued a new alert."""
        return self.status == "created"


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a worker holds a lease on: what a sender needs, and nothing about the patient.

    Attributes:
        delivery_id: the delivery's row.
        alert_id: its alert's row.
        alert_key: the alert's idempotency key (receivers dedupe on it).
        channel: which sender delivers it.
        body: the document to send, JSON text exactly as enqueued.
        attempt: the number of this attempt (1 for the first).
        lease_token: proof of the lease; results are recorded only with it.
        lease_expires_at: when another worker may take the delivery over.
    """

    delivery_id: int
    alert_id: int
    alert_key: str
    channel: str
    body: str
    attempt: int
    lease_token: str
    lease_expires_at: datetime

    def json(self) -> Any:
        """The body parsed."""
        return json.loads(self.body)


def bounded_error(message: str) -> str:
    """Error text as stored: one line, printable, at most ``MAX_ERROR_CHARS`` characters."""
    line = " ".join(message.split())
    line = "".join(ch if ch.isprintable() else "?" for ch in line) or "unknown error"
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 3] + "..."


def _check_channel(channel: object) -> str:
    if (
        not isinstance(channel, str)
        or not 0 < len(channel) <= 32
        or not channel[0].isalpha()
        or not set(channel) <= _CHANNEL_CHARS
    ):
        raise ValueError("a channel is a short lower-case name such as 'ehr' or 'webhook'")
    return channel


class Outbox:
    """The outbox in one database, shared by every process and replica that opens it.

    Args:
        database: the open database (migrated).
        policy: backoff and the ``failing`` threshold.
        clock: returns the current UTC time (tests pass a fake).
        rng: source of the jitter (tests pass a seeded one).
        max_body_bytes: size limit of one channel's document.
    """

    def __init__(
        self,
        database: Database,
        *,
        policy: RetryPolicy | None = None,
        clock: Any = utc_now,
        rng: random.Random | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.database = database
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.rng = rng or random.SystemRandom()
        self.max_body_bytes = max_body_bytes

    # -- enqueue -----------------------------------------------------------------------------

    def enqueue(
        self, finding: AlertFinding, deliveries: Mapping[str, Mapping[str, Any]]
    ) -> EnqueueResult:
        """Enqueue the alert for ``finding`` with one delivery per channel, unless it exists.

        Args:
            finding: the patient, scope and tier.
            deliveries: per channel (``"ehr"``, ``"webhook"``), the JSON document to deliver.
                Built before the call; stored as compact JSON and delivered as it is.

        Returns:
            Whether an alert was created, already existed, or is covered by a higher tier.

        Raises:
            ValueError: no channel, a bad channel name, or a document too large or not JSON.
        """
        if not deliveries:
            raise ValueError("an alert needs at least one delivery channel")
        bodies = {_check_channel(channel): self._encode(doc) for channel, doc in deliveries.items()}
        key = finding.key
        now = self.clock()
        with self.database.transaction() as connection:
            covering = connection.execute(
                select(alerts.c.id, alerts.c.key, alerts.c.tier)
                .where(
                    alerts.c.patient_ref == finding.patient,
                    alerts.c.scope == finding.scope,
                    alerts.c.tier_rank >= finding.rank,
                )
                .order_by(alerts.c.tier_rank.desc())
                .limit(1)
            ).first()
            if covering is not None:
                status: EnqueueStatus = "duplicate" if covering.key == key else "covered"
                return EnqueueResult(status, key, covering.id, covering.tier)
            alert_id = connection.execute(
                self._insert_ignore(alerts)
                .values(
                    key=key,
                    patient_ref=finding.patient,
                    scope=finding.scope,
                    tier=finding.tier,
                    tier_rank=finding.rank,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=[alerts.c.key])
                .returning(alerts.c.id)
            ).scalar_one_or_none()
            if alert_id is None:  # another process inserted the same key since our check
                existing = connection.execute(
                    select(alerts.c.id).where(alerts.c.key == key)
                ).scalar_one()
                return EnqueueResult("duplicate", key, existing, finding.tier)
            connection.execute(
                alert_deliveries.insert(),
                [
                    {
                        "alert_id": alert_id,
                        "channel": channel,
                        "body": body,
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for channel, body in sorted(bodies.items())
                ],
            )
        return EnqueueResult("created", key, alert_id)

    def _encode(self, document: Mapping[str, Any]) -> str:
        if not isinstance(document, Mapping):
            raise ValueError("a delivery document must be a JSON object")
        try:
            text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError) as exc:
            raise ValueError("a delivery document must be JSON-serialisable") from exc
        if len(text.encode("utf-8")) > self.max_body_bytes:
            raise ValueError(f"a delivery document is larger than {self.max_body_bytes} bytes")
        return text

    def _insert_ignore(self, table: Any) -> Any:
        """The dialect's ``INSERT`` (it has ``on_conflict_do_nothing``: both have the same)."""
        dialect = postgresql if self.database.dialect == "postgresql" else sqlite
        return dialect.insert(table)

    # -- claim and record --------------------------------------------------------------------

    def claim(
        self,
        owner: str,
        *,
        channels: Collection[str],
        limit: int = 10,
        lease_seconds: float = 120.0,
    ) -> list[ClaimedDelivery]:
        """Take a lease on up to ``limit`` due deliveries of ``channels``; count the attempt.

        Due: not delivered, ``next_attempt_at`` passed, and no live lease. A delivery whose
        lease expired (its worker died or hung) is due again; its error says so.
        """
        if limit < 1 or lease_seconds <= 0:
            raise ValueError("limit and lease_seconds must be positive")
        wanted = sorted({_check_channel(channel) for channel in channels})
        if not wanted:
            return []
        now = self.clock()
        token = uuid.uuid4().hex
        expires = now + timedelta(seconds=lease_seconds)
        d = alert_deliveries
        due = and_(
            d.c.status != "delivered",
            d.c.next_attempt_at <= now,
            or_(d.c.lease_expires_at.is_(None), d.c.lease_expires_at <= now),
            d.c.channel.in_(wanted),
        )
        # Two statements in one transaction. First lock the candidates: PostgreSQL skips rows
        # another worker has locked in its own claim right now (SKIP LOCKED), instead of waiting
        # for them; SQLite ignores FOR UPDATE, and there the transaction holds the write lock.
        # (One "UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)" is not
        # safe: PostgreSQL may re-run the sub-select per row, skip the rows the UPDATE itself
        # just changed, and so claim far more than n.)
        candidates = (
            select(d.c.id)
            .where(due)
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self.database.transaction() as connection:
            ids = list(connection.execute(candidates).scalars())
            if not ids:
                return []
            rows = connection.execute(
                update(d)
                .where(d.c.id.in_(ids), due)
                .values(
                    lease_owner=owner[:200],
                    lease_token=token,
                    lease_expires_at=expires,
                    attempts=d.c.attempts + 1,
                    last_attempt_at=now,
                    last_error=case(
                        (d.c.lease_token.is_not(None), literal(LOST_LEASE_ERROR)),
                        else_=d.c.last_error,
                    ),
                )
                .returning(d.c.id, d.c.alert_id, d.c.channel, d.c.body, d.c.attempts)
            ).all()
            keys = self._keys(connection, {row.alert_id for row in rows})
        claimed = [
            ClaimedDelivery(
                delivery_id=row.id,
                alert_id=row.alert_id,
                alert_key=keys[row.alert_id],
                channel=row.channel,
                body=row.body,
                attempt=row.attempts,
                lease_token=token,
                lease_expires_at=expires,
            )
            for row in rows
        ]
        return sorted(claimed, key=lambda c: c.delivery_id)

    @staticmethod
    def _keys(connection: Connection, alert_ids: Collection[int]) -> dict[int, str]:
        if not alert_ids:
            return {}
        found = connection.execute(
            select(alerts.c.id, alerts.c.key).where(alerts.c.id.in_(sorted(alert_ids)))
        )
        return {row.id: row.key for row in found}

    def complete(self, claim: ClaimedDelivery) -> bool:
        """Record that the delivery arrived; False when it was already recorded as delivered.

        Not fenced by the lease: a delivery that arrived has arrived, even if the lease ran out
        meanwhile (another worker may then send it once more; receivers dedupe on the key).
        """
        d = alert_deliveries
        with self.database.transaction() as connection:
            result = connection.execute(
                update(d)
                .where(d.c.id == claim.delivery_id, d.c.status != "delivered")
                .values(
                    status="delivered",
                    delivered_at=self.clock(),
                    lease_owner=None,
                    lease_token=None,
                    lease_expires_at=None,
                )
            )
        return result.rowcount == 1

    def fail(
        self,
        claim: ClaimedDelivery,
        error: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> datetime | None:
        """Record a failed attempt and schedule the next; return when it is due.

        Fenced by the lease: returns ``None`` (and changes nothing) when the lease is no longer
        this claim's (it expired and another worker took the delivery) or it was delivered.
        """
        now = self.clock()
        failing = self.policy.is_failing(claim.attempt, permanent=permanent)
        wait = self.policy.delay(
            claim.attempt, self.rng, permanent=permanent, retry_after=retry_after
        )
        next_at = now + timedelta(seconds=wait)
        d = alert_deliveries
        with self.database.transaction() as connection:
            result = connection.execute(
                update(d)
                .where(
                    d.c.id == claim.delivery_id,
                    d.c.lease_token == claim.lease_token,
                    d.c.status != "delivered",
                )
                .values(
                    status="failing" if failing else "pending",
                    next_attempt_at=next_at,
                    last_error=bounded_error(error),
                    lease_owner=None,
                    lease_token=None,
                    lease_expires_at=None,
                )
            )
        return next_at if result.rowcount == 1 else None

    def release(self, claims: Sequence[ClaimedDelivery]) -> int:
        """Give back leases of claims not attempted (a worker stopping); return how many."""
        d = alert_deliveries
        released = 0
        with self.database.transaction() as connection:
            for claim in claims:
                result = connection.execute(
                    update(d)
                    .where(
                        d.c.id == claim.delivery_id,
                        d.c.lease_token == claim.lease_token,
                        d.c.status != "delivered",
                    )
                    .values(
                        attempts=d.c.attempts - 1,
                        lease_owner=None,
                        lease_token=None,
                        lease_expires_at=None,
                    )
                )
                released += result.rowcount
        return released

    # -- inspection (service/alerts/inspection.py) -------------------------------------------

    def deliveries(self, *, alert_key: str | None = None) -> list[DeliveryState]:
        """Every delivery (of one alert when ``alert_key`` is given), oldest first."""
        return inspection.deliveries(self.database, alert_key=alert_key)

    def report(self, *, problem_limit: int = 50) -> OutboxReport:
        """Counts per channel and status, and the undelivered deliveries that have failed."""
        return inspection.report(self.database, problem_limit=problem_limit)
