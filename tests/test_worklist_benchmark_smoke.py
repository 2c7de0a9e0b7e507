"""The worklist benchmark runs (one small round); only its shape is checked, never its times."""

from __future__ import annotations

from benchmarks.worklist import run, table


def test_the_worklist_benchmark_runs() -> None:
    rows = run(sizes=(3,), rounds=1)
    assert [row["entries"] for row in rows] == [3]
    assert set(rows[0]) == {"entries", "load", "render", "chart"}
    assert table(rows).startswith("| entries | load (ms) |")
