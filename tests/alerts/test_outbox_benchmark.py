"""The outbox benchmark runs (few alerts) and its checks hold; times are not asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.outbox import findings, run_case, table


def test_findings_are_distinct():
    assert len({f.key for f in findings(100)}) == 100


@pytest.mark.parametrize("processes", [1, 2])
def test_benchmark_case_counts_everything_once(database_url: str, tmp_path: Path, processes: int):
    rows = run_case(database_url, "db", 30, processes, tmp_path)
    assert [(r.phase, r.processes, r.operations) for r in rows] == [
        ("enqueue", processes, 30 * processes),
        ("deliver", processes, 60),
    ]
    assert all(r.alerts == 30 and r.deliveries == 60 and r.delivered_once for r in rows)
    assert "| db | deliver |" in table(rows)
