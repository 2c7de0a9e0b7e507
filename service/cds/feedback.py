"""CDS Hooks feedback (CDS Hooks 2.0 §Feedback): what became of each card, kept in the database.

Each item the client sends (checked by ``service/cds/hooks.py``) is stored through
``service/storage/feedback.py``: the service id, the card's uuid, the outcome, the override
reason's Coding (system and code) and the times. Never the clinician's comment, the accepted
suggestions or anything naming the patient or the user. A feedback item sent twice (a retried
POST) is stored once.

The database (``NOMS_DATABASE_URL``) is opened, and migrated, on the first feedback a worker
receives, so that an app that never takes feedback (tests, the CLI) never touches it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from service.cds.hooks import FeedbackItem
from service.errors import RequestError
from service.storage.database import Database, open_database
from service.storage.feedback import FeedbackRecord, record_feedback

# The widths of the columns (service/storage/models.py): longer values are refused, not cut.
CARD_UUID_MAX: Final = 64
REASON_LIMITS: Final = {"system": 255, "code": 100}


class LazyDatabase:
    """The service's database, opened (and migrated) on first use, once per process."""

    def __init__(self, url: str, opener: Callable[[str], Database] = open_database) -> None:
        self._url = url
        self._opener = opener
        self._database: Database | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Database:
        with self._lock:
            if self._database is None:
                self._database = self._opener(self._url)
            return self._database


def _invalid(where: str, problem: str) -> RequestError:
    return RequestError(f"invalid CDS Hooks request: {where} {problem}")


def _reason(item: FeedbackItem, index: int) -> tuple[str | None, str | None]:
    coding = (item.override_reason or {}).get("reason") or {}
    found = {}
    for name, limit in REASON_LIMITS.items():
        value = coding.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            where = f"feedback[{index}].overrideReason.reason.{name}"
            raise _invalid(where, f"must be a string of at most {limit} characters")
        found[name] = value
    return found["system"], found["code"]


def records(
    service_id: str, items: tuple[FeedbackItem, ...], received_at: datetime
) -> list[FeedbackRecord]:
    """The records to store for the items (nothing that names the patient or the user).

    Raises:
        RequestError: a card uuid or a reason's coding is longer than can be kept (400).
    """
    found = []
    for index, item in enumerate(items):
        if len(item.card) > CARD_UUID_MAX:
            raise _invalid(f"feedback[{index}].card", f"must be at most {CARD_UUID_MAX} characters")
        system, code = _reason(item, index)
        found.append(
            FeedbackRecord(
                service_id=service_id,
                card_uuid=item.card,
                outcome=item.outcome,
                override_reason_system=system,
                override_reason_code=code,
                outcome_timestamp=item.outcome_timestamp,
                received_at=received_at,
            )
        )
    return found


def feedback_handler(
    database: Callable[[], Database], clock: Callable[[], float]
) -> Callable[[str, tuple[FeedbackItem, ...]], None]:
    """The feedback handler of a service: stores what the client reports."""

    def take(service_id: str, items: tuple[FeedbackItem, ...]) -> None:
        received = datetime.fromtimestamp(clock(), UTC)
        record_feedback(database(), records(service_id, items, received))

    return take
