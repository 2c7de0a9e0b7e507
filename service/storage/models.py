"""The service's tables: the alert outbox and CDS Hooks feedback (SQLAlchemy Core).

Core, not the ORM: every outbox operation is one statement whose SQL must be exactly what it is
(insert-or-ignore on a unique key, ``SELECT ... FOR UPDATE SKIP LOCKED``, a conditional ``UPDATE``
with ``RETURNING`` fenced by a lease token). A unit of work and an identity map would only stand
between the code and those statements. The migrations in ``migrations/versions`` create exactly
these tables; a test compares the two (``alembic`` autogenerate finds no difference).

Design and guarantees: docs/alerts.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Constraint names fixed by convention, so that migrations can name what they alter.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: An auto-incrementing 64-bit key on PostgreSQL; SQLite only auto-increments ``INTEGER``.
Identifier = BigInteger().with_variant(Integer(), "sqlite")

#: Delivery states (docs/alerts.md, "States").
DELIVERY_STATUSES = ("pending", "failing", "delivered")

#: Bounds of stored text: what the columns hold and what the code cuts to.
MAX_ERROR_CHARS = 500
MAX_KEY_CHARS = 100
MAX_PATIENT_REF_CHARS = 512


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as naive UTC
    (one format, which also sorts correctly as text) and come back marked UTC. Naive datetimes
    are refused: a local time would silently shift leases and retry times.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


alerts = Table(
    "alerts",
    metadata,
    Column("id", Identifier, primary_key=True, autoincrement=True),
    # Deterministic idempotency key of (patient, scope, tier): service/alerts/keys.py.
    Column("key", String(MAX_KEY_CHARS), nullable=False),
    Column("patient_ref", String(MAX_PATIENT_REF_CHARS), nullable=False),
    # A vertebral level ("T9") or "patient".
    Column("scope", String(32), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("tier_rank", SmallInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("key"),
    CheckConstraint("tier_rank > 0", name="tier_rank_positive"),
)
# "Has this patient's level already been alerted at this tier or higher?"
Index(None, alerts.c.patient_ref, alerts.c.scope, alerts.c.tier_rank)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Identifier, primary_key=True, autoincrement=True),
    Column(
        "alert_id",
        Identifier,
        ForeignKey("alerts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # Which sender delivers it ("ehr", "webhook"); the target and credentials are the sender's
    # configuration and are never stored here.
    Column("channel", String(32), nullable=False),
    # The already-built document to deliver (JSON text), exactly as the builder made it.
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    # Attempts started (counted when claimed, so an attempt cut short by a crash counts).
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_owner", String(200), nullable=True),
    Column("lease_token", String(64), nullable=True),
    Column("lease_expires_at", UtcDateTime, nullable=True),
    Column("last_attempt_at", UtcDateTime, nullable=True),
    # Bounded, built by the senders from status codes and error classes: no tokens, no bodies.
    Column("last_error", String(MAX_ERROR_CHARS), nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("alert_id", "channel"),
    CheckConstraint(
        "status IN ('pending', 'failing', 'delivered')",
        name="status_known",
    ),
    CheckConstraint("attempts >= 0", name="attempts_not_negative"),
)
# What the workers' claim query scans: undelivered deliveries by due time.
Index(None, alert_deliveries.c.status, alert_deliveries.c.next_attempt_at)

cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Identifier, primary_key=True, autoincrement=True),
    Column("service_id", String(100), nullable=False),
    Column("card_uuid", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("override_reason_system", String(255), nullable=True),
    Column("override_reason_code", String(100), nullable=True),
    Column("outcome_timestamp", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    # A client that resends the same feedback (a retried POST) records it once.
    UniqueConstraint(
        "service_id", "card_uuid", "outcome", "outcome_timestamp", name="uq_cds_feedback_once"
    ),
    CheckConstraint("outcome IN ('accepted', 'overridden')", name="outcome_known"),
)

#: Bounds of a worklist entry's detail (JSON text: summary, plan, missing, pathway events).
MAX_WORKLIST_DETAIL_CHARS = 65536

# The tumour-board worklist: one row per assessment made through the API or a CDS call
# (service/worklist/, docs/worklist.md). What is kept is what the board's list shows.
worklist_entries = Table(
    "worklist_entries",
    metadata,
    Column("id", Identifier, primary_key=True, autoincrement=True),
    Column("patient_ref", String(MAX_PATIENT_REF_CHARS), nullable=False),
    # The FHIR server the patient was read from (None: a Bundle sent to the API).
    Column("fhir_server", String(MAX_PATIENT_REF_CHARS), nullable=True),
    # How the assessment was made ("api-bundle", "api-patient", "cds-patient-view", "demo").
    Column("source", String(32), nullable=False),
    Column("assessed_at", UtcDateTime, nullable=False),
    # The patient's urgency: the highest tier still possible and the lowest certain one.
    Column("tier_at_most", String(16), nullable=False),
    Column("tier_at_least", String(16), nullable=False),
    Column("rank_at_most", SmallInteger, nullable=False),
    Column("rank_at_least", SmallInteger, nullable=False),
    Column("detail", Text, nullable=False),
)
# "The assessments of a date range", and "this patient's entries".
Index(None, worklist_entries.c.assessed_at)
Index(None, worklist_entries.c.patient_ref)
