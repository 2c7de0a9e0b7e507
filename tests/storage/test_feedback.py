"""CDS Hooks feedback records: stored once each, without anything that identifies a patient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from service.storage.database import open_database
from service.storage.feedback import FeedbackRecord, feedback_for_service, record_feedback

RECEIVED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
# CDS Hooks 2.0 feedback example: an overridden card with a coded reason.
OVERRIDDEN = FeedbackRecord(
    service_id="noms-spine-assessment",
    card_uuid="9368d37b-283f-44a0-93ea-547cebab93ed",
    outcome="overridden",
    override_reason_system="http://example.org/cds-services/fhir/CodeSystem/override-reasons",
    override_reason_code="reason-code-provided-by-service",
    outcome_timestamp=datetime(2026, 6, 1, 8, 59, 30, tzinfo=timezone(timedelta(hours=-5))),
    received_at=RECEIVED,
)
ACCEPTED = FeedbackRecord(
    service_id="noms-spine-assessment",
    card_uuid="a0b1c2d3-0000-4000-8000-000000000001",
    outcome="accepted",
    override_reason_system=None,
    override_reason_code=None,
    outcome_timestamp=datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
    received_at=RECEIVED,
)


def test_feedback_is_stored_once_and_read_back(database_url: str):
    database = open_database(database_url)
    assert record_feedback(database, [OVERRIDDEN, ACCEPTED]) == 2
    assert record_feedback(database, [OVERRIDDEN]) == 0  # the client resent it
    stored = feedback_for_service(database, "noms-spine-assessment")
    assert stored == [ACCEPTED, OVERRIDDEN]  # by outcome time; instants compare across zones
    assert feedback_for_service(database, "another-service") == []
    assert record_feedback(database, []) == 0
    database.dispose()


def test_a_later_outcome_for_the_same_card_is_kept(database_url: str):
    database = open_database(database_url)
    later = FeedbackRecord(
        **{**vars_of(OVERRIDDEN), "outcome_timestamp": RECEIVED + timedelta(minutes=5)}
    )
    assert record_feedback(database, [OVERRIDDEN, later]) == 2
    database.dispose()


def vars_of(record: FeedbackRecord) -> dict:
    return {name: getattr(record, name) for name in record.__slots__}


def test_the_table_has_no_place_for_patient_or_user_data(sqlite_db_url: str):
    database = open_database(sqlite_db_url)
    with database.read() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("cds_feedback")}
    assert columns == {
        "id",
        "service_id",
        "card_uuid",
        "outcome",
        "override_reason_system",
        "override_reason_code",
        "outcome_timestamp",
        "received_at",
    }
    database.dispose()


@pytest.mark.parametrize(
    "change",
    [
        {"outcome": "ignored"},
        {"card_uuid": ""},
        {"service_id": "x" * 101},
        {"override_reason_code": "x" * 101},
        {"outcome_timestamp": datetime(2026, 6, 1, 8, 0)},
    ],
    ids=["outcome", "empty-card", "long-service", "long-code", "naive-time"],
)
def test_invalid_records_are_refused(change: dict):
    with pytest.raises(ValueError):
        FeedbackRecord(**{**vars_of(ACCEPTED), **change})
