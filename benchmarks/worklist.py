"""The tumour-board worklist: building a week's list and drawing its chart (docs/worklist.md).

A board reviews 12-20 patients a week; a busy programme assesses many more. The demo patients'
records (assessed once, as ``POST /api/assessments`` would store them) are repeated to make
``N`` stored entries in an SQLite database; then, per ``N``, the median of a few rounds of:
reading the range from the database and building the worklist (``load``), rendering its JSON and
CSV (``render``), and drawing the SVG chart with matplotlib (``chart``). Times depend on the
machine: nothing here is asserted.

    .venv/bin/python -m benchmarks.worklist
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from service import demo, workflow
from service.fhir.extract import read_bundle
from service.fhir.extract.pathway_events import pathway_events
from service.storage.database import open_database, sqlite_url
from service.storage.worklist import add_entry, entries_between
from service.views import report_view
from service.worklist.entries import record_for
from service.worklist.listing import build_worklist, worklist_csv, worklist_json
from service.worklist.plot import intervals_svg

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SIZES = (25, 250, 2500)
ROUNDS = 5


def _records() -> list:
    found = []
    for name in demo.patient_names():
        bundle = demo.load_patient(name)
        contents = read_bundle(bundle)
        found.append(
            record_for(
                report_view(workflow.assess_bundle(bundle, now=AT)),
                pathway_events(contents.resources, local=contents.local),
                source="api-bundle",
                fhir_server=None,
                assessed_at=AT,
            )
        )
    return found


def run(sizes: tuple[int, ...] = SIZES, rounds: int = ROUNDS) -> list[dict[str, float]]:
    """Per size: median milliseconds of load, render and chart."""
    base = _records()
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            database = open_database(sqlite_url(Path(folder) / "bench.sqlite3"))
            for i in range(size):
                record = base[i % len(base)]
                add_entry(database, replace(record, patient_ref=f"{record.patient_ref}-{i}"))
            times: dict[str, list[float]] = {"load": [], "render": [], "chart": []}
            for _ in range(rounds):
                t0 = time.perf_counter()
                entries = entries_between(database, AT - timedelta(days=1), AT + timedelta(days=1))
                listed = build_worklist(entries, date(2026, 11, 24), date(2026, 11, 30), AT.date())
                t1 = time.perf_counter()
                worklist_json(listed)
                worklist_csv(listed)
                t2 = time.perf_counter()
                intervals_svg(listed.programme, listed.target_days)
                t3 = time.perf_counter()
                times["load"].append(t1 - t0)
                times["render"].append(t2 - t1)
                times["chart"].append(t3 - t2)
            database.dispose()
        rows.append({"entries": size, **{k: statistics.median(v) * 1000 for k, v in times.items()}})
    return rows


def table(rows: list[dict[str, float]]) -> str:
    """The results as a Markdown table."""
    lines = ["| entries | load (ms) | JSON + CSV (ms) | chart (ms) |", "|---:|---:|---:|---:|"]
    lines += [
        f"| {r['entries']:.0f} | {r['load']:.1f} | {r['render']:.1f} | {r['chart']:.1f} |"
        for r in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(run()))
