"""Processes of the alert end-to-end tests: ``noms-cds serve`` replicas and ``deliver-alerts``.

Each is a real OS process started with the ``NOMS_`` environment a deployment would give it; the
replicas share one outbox database; their logs go to files in the test's folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import requests

from service.alerts.keys import ALERT_IDENTIFIER_SYSTEM
from tests.alerts.helpers import WEBHOOK_SECRET
from tests.api_keys import API_KEYS
from tests.cds import tokens
from tests.conftest import free_port
from tests.e2e.helpers import Admin

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIPTION_SECRET = "Bearer e2e-subscription-secret-0123456789"
CARE_TEAM = "CareTeam/spine-oncology"
NOTIFICATION = "/fhir/subscription-notification"
WAIT = 60.0  # seconds: only a bound, so that a broken test cannot hang the suite


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Poll ``condition`` until it holds; fail at the timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Deployment:
    """The environment of one deployment, and the processes started in it."""

    def __init__(self, folder: Path, database_url: str, ehr: str, webhook: str) -> None:
        self.folder = folder
        secrets = folder / "secrets"
        secrets.mkdir(mode=0o700, exist_ok=True)
        (secrets / "webhook").write_text(WEBHOOK_SECRET + "\n", encoding="utf-8")
        (secrets / "subscription").write_text(SUBSCRIPTION_SECRET + "\n", encoding="utf-8")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NOMS_")},
            "NOMS_DATABASE_URL": database_url,
            "NOMS_FHIR_BASE_URL": ehr,
            "NOMS_ALERT_CARE_TEAM": CARE_TEAM,
            "NOMS_ALERT_WEBHOOK_URL": webhook,
            "NOMS_ALERT_WEBHOOK_SECRET_FILE": str(secrets / "webhook"),
            "NOMS_SUBSCRIPTION_SECRET_FILE": str(secrets / "subscription"),
            "NOMS_API_KEYS": API_KEYS,  # the tests' key (tests/api_keys.py), for the API calls
            "NOMS_ALERT_LEASE_SECONDS": "5",
            "NOMS_ALERT_POLL_SECONDS": "0.1",
            "NOMS_ALERT_BASE_DELAY": "0.2",
            "NOMS_ALERT_MAX_DELAY": "1",
            "NOMS_ALERT_CONNECT_TIMEOUT": "0.5",
            "NOMS_ALERT_READ_TIMEOUT": "1.5",
            "NOMS_WORKERS": "1",
            "NOMS_THREADS": "8",
            # The CDS Hooks sandbox's key is trusted, and may have the EHR's data fetched.
            "NOMS_CDS_ISSUERS": json.dumps(
                {
                    tokens.SANDBOX_ISSUER: {
                        "jwks": tokens.sandbox_public_jwks(),
                        "fhir_servers": [ehr],
                    }
                }
            ),
        }
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.processes: list[tuple[subprocess.Popen[str], IO[str]]] = []

    def _start(self, command: list[str], name: str, env: dict[str, str]) -> subprocess.Popen[str]:
        log = (self.folder / f"{name}.log").open("w")
        child = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        self.processes.append((child, log))
        return child

    def serve(self, name: str) -> str:
        """Start one ``noms-cds serve`` replica; return its base URL once it answers."""
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **self.env,
            "NOMS_BIND": f"127.0.0.1:{port}",
            "NOMS_PUBLIC_BASE_URL": base,
            "NOMS_STATE_DIR": str(self.folder / name),
        }
        child = self._start([sys.executable, "-m", "service.cli", "serve"], name, env)
        deadline = time.monotonic() + WAIT
        while True:
            assert child.poll() is None, self.log(name)
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    return base
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, f"{name} did not answer"
            time.sleep(0.1)

    def deliver(self, name: str, *options: str) -> subprocess.Popen[str]:
        """Start ``noms-cds deliver-alerts`` (with ``--once``, it ends when nothing is due)."""
        env = {**self.env, "NOMS_STATE_DIR": str(self.folder / name)}
        command = [sys.executable, "-m", "service.cli", "deliver-alerts", *options]
        return self._start(command, name, env)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8")

    def stop(self) -> None:
        for child, _ in self.processes:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child, log in self.processes:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(10)
            log.close()


def notify(base: str, patient: str, secret: str | None = SUBSCRIPTION_SECRET) -> requests.Response:
    """An empty R4 rest-hook ping to a per-patient Subscription endpoint of ``base``."""
    headers = {} if secret is None else {"Authorization": secret}
    return requests.post(f"{base}{NOTIFICATION}/Patient/{patient}", headers=headers, timeout=60)


def patient_view(base: str, patient: str, fhir_server: str) -> requests.Response:
    """A CDS Hooks patient-view call without prefetch: the replica reads ``fhir_server``."""
    path = "/cds-services/spine-mets-noms"
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": fhir_server,
        "context": {"userId": "Practitioner/example", "patientId": patient},
    }
    token = tokens.sign(tokens.sandbox_private_key(), base + path)
    return requests.post(
        base + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def alert_resources(admin: Admin, resource_type: str) -> list[dict[str, Any]]:
    """The EHR's resources carrying an alert identifier."""
    return admin.search(resource_type, identifier=f"{ALERT_IDENTIFIER_SYSTEM}|")


def alert_keys(resources: list[dict[str, Any]]) -> Counter[str]:
    return Counter(
        identifier["value"]
        for resource in resources
        for identifier in resource["identifier"]
        if identifier["system"] == ALERT_IDENTIFIER_SYSTEM
    )
