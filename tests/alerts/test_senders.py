"""The senders over real HTTP: the sandbox FHIR store as the EHR, a loopback webhook receiver."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from sandbox.fhir_store import RunningStore
from service.alerts.errors import DeliveryError
from service.alerts.keys import ALERT_IDENTIFIER_SYSTEM, AlertFinding
from service.alerts.outbox import ClaimedDelivery
from service.alerts.senders import EhrSender, WebhookSender, retry_after_seconds
from service.fhir.auth import BearerToken
from tests.alerts.helpers import WEBHOOK_SECRET, WebhookReceiver, ehr_transaction, webhook_body
from tests.e2e.helpers import Admin

FINDING = AlertFinding("Patient/7", "T9", "emergent")
FAST = (2.0, 2.0)


def claim_of(channel: str, document: dict, attempt: int = 1) -> ClaimedDelivery:
    return ClaimedDelivery(
        delivery_id=1,
        alert_id=1,
        alert_key=FINDING.key,
        channel=channel,
        body=json.dumps(document),
        attempt=attempt,
        lease_token="t",
        lease_expires_at=datetime.now(UTC) + timedelta(minutes=2),
    )


def alert_resources(admin: Admin, resource_type: str) -> list[dict]:
    return admin.search(resource_type, identifier=f"{ALERT_IDENTIFIER_SYSTEM}|{FINDING.key}")


# -- EHR -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["transaction", "individual"])
def test_the_ehr_gets_one_communication_and_one_task_however_often_it_is_sent(
    ehr: RunningStore, ehr_admin: Admin, mode: str
):
    if mode == "individual":
        ehr_admin.settings(transactions=False)  # an EHR without transactions
    sender = EhrSender(ehr.base_url, mode=mode, timeout=FAST)
    claim = claim_of("ehr", ehr_transaction(FINDING))
    for _ in range(3):  # at-least-once delivery: the resends must create nothing new
        sender(claim)
    methods = [(r["method"], r["path"]) for r in ehr_admin.log()]
    (communication,) = alert_resources(ehr_admin, "Communication")
    (task,) = alert_resources(ehr_admin, "Task")
    assert communication["priority"] == "stat" and communication["subject"] == {
        "reference": "Patient/7"
    }
    # The Task points at the Communication the server stored (urn:uuid resolved).
    assert task["focus"] == {"reference": f"Communication/{communication['id']}"}
    if mode == "transaction":
        assert methods == [("POST", "/fhir")] * 3
    else:
        assert methods == [("POST", "/fhir/Communication"), ("POST", "/fhir/Task")] * 3


def test_ehr_failures_are_temporary_with_retry_after_and_then_succeed(ehr, ehr_admin):
    ehr_admin.fault(kind="fail", count=2, status=503, retry_after=30)
    sender = EhrSender(ehr.base_url, timeout=FAST)
    claim = claim_of("ehr", ehr_transaction(FINDING))
    for _ in range(2):
        with pytest.raises(DeliveryError) as caught:
            sender(claim)
        assert not caught.value.permanent and caught.value.retry_after == 30
        # The OperationOutcome's issue codes are kept (coded; its free text is not).
        assert str(caught.value) == "the EHR answered HTTP 503 [transient]"
    sender(claim)
    assert len(alert_resources(ehr_admin, "Communication")) == 1


def test_an_ehr_that_refuses_the_write_is_a_permanent_failure(ehr, ehr_admin):
    ehr_admin.settings(write_refusals=[{"resource_type": "Task", "status": 422}])
    with pytest.raises(DeliveryError) as caught:
        EhrSender(ehr.base_url, timeout=FAST)(claim_of("ehr", ehr_transaction(FINDING)))
    assert caught.value.permanent
    assert str(caught.value).startswith("the EHR refused the request (HTTP 422) [")
    # Atomic: the Communication of the refused transaction was not kept either.
    assert alert_resources(ehr_admin, "Communication") == []


def test_ehr_credentials_are_sent_and_a_refusal_is_permanent(ehr, ehr_admin):
    ehr_admin.settings(bearer_tokens=["ehr-token-0123456789"])
    claim = claim_of("ehr", ehr_transaction(FINDING))
    with pytest.raises(DeliveryError, match="refused our credentials") as caught:
        EhrSender(ehr.base_url, timeout=FAST)(claim)
    assert caught.value.permanent and "ehr-token" not in str(caught.value)
    EhrSender(ehr.base_url, auth=BearerToken("ehr-token-0123456789"), timeout=FAST)(claim)
    ehr_admin.settings(bearer_tokens=[])
    assert len(alert_resources(ehr_admin, "Task")) == 1


def test_an_ehr_that_hangs_past_the_timeout_is_a_temporary_failure(ehr, ehr_admin):
    ehr_admin.fault(kind="hang", count=1, hang_seconds=1.5)
    with pytest.raises(DeliveryError, match="did not answer in time") as caught:
        EhrSender(ehr.base_url, timeout=(1.0, 0.5))(claim_of("ehr", ehr_transaction(FINDING)))
    assert not caught.value.permanent
    ehr_admin.settle()


def test_an_unreachable_ehr_is_a_temporary_failure():
    with pytest.raises(DeliveryError, match="could not be reached") as caught:
        EhrSender("http://127.0.0.1:9/fhir", timeout=FAST)(
            claim_of("ehr", ehr_transaction(FINDING))
        )
    assert not caught.value.permanent


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["entry"][0]["request"].pop("ifNoneExist"),
        lambda b: b["entry"][1]["request"].update(method="PUT"),
        lambda b: b["entry"][1]["request"].update(url="Communication"),
        lambda b: b.update(type="batch"),
        lambda b: b.update(entry=[]),
    ],
    ids=["no-if-none-exist", "not-a-create", "url-mismatch", "batch", "no-entries"],
)
def test_a_document_that_could_duplicate_on_resend_is_never_sent(ehr, ehr_admin, change):
    bundle = ehr_transaction(FINDING)
    change(bundle)
    with pytest.raises(DeliveryError) as caught:
        EhrSender(ehr.base_url, timeout=FAST)(claim_of("ehr", bundle))
    assert caught.value.permanent
    assert ehr_admin.request_count() == 0


def test_retry_after_forms():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = (datetime.now(UTC) + timedelta(seconds=60)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 55 <= retry_after_seconds(later) <= 61


# -- webhook ---------------------------------------------------------------------------------------


def test_the_webhook_is_signed_and_carries_the_alert_key(receiver: WebhookReceiver):
    sender = WebhookSender(receiver.url, WEBHOOK_SECRET, timeout=FAST)
    sender(claim_of("webhook", webhook_body(FINDING), attempt=3))
    (received,) = receiver.received
    assert received.webhook_id == FINDING.key and received.attempt == 3
    assert received.body == webhook_body(FINDING)
    assert receiver.refused == []


def test_a_receiver_with_another_secret_refuses_it(receiver: WebhookReceiver):
    sender = WebhookSender(receiver.url, "not-the-receivers-secret-0123", timeout=FAST)
    with pytest.raises(DeliveryError, match="refused the request \\(HTTP 401\\)") as caught:
        sender(claim_of("webhook", webhook_body(FINDING)))
    assert caught.value.permanent
    assert receiver.refused == ["mismatch"] and receiver.received == []


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(503, False), (500, False), (429, False), (408, False), (400, True), (404, True), (410, True)],
)
def test_webhook_failure_statuses(receiver: WebhookReceiver, status: int, permanent: bool):
    receiver.fail_next, receiver.fail_status = 1, status
    with pytest.raises(DeliveryError) as caught:
        WebhookSender(receiver.url, WEBHOOK_SECRET, timeout=FAST)(
            claim_of("webhook", webhook_body(FINDING))
        )
    assert caught.value.permanent is permanent


def test_redirects_are_not_followed(receiver: WebhookReceiver):
    receiver.fail_next, receiver.fail_status = 1, 307
    with pytest.raises(DeliveryError, match="redirect") as caught:
        WebhookSender(receiver.url, WEBHOOK_SECRET, timeout=FAST)(
            claim_of("webhook", webhook_body(FINDING))
        )
    assert caught.value.permanent


def test_an_unreachable_webhook_is_a_temporary_failure_and_names_no_url():
    with pytest.raises(DeliveryError) as caught:
        WebhookSender("http://127.0.0.1:9/hook?token=abc", WEBHOOK_SECRET, timeout=FAST)(
            claim_of("webhook", webhook_body(FINDING))
        )
    assert not caught.value.permanent and "token" not in str(caught.value)
    assert "127.0.0.1" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "secret", "message"),
    [
        ("http://hooks.example.org/spine", WEBHOOK_SECRET, "https"),
        ("ftp://127.0.0.1/spine", WEBHOOK_SECRET, "https"),
        ("https://hooks.example.org/spine", "short", "16 bytes"),
    ],
)
def test_unsafe_webhook_settings_are_refused(url: str, secret: str, message: str):
    with pytest.raises(ValueError, match=message):
        WebhookSender(url, secret)


def test_http_is_allowed_to_loopback_only():
    WebhookSender("http://127.0.0.1:8080/hook", WEBHOOK_SECRET)
    WebhookSender("http://localhost:8080/hook", WEBHOOK_SECRET)
    WebhookSender("http://[::1]:8080/hook", WEBHOOK_SECRET)
    WebhookSender("https://hooks.example.org/hook", WEBHOOK_SECRET, session=requests.Session())
