"""The worklist of a date range, built from the stored assessments (docs/worklist.md).

- One row per patient assessed in the range (by FHIR server and patient reference): the newest
  assessment gives the urgency, the summary, the plan and what is missing. The newest one that
  looked for the pathway's milestones gives the milestones (a CDS call carries no Encounters).
- A patient's assessment is *open* while no treatment start is on record; the rows are the open
  ones, ordered by urgency (the highest tier still possible, then the lowest certain one:
  emergent first, as ``ReportView.by_urgency`` orders levels), then past the target first, then
  the longest waiting since the first spine imaging, then the reference.
- The programme's medians are over every patient assessed in the range, treated or not.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from service.domain.pathway import (
    DEFAULT_TARGET_DAYS,
    Interval,
    IntervalSummary,
    Milestone,
    PathwayEvents,
    TargetCheck,
    check_target,
    intervals,
    summarize,
)
from service.domain.urgency import Tier
from service.storage.worklist import StoredEntry
from service.worklist.entries import events_from_json

#: A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS: Final = (
    "order",
    "patient",
    "fhir_server",
    "assessed_at",
    "urgency_at_most",
    "urgency_at_least",
    "summary",
    "plan",
    "missing",
    "first_imaging",
    "imaging_to_spine_team",
    "imaging_to_tumour_board",
    "imaging_to_treatment",
    "symptoms_to_treatment",
    "target",
)


@dataclass(frozen=True, slots=True)
class WorklistRow:
    """One patient on the worklist (see the module's rules)."""

    patient_ref: str
    fhir_server: str | None
    source: str
    assessed_at: datetime
    tier_at_most: str
    tier_at_least: str
    certain: bool
    summary: str
    plan: tuple[str, ...]
    missing: tuple[str, ...]
    deciding: tuple[str, ...]
    events: PathwayEvents
    intervals: tuple[Interval, ...]
    target: TargetCheck

    @property
    def asked_for(self) -> tuple[str, ...]:
        """What the chart could still supply: the plan's missing inputs, then the urgency's."""
        return tuple(dict.fromkeys(self.missing + self.deciding))

    @property
    def treated(self) -> bool:
        """Whether a treatment start is on record (the assessment is then closed)."""
        return Milestone.TREATMENT in self.events.found

    def milestone(self, milestone: Milestone) -> str:
        """The milestone's date, or why there is none, in words."""
        event = self.events.found.get(milestone)
        if event is not None:
            return event.on.isoformat() + (f" ({event.kind})" if event.kind else "")
        return "none on record" if milestone in self.events.looked_for else "not read"


@dataclass(frozen=True, slots=True)
class Worklist:
    """The worklist of a date range and the programme's intervals over it."""

    start: date
    end: date
    today: date
    target_days: int
    rows: tuple[WorklistRow, ...]
    treated: int
    programme: tuple[IntervalSummary, ...]

    @property
    def patients(self) -> int:
        """How many patients were assessed in the range."""
        return len(self.rows) + self.treated


def _row(entries: list[StoredEntry], today: date, target_days: int) -> WorklistRow:
    newest = entries[-1].record
    with_events = [
        e.record for e in entries if (e.record.detail.get("events") or {}).get("looked_for")
    ]
    events = events_from_json((with_events[-1] if with_events else newest).detail.get("events"))
    found = intervals(events, today)
    detail = newest.detail
    return WorklistRow(
        patient_ref=newest.patient_ref,
        fhir_server=newest.fhir_server,
        source=newest.source,
        assessed_at=newest.assessed_at,
        tier_at_most=newest.tier_at_most,
        tier_at_least=newest.tier_at_least,
        certain=bool(detail.get("certain")),
        summary=str(detail.get("summary", "")),
        plan=tuple(detail.get("plan") or ()),
        missing=tuple(detail.get("missing") or ()),
        deciding=tuple(detail.get("deciding") or ()),
        events=events,
        intervals=found,
        target=check_target(found, target_days),
    )


def _order(row: WorklistRow) -> tuple[Any, ...]:
    imaging = row.events.found.get(Milestone.FIRST_IMAGING)
    return (
        -Tier(row.tier_at_most).rank,
        -Tier(row.tier_at_least).rank,
        row.target.past is not True,
        imaging is None,
        imaging.on if imaging else date.max,
        row.patient_ref,
        row.fhir_server or "",
    )


def build_worklist(
    entries: Iterable[StoredEntry],
    start: date,
    end: date,
    today: date,
    target_days: int = DEFAULT_TARGET_DAYS,
) -> Worklist:
    """The worklist of the entries (those of ``start``..``end``, oldest first)."""
    by_patient: dict[tuple[str | None, str], list[StoredEntry]] = {}
    for entry in entries:
        key = (entry.record.fhir_server, entry.record.patient_ref)
        by_patient.setdefault(key, []).append(entry)
    rows = [_row(found, today, target_days) for found in by_patient.values()]
    open_rows = sorted((r for r in rows if not r.treated), key=_order)
    return Worklist(
        start=start,
        end=end,
        today=today,
        target_days=target_days,
        rows=tuple(open_rows),
        treated=sum(1 for r in rows if r.treated),
        programme=summarize(r.intervals for r in rows),
    )


def _interval_json(interval: Interval) -> dict[str, Any]:
    return {
        "key": interval.key,
        "label": interval.label,
        "state": interval.state.value,
        "days": interval.days,
        "text": interval.text(),
        "start": interval.start.isoformat() if interval.start else None,
        "end": interval.end.isoformat() if interval.end else None,
    }


def row_json(row: WorklistRow) -> dict[str, Any]:
    """One row as the API's JSON (schema ``WorklistEntry`` in openapi.yaml)."""
    return {
        "patient": row.patient_ref,
        "fhir_server": row.fhir_server,
        "source": row.source,
        "assessed_at": row.assessed_at.isoformat(),
        "urgency": {
            "at_most": row.tier_at_most,
            "at_least": row.tier_at_least,
            "certain": row.certain,
        },
        "summary": row.summary,
        "plan": list(row.plan),
        "missing": list(row.missing),
        "deciding": list(row.deciding),
        "milestones": {m.value: row.milestone(m) for m in Milestone},
        "intervals": [_interval_json(i) for i in row.intervals],
        "target": {
            "past": row.target.past,
            "basis": row.target.basis,
            "days": row.target.days,
            "text": row.target.text,
        },
    }


def worklist_json(worklist: Worklist) -> dict[str, Any]:
    """The worklist as the API's JSON (schema ``Worklist`` in openapi.yaml)."""
    return {
        "from": worklist.start.isoformat(),
        "to": worklist.end.isoformat(),
        "today": worklist.today.isoformat(),
        "target_days": worklist.target_days,
        "entries": [row_json(row) for row in worklist.rows],
        "programme": {
            "patients": worklist.patients,
            "treated": worklist.treated,
            "intervals": [
                {
                    "key": s.key,
                    "label": s.label,
                    "median_days": s.median_days,
                    "done": s.done,
                    "running": len(s.running_days),
                    "unknown": s.unknown,
                }
                for s in worklist.programme
            ],
        },
    }


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def worklist_csv(worklist: Worklist) -> str:
    """The worklist as CSV (RFC 4180, one row per patient, in the worklist's order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for order, row in enumerate(worklist.rows, start=1):
        by_key = {i.key: i.text() for i in row.intervals}
        writer.writerow(
            _cell(str(value))
            for value in (
                order,
                row.patient_ref,
                row.fhir_server or "",
                row.assessed_at.isoformat(),
                row.tier_at_most,
                row.tier_at_least,
                row.summary,
                "; ".join(row.plan),
                "; ".join(row.asked_for),
                row.milestone(Milestone.FIRST_IMAGING),
                by_key["imaging-to-spine-team"],
                by_key["imaging-to-tumour-board"],
                by_key["imaging-to-treatment"],
                by_key["symptoms-to-treatment"],
                row.target.text,
            )
        )
    return out.getvalue()
