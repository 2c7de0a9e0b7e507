"""Alerts per second from a burst of Subscription notifications, through the whole path.

The path measured: an R4 rest-hook ping per patient (``POST /fhir/subscription-notification/
Patient/<id>``, the secret header checked) to one or two ``noms-cds serve`` replicas; each reads
the patient from the sandbox FHIR store over HTTP, assesses, and enqueues the alerts in the
shared outbox (SQLite or PostgreSQL); a ``noms-cds deliver-alerts`` process, running all along,
delivers each alert twice: a Communication + Task transaction to the sandbox store, and a signed
webhook to a loopback receiver that verifies every signature. Every process is a real OS process
(the receiver is this one).

The burst: every patient of the store is notified ``--repeat`` times (shuffled), ``--concurrency``
at a time. The clock runs from the first notification to the last delivery recorded. Checked
after each run: the outbox holds exactly the alerts expected (from assessing the same demo
Bundles in process), every one delivered on both channels; the receiver got each alert id exactly
once, with a valid signature; the store has exactly one Communication and one Task per alert.

    .venv/bin/python -m benchmarks.alerts_throughput                     # 8 copies, sqlite
    .venv/bin/python -m benchmarks.alerts_throughput --copies 4 --replicas 2 \\
        --database postgresql --json /tmp/alerts.json

The store holds ``--copies`` copies of the demo patients (each copy new patients, new ids).
PostgreSQL: a throw-away server from Debian's package (as the tests start it).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from service import demo, workflow
from service.alerts.errors import SignatureError
from service.alerts.keys import ALERT_IDENTIFIER_SYSTEM, AlertFinding
from service.alerts.outbox import Outbox
from service.alerts.signing import SIGNATURE_HEADER, WEBHOOK_ID_HEADER, verify
from service.alerts.triggers import alert_contents
from service.storage.database import open_database, sqlite_url
from service.views import report_view
from tests.alerts.helpers import WEBHOOK_SECRET as SECRET
from tests.conftest import free_port
from tests.e2e.alerting import Deployment, notify, wait_until

DEMO_SYSTEM = "http://noms-cds.org/fhir/sid/demo-patient"


@dataclass(frozen=True)
class Result:
    """One run."""

    database: str
    replicas: int
    patients: int
    notifications: int
    alerts: int
    deliveries: int
    burst_seconds: float
    total_seconds: float
    notifications_per_second: float
    alerts_per_second: float
    nothing_lost_or_doubled: bool


class Receiver:
    """A loopback webhook receiver: verifies each signature and counts each id."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.refused = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    verify(raw, self.headers.get(SIGNATURE_HEADER), SECRET)
                    status = 200
                    with receiver.lock:
                        receiver.ids[self.headers.get(WEBHOOK_ID_HEADER, "")] += 1
                except SignatureError:
                    status = 401
                    with receiver.lock:
                        receiver.refused += 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/spine"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def expected_alerts() -> dict[str, list[tuple[str, str]]]:
    """Per demo patient (file stem): the (scope, tier) of each alert its assessment makes."""
    found = {}
    for path in sorted(demo.patients_dir().glob("*.json")):
        view = report_view(workflow.assess_bundle(json.loads(path.read_text(encoding="utf-8"))))
        found[path.stem] = [(c.finding.scope, c.finding.tier) for c in alert_contents(view, "")]
    return found


@contextmanager
def sandbox_store(copies: int, folder: Path) -> Iterator[str]:
    """The sandbox FHIR store in its own process, seeded with ``copies`` of the demo patients."""
    import subprocess

    seeds = folder / "seeds"
    seeds.mkdir()
    for copy in range(copies):
        for path in sorted(demo.patients_dir().glob("*.json")):
            shutil.copy(path, seeds / f"{copy:03d}-{path.name}")
    port = free_port()
    log = (folder / "store.log").open("w")
    child = subprocess.Popen(
        [sys.executable, "-m", "sandbox.fhir_store", "--port", str(port), "--seed-dir", str(seeds)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/fhir"
    try:

        def up() -> bool:
            assert child.poll() is None, "the store did not start"
            try:
                return requests.get(f"{base}/metadata", timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, "the sandbox store", timeout=600)
        yield base
    finally:
        child.terminate()
        child.wait(30)
        log.close()


def search_all(base: str, resource_type: str, **params: str) -> list[dict[str, Any]]:
    """Every match of a search, following ``next`` links."""
    found: list[dict[str, Any]] = []
    url: str | None = f"{base}/{resource_type}"
    query: dict[str, str] | None = {**params, "_count": "500"}
    with requests.Session() as http:
        while url:
            page = http.get(url, params=query, timeout=60).json()
            found += [entry["resource"] for entry in page.get("entry", [])]
            url = next((lk["url"] for lk in page.get("link", []) if lk["relation"] == "next"), None)
            query = None
    return found


def _identifiers(resources: list[dict[str, Any]]) -> Counter[str]:
    return Counter(
        i["value"]
        for r in resources
        for i in r["identifier"]
        if i["system"] == ALERT_IDENTIFIER_SYSTEM
    )


def run(
    database: str,
    database_url: str,
    copies: int,
    replicas: int,
    repeat: int,
    concurrency: int,
    folder: Path,
) -> Result:
    """One run: seed, deploy, burst, wait for every delivery, check."""
    alerts_of = expected_alerts()
    with ExitStack() as stack:
        base = stack.enter_context(sandbox_store(copies, folder))
        receiver = stack.enter_context(Receiver())
        deployment = Deployment(folder, database_url, base, receiver.url)
        deployment.env["NOMS_ALERT_LEASE_SECONDS"] = "60"
        deployment.env["NOMS_ALERT_READ_TIMEOUT"] = "20"
        deployment.env["NOMS_ALERT_CONNECT_TIMEOUT"] = "5"
        stack.callback(deployment.stop)
        urls = [deployment.serve(f"replica-{n}") for n in range(replicas)]
        expected: set[str] = set()
        patients: list[str] = []
        for patient in search_all(base, "Patient"):
            stem = next(i["value"] for i in patient["identifier"] if i["system"] == DEMO_SYSTEM)
            patients.append(patient["id"])
            for scope, tier in alerts_of[stem]:
                expected.add(AlertFinding(f"Patient/{patient['id']}", scope, tier).key)
        calls = [(urls[n % replicas], p) for n, p in enumerate(patients * repeat)]
        random.Random(11).shuffle(calls)
        outbox = Outbox(open_database(database_url))
        stack.callback(outbox.database.dispose)
        deployment.deliver("worker")
        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            statuses = Counter(pool.map(lambda call: notify(*call).status_code, calls))
        burst = time.perf_counter() - start
        assert statuses == Counter({200: len(calls)}), statuses

        def delivered() -> bool:
            report = outbox.report()
            return report.undelivered == 0 and sum(report.counts.values()) >= 2 * len(expected)

        wait_until(delivered, "every delivery", timeout=3600)
        total = time.perf_counter() - start
        states = outbox.deliveries()
        communications = _identifiers(search_all(base, "Communication"))
        tasks = _identifiers(search_all(base, "Task"))
        once = Counter({key: 1 for key in expected})
        ok = (
            Counter(s.alert_key for s in states) == Counter({key: 2 for key in expected})
            and all(s.status == "delivered" for s in states)
            and receiver.ids == once
            and receiver.refused == 0
            and communications == once
            and tasks == once
        )
    return Result(
        database=database,
        replicas=replicas,
        patients=len(patients),
        notifications=len(calls),
        alerts=len(expected),
        deliveries=len(states),
        burst_seconds=round(burst, 2),
        total_seconds=round(total, 2),
        notifications_per_second=round(len(calls) / burst, 1),
        alerts_per_second=round(len(expected) / total, 1),
        nothing_lost_or_doubled=ok,
    )


def table(results: list[Result]) -> str:
    """The results as the Markdown table of benchmarks/README.md."""
    lines = [
        "| database | replicas | patients | notifications | alerts | deliveries | burst s | "
        "total s | notifications/s | alerts/s | nothing lost or doubled |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.replicas} | {r.patients} | {r.notifications} | {r.alerts} | "
            f"{r.deliveries} | {r.burst_seconds} | {r.total_seconds} | "
            f"{r.notifications_per_second} | {r.alerts_per_second} | "
            f"{'yes' if r.nothing_lost_or_doubled else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the cases asked for and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alerts_throughput")
    parser.add_argument("--copies", type=int, default=8, help="copies of the demo patients")
    parser.add_argument("--repeat", type=int, default=2, help="notifications per patient")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--database", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    results = []
    with ExitStack() as stack:
        postgres = None
        for database in args.database:
            for replicas in args.replicas:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                if database == "sqlite":
                    url = sqlite_url(folder / "noms.sqlite3")
                else:
                    if postgres is None:
                        from tests.databases import PostgresServer

                        postgres = PostgresServer(fsync=True)
                        postgres.start()
                        stack.callback(postgres.stop)
                    url = postgres.create_database()
                result = run(
                    database, url, args.copies, replicas, args.repeat, args.concurrency, folder
                )
                results.append(result)
                print(table([result]).splitlines()[-1], flush=True)
    print(f"\n{platform.python_implementation()} {platform.python_version()}, {platform.machine()}")
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")
    return 0 if all(r.nothing_lost_or_doubled for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
