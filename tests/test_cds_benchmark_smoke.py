"""The CDS latency benchmark runs end to end on a tiny load (both servers, no timing asserts)."""

from __future__ import annotations

from benchmarks.cds_latency import run, table, verdicts


def test_the_cds_benchmark_runs_both_servers():
    rows, versions = run(requests_per_case=6, concurrencies=(1, 2))
    assert {(r.server, r.body, r.concurrency) for r in rows} == {
        (server, body, clients)
        for server in ("NOMS-CDS", "HealthChain")
        for body in ("demo patient", "Synthea Austin")
        for clients in (1, 2)
    }
    assert all(r.requests == 6 and r.errors == 0 for r in rows)
    assert versions["healthchain"] == "0.16.1"
    assert set(verdicts(rows, concurrency=2)) == {"demo patient", "Synthea Austin"}
    assert "| NOMS-CDS | demo patient |" in table(rows)
