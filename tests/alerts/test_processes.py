"""Several OS processes on one outbox, on an SQLite file and on a real PostgreSQL server.

- service processes enqueueing the same findings at the same moment: one alert per finding;
- two delivery workers: never the same delivery at the same time, each delivered once;
- a worker killed (SIGKILL) mid-send and restarted: the delivery is completed, nothing is lost,
  the EHR has no duplicate (conditional create), the webhook's duplicate carries the same id.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.fhir_store import RunningStore
from service.alerts.keys import ALERT_IDENTIFIER_SYSTEM, AlertFinding
from service.alerts.outbox import LOST_LEASE_ERROR, Outbox
from service.storage.database import Database, open_database
from service.storage.models import alerts
from tests import processes
from tests.alerts.helpers import WEBHOOK_SECRET, WebhookReceiver, documents, webhook_body
from tests.e2e.helpers import Admin

WAIT = 30.0  # seconds; only a bound so that a broken test cannot hang the suite


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    yield db
    db.dispose()


def wait_until(
    condition: Callable[[], bool],
    what: str,
    timeout: float = WAIT,
    alive: tuple[subprocess.Popen[str], ...] = (),
) -> None:
    """Poll ``condition``; fail at the timeout, or at once if a process in ``alive`` exits."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        for child in alive:
            assert child.poll() is None, f"a worker exited ({child.returncode}) before {what}"
        time.sleep(0.02)


class Workers:
    """Delivery worker processes (``python -m service.alerts.worker``) started by a test."""

    def __init__(self, tmp_path: Path) -> None:
        self.secret_file = tmp_path / "webhook-secret"
        self.secret_file.write_text(WEBHOOK_SECRET + "\n", encoding="utf-8")
        self.started: list[subprocess.Popen[str]] = []
        self.logs = tmp_path
        self._files: list[Any] = []

    def start(
        self,
        database_url: str,
        *,
        ehr: str | None = None,
        webhook: str | None = None,
        lease: float = 5.0,
        extra: tuple[str, ...] = (),
    ) -> subprocess.Popen[str]:
        command = [
            sys.executable,
            "-m",
            "service.alerts.worker",
            "--database-url",
            database_url,
            "--lease-seconds",
            str(lease),
            "--idle-seconds",
            "0.1",
            "--connect-timeout",
            "0.5",
            "--timeout",
            "1",
            "--base-delay",
            "0.2",
            "--max-delay",
            "1",
            *extra,
        ]
        if ehr:
            command += ["--ehr-base", ehr]
        if webhook:
            command += ["--webhook-url", webhook, "--webhook-secret-file", str(self.secret_file)]
        log = (self.logs / f"worker-{len(self.started)}.log").open("w")
        self._files.append(log)
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
        self.started.append(child)
        return child

    def log(self, index: int) -> str:
        return (self.logs / f"worker-{index}.log").read_text(encoding="utf-8")

    def stop_all(self) -> None:
        for child in self.started:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.started:
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(10)
        for log in self._files:
            log.close()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop_all()


def alert_resources(admin: Admin, resource_type: str) -> Counter[str]:
    found = admin.search(resource_type, identifier=f"{ALERT_IDENTIFIER_SYSTEM}|")
    return Counter(
        identifier["value"]
        for resource in found
        for identifier in resource["identifier"]
        if identifier["system"] == ALERT_IDENTIFIER_SYSTEM
    )


# -- enqueueing from several service processes ----------------------------------------------------


def test_processes_enqueueing_the_same_findings_together_make_one_alert_each(
    database: Database, database_url: str, tmp_path: Path
):
    go = tmp_path / "go"
    children = [processes.start("enqueue", database_url, go, "4") for _ in range(3)]
    time.sleep(0.5)  # let them import and connect, so that they really start together
    go.touch()
    answers = processes.results(children)
    created = [key for answer in answers for key in answer["created"]]
    expected = {finding.key for finding in processes.FINDINGS}
    assert sorted(created) == sorted(expected)  # each key created by exactly one process
    assert sum(sum(a["statuses"].values()) for a in answers) == 3 * 4 * len(processes.FINDINGS)
    with database.read() as connection:
        stored = connection.execute(select(alerts.c.key)).scalars().all()
    assert Counter(stored) == Counter(expected)
    deliveries = Outbox(database).deliveries()
    assert Counter(d.alert_key for d in deliveries) == Counter({k: 2 for k in expected})


# -- two delivery workers ------------------------------------------------------------------


def test_two_workers_never_hold_the_same_delivery_and_deliver_each_once(
    database: Database, database_url: str, receiver: WebhookReceiver, workers: Workers
):
    findings = [AlertFinding(f"Patient/{n}", "T9", "urgent") for n in range(60)]
    outbox = Outbox(database)
    for finding in findings:
        outbox.enqueue(finding, {"webhook": webhook_body(finding)})
    receiver.hold_seconds = 0.03  # each delivery takes a while: the workers overlap in time
    first = workers.start(database_url, webhook=receiver.url, lease=30, extra=("--batch-size", "3"))
    second = workers.start(
        database_url, webhook=receiver.url, lease=30, extra=("--batch-size", "3")
    )
    wait_until(lambda: outbox.report().undelivered == 0, "every delivery", alive=(first, second))
    keys = Counter(receiver.ids())
    assert keys == Counter({finding.key: 1 for finding in findings})  # each once, none twice
    assert receiver.max_in_flight_per_id == 1
    workers.stop_all()
    assert first.returncode == 0 and second.returncode == 0  # SIGTERM: a clean stop
    delivered_by = [workers.log(i).count(" delivered") for i in range(2)]
    assert sum(delivered_by) == len(findings)
    assert all(n > 0 for n in delivered_by), delivered_by  # both took part


# -- a worker killed mid-send --------------------------------------------------------------------


def test_a_worker_killed_while_the_webhook_waits_is_resent_after_restart(
    database: Database, database_url: str, receiver: WebhookReceiver, workers: Workers
):
    finding = AlertFinding("Patient/42", "T11", "emergent")
    outbox = Outbox(database)
    outbox.enqueue(finding, {"webhook": webhook_body(finding)})
    receiver.block = True  # the receiver has the request, and keeps the worker waiting
    doomed = workers.start(database_url, webhook=receiver.url)
    assert receiver.arrived.wait(WAIT), workers.log(0)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    receiver.block = False
    receiver.release.set()
    (state,) = outbox.deliveries()
    assert state.status == "pending" and state.lease_owner is not None  # a lease, left behind
    restarted = workers.start(database_url, webhook=receiver.url)
    wait_until(
        lambda: outbox.deliveries()[0].status == "delivered", "the resend", alive=(restarted,)
    )
    (state,) = outbox.deliveries()
    assert state.attempts == 2 and state.last_error == LOST_LEASE_ERROR
    # Delivered twice (at least once), detectably: the same webhook id both times.
    assert [r.webhook_id for r in receiver.received] == [finding.key, finding.key]
    assert [r.attempt for r in receiver.received] == [1, 2]
    workers.stop_all()
    assert restarted.returncode == 0


def test_a_worker_killed_while_the_ehr_writes_leaves_no_duplicate(
    database: Database,
    database_url: str,
    ehr: RunningStore,
    ehr_admin: Admin,
    receiver: WebhookReceiver,
    workers: Workers,
):
    finding = AlertFinding("Patient/43", "L4", "urgent")
    outbox = Outbox(database)
    outbox.enqueue(finding, documents(finding))
    # The EHR takes 1.5 s over the transaction (within the worker's timeout), then carries it
    # out, although the worker that sent it is dead by then.
    ehr_admin.fault(kind="hang", count=1, hang_seconds=1.5, method="POST")
    slow = ("--timeout", "2.5")
    doomed = workers.start(
        database_url, ehr=ehr.base_url, webhook=receiver.url, lease=7, extra=slow
    )
    wait_until(
        lambda: ehr_admin.faults() == [], "the transaction to reach the EHR", alive=(doomed,)
    )
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    wait_until(lambda: ehr_admin.request_count() >= 1, "the EHR to finish the hung write")
    assert alert_resources(ehr_admin, "Communication") == Counter({finding.key: 1})
    assert receiver.received == []  # the webhook was still waiting its turn in the batch
    restarted = workers.start(
        database_url, ehr=ehr.base_url, webhook=receiver.url, lease=7, extra=slow
    )
    wait_until(lambda: outbox.report().undelivered == 0, "the restarted worker", alive=(restarted,))
    # The resent transaction matched the first one's resources: nothing new was created.
    assert alert_resources(ehr_admin, "Communication") == Counter({finding.key: 1})
    assert alert_resources(ehr_admin, "Task") == Counter({finding.key: 1})
    assert receiver.ids() == [finding.key]
    ehr_state = next(s for s in outbox.deliveries() if s.channel == "ehr")
    assert ehr_state.attempts == 2 and ehr_state.last_error == LOST_LEASE_ERROR
