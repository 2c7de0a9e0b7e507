"""The load side of benchmarks/cds_latency.py: signed tokens, keep-alive clients, percentiles.

Clients are threads of the benchmark's process, each with one keep-alive HTTP connection
(``TCP_NODELAY``), started together after a warm-up; every request carries its own JWT, signed
before the clock starts. They run on the same cores as the servers (see benchmarks/README.md).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KEYS = ROOT / "tests/data/cds-hooks/sandbox-keys"
ISSUER = "https://sandbox.cds-hooks.org"
KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
INSTANCE = b"00000000-0000-4000-8000-000000000000"  # replaced per client
RSA_ISSUER = "https://rs384-issuer.benchmark.invalid"
RSA_KID = "benchmark-rs384"


class _Connection(http.client.HTTPConnection):
    """A keep-alive connection without Nagle's delay (headers and body leave in separate
    writes; with delayed ACKs on the other side each request would wait ~40 ms)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@dataclass(frozen=True)
class Signer:
    """Who signs the benchmark's tokens: an issuer, its key and the public JWKS to trust."""

    issuer: str
    alg: str
    kid: str
    key: Any
    public_jwks: dict[str, Any]


def sandbox_signer() -> Signer:
    """The CDS Hooks sandbox: its published ES384 test key (what the sandbox itself sends)."""
    from joserfc.jwk import ECKey

    pair = json.loads((KEYS / "sandbox-jwk-keypair-PUBLISHED-TEST-KEY.json").read_text())
    public = json.loads((KEYS / "sandbox-jwks-public.json").read_text(encoding="utf-8"))
    return Signer(ISSUER, "ES384", KID, ECKey.import_key(pair["keys"][0]), public)


def rsa_signer() -> Signer:
    """An RS384 issuer with an RSA 2048 key made for the run (CDS Hooks allows ES384 and RS384;
    the issuer chooses, and an RSA signature is about ten times cheaper to verify)."""
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, parameters={"kid": RSA_KID})
    public = {"keys": [key.as_dict(private=False) | {"kid": RSA_KID, "alg": "RS384"}]}
    return Signer(RSA_ISSUER, "RS384", RSA_KID, key, public)


SIGNERS = {"ES384": sandbox_signer, "RS384": rsa_signer}


def sign_tokens(audience: str, count: int, signer: Signer | None = None) -> list[str]:
    """``count`` JWTs like a CDS client's, each with its own jti (by default the sandbox's)."""
    from joserfc import jwt

    signer = signer or sandbox_signer()
    now = int(time.time())
    header = {"alg": signer.alg, "typ": "JWT", "kid": signer.kid}
    return [
        jwt.encode(
            header,
            {
                "iss": signer.issuer,
                "aud": audience,
                "iat": now,
                "exp": now + 600,
                "jti": str(uuid.uuid4()),
            },
            signer.key,
            algorithms=[signer.alg],
        )
        for _ in range(count)
    ]


def percentile(sorted_values: Sequence[float], share: float) -> float:
    index = max(0, min(len(sorted_values) - 1, int(-(-share * len(sorted_values) // 1)) - 1))
    return sorted_values[index]


def drive(
    base: str,
    path: str,
    body: bytes,
    tokens: Sequence[str],
    concurrency: int,
    warmup: int,
    fresh: Sequence[bytes] = (),
) -> tuple[list[float], int, float]:
    """Send ``len(tokens)`` requests from ``concurrency`` threads; the first ``warmup`` uncounted.

    Each client sends ``body`` with its own ``hookInstance``, or, when ``fresh`` is given (one
    body per token), request number i sends ``fresh[i]``.

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
        if fresh:
            payload = fresh[index]
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


def load_average() -> float:
    """The 1-minute load average (the machine is shared: recorded with every case)."""
    return round(os.getloadavg()[0], 2)


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by process ``root`` and its live descendants:
    a server's master and workers, read from ``/proc`` (Linux). On a shared machine this is
    the server's own work, whatever the other load."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree, added = {root}, True
    while added:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        added = bool(found)
    return sum(times.get(pid, 0.0) for pid in tree)
