"""The CDS latency benchmark runs end to end on a tiny load (both servers, no timing asserts)."""

from __future__ import annotations

import json

from benchmarks.cds_bodies import build_bodies, fresh_bodies
from benchmarks.cds_latency import run, summary, table, verdicts


def test_the_cds_benchmark_runs_both_servers():
    rows, versions = run(requests_per_case=6, concurrencies=(1, 2), with_fresh=True)
    assert {(r.server, r.body, r.concurrency, r.fresh) for r in rows} == {
        (server, body, clients, fresh)
        for server in ("NOMS-CDS", "HealthChain")
        for body in ("demo patient", "Synthea Austin")
        for clients in (1, 2)
        for fresh in (False, True)
    }
    assert all(r.requests == 6 and r.errors == 0 for r in rows)
    assert versions["healthchain"] == "0.16.1"
    assert set(verdicts(rows, concurrency=2)) == {"demo patient", "Synthea Austin"}
    assert set(verdicts(rows, concurrency=2, fresh=True)) == {"demo patient", "Synthea Austin"}
    assert "| NOMS-CDS | demo patient |" in table(rows)
    assert "| HealthChain | Synthea Austin, fresh charts | 2 | 1 | 0 |" in summary(rows)


def test_fresh_bodies_change_every_resource_and_nothing_else():
    body = build_bodies()["demo patient"]
    first, second = (json.loads(b) for b in fresh_bodies(body, 2))
    original = json.loads(body)

    def resources(request):
        for value in request["prefetch"].values():
            if value and value["resourceType"] == "Bundle":
                yield from (e["resource"] for e in value.get("entry") or [])
            elif value:
                yield value

    pairs = list(zip(resources(first), resources(second), resources(original), strict=True))
    assert pairs and all(a["meta"]["versionId"] != b["meta"]["versionId"] for a, b, _ in pairs)
    for a, _, o in pairs:
        assert {k: v for k, v in a.items() if k != "meta"} == {
            k: v for k, v in o.items() if k != "meta"
        }
    assert first["hookInstance"] != second["hookInstance"]
