"""CDS Hooks patient-view under load: NOMS-CDS (gunicorn) against HealthChain 0.16.1 (uvicorn).

Question (issue 9): with the full prefetch in the request, how fast does ``spine-mets-noms``
answer patient-view, and how many calls per second does it take, next to the leading Python
CDS Hooks framework serving a patient-view that only walks the prefetch? Target: at 16
concurrent clients at least twice HealthChain's requests per second with a lower p99, on both
bodies, with no errors.

How (benchmarks/README.md has the details and the results):

- The bodies: the sandbox FHIR store, seeded with one demo patient and the largest Synthea
  patient, answers each prefetch template of the service (as a CDS client would fetch them);
  one patient-view request per patient, with the full prefetch and no ``fhirServer``
  (``cds_bodies.py``). With ``--fresh``, also every request as a chart the server has not seen
  (each resource's ``meta.versionId`` changed per request), so no cache of the service answers.
- NOMS-CDS: ``gunicorn -c python:service.gunicorn_conf "service:create_app()"`` with 2 workers
  (``NOMS_WORKERS=2``, the default threads), the CDS Hooks sandbox's published key trusted
  (test key), every request with its own ES384 JWT (unique ``jti``, signed before the clock
  starts), verified and recorded against replay in the shared SQLite store as in production.
- HealthChain: ``benchmarks/healthchain_peer.py`` in a separate throw-away virtual environment
  this script creates (``healthchain==0.16.1``, never in the project's), under uvicorn with 2
  workers, sent the same bodies and headers.
- Floors (``--floor``): ``benchmarks/cds_floor.py`` served exactly as NOMS-CDS is, one route
  answering ``{"cards": []}`` without reading the prefetch, once with the service's own JWT
  verifier and replay store, once with no token check: what any service on the mandated stack
  (Flask under gunicorn, each call's JWT verified) costs before it does any work.
- Clients: threads with one keep-alive HTTP connection each, started together; a warm-up of
  two requests per client is not counted. Latency: ``perf_counter`` around each request, p50 and
  p99 (nearest rank); throughput: requests answered / wall time of the run; errors: any answer
  that is not a 200 with a ``cards`` array (``cds_load.py``). The load average is recorded with
  every case; ``--repeats N`` runs everything N times, both servers each time.

    .venv/bin/python -m benchmarks.cds_latency --repeats 3 --fresh --floor --json /tmp/cds.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import requests

from benchmarks.cds_bodies import build_bodies, fresh_bodies
from benchmarks.cds_floor import FLOOR_PATH, VERIFY_VARIABLE
from benchmarks.cds_load import (
    ISSUER,
    KEYS,
    SIGNERS,
    Signer,
    drive,
    load_average,
    percentile,
    sandbox_signer,
    sign_tokens,
    tree_cpu_seconds,
)
from benchmarks.cds_report import FLOOR_BARE, FLOOR_JWT, multiples, summary, table, verdicts

ROOT = Path(__file__).resolve().parents[1]
PEER_PACKAGES = ("healthchain==0.16.1", "uvicorn[standard]==0.54.0")
PEER_VENV = ROOT / ".venv-bench-peer"
PEER_PATH = "/cds/cds-services/prefetch-walk"
NOMS_SERVICE = "/cds-services/spine-mets-noms"
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
    fresh: bool = False  # every request a chart not seen before (no cache can answer it)
    repeat: int = 1
    load: float = 0.0  # the machine's 1-minute load average when the case started
    server_cpu_ms: float = 0.0  # the server's CPU time per request sent (warm-up included)
    client_cpu_ms: float = 0.0  # the clients' (this process's) CPU time per request sent
    alg: str = "ES384"  # how the requests' JWTs were signed


# ---- the servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            said = log.read().decode(errors="replace").strip().splitlines()[-15:]
            raise RuntimeError(
                f"the server exited at start-up ({process.returncode}):\n" + "\n".join(said)
            )
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url} in {START_TIMEOUT:.0f} s")


SERVER_PIDS: dict[str, int] = {}  # base URL -> the server's main process, while it runs


@contextlib.contextmanager
def _running(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    # The server's own words are kept (in a temporary file, not a pipe that could fill up) so
    # that a server which fails to start says why.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    base_url = "/".join(ready_url.split("/", 3)[:3])  # http://host:port
    try:
        _wait_for(ready_url, process, log)
        SERVER_PIDS[base_url] = process.pid
        yield
    finally:
        SERVER_PIDS.pop(base_url, None)
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@contextlib.contextmanager
def _gunicorn(
    port: int, app: str, workers: int, extra: dict[str, str], signer: Signer | None = None
) -> Iterator[str]:
    # NOMS-CDS and the floors: the service's gunicorn settings (workers, gthread, threads,
    # keep-alive, logs) and the same environment, the sandbox's key trusted (and the run's
    # signer's, when it is another issuer).
    base = f"http://127.0.0.1:{port}"
    jwks = json.loads((KEYS / "sandbox-jwks-public.json").read_text(encoding="utf-8"))
    issuers = {ISSUER: {"jwks": jwks}}
    if signer is not None:
        issuers[signer.issuer] = {"jwks": signer.public_jwks}
    with tempfile.TemporaryDirectory() as state:
        env = {
            **os.environ,
            "NOMS_BIND": f"127.0.0.1:{port}",
            "NOMS_WORKERS": str(workers),
            "NOMS_PUBLIC_BASE_URL": base,
            "NOMS_STATE_DIR": state,
            "NOMS_CDS_ISSUERS": json.dumps(issuers),
            "PROMETHEUS_MULTIPROC_DIR": str(Path(state) / "metrics"),
            **extra,
        }
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [gunicorn, "-c", "python:service.gunicorn_conf", app]
        with _running(command, env, f"{base}/healthz"):
            yield base


def noms_server(
    port: int, workers: int = 2, signer: Signer | None = None
) -> contextlib.AbstractContextManager[str]:
    """NOMS-CDS under gunicorn on a loopback port; yields its base URL."""
    return _gunicorn(port, "service:create_app()", workers, {}, signer)


def floor_server(
    port: int, verify_jwt: bool = True, workers: int = 2, signer: Signer | None = None
) -> contextlib.AbstractContextManager[str]:
    """The floor app (``cds_floor.py``) served exactly as NOMS-CDS is; yields its base URL."""
    extra = {VERIFY_VARIABLE: "1" if verify_jwt else "0"}
    return _gunicorn(port, "benchmarks.cds_floor:create_floor_app()", workers, extra, signer)


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


# ---- the cases ---------------------------------------------------------------------------------


def measure(
    server: str,
    base: str,
    path: str,
    body_name: str,
    body: bytes,
    concurrency: int,
    requests_per_case: int,
    fresh: Sequence[bytes] = (),
    repeat: int = 1,
    signer: Signer | None = None,
) -> Row:
    """One case: ``requests_per_case`` counted requests at ``concurrency``."""
    warmup = 2 * concurrency
    signer = signer or sandbox_signer()
    tokens = sign_tokens(base + path, requests_per_case + warmup, signer)  # aud: the URL called
    load = load_average()
    pid = SERVER_PIDS.get(base)
    server_before = tree_cpu_seconds(pid) if pid else 0.0
    client_before = time.process_time()
    latencies, errors, wall = drive(base, path, body, tokens, concurrency, warmup, fresh)
    per_request = 1000 / len(tokens)
    client_ms = (time.process_time() - client_before) * per_request
    server_ms = (tree_cpu_seconds(pid) - server_before) * per_request if pid else 0.0
    latencies.sort()
    return Row(
        server=server,
        body=body_name,
        body_bytes=len(body),
        concurrency=concurrency,
        requests=len(latencies),
        errors=errors,
        p50_ms=round(percentile(latencies, 0.50), 2),
        p99_ms=round(percentile(latencies, 0.99), 2),
        rps=round(len(latencies) / wall, 1),
        fresh=bool(fresh),
        repeat=repeat,
        load=load,
        server_cpu_ms=round(server_ms, 2),
        client_cpu_ms=round(client_ms, 2),
        alg=signer.alg,
    )


def run(
    requests_per_case: int = 400,
    concurrencies: Sequence[int] = (1, 16),
    with_peer: bool = True,
    peer_folder: Path = PEER_VENV,
    repeats: int = 1,
    with_fresh: bool = False,
    with_floor: bool = False,
    alg: str = "ES384",
) -> tuple[list[Row], dict[str, str]]:
    """Every case, in one run: per repeat, each server in turn (started afresh), each body at
    each concurrency; with ``with_fresh`` also every body as fresh charts (``fresh_bodies``);
    with ``with_floor`` also the two floor servers (``cds_floor.py``). Tokens are signed with
    ``alg``: ES384 with the CDS Hooks sandbox's published key, or RS384 with a key made for
    the run (``cds_load.SIGNERS``)."""
    bodies = build_bodies()
    signer = SIGNERS[alg]()
    versions = {"python": platform.python_version(), "tokens": alg}
    servers: list[tuple[str, Any, str]] = [
        ("NOMS-CDS", lambda port: noms_server(port, signer=signer), NOMS_SERVICE)
    ]
    if with_peer:
        python = peer_venv(peer_folder)
        versions |= peer_versions(python)
        servers.append(("HealthChain", lambda port: peer_server(python, port), PEER_PATH))
    if with_floor:
        servers.append((FLOOR_JWT, lambda port: floor_server(port, signer=signer), FLOOR_PATH))
        servers.append(
            (FLOOR_BARE, lambda port: floor_server(port, False, signer=signer), FLOOR_PATH)
        )
    most = requests_per_case + 2 * max(concurrencies)
    fresh = {name: fresh_bodies(body, most) for name, body in bodies.items()} if with_fresh else {}
    rows = []
    for repeat in range(1, repeats + 1):
        for name, start, path in servers:
            with start(free_port()) as base:
                for body_name, body in bodies.items():
                    for variants in ((), fresh.get(body_name)):
                        if variants is None:
                            continue
                        for concurrency in concurrencies:
                            rows.append(
                                measure(
                                    name,
                                    base,
                                    path,
                                    body_name,
                                    body,
                                    concurrency,
                                    requests_per_case,
                                    variants,
                                    repeat,
                                    signer,
                                )
                            )
    return rows, versions


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="counted requests per case")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--repeats", type=int, default=1, help="whole runs, one after the other")
    parser.add_argument(
        "--fresh", action="store_true", help="also every request as a chart not seen before"
    )
    parser.add_argument("--skip-peer", action="store_true", help="leave HealthChain out")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also the floor servers: Flask + gunicorn with and without the JWT check",
    )
    parser.add_argument(
        "--alg",
        choices=sorted(SIGNERS),
        default="ES384",
        help="how the tokens are signed (ES384: the CDS Hooks sandbox's key)",
    )
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    rows, versions = run(
        args.requests,
        args.concurrency,
        not args.skip_peer,
        repeats=args.repeats,
        with_fresh=args.fresh,
        with_floor=args.floor,
        alg=args.alg,
    )
    print(table(rows))
    print()
    print(summary(rows))
    print()
    if any(r.server in (FLOOR_JWT, FLOOR_BARE) for r in rows):
        print(multiples(rows))
        print()
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions.items()))
    for fresh in (False, True):
        for body, met in verdicts(rows, fresh=fresh).items():
            case = f"{body}, fresh charts" if fresh else body
            print(f"target at 16 clients, {case}: {'met' if met else 'NOT met'}")
    if args.json:
        payload = {"rows": [asdict(r) for r in rows], "versions": versions}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
