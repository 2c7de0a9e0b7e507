"""Alerts end to end: real service replicas, a real delivery worker, the sandbox EHR, a webhook.

Two ``noms-cds serve`` processes share one outbox (an SQLite file, and a real PostgreSQL server
started from Debian's package); CDS patient-view calls, Subscription notifications and API calls
reach both at once;
``noms-cds deliver-alerts`` delivers to the sandbox FHIR store (over HTTP, with its fault
switches) and to a loopback webhook receiver that verifies every signature.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sandbox.fhir_store import RunningStore
from service.alerts.keys import AlertFinding
from service.alerts.outbox import LOST_LEASE_ERROR, Outbox
from service.storage.database import Database, open_database
from tests.alerts.helpers import WebhookReceiver, webhook_receiver
from tests.api_keys import AUTHORIZATION
from tests.e2e.alerting import (
    CARE_TEAM,
    Deployment,
    alert_keys,
    alert_resources,
    notify,
    patient_view,
    wait_until,
)
from tests.e2e.helpers import Admin

# Demo patients and the alerts each must make (scope, tier); routine ones make none.
EXPECTED = {
    "11-special-a-breast-myelopathy": [("T6", "emergent")],
    "12-special-b-myeloma-myelopathy": [("T9", "emergent")],
    "02-r2-prostate-low-grade-unstable": [("T11", "urgent")],
    "18-two-levels-nsclc": [("L3", "urgent")],
    "21-myelopathy-no-level-explains": [("patient", "emergent")],
    "01-r1-breast-low-grade-stable": [],
}
ROUNDS = 3  # each patient is notified this many times at each replica


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def deployment(
    tmp_path: Path, database_url: str, store: RunningStore, receiver: WebhookReceiver
) -> Iterator[Deployment]:
    deployed = Deployment(tmp_path, database_url, store.base_url, receiver.url)
    yield deployed
    deployed.stop()


@pytest.fixture
def outbox(database_url: str) -> Iterator[Outbox]:
    database: Database = open_database(database_url)
    yield Outbox(database)
    database.dispose()


def expected_keys(admin: Admin) -> set[str]:
    return {
        AlertFinding(f"Patient/{admin.patient_id(stem)}", scope, tier).key
        for stem, alerts in EXPECTED.items()
        for scope, tier in alerts
    }


def test_two_replicas_make_one_alert_per_finding_and_the_worker_delivers_each_once(
    deployment: Deployment, admin: Admin, receiver: WebhookReceiver, outbox: Outbox
):
    replicas = [deployment.serve("replica-a"), deployment.serve("replica-b")]
    patients = [admin.patient_id(stem) for stem in EXPECTED]
    calls = [(base, p) for _ in range(ROUNDS) for base in replicas for p in patients]
    with ThreadPoolExecutor(8) as pool:
        # The CDS patient-view call first, at both replicas (it enqueues in the background),
        # then the notifications and the API calls, all for the same findings.
        cds = list(
            pool.map(lambda call: patient_view(*call, admin.base_url), calls[: 2 * len(patients)])
        )
        answers = list(pool.map(lambda call: notify(*call), calls))
        api = list(
            pool.map(
                lambda p: requests.post(
                    f"{replicas[1]}/api/patients/{p}/assessment", headers=AUTHORIZATION, timeout=60
                ),
                patients,
            )
        )
    assert [a.status_code for a in answers + api + cds] == [200] * (
        len(answers) + len(api) + len(cds)
    )
    assert all(a.json()["cards"] for a in cds)  # each patient has a spinal metastasis: a card
    expected = expected_keys(admin)
    wait_until(lambda: len(outbox.deliveries()) >= 2 * len(expected), "every alert enqueued")
    assert Counter(d.alert_key for d in outbox.deliveries()) == Counter(
        {key: 2 for key in expected}
    )

    worker = deployment.deliver("worker", "--once")
    assert worker.wait(60) == 0, deployment.log("worker")
    assert outbox.report().undelivered == 0
    communications = alert_resources(admin, "Communication")
    tasks = alert_resources(admin, "Task")
    assert alert_keys(communications) == Counter({key: 1 for key in expected})
    assert alert_keys(tasks) == Counter({key: 1 for key in expected})
    by_key = {alert_keys([c]).most_common(1)[0][0]: c for c in communications}
    for task in tasks:
        key = alert_keys([task]).most_common(1)[0][0]
        assert task["focus"]["reference"] == f"Communication/{by_key[key]['id']}"
        assert task["owner"] == {"reference": CARE_TEAM}
    # Every webhook verified (the receiver refuses a bad signature) and arrived once.
    assert receiver.refused == []
    assert Counter(receiver.ids()) == Counter({key: 1 for key in expected})
    assert {r.body["id"] for r in receiver.received} == expected


SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_delivery_is_retried_until_the_ehr_and_the_webhook_are_back(
    deployment: Deployment, admin: Admin, receiver: WebhookReceiver, outbox: Outbox
):
    base = deployment.serve("replica")
    stems = ["11-special-a-breast-myelopathy", "02-r2-prostate-low-grade-unstable"]
    for stem in stems:
        assert notify(base, admin.patient_id(stem)).status_code == 200
    keys = {AlertFinding(f"Patient/{admin.patient_id(s)}", *EXPECTED[s][0]).key for s in stems}
    # The EHR refuses the next four transactions (503), the webhook answers 503 three times.
    admin.fault(kind="fail", count=4, status=503, method="POST", path_prefix="")
    receiver.fail_next = 3
    worker = deployment.deliver("worker")
    wait_until(lambda: outbox.report().undelivered == 0, "every delivery, after the failures")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    assert admin.faults() == [] and receiver.fail_next == 0  # every failure was met
    attempts = Counter()
    for state in outbox.deliveries():
        attempts[state.channel] += state.attempts
    assert attempts["ehr"] == len(keys) + 4 and attempts["webhook"] == len(keys) + 3
    assert alert_keys(alert_resources(admin, "Communication")) == Counter({k: 1 for k in keys})
    assert Counter(receiver.ids()) == Counter({k: 1 for k in keys})


@SQLITE_ONLY
def test_a_delivery_worker_killed_mid_send_is_restarted_and_nothing_is_lost(
    deployment: Deployment, admin: Admin, receiver: WebhookReceiver, outbox: Outbox
):
    base = deployment.serve("replica")
    stem = "12-special-b-myeloma-myelopathy"
    assert notify(base, admin.patient_id(stem)).status_code == 200
    key = AlertFinding(f"Patient/{admin.patient_id(stem)}", "T9", "emergent").key
    receiver.block = True  # the webhook holds the request: the worker is mid-send
    doomed = deployment.deliver("doomed")
    assert receiver.arrived.wait(60), deployment.log("doomed")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    receiver.block = False
    receiver.release.set()
    webhook = next(d for d in outbox.deliveries() if d.channel == "webhook")
    assert webhook.status != "delivered" and webhook.lease_owner is not None
    restarted = deployment.deliver("restarted")
    wait_until(lambda: outbox.report().undelivered == 0, "the restarted worker")
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(30) == 0
    webhook = next(d for d in outbox.deliveries() if d.channel == "webhook")
    assert webhook.attempts == 2 and webhook.last_error == LOST_LEASE_ERROR
    # At least once: the receiver saw the same id twice and can drop the second.
    assert receiver.ids() == [key, key]
    assert alert_keys(alert_resources(admin, "Communication")) == Counter({key: 1})
    assert alert_keys(alert_resources(admin, "Task")) == Counter({key: 1})


@SQLITE_ONLY
@pytest.mark.parametrize("secret", [None, "Bearer not-the-subscription-secret-000"])
def test_a_served_replica_refuses_a_notification_with_a_bad_or_missing_secret(
    deployment: Deployment, admin: Admin, outbox: Outbox, secret: str | None
):
    base = deployment.serve("replica")
    patient = admin.patient_id("11-special-a-breast-myelopathy")
    admin.clear_log()
    answer = notify(base, patient, secret)
    assert answer.status_code == 401
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert admin.request_count() == 0
    assert outbox.deliveries() == []
