"""Throughput of the alert outbox alone: enqueue, then deliver, on SQLite and PostgreSQL.

No HTTP: the senders do nothing but record what they were given, so what is measured is the
outbox's own work (the idempotent insert, the claim with its lease, the result). Every phase runs
in separate OS processes, as the service's processes and replicas would:

1. enqueue: P processes each enqueue the same N findings (two channels each), all at once; with
   two processes every finding is offered twice. Rate = offers per second.
2. deliver: W worker processes drain the 2N deliveries (batches of 10). Rate = deliveries per
   second.

After each run the script checks that nothing was lost or doubled: exactly N alerts, 2N
deliveries all delivered, and every delivery handed to a sender exactly once.

    .venv/bin/python -m benchmarks.outbox                 # N = 2000, SQLite and PostgreSQL
    .venv/bin/python -m benchmarks.outbox --alerts 500 --databases sqlite --json out.json

PostgreSQL: a throw-away server from Debian's package (as the tests start it), unless
``--postgres-url`` names one (its database must be empty).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import func, select

from service.alerts.keys import AlertFinding
from service.alerts.outbox import ClaimedDelivery, Outbox
from service.alerts.worker import DeliveryWorker
from service.storage.database import open_database, sqlite_url
from service.storage.models import alert_deliveries, alerts

LEVELS = ("C5", "T4", "T9", "L2")
TIERS = ("urgent", "emergent")


def findings(count: int) -> list[AlertFinding]:
    """``count`` distinct findings (patients x levels x tiers)."""
    found: list[AlertFinding] = []
    patient = 0
    while len(found) < count:
        patient += 1
        for level in LEVELS:
            for tier in TIERS:
                found.append(AlertFinding(f"Patient/{patient}", level, tier))
    return found[:count]


def _documents(finding: AlertFinding) -> dict[str, dict[str, object]]:
    # Sizes like the real ones: a two-entry transaction (~1.5 kB) and a small webhook body.
    return {
        "ehr": {"resourceType": "Bundle", "type": "transaction", "note": "x" * 1400},
        "webhook": {"id": finding.key, "scope": finding.scope, "tier": finding.tier},
    }


def _ready_and_wait(go: str, ready: str) -> None:
    """Tell the parent this process is ready, then wait for its start signal."""
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.001)


def _enqueue(url: str, count: int, go: str, ready: str) -> None:
    outbox = Outbox(open_database(url, migrate=False))
    items = findings(count)
    with outbox.database.read() as connection:  # connect before the clock starts
        connection.execute(select(1))
    _ready_and_wait(go, ready)
    for finding in items:
        outbox.enqueue(finding, _documents(finding))
    outbox.database.dispose()


def _deliver(url: str, out: str, go: str, ready: str) -> None:
    outbox = Outbox(open_database(url, migrate=False))
    seen: list[int] = []

    def record(claim: ClaimedDelivery) -> None:
        seen.append(claim.delivery_id)

    worker = DeliveryWorker(outbox, {"ehr": record, "webhook": record}, idle_seconds=0.05)
    with outbox.database.read() as connection:
        connection.execute(select(1))
    _ready_and_wait(go, ready)
    worker.run(threading.Event(), exit_when_idle=True)
    Path(out).write_text(json.dumps(seen), encoding="utf-8")
    outbox.database.dispose()


def _run_processes(target: object, args: list[tuple[object, ...]], go: Path) -> float:
    context = multiprocessing.get_context("spawn")
    ready = [go.with_name(f"{go.name}-ready-{i}") for i in range(len(args))]
    children = [
        context.Process(target=target, args=(*a, str(go), str(r)))
        for a, r in zip(args, ready, strict=True)
    ]
    for child in children:
        child.start()
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in ready):  # every child imported, connected and waiting
        if time.monotonic() > deadline or any(c.exitcode not in (None, 0) for c in children):
            raise RuntimeError("a benchmark process did not start")
        time.sleep(0.01)
    start = time.perf_counter()
    go.touch()
    for child in children:
        child.join(600)
        if child.exitcode != 0:
            raise RuntimeError(f"a benchmark process failed ({child.exitcode})")
    return time.perf_counter() - start


@dataclass(frozen=True)
class Row:
    """One measured case."""

    database: str
    phase: str
    processes: int
    operations: int
    seconds: float
    per_second: float
    alerts: int
    deliveries: int
    delivered_once: bool


def run_case(url: str, kind: str, count: int, processes: int, work: Path) -> list[Row]:
    """Enqueue with ``processes`` processes, deliver with as many workers; check the counts."""
    open_database(url).dispose()  # migrate once, outside the timing
    go = work / f"go-enqueue-{kind}-{processes}"
    seconds = _run_processes(_enqueue, [(url, count)] * processes, go)
    database = open_database(url, migrate=False)
    with database.read() as connection:
        alert_count = connection.execute(select(func.count()).select_from(alerts)).scalar_one()
        delivery_count = connection.execute(
            select(func.count()).select_from(alert_deliveries)
        ).scalar_one()
    offers = count * processes
    rows = [
        Row(
            kind,
            "enqueue",
            processes,
            offers,
            seconds,
            offers / seconds,
            alert_count,
            delivery_count,
            True,
        )
    ]
    go = work / f"go-deliver-{kind}-{processes}"
    outs = [work / f"delivered-{kind}-{processes}-{i}.json" for i in range(processes)]
    seconds = _run_processes(_deliver, [(url, str(out)) for out in outs], go)
    handed = Counter(d for out in outs for d in json.loads(out.read_text(encoding="utf-8")))
    report = Outbox(database).report()
    delivered = sum(n for (_, status), n in report.counts.items() if status == "delivered")
    once = (
        alert_count == count
        and delivery_count == 2 * count
        and delivered == 2 * count
        and len(handed) == 2 * count
        and set(handed.values()) == {1}
    )
    rows.append(
        Row(
            kind,
            "deliver",
            processes,
            delivered,
            seconds,
            delivered / seconds,
            alert_count,
            delivery_count,
            once,
        )
    )
    database.dispose()
    if not once:
        raise AssertionError(f"lost or doubled: {rows}, handed {sum(handed.values())}")
    return rows


@contextmanager
def postgres_database(url: str | None) -> Iterator[str]:
    """The PostgreSQL database to use: the one given, or one on a throw-away server."""
    if url:
        yield url
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.databases import PostgresServer

    server = PostgresServer(fsync=True)  # durable commits, as in production
    server.start()
    try:
        yield server.create_database()
    finally:
        server.stop()


def run(count: int, databases: Sequence[str], postgres_url: str | None = None) -> list[Row]:
    """Every case: each database, with one and with two processes per phase."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="noms-outbox-bench-") as folder:
        work = Path(folder)
        for processes in (1, 2):
            if "sqlite" in databases:
                url = sqlite_url(work / f"outbox-{processes}.sqlite3")
                rows += run_case(url, "sqlite", count, processes, work)
            if "postgresql" in databases:
                with postgres_database(postgres_url if processes == 1 else None) as url:
                    rows += run_case(url, "postgresql", count, processes, work)
    return rows


def table(rows: Sequence[Row]) -> str:
    """The results as a Markdown table."""
    header = (
        "database",
        "phase",
        "processes",
        "operations",
        "seconds",
        "per second",
        "alerts",
        "deliveries",
        "nothing lost or doubled",
    )
    lines = ["| " + " | ".join(header) + " |", "|---|---|---:|---:|---:|---:|---:|---:|:---:|"]
    for r in rows:
        cells = (
            r.database,
            r.phase,
            str(r.processes),
            str(r.operations),
            f"{r.seconds:.2f}",
            f"{r.per_second:.0f}",
            str(r.alerts),
            str(r.deliveries),
            "yes" if r.delivered_once else "**no**",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=2000, help="distinct findings (N)")
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=("sqlite", "postgresql")
    )
    parser.add_argument("--postgres-url", help="an empty PostgreSQL database to use")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = run(args.alerts, args.databases, args.postgres_url)
    print(f"Python {platform.python_version()} on {platform.platform()}")
    print(table(rows))
    if args.json:
        Path(args.json).write_text(
            json.dumps([asdict(r) for r in rows], indent=2), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
