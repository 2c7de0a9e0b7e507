"""CDS Hooks patient-view under load: NOMS-CDS (gunicorn) against HealthChain 0.16.1 (uvicorn).

Question (issue 9): with the full prefetch in the request, how fast does ``spine-mets-noms``
answer patient-view, and how many calls per second does it take, next to the leading Python
CDS Hooks framework serving a patient-view that only walks the prefetch? Target: at 16
concurrent clients at least twice HealthChain's requests per second with a lower p99, on both
bodies, with no errors.

How (benchmarks/README.md has the details and the results):

- The bodies: the sandbox FHIR store, seeded with one demo patient and the largest Synthea
  patient, answers each prefetch template of the service (as a CDS client would fetch them);
  one patient-view request per patient, with the full prefetch and no ``fhirServer``.
- NOMS-CDS: ``gunicorn -c python:service.gunicorn_conf "service:create_app()"`` with 2 workers
  (``NOMS_WORKERS=2``, the default threads), the CDS Hooks sandbox's published key trusted
  (test key), every request with its own ES384 JWT (unique ``jti``, signed before the clock
  starts), verified and recorded against replay in the shared SQLite store as in production.
- HealthChain: ``benchmarks/healthchain_peer.py`` in a separate throw-away virtual environment
  this script creates (``healthchain==0.16.1``, never in the project's), under uvicorn with 2
  workers, sent the same bodies and headers.
- Clients: threads with one keep-alive HTTP connection each, started together; a warm-up of
  two requests per client is not counted. Latency: ``perf_counter`` around each request, p50 and
  p99 (nearest rank); throughput: requests answered / wall time of the run; errors: any answer
  that is not a 200 with a ``cards`` array.

    .venv/bin/python -m benchmarks.cds_latency --json /tmp/cds.json
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

from sandbox.fhir_store import StoreConfig, serve_store
from service.cds.descriptions import PATIENT_ID_IN_TEMPLATE, PATIENT_QUERIES

ROOT = Path(__file__).resolve().parents[1]
DEMO_STEM = "18-two-levels-nsclc"
SYNTHEA = ROOT / "tests/data/synthea/Austin_Franecki_f23eef30-acb2-49da-8091-159b61dc1ed5.json"
PEER_PACKAGES = ("healthchain==0.16.1", "uvicorn[standard]==0.54.0")
PEER_VENV = ROOT / ".venv-bench-peer"
PEER_PATH = "/cds/cds-services/prefetch-walk"
NOMS_SERVICE = "/cds-services/spine-mets-noms"
KEYS = ROOT / "tests/data/cds-hooks/sandbox-keys"
ISSUER = "https://sandbox.cds-hooks.org"
KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
INSTANCE = b"00000000-0000-4000-8000-000000000000"  # replaced per request
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Row:
    """One measured case."""

    server: str
    body: str
    body_bytes: int
    concurrency: int
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    rps: float


# ---- the bodies -------------------------------------------------------------------------------


def _seed(folder: Path) -> None:
    """The store's seed: the demo patient and the Synthea patient, as transaction Bundles."""
    from service import demo

    (folder / "demo.json").write_text(json.dumps(demo.load_patient(DEMO_STEM)), encoding="utf-8")
    shutil.copy(SYNTHEA, folder / "synthea.json")


def _prefetch(http: requests.Session, base: str, patient_id: str) -> dict[str, Any]:
    found = {}
    for query in PATIENT_QUERIES:
        relative = query.template().replace(PATIENT_ID_IN_TEMPLATE, patient_id)
        response = http.get(f"{base}/{relative}", timeout=30)
        response.raise_for_status()
        found[query.key] = response.json()
    return found


def build_bodies() -> dict[str, bytes]:
    """The two patient-view requests, full prefetch, as a CDS client would send them."""
    with tempfile.TemporaryDirectory() as folder, requests.Session() as http:
        _seed(Path(folder))
        with serve_store(StoreConfig(seed_dir=Path(folder))) as store:
            patients = http.get(f"{store.base_url}/Patient", timeout=30).json()
            bodies = []
            for entry in patients["entry"]:
                patient_id = entry["resource"]["id"]
                body = {
                    "hook": "patient-view",
                    "hookInstance": INSTANCE.decode(),
                    "context": {"userId": "Practitioner/bench", "patientId": patient_id},
                    "prefetch": _prefetch(http, store.base_url, patient_id),
                }
                bodies.append(json.dumps(body).encode())
    # The Synthea record's prefetch is by far the larger (its radiotherapy Procedures).
    smaller, larger = sorted(bodies, key=len)
    return {"demo patient": smaller, "Synthea Austin": larger}


# ---- the servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited at start-up ({process.returncode})")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} in {START_TIMEOUT:.0f} s")


@contextlib.contextmanager
def _running(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(ready_url, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def noms_server(port: int, workers: int = 2) -> Iterator[str]:
    """NOMS-CDS under gunicorn on a loopback port; yields its base URL."""
    base = f"http://127.0.0.1:{port}"
    jwks = json.loads((KEYS / "sandbox-jwks-public.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as state:
        env = {
            **os.environ,
            "NOMS_BIND": f"127.0.0.1:{port}",
            "NOMS_WORKERS": str(workers),
            "NOMS_PUBLIC_BASE_URL": base,
            "NOMS_STATE_DIR": state,
            "NOMS_CDS_ISSUERS": json.dumps({ISSUER: {"jwks": jwks}}),
            "PROMETHEUS_MULTIPROC_DIR": str(Path(state) / "metrics"),
        }
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "-c", "python:service.gunicorn_conf", "service:create_app()"]
        with _running(command, env, f"{base}/healthz"):
            yield base


def peer_venv(folder: Path = PEER_VENV) -> Path:
    """The throw-away environment with HealthChain (made once, reused while its pins hold)."""
    marker = folder / "benchmark-peer.txt"
    python = folder / "bin" / "python"
    if marker.is_file() and marker.read_text(encoding="utf-8") == "\n".join(PEER_PACKAGES):
        return python
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *PEER_PACKAGES],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    marker.write_text("\n".join(PEER_PACKAGES), encoding="utf-8")
    return python


def peer_versions(python: Path) -> dict[str, str]:
    """Versions of the peer's main packages, for the record."""
    names = ("healthchain", "fastapi", "uvicorn", "uvloop", "httptools", "pydantic", "starlette")
    script = (
        "import importlib.metadata as m, json;"
        f"print(json.dumps({{n: m.version(n) for n in {names!r}}}))"
    )
    out = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@contextlib.contextmanager
def peer_server(python: Path, port: int, workers: int = 2) -> Iterator[str]:
    """HealthChain's service under uvicorn; yields its base URL."""
    base = f"http://127.0.0.1:{port}"
    command = [
        str(python.with_name("uvicorn")),
        "healthchain_peer:app",
        "--app-dir",
        str(ROOT / "benchmarks"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with _running(command, dict(os.environ), f"{base}/cds/cds-discovery"):
        yield base


# ---- the load ---------------------------------------------------------------------------------


class _Connection(http.client.HTTPConnection):
    """A keep-alive connection without Nagle's delay (headers and body leave in separate
    writes; with delayed ACKs on the other side each request would wait ~40 ms)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def sign_tokens(audience: str, count: int) -> list[str]:
    """``count`` JWTs like the CDS Hooks sandbox's, each with its own jti."""
    from joserfc import jwt
    from joserfc.jwk import ECKey

    pair = json.loads((KEYS / "sandbox-jwk-keypair-PUBLISHED-TEST-KEY.json").read_text())
    key = ECKey.import_key(pair["keys"][0])
    now = int(time.time())
    header = {"alg": "ES384", "typ": "JWT", "kid": KID}
    return [
        jwt.encode(
            header,
            {
                "iss": ISSUER,
                "aud": audience,
                "iat": now,
                "exp": now + 600,
                "jti": str(uuid.uuid4()),
            },
            key,
            algorithms=["ES384"],
        )
        for _ in range(count)
    ]


def _percentile(sorted_values: Sequence[float], share: float) -> float:
    index = max(0, min(len(sorted_values) - 1, int(-(-share * len(sorted_values) // 1)) - 1))
    return sorted_values[index]


def drive(
    base: str, path: str, body: bytes, tokens: Sequence[str], concurrency: int, warmup: int
) -> tuple[list[float], int, float]:
    """Send ``len(tokens)`` requests from ``concurrency`` threads; the first ``warmup`` uncounted.

    Returns:
        The latencies (ms) of the counted requests, the errors among them, and the wall time
        (s) from the first counted request to the last answer.
    """
    host, port = base.removeprefix("http://").split(":")
    bodies = [body.replace(INSTANCE, str(uuid.uuid4()).encode()) for _ in range(concurrency)]
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    warm = threading.Barrier(concurrency + 1)
    start = threading.Barrier(concurrency + 1)

    def one(connection: _Connection, index: int, payload: bytes) -> bool:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {tokens[index]}",
        }
        connection.request("POST", path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status == 200 and isinstance(json.loads(data).get("cards"), list)

    def client(number: int) -> None:
        connection = _Connection(host, int(port), timeout=120)
        payload = bodies[number]
        for index in range(number * 2, number * 2 + 2):  # warm-up: two per client
            one(connection, index, payload)
        warm.wait()
        start.wait()
        while (index := next(counter) + warmup) < len(tokens):
            began = time.perf_counter()
            try:
                ok = one(connection, index, payload)
            except (OSError, http.client.HTTPException, ValueError):
                ok = False
                connection.close()
                connection = _Connection(host, int(port), timeout=120)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    warm.wait()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - began


def measure(
    server: str,
    base: str,
    path: str,
    body_name: str,
    body: bytes,
    concurrency: int,
    requests_per_case: int,
) -> Row:
    """One case: ``requests_per_case`` counted requests at ``concurrency``."""
    warmup = 2 * concurrency
    tokens = sign_tokens(base + NOMS_SERVICE, requests_per_case + warmup)
    latencies, errors, wall = drive(base, path, body, tokens, concurrency, warmup)
    latencies.sort()
    return Row(
        server=server,
        body=body_name,
        body_bytes=len(body),
        concurrency=concurrency,
        requests=len(latencies),
        errors=errors,
        p50_ms=round(_percentile(latencies, 0.50), 2),
        p99_ms=round(_percentile(latencies, 0.99), 2),
        rps=round(len(latencies) / wall, 1),
    )


def run(
    requests_per_case: int = 400,
    concurrencies: Sequence[int] = (1, 16),
    with_peer: bool = True,
    peer_folder: Path = PEER_VENV,
) -> tuple[list[Row], dict[str, str]]:
    """Every case, NOMS-CDS and HealthChain alternating per body, in one run."""
    bodies = build_bodies()
    versions = {"python": platform.python_version()}
    servers: list[tuple[str, Any, str]] = [("NOMS-CDS", noms_server, NOMS_SERVICE)]
    if with_peer:
        python = peer_venv(peer_folder)
        versions |= peer_versions(python)
        servers.append(("HealthChain", lambda port: peer_server(python, port), PEER_PATH))
    rows = []
    for name, start, path in servers:
        with start(free_port()) as base:
            for body_name, body in bodies.items():
                for concurrency in concurrencies:
                    rows.append(
                        measure(name, base, path, body_name, body, concurrency, requests_per_case)
                    )
    return rows, versions


def verdicts(rows: Sequence[Row], concurrency: int = 16) -> dict[str, bool]:
    """Per body: NOMS-CDS at ``concurrency`` has >= 2x HealthChain's rps, a lower p99, no error."""
    found = {}
    for body in dict.fromkeys(row.body for row in rows):
        ours = next(
            r for r in rows if (r.server, r.body, r.concurrency) == ("NOMS-CDS", body, concurrency)
        )
        peer = next(
            (
                r
                for r in rows
                if (r.server, r.body, r.concurrency) == ("HealthChain", body, concurrency)
            ),
            None,
        )
        if peer is not None:
            found[body] = (
                ours.rps >= 2 * peer.rps
                and ours.p99_ms < peer.p99_ms
                and ours.errors == 0
                and peer.errors == 0
            )
    return found


def table(rows: Sequence[Row]) -> str:
    """The rows as the Markdown table of benchmarks/README.md."""
    lines = [
        "| server | body | body KiB | clients | requests | errors | p50 ms | p99 ms | req/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(rows, key=lambda r: (r.body, r.concurrency, r.server != "NOMS-CDS")):
        lines.append(
            f"| {r.server} | {r.body} | {r.body_bytes / 1024:.0f} | {r.concurrency} | "
            f"{r.requests} | {r.errors} | {r.p50_ms} | {r.p99_ms} | {r.rps} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="counted requests per case")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--skip-peer", action="store_true", help="measure NOMS-CDS only")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    rows, versions = run(args.requests, args.concurrency, not args.skip_peer)
    print(table(rows))
    print()
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions.items()))
    for body, met in verdicts(rows).items():
        print(f"target at 16 clients, {body}: {'met' if met else 'NOT met'}")
    if args.json:
        payload = {"rows": [asdict(r) for r in rows], "versions": versions}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
