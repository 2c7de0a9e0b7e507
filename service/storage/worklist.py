"""Worklist entries in the service's database: one row per assessment (docs/worklist.md).

A row keeps the patient's reference (and the FHIR server it was read from), when and how the
assessment was made, the patient's urgency (the highest tier still possible and the lowest
certain one, with their ranks for ordering) and a JSON ``detail`` the worklist builds and reads
(``service/worklist/``): the summary line, the plan and what is missing, and the pathway's dated
milestones. Nothing else from the chart: no name, no birth date, no free text of the clinician.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from service.storage.database import Database
from service.storage.models import (
    MAX_PATIENT_REF_CHARS,
    MAX_WORKLIST_DETAIL_CHARS,
    worklist_entries,
)

MAX_SOURCE_CHARS = 32
TIERS = ("none", "routine", "urgent", "emergent")


@dataclass(frozen=True, slots=True)
class WorklistRecord:
    """One assessment, as stored.

    Attributes:
        patient_ref: ``Patient/<id>``.
        fhir_server: The FHIR base the patient was read from, or None (a Bundle sent in).
        source: How the assessment was made (``api-bundle``, ``cds-patient-view``, ...).
        assessed_at: When (timezone-aware).
        tier_at_most: The highest tier still possible.
        tier_at_least: The lowest tier that is certain.
        detail: JSON-able detail (built and read by ``service/worklist``).
    """

    patient_ref: str
    fhir_server: str | None
    source: str
    assessed_at: datetime
    tier_at_most: str
    tier_at_least: str
    detail: dict[str, Any]

    def __post_init__(self) -> None:
        for name in ("patient_ref", "fhir_server"):
            value = getattr(self, name)
            if value is not None and not 0 < len(value) <= MAX_PATIENT_REF_CHARS:
                raise ValueError(f"{name} must be 1-{MAX_PATIENT_REF_CHARS} characters")
        if not 0 < len(self.source) <= MAX_SOURCE_CHARS:
            raise ValueError(f"source must be 1-{MAX_SOURCE_CHARS} characters")
        if self.tier_at_most not in TIERS or self.tier_at_least not in TIERS:
            raise ValueError("unknown urgency tier")
        if self.assessed_at.tzinfo is None:
            raise ValueError("assessed_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """A stored row: its id and the record."""

    id: int
    record: WorklistRecord


def _detail_text(detail: dict[str, Any]) -> str:
    text = json.dumps(detail, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    if len(text) > MAX_WORKLIST_DETAIL_CHARS:
        raise ValueError(f"the detail is longer than {MAX_WORKLIST_DETAIL_CHARS} characters")
    return text


def add_entry(database: Database, record: WorklistRecord) -> int:
    """Store one assessment; return its row id.

    Raises:
        ValueError: the detail is too long to keep.
    """
    row = {
        "patient_ref": record.patient_ref,
        "fhir_server": record.fhir_server,
        "source": record.source,
        "assessed_at": record.assessed_at,
        "tier_at_most": record.tier_at_most,
        "tier_at_least": record.tier_at_least,
        "rank_at_most": TIERS.index(record.tier_at_most),
        "rank_at_least": TIERS.index(record.tier_at_least),
        "detail": _detail_text(record.detail),
    }
    statement = insert(worklist_entries).returning(worklist_entries.c.id)
    with database.transaction() as connection:
        return int(connection.execute(statement, row).scalar_one())


def entries_between(database: Database, start: datetime, end: datetime) -> list[StoredEntry]:
    """The assessments made from ``start`` (included) to ``end`` (excluded), oldest first."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    query = (
        select(worklist_entries)
        .where(worklist_entries.c.assessed_at >= start, worklist_entries.c.assessed_at < end)
        .order_by(worklist_entries.c.assessed_at, worklist_entries.c.id)
    )
    with database.read() as connection:
        return [
            StoredEntry(
                int(row.id),
                WorklistRecord(
                    patient_ref=row.patient_ref,
                    fhir_server=row.fhir_server,
                    source=row.source,
                    assessed_at=row.assessed_at,
                    tier_at_most=row.tier_at_most,
                    tier_at_least=row.tier_at_least,
                    detail=json.loads(row.detail),
                ),
            )
            for row in connection.execute(query)
        ]
