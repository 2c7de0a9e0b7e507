"""Outbox + worker + senders together, over real HTTP, on SQLite and PostgreSQL.

The worker runs in the test's process here, with a clock the test moves, so every retry comes due
without waiting; tests/alerts/test_processes.py runs workers as separate processes.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from sandbox.fhir_store import RunningStore
from service.alerts.errors import DeliveryError
from service.alerts.keys import ALERT_IDENTIFIER_SYSTEM, AlertFinding
from service.alerts.outbox import ClaimedDelivery, Outbox
from service.alerts.retry import RetryPolicy
from service.alerts.senders import EhrSender, WebhookSender
from service.alerts.worker import DeliveryWorker
from service.storage.database import Database, open_database
from tests.alerts.helpers import WEBHOOK_SECRET, FakeClock, WebhookReceiver, documents
from tests.e2e.helpers import Admin

FAST = (2.0, 2.0)
FINDINGS = [
    AlertFinding("Patient/1", "T9", "urgent"),
    AlertFinding("Patient/1", "T9", "emergent"),  # the tier rose: a second alert
    AlertFinding("Patient/1", "L2", "urgent"),
    AlertFinding("Patient/2", "patient", "emergent"),
    AlertFinding("Patient/3", "C5", "urgent"),
]


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = open_database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def outbox(database: Database, clock: FakeClock) -> Outbox:
    policy = RetryPolicy(base_delay_seconds=1, max_delay_seconds=60, failing_after_attempts=3)
    return Outbox(database, policy=policy, clock=clock, rng=random.Random(3))


def drain(worker: DeliveryWorker, outbox: Outbox, clock: FakeClock, rounds: int = 40) -> int:
    """Run the worker, moving the clock past each backoff, until nothing is undelivered."""
    for round_number in range(rounds):
        worker.run_once()
        if outbox.report().undelivered == 0:
            return round_number + 1
        clock.advance(60)  # the cap: whatever failed is due again
    raise AssertionError(f"still undelivered after {rounds} rounds: {outbox.report()}")


def alert_resources(admin: Admin, resource_type: str) -> Counter[str]:
    found = admin.search(resource_type, identifier=f"{ALERT_IDENTIFIER_SYSTEM}|")
    return Counter(
        identifier["value"]
        for resource in found
        for identifier in resource["identifier"]
        if identifier["system"] == ALERT_IDENTIFIER_SYSTEM
    )


def test_deliveries_survive_a_failing_ehr_and_webhook_with_nothing_lost_or_doubled(
    outbox: Outbox, clock: FakeClock, ehr: RunningStore, ehr_admin: Admin, receiver: WebhookReceiver
):
    for finding in FINDINGS:
        for _ in range(3):  # seen three times each: still one alert
            outbox.enqueue(finding, documents(finding))
    # Both ends down for a while: the EHR answers 503 to its next 7 requests, the webhook 5.
    ehr_admin.fault(kind="fail", count=7, status=503)
    receiver.fail_next = 5
    worker = DeliveryWorker(
        outbox,
        {
            "ehr": EhrSender(ehr.base_url, timeout=FAST),
            "webhook": WebhookSender(receiver.url, WEBHOOK_SECRET, timeout=FAST),
        },
        lease_seconds=30,
        batch_size=4,
    )
    rounds = drain(worker, outbox, clock)
    assert rounds > 1
    keys = {finding.key for finding in FINDINGS}
    # EHR: exactly one Communication and one Task per alert.
    assert alert_resources(ehr_admin, "Communication") == Counter(keys)
    assert alert_resources(ehr_admin, "Task") == Counter(keys)
    # Webhook: every alert once (no worker died, so no resend).
    assert Counter(receiver.ids()) == Counter(keys)
    assert receiver.refused == []
    states = outbox.deliveries()
    assert len(states) == 2 * len(FINDINGS) and {s.status for s in states} == {"delivered"}
    assert sum(s.attempts for s in states) == len(states) + 7 + 5  # every failure retried once
    assert any(s.last_error == "the EHR answered HTTP 503 [transient]" for s in states)


def test_a_long_outage_turns_failing_is_reported_and_recovers(
    outbox: Outbox, clock: FakeClock, ehr: RunningStore, ehr_admin: Admin
):
    finding = FINDINGS[0]
    outbox.enqueue(finding, {"ehr": documents(finding)["ehr"]})
    ehr_admin.fault(kind="fail", count=4, status=502)
    worker = DeliveryWorker(
        outbox, {"ehr": EhrSender(ehr.base_url, timeout=FAST)}, lease_seconds=30
    )
    for _ in range(4):
        worker.run_once()
        clock.advance(60)
    report = outbox.report()
    assert report.failing == 1
    assert report.problems[0].last_error == "the EHR answered HTTP 502 [transient]"
    worker.run_once()
    assert outbox.report().undelivered == 0
    assert alert_resources(ehr_admin, "Task") == Counter({finding.key: 1})


def test_a_sender_that_crashes_is_recorded_and_the_others_go_on(outbox: Outbox):
    for finding in FINDINGS[:2]:
        outbox.enqueue(finding, {"ehr": {"n": 1}, "webhook": {"n": 2}})
    sent: list[str] = []

    def broken(claim: ClaimedDelivery) -> None:
        raise KeyError("a bug")

    worker = DeliveryWorker(
        outbox, {"ehr": broken, "webhook": lambda claim: sent.append(claim.alert_key)}
    )
    assert worker.run_once() == 4
    assert len(sent) == 2
    errors = {s.channel: s.last_error for s in outbox.deliveries() if s.status != "delivered"}
    assert errors == {"ehr": "unexpected error in the ehr sender (KeyError)"}


def test_a_stopping_worker_gives_back_what_it_has_not_sent(outbox: Outbox):
    for finding in FINDINGS:
        outbox.enqueue(finding, {"webhook": {"n": 1}})
    stop = threading.Event()

    def send_then_stop(claim: ClaimedDelivery) -> None:
        stop.set()  # SIGTERM arrives while the first delivery is being sent

    worker = DeliveryWorker(outbox, {"webhook": send_then_stop}, batch_size=5)
    assert worker.run_once(stop) == 1
    states = outbox.deliveries()
    assert [s.status for s in states].count("delivered") == 1
    assert all(s.lease_owner is None and s.attempts == 0 for s in states if s.status != "delivered")


def test_too_little_lease_left_is_never_used_to_send(outbox: Outbox, clock: FakeClock):
    # A batch sent one by one: a delivery whose lease ran low meanwhile is given back, not sent.
    for finding in FINDINGS[:3]:
        outbox.enqueue(finding, {"webhook": {"n": 1}})

    class Slow:
        def max_seconds_per_request(self) -> float:
            return 10.0

        def __call__(self, claim: ClaimedDelivery) -> None:
            clock.advance(15)  # each send takes 15 s of the 30 s lease

    worker = DeliveryWorker(outbox, {"webhook": Slow()}, lease_seconds=30, batch_size=3)
    assert worker.run_once() == 1  # 30 s left, then 15 s < 2 x 10 s: the rest is given back
    assert sorted(s.status for s in outbox.deliveries()) == ["delivered", "pending", "pending"]


def test_a_lease_shorter_than_the_senders_timeouts_is_refused(outbox: Outbox):
    with pytest.raises(ValueError, match="lease_seconds"):
        DeliveryWorker(
            outbox,
            {"webhook": WebhookSender("https://h.example.org/x", WEBHOOK_SECRET, timeout=(5, 30))},
            lease_seconds=60,
        )


def test_permanent_refusals_stay_visible(outbox: Outbox, clock: FakeClock):
    outbox.enqueue(FINDINGS[0], {"webhook": {"n": 1}})

    def refuse(claim: ClaimedDelivery) -> None:
        raise DeliveryError("the webhook refused the request (HTTP 410)", permanent=True)

    worker = DeliveryWorker(outbox, {"webhook": refuse})
    for _ in range(3):
        worker.run_once()
        clock.advance(60)
    (state,) = outbox.deliveries()
    assert state.status == "failing" and state.attempts == 3
    assert outbox.report().problems[0].last_error.endswith("(HTTP 410)")
