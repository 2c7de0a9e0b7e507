"""The report of benchmarks/cds_latency.py: the Markdown tables and the target's verdicts."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.cds_latency import Row

PEER = "HealthChain"
FLOOR_JWT = "floor: Flask + gunicorn, JWT verified"
FLOOR_BARE = "floor: Flask + gunicorn, no JWT"
SERVERS = ("NOMS-CDS", PEER, FLOOR_JWT, FLOOR_BARE)  # the order of the tables


def _rank(server: str) -> int:
    return SERVERS.index(server) if server in SERVERS else len(SERVERS)


def verdicts(rows: Sequence[Row], concurrency: int = 16, fresh: bool = False) -> dict[str, bool]:
    """Per body: NOMS-CDS at ``concurrency`` has >= 2x HealthChain's rps, a lower p99, no error
    (with several repeats: in every repeat)."""
    found: dict[str, bool] = {}
    for r in rows:
        if (r.server, r.concurrency, r.fresh) != ("NOMS-CDS", concurrency, fresh):
            continue
        peer = next(
            (
                p
                for p in rows
                if (p.server, p.body, p.concurrency, p.fresh, p.repeat)
                == (PEER, r.body, concurrency, fresh, r.repeat)
            ),
            None,
        )
        if peer is not None:
            met = r.rps >= 2 * peer.rps and r.p99_ms < peer.p99_ms and not r.errors + peer.errors
            found[r.body] = found.get(r.body, True) and met
    return found


def _case(r: Row) -> str:
    return f"{r.body}, fresh charts" if r.fresh else r.body


def table(rows: Sequence[Row]) -> str:
    """The rows as the Markdown table of benchmarks/README.md."""
    lines = [
        "| server | body | body KiB | clients | repeat | load | requests | errors | p50 ms "
        "| p99 ms | req/s | server CPU ms/req | client CPU ms/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    order = {name: i for i, name in enumerate(dict.fromkeys(r.body for r in rows))}
    for r in sorted(
        rows,
        key=lambda r: (r.fresh, order[r.body], r.concurrency, _rank(r.server), r.repeat),
    ):
        lines.append(
            f"| {r.server} | {_case(r)} | {r.body_bytes / 1024:.0f} | {r.concurrency} | "
            f"{r.repeat} | {r.load} | {r.requests} | {r.errors} | {r.p50_ms} | {r.p99_ms} | "
            f"{r.rps} | {r.server_cpu_ms} | {r.client_cpu_ms} |"
        )
    return "\n".join(lines)


def _median(values: Iterable[float]) -> float:
    return round(statistics.median(values), 2)


def summary(rows: Sequence[Row]) -> str:
    """Per case, the median over the repeats of p50, p99 and req/s (Markdown)."""
    groups: dict[tuple, list[Row]] = {}
    for r in rows:
        groups.setdefault((r.fresh, r.body, r.concurrency, r.server), []).append(r)
    lines = [
        "| server | body | clients | repeats | errors | p50 ms | p99 ms | req/s | req/s range "
        "| server CPU ms/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for key in sorted(groups, key=lambda k: (k[0], k[1] != "demo patient", k[2], _rank(k[3]))):
        group = groups[key]
        r = group[0]
        rps = [g.rps for g in group]
        lines.append(
            f"| {r.server} | {_case(r)} | {r.concurrency} | {len(group)} | "
            f"{sum(g.errors for g in group)} | {_median(g.p50_ms for g in group)} | "
            f"{_median(g.p99_ms for g in group)} | {_median(rps)} | "
            f"{min(rps)}-{max(rps)} | {_median(g.server_cpu_ms for g in group)} |"
        )
    return "\n".join(lines)


def ratios(rows: Sequence[Row], concurrency: int = 16) -> dict[str, dict[str, float]]:
    """Per server but HealthChain, per case: its median req/s at ``concurrency`` over
    HealthChain's median req/s in the same case (the cases HealthChain ran)."""
    medians: dict[str, dict[str, float]] = {}
    for server in dict.fromkeys(r.server for r in rows):
        for case in dict.fromkeys(_case(r) for r in rows):
            rps = [
                r.rps
                for r in rows
                if (r.server, _case(r), r.concurrency) == (server, case, concurrency)
            ]
            if rps:
                medians.setdefault(server, {})[case] = statistics.median(rps)
    peer = medians.pop(PEER, {})
    return {
        server: {case: round(rps / peer[case], 2) for case, rps in cases.items() if peer.get(case)}
        for server, cases in sorted(medians.items(), key=lambda item: _rank(item[0]))
    }


def multiples(rows: Sequence[Row], concurrency: int = 16) -> str:
    """``ratios`` as a Markdown table: a server per line, a case per column."""
    found = ratios(rows, concurrency)
    cases = list(dict.fromkeys(case for by_case in found.values() for case in by_case))
    if not cases:
        return f"(no {PEER} case at {concurrency} clients to compare with)"
    title = f"req/s at {concurrency} clients, as a multiple of {PEER}'s"
    lines = [f"| {title} | " + " | ".join(cases) + " |", "|---|" + "---:|" * len(cases)]
    for server, by_case in found.items():
        shown = (f"{by_case[case]:.2f}x" if case in by_case else "-" for case in cases)
        lines.append(f"| {server} | " + " | ".join(shown) + " |")
    return "\n".join(lines)
