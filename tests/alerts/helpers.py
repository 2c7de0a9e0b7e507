"""Test helpers for alerts: a fake clock, a loopback webhook receiver, alert documents."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from service.alerts.errors import SignatureError
from service.alerts.keys import AlertFinding, alert_identifier, if_none_exist
from service.alerts.signing import ATTEMPT_HEADER, SIGNATURE_HEADER, WEBHOOK_ID_HEADER, verify

WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef"


class FakeClock:
    """A clock the test moves by hand (timezone-aware UTC)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 5, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def ehr_transaction(finding: AlertFinding, care_team: str = "CareTeam/spine") -> dict[str, Any]:
    """A Communication + Task transaction for an alert, as the payload builder will make it.

    Both carry the alert identifier and are conditional creates on it; the Task's focus is the
    Communication (a ``urn:uuid`` reference inside the transaction).
    """
    key = finding.key
    communication_url = f"urn:uuid:{key[-32:-24]}-0000-4000-8000-{key[-12:]}"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": communication_url,
                "resource": {
                    "resourceType": "Communication",
                    "identifier": [alert_identifier(key)],
                    "status": "completed",
                    "priority": "stat" if finding.tier == "emergent" else "urgent",
                    "subject": {"reference": finding.patient},
                    "recipient": [{"reference": care_team}],
                    "payload": [{"contentString": f"{finding.scope}: {finding.tier}"}],
                },
                "request": {
                    "method": "POST",
                    "url": "Communication",
                    "ifNoneExist": if_none_exist(key),
                },
            },
            {
                "resource": {
                    "resourceType": "Task",
                    "identifier": [alert_identifier(key)],
                    "status": "requested",
                    "intent": "order",
                    "priority": "stat" if finding.tier == "emergent" else "urgent",
                    "for": {"reference": finding.patient},
                    "focus": {"reference": communication_url},
                    "owner": {"reference": care_team},
                },
                "request": {"method": "POST", "url": "Task", "ifNoneExist": if_none_exist(key)},
            },
        ],
    }


def webhook_body(finding: AlertFinding) -> dict[str, Any]:
    """A webhook body as the payload builder will make it (it carries the key as ``id``)."""
    return {"id": finding.key, "type": "spine-alert", "scope": finding.scope, "tier": finding.tier}


def documents(finding: AlertFinding) -> dict[str, dict[str, Any]]:
    """Both channels' documents."""
    return {"ehr": ehr_transaction(finding), "webhook": webhook_body(finding)}


@dataclass
class Received:
    """One request the receiver accepted (signature verified)."""

    webhook_id: str
    attempt: int
    body: dict[str, Any]


@dataclass
class WebhookReceiver:
    """A loopback HTTP receiver that verifies signatures, like a spine team's endpoint would.

    Attributes:
        url: where to POST.
        received: verified requests, in arrival order (duplicates included).
        refused: requests whose signature did not verify (reason each).
        fail_next: answer this many next requests with ``fail_status`` (after verifying).
        block: when set, requests wait on ``release`` before answering (``arrived`` is set
            once a request is waiting).
        max_in_flight_per_id: the most requests of one webhook id handled at the same time.
    """

    url: str = ""
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 503
    block: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    hold_seconds: float = 0.0
    max_in_flight_per_id: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _in_flight: dict[str, int] = field(default_factory=dict)

    def ids(self) -> list[str]:
        with self.lock:
            return [r.webhook_id for r in self.received]

    def handle(self, headers: Any, raw: bytes) -> int:
        try:
            verify(raw, headers.get(SIGNATURE_HEADER), WEBHOOK_SECRET)
        except SignatureError as exc:
            with self.lock:
                self.refused.append(exc.reason)
            return 401
        webhook_id = headers.get(WEBHOOK_ID_HEADER, "")
        with self.lock:
            self._in_flight[webhook_id] = self._in_flight.get(webhook_id, 0) + 1
            self.max_in_flight_per_id = max(self.max_in_flight_per_id, self._in_flight[webhook_id])
            failing = self.fail_next > 0
            if failing:
                self.fail_next -= 1
            else:
                self.received.append(
                    Received(webhook_id, int(headers.get(ATTEMPT_HEADER, "0")), json.loads(raw))
                )
        try:
            if self.block:
                self.arrived.set()
                self.release.wait(30)
            elif self.hold_seconds:
                threading.Event().wait(self.hold_seconds)
        finally:
            with self.lock:
                self._in_flight[webhook_id] -= 1
        return self.fail_status if failing else 200


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Serve a :class:`WebhookReceiver` on a free port of 127.0.0.1."""
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(self.headers, raw)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:  # the sender was killed while we waited
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/spine"
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
