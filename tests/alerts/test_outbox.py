"""The outbox's rules, on an SQLite file and on a real PostgreSQL server (``database_url``)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.alerts.keys import AlertFinding
from service.alerts.outbox import LOST_LEASE_ERROR, Outbox, bounded_error
from service.alerts.retry import RetryPolicy
from service.storage.database import Database, open_database
from service.storage.models import MAX_ERROR_CHARS, alert_deliveries, alerts
from tests.alerts.helpers import FakeClock, documents

CHANNELS = ("ehr", "webhook")
T9_URGENT = AlertFinding("Patient/7", "T9", "urgent")
T9_EMERGENT = AlertFinding("Patient/7", "T9", "emergent")


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
    policy = RetryPolicy(base_delay_seconds=10, max_delay_seconds=600, failing_after_attempts=4)
    return Outbox(database, policy=policy, clock=clock, rng=random.Random(7))


def alert_rows(database: Database) -> list[tuple[str, str, str]]:
    with database.read() as connection:
        return [
            tuple(row)
            for row in connection.execute(
                select(alerts.c.patient_ref, alerts.c.scope, alerts.c.tier).order_by(alerts.c.id)
            )
        ]


# -- one alert per finding; a new one only when the tier rises -----------------------------------


def test_a_finding_seen_many_times_is_one_alert_with_one_delivery_per_channel(outbox, database):
    results = [outbox.enqueue(T9_URGENT, documents(T9_URGENT)) for _ in range(5)]
    assert [r.status for r in results] == ["created"] + ["duplicate"] * 4
    assert len({r.alert_id for r in results}) == 1
    assert alert_rows(database) == [("Patient/7", "T9", "urgent")]
    states = outbox.deliveries()
    assert sorted(s.channel for s in states) == ["ehr", "webhook"]
    assert {s.status for s in states} == {"pending"}


def test_a_rising_tier_is_a_new_alert(outbox, database):
    assert outbox.enqueue(T9_URGENT, documents(T9_URGENT)).created
    rising = outbox.enqueue(T9_EMERGENT, documents(T9_EMERGENT))
    assert rising.created and rising.key != T9_URGENT.key
    assert alert_rows(database) == [("Patient/7", "T9", "urgent"), ("Patient/7", "T9", "emergent")]
    assert len(outbox.deliveries(alert_key=T9_EMERGENT.key)) == 2


@pytest.mark.parametrize(
    ("first", "then", "status"),
    [
        ("emergent", "urgent", "covered"),
        ("emergent", "routine", "covered"),
        ("urgent", "routine", "covered"),
        ("urgent", "urgent", "duplicate"),
    ],
)
def test_a_tier_that_stays_or_falls_is_no_new_alert(outbox, database, first, then, status):
    outbox.enqueue(AlertFinding("Patient/7", "T9", first), {"ehr": {"n": 1}})
    result = outbox.enqueue(AlertFinding("Patient/7", "T9", then), {"ehr": {"n": 2}})
    assert result.status == status and result.existing_tier == first
    assert alert_rows(database) == [("Patient/7", "T9", first)]


def test_falling_then_rising_again_to_an_alerted_tier_is_no_new_alert(outbox, database):
    for tier in ("urgent", "routine", "urgent", "emergent", "urgent", "emergent"):
        outbox.enqueue(AlertFinding("Patient/7", "T9", tier), {"ehr": {"tier": tier}})
    assert alert_rows(database) == [("Patient/7", "T9", "urgent"), ("Patient/7", "T9", "emergent")]


def test_levels_patients_and_the_patient_scope_are_separate_alerts(outbox, database):
    for finding in (
        T9_URGENT,
        AlertFinding("Patient/7", "T10", "urgent"),
        AlertFinding("Patient/7", "patient", "urgent"),
        AlertFinding("Patient/8", "T9", "urgent"),
    ):
        assert outbox.enqueue(finding, {"ehr": {}}).created
    assert len(alert_rows(database)) == 4


def test_documents_are_stored_and_delivered_exactly_as_built(outbox):
    built = documents(T9_URGENT)
    outbox.enqueue(T9_URGENT, built)
    claims = outbox.claim("w", channels=CHANNELS)
    assert {c.channel: c.json() for c in claims} == built
    assert all(c.alert_key == T9_URGENT.key for c in claims)


@pytest.mark.parametrize(
    ("deliveries", "message"),
    [
        ({}, "at least one"),
        ({"EHR": {}}, "channel"),
        ({"e hr": {}}, "channel"),
        ({"ehr": ["not", "an", "object"]}, "JSON object"),
        ({"ehr": {"x": object()}}, "JSON-serialisable"),
        ({"ehr": {"x": "y" * 2_000}}, "larger than"),
    ],
)
def test_bad_deliveries_are_refused_and_nothing_is_stored(database, clock, deliveries, message):
    outbox = Outbox(database, clock=clock, max_body_bytes=1_000)
    with pytest.raises(ValueError, match=message):
        outbox.enqueue(T9_URGENT, deliveries)
    assert alert_rows(database) == []


# -- claiming, leases, results ---------------------------------------------------------------------


def test_a_claimed_delivery_is_not_claimed_again_while_its_lease_lasts(outbox, clock):
    outbox.enqueue(T9_URGENT, documents(T9_URGENT))
    first = outbox.claim("a", channels=CHANNELS, lease_seconds=60)
    assert len(first) == 2 and all(c.attempt == 1 for c in first)
    assert outbox.claim("b", channels=CHANNELS) == []
    clock.advance(59)
    assert outbox.claim("b", channels=CHANNELS) == []


def test_only_the_channels_a_worker_sends_are_claimed(outbox):
    outbox.enqueue(T9_URGENT, documents(T9_URGENT))
    assert [c.channel for c in outbox.claim("w", channels=["webhook"])] == ["webhook"]
    assert [c.channel for c in outbox.claim("w", channels=["ehr", "sms"])] == ["ehr"]


def test_claims_respect_the_limit_oldest_first(outbox, clock):
    for patient in range(1, 6):
        outbox.enqueue(AlertFinding(f"Patient/{patient}", "T9", "urgent"), {"ehr": {"p": patient}})
        clock.advance(1)
    first = outbox.claim("w", channels=CHANNELS, limit=2)
    assert [c.json()["p"] for c in first] == [1, 2]
    assert [c.json()["p"] for c in outbox.claim("w", channels=CHANNELS, limit=10)] == [3, 4, 5]


def test_a_completed_delivery_is_done(outbox, clock):
    outbox.enqueue(T9_URGENT, {"ehr": {}})
    (claim,) = outbox.claim("w", channels=CHANNELS)
    assert outbox.complete(claim) is True
    assert outbox.complete(claim) is False  # recorded once
    clock.advance(10_000)
    assert outbox.claim("w", channels=CHANNELS) == []
    (state,) = outbox.deliveries()
    assert state.status == "delivered" and state.delivered_at == clock.now - timedelta(
        seconds=10_000
    )
    assert state.lease_owner is None


def test_a_lease_that_expires_is_claimed_again_and_says_so(outbox, clock):
    # A worker killed mid-send never records anything: its lease runs out.
    outbox.enqueue(T9_URGENT, {"ehr": {}})
    (lost,) = outbox.claim("dead-worker", channels=CHANNELS, lease_seconds=30)
    clock.advance(31)
    (again,) = outbox.claim("new-worker", channels=CHANNELS, lease_seconds=30)
    assert again.delivery_id == lost.delivery_id and again.attempt == 2
    assert again.lease_token != lost.lease_token
    (state,) = outbox.deliveries()
    assert state.lease_owner == "new-worker" and state.last_error == LOST_LEASE_ERROR
    # The dead worker's late result cannot overwrite the new attempt's lease...
    assert outbox.fail(lost, "late failure") is None
    (state,) = outbox.deliveries()
    assert state.lease_owner == "new-worker" and state.last_error == LOST_LEASE_ERROR
    # ...but a success is a success, whoever reports it.
    assert outbox.complete(lost) is True
    assert outbox.complete(again) is False


def test_failures_back_off_exponentially_with_jitter_up_to_the_cap(outbox, clock):
    outbox.enqueue(T9_URGENT, {"ehr": {}})
    waits = []
    for attempt in range(1, 9):
        (claim,) = outbox.claim("w", channels=CHANNELS)
        assert claim.attempt == attempt
        next_at = outbox.fail(claim, f"HTTP 503 (attempt {attempt})")
        wait = (next_at - clock.now).total_seconds()
        waits.append(wait)
        step = min(600, 10 * 2 ** (attempt - 1))
        assert step / 2 <= wait <= step  # equal jitter: between half the step and the step
        clock.advance(wait - 0.5)
        assert outbox.claim("w", channels=CHANNELS) == []  # not before it is due
        clock.advance(0.5)
    assert waits[-1] <= 600 and waits[-2] > 150


def test_after_n_attempts_a_delivery_is_failing_reported_and_still_retried(outbox, clock):
    outbox.enqueue(T9_URGENT, documents(T9_URGENT))
    statuses = []
    for _ in range(6):
        claims = {c.channel: c for c in outbox.claim("w", channels=["ehr"])}
        outbox.fail(claims["ehr"], "the EHR answered HTTP 503")
        statuses.append(outbox.deliveries(alert_key=T9_URGENT.key)[0].status)
        clock.advance(600)  # the cap
    assert statuses == ["pending"] * 3 + ["failing"] * 3
    report = outbox.report()
    assert report.counts == {("ehr", "failing"): 1, ("webhook", "pending"): 1}
    assert report.failing == 1 and report.undelivered == 2
    (problem,) = report.problems
    assert problem.channel == "ehr" and problem.attempts == 6
    assert problem.last_error == "the EHR answered HTTP 503"
    assert problem.scope == "T9" and problem.tier == "urgent"
    assert report.oldest_undelivered_at == clock.now - timedelta(seconds=6 * 600)
    # Still retried, and delivered when the EHR is back.
    (claim,) = outbox.claim("w", channels=["ehr"])
    assert outbox.complete(claim)
    assert outbox.report().counts == {("ehr", "delivered"): 1, ("webhook", "pending"): 1}


def test_a_permanent_refusal_is_failing_at_once_and_retried_at_the_cap(outbox, clock):
    outbox.enqueue(T9_URGENT, {"ehr": {}})
    (claim,) = outbox.claim("w", channels=CHANNELS)
    next_at = outbox.fail(claim, "the EHR refused the request (HTTP 422)", permanent=True)
    assert 300 <= (next_at - clock.now).total_seconds() <= 600
    assert outbox.deliveries()[0].status == "failing"


def test_retry_after_lengthens_the_wait_up_to_the_cap(outbox, clock):
    outbox.enqueue(T9_URGENT, {"ehr": {}})
    (claim,) = outbox.claim("w", channels=CHANNELS)
    assert (outbox.fail(claim, "429", retry_after=120) - clock.now).total_seconds() == 120
    clock.advance(120)
    (claim,) = outbox.claim("w", channels=CHANNELS)
    assert (outbox.fail(claim, "429", retry_after=10**6) - clock.now).total_seconds() == 600


def test_released_claims_are_due_at_once_and_their_attempt_not_counted(outbox):
    outbox.enqueue(T9_URGENT, documents(T9_URGENT))
    claims = outbox.claim("stopping", channels=CHANNELS)
    assert outbox.release(claims) == 2
    again = outbox.claim("next", channels=CHANNELS)
    assert [c.attempt for c in again] == [1, 1]


def test_error_text_is_one_bounded_printable_line(outbox):
    outbox.enqueue(T9_URGENT, {"ehr": {}})
    (claim,) = outbox.claim("w", channels=CHANNELS)
    outbox.fail(claim, "line one\nline\ttwo \x00" + "x" * 2_000)
    error = outbox.deliveries()[0].last_error
    assert len(error) == MAX_ERROR_CHARS and error.startswith("line one line two ?")
    assert error.endswith("...")
    assert bounded_error("") == "unknown error"


def test_deleting_an_alert_deletes_its_deliveries(outbox, database):
    outbox.enqueue(T9_URGENT, documents(T9_URGENT))
    with database.transaction() as connection:
        connection.execute(alerts.delete())
    with database.read() as connection:
        assert connection.execute(select(alert_deliveries.c.id)).all() == []


def test_the_report_names_no_patient(outbox):
    outbox.enqueue(AlertFinding("Patient/8675309", "T9", "urgent"), {"ehr": {}})
    (claim,) = outbox.claim("w", channels=CHANNELS)
    outbox.fail(claim, "HTTP 503")
    report = outbox.report()
    assert "8675309" not in json.dumps(
        [vars(p) if hasattr(p, "__dict__") else repr(p) for p in report.problems]
    )
