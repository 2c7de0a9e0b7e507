"""``noms-cds deliver-alerts`` in process: ``--once`` attempts what is due and stops; ``--report``
shows the failures (scope, tier, error; never the patient)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from service.alerts.keys import AlertFinding
from service.alerts.outbox import Outbox
from service.cli import main
from service.storage.database import open_database, sqlite_url
from tests.alerts.helpers import WEBHOOK_SECRET, WebhookReceiver, webhook_body
from tests.conftest import free_port


def environment(monkeypatch, tmp_path: Path, webhook: str) -> str:
    url = sqlite_url(tmp_path / "noms.sqlite3")
    for name, value in {
        "NOMS_STATE_DIR": str(tmp_path),
        "NOMS_DATABASE_URL": url,
        "NOMS_ALERT_WEBHOOK_URL": webhook,
        "NOMS_ALERT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "NOMS_ALERT_FAILING_AFTER": "1",
        "NOMS_ALERT_CONNECT_TIMEOUT": "0.5",
        "NOMS_ALERT_READ_TIMEOUT": "1",
    }.items():
        monkeypatch.setenv(name, value)
    return url


def enqueue(url: str, finding: AlertFinding) -> None:
    database = open_database(url)
    Outbox(database).enqueue(finding, {"webhook": webhook_body(finding)})
    database.dispose()


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(["deliver-alerts", *argv], out=out, err=io.StringIO())
    return status, out.getvalue()


def test_once_delivers_what_is_due_and_the_report_is_clean(
    monkeypatch, tmp_path: Path, receiver: WebhookReceiver
):
    url = environment(monkeypatch, tmp_path, receiver.url)
    finding = AlertFinding("Patient/7", "T9", "emergent")
    enqueue(url, finding)
    assert run("--once") == (0, "")
    assert receiver.ids() == [finding.key]
    status, text = run("--report")
    assert status == 0
    state = json.loads(text)
    assert state["counts"] == [{"channel": "webhook", "status": "delivered", "deliveries": 1}]
    assert state["undelivered"] == 0 and state["problems"] == []


def test_a_failing_delivery_is_reported_without_the_patient(monkeypatch, tmp_path: Path):
    closed = f"http://127.0.0.1:{free_port()}/hooks/spine"  # nothing listens there
    url = environment(monkeypatch, tmp_path, closed)
    enqueue(url, AlertFinding("Patient/8", "L2", "urgent"))
    assert run("--once")[0] == 0
    status, text = run("--report")
    assert status == 1
    state = json.loads(text)
    assert state["failing"] == 1 and state["undelivered"] == 1
    [problem] = state["problems"]
    assert (problem["scope"], problem["tier"], problem["status"]) == ("L2", "urgent", "failing")
    assert "could not be reached" in problem["lastError"]
    assert "Patient/8" not in text
