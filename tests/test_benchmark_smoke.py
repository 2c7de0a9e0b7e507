"""The benchmarks run: the round trips (1 repetition, no latency, requests counted) and the
extraction (one round; the fast path checked against the full one).

Only request counts are asserted: times depend on the machine."""

from __future__ import annotations

from benchmarks.fhir_roundtrips import run, table


def test_benchmark_counts_requests() -> None:
    rows = run(latency_ms=0, repetitions=1, demo_limit=2, page_sizes=(200, 20, 10))
    requests = {(r.case, r.patients): (r.requests_min, r.requests_max) for r in rows}
    assert requests == {
        # metadata + one batch; the batch alone once the client knows the server
        ("noms batch (cold)", "demo"): (2, 2),
        ("noms batch (warm)", "demo"): (1, 1),
        # metadata + Patient read + 4 searches
        ("noms parallel (no batch)", "demo"): (6, 6),
        # Patient, Condition, 4 Observation categories, Procedure, ImagingStudy
        ("naive sequential", "demo"): (8, 8),
        ("noms batch (cold)", "synthea"): (2, 2),
        ("noms batch (warm)", "synthea"): (1, 1),
        ("noms parallel (no batch)", "synthea"): (6, 6),
        # ... plus 2 more pages of laboratory Observations (124) and 1 of Procedures (69)
        ("naive sequential", "synthea"): (11, 11),
        # 48 radiotherapy Procedures: one page, 3 pages, 5 pages
        ("noms batch (cold), page size 200", "synthea"): (2, 2),
        ("noms batch (cold), page size 20", "synthea"): (4, 4),
        ("noms batch (cold), page size 10", "synthea"): (6, 6),
    }
    assert all(r.round_trips is None and r.target_met is None for r in rows)
    assert {r.patient_count for r in rows if r.patients == "demo"} == {2}
    assert "| noms batch (cold) | 2 demo patients | 2 |" in table(rows)


def test_extraction_benchmark_runs_and_checks_its_results() -> None:
    from benchmarks.extraction import YARDSTICK, run
    from benchmarks.extraction import table as extraction_table

    rows = run(rounds=1, only=("Darin",))  # the smaller Synthea patient, one round
    cases = {r.case for r in rows}
    assert YARDSTICK in cases and "noms assess" in cases and "fhir.resources Bundle" in cases
    assert {r.record for r in rows} == {"Darin"}
    assert all(r.target_met is None for r in rows)  # the target is stated for the largest
    assert "| Darin | 168 | noms assess |" in extraction_table(rows)
