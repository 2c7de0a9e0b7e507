"""The worklist of the demo patients: order, open assessments, intervals, medians, CSV.

Every demo patient is assessed (as ``POST /api/assessments`` does) and its entry stored in a real
database (SQLite and PostgreSQL), then the worklist is built as of a fixed day.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from service import demo, workflow
from service.domain.pathway import Milestone, PathwayEvents
from service.domain.urgency import Tier
from service.fhir.extract import read_bundle
from service.fhir.extract.pathway_events import pathway_events
from service.storage.database import open_database
from service.storage.worklist import StoredEntry, add_entry, entries_between
from service.views import report_view
from service.worklist.entries import events_json, record_for
from service.worklist.listing import build_worklist, worklist_csv, worklist_json

ASSESSED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TODAY = date(2026, 12, 2)  # 43 days after the demo MRIs of 2026-10-20
TREATED = {
    "02-r2-prostate-low-grade-unstable",
    "07-r7-nsclc-high-grade-stable-fit",
    "09-r9-hcc-high-grade-unstable-fit",
    "11-special-a-breast-myelopathy",
    "14-special-e-renal-escc2-no-myelopathy",
    "17-sins-indeterminate-surgeon-unstable",
    "20-emergent-nsclc-c5-cord-compression-myelopathy",
}


def demo_record(name: str, at: datetime = ASSESSED, source: str = "api-bundle"):
    bundle = demo.load_patient(name)
    report = workflow.assess_bundle(bundle, now=at)
    contents = read_bundle(bundle)
    events = pathway_events(contents.resources, local=contents.local)
    return record_for(report_view(report), events, source=source, fhir_server=None, assessed_at=at)


@pytest.fixture(scope="module")
def records():
    return {name: demo_record(name) for name in demo.patient_names()}


@pytest.fixture
def stored(database_url: str, records):
    database = open_database(database_url)
    for record in records.values():
        add_entry(database, record)
    yield database
    database.dispose()


def worklist_of(database, today: date = TODAY):
    entries = entries_between(database, ASSESSED - timedelta(days=1), ASSESSED + timedelta(days=1))
    return build_worklist(entries, date(2026, 11, 29), date(2026, 11, 30), today)


def test_open_assessments_most_urgent_first(stored, records):
    worklist = worklist_of(stored)
    refs = {r.patient_ref: n for n, r in records.items()}
    listed = [refs[row.patient_ref] for row in worklist.rows]
    assert set(listed) == set(records) - TREATED
    assert worklist.treated == len(TREATED) and worklist.patients == len(records)
    ranks = [(Tier(r.tier_at_most).rank, Tier(r.tier_at_least).rank) for r in worklist.rows]
    assert ranks == sorted(ranks, reverse=True)
    first = worklist.rows[0]
    assert first.tier_at_most == "emergent" and first.certain
    assert first.summary.startswith("EMERGENT")
    # The words are the report view's, as every surface shows them.
    view = report_view(workflow.assess_bundle(demo.load_patient(listed[0]), now=ASSESSED))
    assert first.summary == view.headline
    assert first.plan == tuple(f"{lv.level}: {lv.plan.text}" for lv in view.by_urgency())


def test_intervals_of_one_patient(stored, records):
    worklist = worklist_of(stored)
    [row] = [
        r
        for r in worklist.rows
        if r.patient_ref == records["13-special-c-unknown-primary-myelopathy"].patient_ref
    ]
    got = {i.key: (i.state.value, i.days) for i in row.intervals}
    assert got == {
        "imaging-to-spine-team": ("done", 1),
        "imaging-to-tumour-board": ("done", 8),
        "imaging-to-treatment": ("running", 43),
        "symptoms-to-treatment": ("running", 43),
    }
    assert row.milestone(Milestone.BIOPSY) == "2026-10-22"
    assert row.target.past is False and "so far" in row.target.text
    # Three weeks later the same patient, still untreated, is past the 8-week target.
    later = worklist_of(stored, TODAY + timedelta(days=21))
    [row] = [r for r in later.rows if r.patient_ref == row.patient_ref]
    assert row.target.past is True and row.target.days == 64


def test_a_patient_without_spine_imaging_has_unknown_intervals(stored, records):
    ref = records["19-chart-lacks-spine-findings"].patient_ref
    [row] = [r for r in worklist_of(stored).rows if r.patient_ref == ref]
    assert {i.key: i.state.value for i in row.intervals}["imaging-to-spine-team"] == "unknown"
    assert row.milestone(Milestone.FIRST_IMAGING) == "none on record"
    # What the chart could supply: the plan's inputs and the urgency's, each named once.
    assert row.asked_for.count("T8: escc-grade") == 1
    assert len(row.asked_for) == len(set(row.asked_for))
    assert "T8: myelopathy" in row.asked_for


def test_the_programme_medians(stored):
    summary = {s.key: s for s in worklist_of(stored).programme}
    spine = summary["imaging-to-spine-team"]
    assert (spine.done, spine.unknown, spine.median_days) == (24, 1, 4)
    treatment = summary["imaging-to-treatment"]
    assert treatment.done_days == (1, 2, 15, 18, 21, 30, 62)
    assert treatment.median_days == 18
    assert len(treatment.running_days) == 17  # the open ones with imaging, 43 days so far each
    assert set(treatment.running_days) == {43}


def test_the_newest_assessment_leads_and_milestones_survive_a_cds_call(database_url, records):
    database = open_database(database_url)
    first = records["05-r5-breast-high-grade-stable"]
    add_entry(database, first)
    # A later CDS call: new words, no milestones (its prefetch has no Encounters).
    cds = replace(
        first,
        source="cds-patient-view",
        assessed_at=ASSESSED + timedelta(hours=2),
        detail={**first.detail, "summary": "newer words", "events": events_json(PathwayEvents())},
    )
    add_entry(database, cds)
    [row] = worklist_of(database).rows
    assert row.summary == "newer words" and row.source == "cds-patient-view"
    assert row.milestone(Milestone.SPINE_TEAM) == "2026-10-22"
    database.dispose()


def test_only_the_range_is_listed(stored, records):
    entries = entries_between(stored, ASSESSED + timedelta(days=1), ASSESSED + timedelta(days=8))
    worklist = build_worklist(entries, date(2026, 12, 1), date(2026, 12, 7), TODAY)
    assert worklist.rows == () and worklist.patients == 0
    assert all(s.median_days is None for s in worklist.programme)


def test_json_and_csv_keep_the_order(stored):
    worklist = worklist_of(stored)
    body = worklist_json(worklist)
    assert [e["patient"] for e in body["entries"]] == [r.patient_ref for r in worklist.rows]
    assert body["programme"]["treated"] == len(TREATED)
    rows = list(csv.DictReader(io.StringIO(worklist_csv(worklist))))
    assert [r["patient"] for r in rows] == [r.patient_ref for r in worklist.rows]
    assert rows[0]["order"] == "1" and rows[0]["summary"].startswith("EMERGENT")
    assert rows[0]["imaging_to_treatment"].endswith("days so far")


def test_csv_cells_never_start_a_formula(records):
    record = records["05-r5-breast-high-grade-stable"]
    entry = replace(record, detail={**record.detail, "summary": '=HYPERLINK("x")'})
    worklist = build_worklist([StoredEntry(1, entry)], TODAY, TODAY, TODAY)
    [row] = list(csv.DictReader(io.StringIO(worklist_csv(worklist))))
    assert row["summary"] == '\'=HYPERLINK("x")'
