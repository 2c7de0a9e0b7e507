"""The service under real gunicorn with 2 workers: a jti used at one worker is refused at the
other, with the SQLite store and with Redis; metrics add up over the workers; bodies without a
Content-Length are still bounded; SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.cds import tokens
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
CALL = "/cds-services/test-echo"


class JwksHandler(BaseHTTPRequestHandler):
    fetches = 0

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        type(self).fetches += 1
        body = json.dumps(tokens.sandbox_public_jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def jku() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


class Served:
    def __init__(self, base: str, process: subprocess.Popen, log: Path) -> None:
        self.base, self.process, self.log = base, process, log

    def pids_by_request(self) -> dict[str, int]:
        pids = {}
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("event") == "request" and "request_id" in record:
                    pids[record["request_id"]] = record["pid"]
        return pids


@pytest.fixture(params=["sqlite", "redis"])
def served(request: pytest.FixtureRequest, tmp_path: Path, jku: str) -> Iterator[Served]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "NOMS_BIND": f"127.0.0.1:{port}",
        "NOMS_WORKERS": "2",
        "NOMS_THREADS": "4",
        "NOMS_STATE_DIR": str(tmp_path / "state"),
        "NOMS_PUBLIC_BASE_URL": base,
        "NOMS_MAX_BODY_BYTES": "4096",
        "NOMS_CDS_ISSUERS": json.dumps({tokens.SANDBOX_ISSUER: {"jku": [jku]}}),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if request.param == "redis":
        env["NOMS_REDIS_URL"] = request.getfixturevalue("redis_url")
    log = tmp_path / "gunicorn.log"
    with log.open("w") as stream:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:service.gunicorn_conf",
                "tests.cds.served_app:create_test_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer in 30 s"
            time.sleep(0.1)
        yield Served(base, process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _call(base: str, token: str, request_id: str) -> int:
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/1", "patientId": "p1"},
    }
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": request_id}
    # a fresh connection per call, so that either worker may accept it
    return requests.post(base + CALL, json=body, headers=headers, timeout=10).status_code


def test_a_jti_seen_by_one_worker_is_refused_by_the_other(served: Served, jku: str):
    key = tokens.sandbox_private_key()
    first_pid: dict[str, int] = {}
    replay_pid: dict[str, int] = {}
    with ThreadPoolExecutor(8) as pool:
        for _round in range(5):
            batch = [tokens.sign(key, served.base + CALL, jku=jku) for _ in range(20)]
            firsts = [f"first-{uuid.uuid4().hex}" for _ in batch]
            replays = [f"replay-{uuid.uuid4().hex}" for _ in batch]
            assert set(pool.map(_call, [served.base] * 20, batch, firsts)) == {200}
            assert set(pool.map(_call, [served.base] * 20, batch, replays)) == {401}
            time.sleep(0.2)  # let the access lines reach the log
            pids = served.pids_by_request()
            first_pid.update({token: pids[rid] for token, rid in zip(batch, firsts, strict=True)})
            replay_pid.update({token: pids[rid] for token, rid in zip(batch, replays, strict=True)})
            crossed = [t for t in first_pid if first_pid[t] != replay_pid[t]]
            if len(set(first_pid.values())) == 2 and crossed:
                break
    assert len(set(first_pid.values())) == 2, "both workers answered first uses"
    assert crossed, "some replay reached the other worker, and was refused there too"


def test_metrics_add_up_over_the_workers(served: Served):
    for _ in range(10):
        requests.get(served.base + "/healthz", timeout=5)
    time.sleep(0.2)
    pids = {pid for pid in served.pids_by_request().values()}
    text = requests.get(served.base + "/metrics", timeout=5).text
    line = next(
        line
        for line in text.splitlines()
        if line.startswith(
            'noms_cds_http_requests_total{endpoint="/healthz",method="GET",status="200"}'
        )
    )
    assert float(line.split()[-1]) >= 11  # the start-up probe and these ten, whichever worker
    assert len(pids) >= 1


def test_a_chunked_body_is_bounded(served: Served, jku: str):
    key = tokens.sandbox_private_key()

    def chunks():
        yield b'{"hook": "patient-view", "pad": "'
        for _ in range(100):
            yield b"x" * 100
        yield b'"}'

    response = requests.post(
        served.base + CALL,
        data=chunks(),
        headers={
            "Authorization": "Bearer " + tokens.sign(key, served.base + CALL, jku=jku),
            "Content-Type": "application/json",
        },
        timeout=10,
    )
    assert response.status_code == 413, response.text


def test_sigterm_stops_gracefully(served: Served):
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=30) == 0
    assert "Shutting down: Master" in served.log.read_text()
