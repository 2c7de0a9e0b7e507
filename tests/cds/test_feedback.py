"""Feedback on cards kept in the service's database, without patient or user identifiers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service.cds.feedback import LazyDatabase, feedback_handler, records
from service.cds.hooks import FeedbackItem, parse_feedback
from service.errors import RequestError
from service.storage.database import open_database
from service.storage.feedback import feedback_for_service
from service.storage.models import cds_feedback

CARD = "e4d8a4d6-4a39-4b6e-9a3c-0c1b4f2a9b10"
WHEN = "2026-11-30T10:00:00Z"


def items(**reason) -> tuple[FeedbackItem, ...]:
    return parse_feedback(
        {
            "feedback": [
                {
                    "card": CARD,
                    "outcome": "accepted",
                    "acceptedSuggestions": [{"id": "s1"}],
                    "outcomeTimestamp": WHEN,
                },
                {
                    "card": CARD,
                    "outcome": "overridden",
                    "overrideReason": {
                        "reason": {"system": "http://cds-hooks.hl7.org/CodeSystem/x", **reason},
                        "userComment": "Jane Doe, MRN 12345, refuses surgery",
                    },
                    "outcomeTimestamp": WHEN,
                },
            ]
        }
    )


@pytest.fixture
def database(tmp_path):
    return open_database(f"sqlite:///{tmp_path / 'noms.sqlite3'}")


def test_outcomes_are_kept_and_a_resent_item_once(database):
    take = feedback_handler(lambda: database, clock=lambda: 1_800_000_000.0)
    take("spine-mets-noms", items(code="need-more-info"))
    take("spine-mets-noms", items(code="need-more-info"))  # the client retried its POST
    kept = feedback_for_service(database, "spine-mets-noms")
    assert [(r.outcome, r.override_reason_code) for r in kept] == [
        ("accepted", None),
        ("overridden", "need-more-info"),
    ]
    assert kept[0].outcome_timestamp == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert kept[0].received_at == datetime.fromtimestamp(1_800_000_000, UTC)


def test_nothing_naming_the_patient_or_the_user_is_stored(database):
    feedback_handler(lambda: database, clock=lambda: 0.0)("spine-mets-noms", items(code="c"))
    with database.read() as connection:
        rows = [dict(row._mapping) for row in connection.execute(select(cds_feedback))]
    # The table has no column for them (tests/storage/test_feedback.py); nor does any value.
    assert rows and not any(
        "Jane" in str(value) or "12345" in str(value) for r in rows for value in r.values()
    )


@pytest.mark.parametrize(
    ("found", "words"),
    [
        (items(code="x" * 101), "reason.code must be a string of at most 100"),
        (items(code=7), "reason.code must be a string"),
        (
            parse_feedback(
                {
                    "feedback": [
                        {"card": "c" * 65, "outcome": "overridden", "outcomeTimestamp": WHEN}
                    ]
                }
            ),
            "card must be at most 64",
        ),
    ],
)
def test_what_cannot_be_kept_is_a_bad_request(found, words):
    with pytest.raises(RequestError, match=words):
        records("spine-mets-noms", found, datetime.now(UTC))


def test_the_database_is_opened_once_and_only_when_needed():
    opened = []

    def opener(url):
        opened.append(url)
        return object()

    lazy = LazyDatabase("sqlite:////nowhere/noms.sqlite3", opener)
    assert opened == []
    assert lazy() is lazy()
    assert opened == ["sqlite:////nowhere/noms.sqlite3"]
