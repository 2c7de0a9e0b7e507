"""CDS Hooks feedback records (CDS Hooks 2.0, "Feedback"): what happened to each card.

Kept: the service id, the card's uuid, the outcome, the override reason's coding, the outcome's
time and when we received it. Not kept: the clinician's free-text comment and anything else that
could identify a patient or a user. A client may send the same feedback again (a retried POST):
it is recorded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from service.storage.database import Database
from service.storage.models import cds_feedback

OUTCOMES = ("accepted", "overridden")


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """One feedback item, as stored.

    Attributes:
        service_id: the CDS service the card came from.
        card_uuid: the card's ``uuid``.
        outcome: ``accepted`` or ``overridden``.
        override_reason_system: ``overrideReason.reason.system``, if given.
        override_reason_code: ``overrideReason.reason.code``, if given.
        outcome_timestamp: ``outcomeTimestamp`` (timezone-aware).
        received_at: when the service received it (timezone-aware).
    """

    service_id: str
    card_uuid: str
    outcome: str
    override_reason_system: str | None
    override_reason_code: str | None
    outcome_timestamp: datetime
    received_at: datetime

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError("outcome must be 'accepted' or 'overridden'")
        for name, limit in (("service_id", 100), ("card_uuid", 64)):
            value = getattr(self, name)
            if not isinstance(value, str) or not 0 < len(value) <= limit:
                raise ValueError(f"{name} must be 1-{limit} characters")
        for name, limit in (("override_reason_system", 255), ("override_reason_code", 100)):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise ValueError(f"{name} must be at most {limit} characters")
        for name in ("outcome_timestamp", "received_at"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware")


def record_feedback(database: Database, records: Iterable[FeedbackRecord]) -> int:
    """Store feedback items; return how many were new (repeats are ignored)."""
    rows = [
        {
            "service_id": r.service_id,
            "card_uuid": r.card_uuid,
            "outcome": r.outcome,
            "override_reason_system": r.override_reason_system,
            "override_reason_code": r.override_reason_code,
            "outcome_timestamp": r.outcome_timestamp,
            "received_at": r.received_at,
        }
        for r in records
    ]
    if not rows:
        return 0
    dialect = postgresql if database.dialect == "postgresql" else sqlite
    statement = (
        dialect.insert(cds_feedback)
        .on_conflict_do_nothing(
            index_elements=["service_id", "card_uuid", "outcome", "outcome_timestamp"]
        )
        .returning(cds_feedback.c.id)
    )
    new = 0
    with database.transaction() as connection:
        for row in rows:
            new += len(connection.execute(statement, row).all())
    return new


def feedback_for_service(database: Database, service_id: str) -> list[FeedbackRecord]:
    """The feedback recorded for one CDS service, oldest outcome first."""
    query = (
        select(cds_feedback)
        .where(cds_feedback.c.service_id == service_id)
        .order_by(cds_feedback.c.outcome_timestamp, cds_feedback.c.id)
    )
    with database.read() as connection:
        return [
            FeedbackRecord(
                service_id=row.service_id,
                card_uuid=row.card_uuid,
                outcome=row.outcome,
                override_reason_system=row.override_reason_system,
                override_reason_code=row.override_reason_code,
                outcome_timestamp=row.outcome_timestamp,
                received_at=row.received_at,
            )
            for row in connection.execute(query)
        ]
