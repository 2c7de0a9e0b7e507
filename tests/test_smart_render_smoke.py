"""The SMART render benchmark runs (one launch per patient, no browser) and weighs the pages.

Only sizes are asserted: times depend on the machine."""

from __future__ import annotations

from benchmarks.smart_render import PATIENTS, run, table

PAGE_BUDGET = 150 * 1024  # issue 10: the page under 150 KB


def test_benchmark_launches_every_patient_and_pages_stay_light() -> None:
    rows = run(repetitions=1, browser=False, synthea=False)
    assert [r.patient for r in rows] == list(PATIENTS)
    assert all(r.side == "server" and r.token_to_rendered_ms > 0 for r in rows)
    assert all(0 < r.page_bytes <= r.total_bytes < PAGE_BUDGET for r in rows)
    assert "| 07-r7-nsclc-high-grade-stable-fit | server | 1 |" in table(rows)
