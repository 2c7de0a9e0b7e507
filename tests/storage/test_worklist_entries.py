"""Worklist entries in the database (SQLite and a real PostgreSQL server)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.domain.urgency import Tier
from service.storage.database import open_database
from service.storage.worklist import TIERS, WorklistRecord, add_entry, entries_between

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RECORD = WorklistRecord(
    patient_ref="Patient/p1",
    fhir_server="https://ehr.example.org/fhir",
    source="api-patient",
    assessed_at=AT,
    tier_at_most="emergent",
    tier_at_least="urgent",
    detail={"summary": "POSSIBLY EMERGENT: record myelopathy at T4", "plan": ["T4: SRS"]},
)


def test_entries_are_kept_and_read_back_by_date_range(database_url: str):
    database = open_database(database_url)
    first = add_entry(database, RECORD)
    second = add_entry(
        database, replace(RECORD, patient_ref="Patient/p2", assessed_at=AT + timedelta(days=1))
    )
    add_entry(
        database, replace(RECORD, patient_ref="Patient/p3", assessed_at=AT + timedelta(days=2))
    )
    found = entries_between(database, AT, AT + timedelta(days=2))
    assert [e.id for e in found] == [first, second]  # the end is excluded
    assert found[0].record == RECORD  # the detail's JSON and the UTC instant come back as given
    # An instant in another zone is the same instant.
    later = entries_between(
        database, AT.astimezone(timezone(timedelta(hours=-5))), AT + timedelta(days=9)
    )
    assert len(later) == 3
    database.dispose()


def test_tier_ranks_follow_the_domain():
    assert TIERS == tuple(t.value for t in sorted(Tier, key=lambda t: t.rank))


@pytest.mark.parametrize(
    "change",
    [
        {"patient_ref": ""},
        {"patient_ref": "P" * 513},
        {"source": ""},
        {"tier_at_most": "high"},
        {"assessed_at": datetime(2026, 11, 30, 9, 0)},
    ],
)
def test_bad_records_are_refused(change):
    with pytest.raises(ValueError):
        replace(RECORD, **change)


def test_an_oversized_detail_is_refused(sqlite_db_url: str):
    database = open_database(sqlite_db_url)
    with pytest.raises(ValueError, match="longer"):
        add_entry(database, replace(RECORD, detail={"summary": "x" * 70000}))
    assert entries_between(database, AT, AT + timedelta(days=1)) == []
    database.dispose()


def test_naive_ranges_are_refused(sqlite_db_url: str):
    database = open_database(sqlite_db_url)
    with pytest.raises(ValueError):
        entries_between(database, datetime(2026, 11, 30), AT)
    database.dispose()
