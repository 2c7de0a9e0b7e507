"""The CDS latency benchmark runs end to end on a tiny load (every server, no timing asserts)."""

from __future__ import annotations

import json

import requests

from benchmarks.cds_bodies import build_bodies, fresh_bodies
from benchmarks.cds_floor import FLOOR_PATH
from benchmarks.cds_latency import (
    NOMS_SERVICE,
    floor_server,
    free_port,
    run,
    summary,
    table,
    verdicts,
)
from benchmarks.cds_load import rsa_signer, sign_tokens
from benchmarks.cds_report import FLOOR_BARE, FLOOR_JWT, multiples, ratios


def test_the_cds_benchmark_runs_both_servers():
    rows, versions = run(requests_per_case=6, concurrencies=(1, 2), with_fresh=True)
    assert {(r.server, r.body, r.concurrency, r.fresh) for r in rows} == {
        (server, body, clients, fresh)
        for server in ("NOMS-CDS", "HealthChain")
        for body in ("demo patient", "Synthea Austin")
        for clients in (1, 2)
        for fresh in (False, True)
    }
    assert all(r.requests == 6 and r.errors == 0 for r in rows)
    assert versions["healthchain"] == "0.16.1"
    assert set(verdicts(rows, concurrency=2)) == {"demo patient", "Synthea Austin"}
    assert set(verdicts(rows, concurrency=2, fresh=True)) == {"demo patient", "Synthea Austin"}
    assert "| NOMS-CDS | demo patient |" in table(rows)
    assert "| HealthChain | Synthea Austin, fresh charts | 2 | 1 | 0 |" in summary(rows)


def test_the_cds_benchmark_runs_the_floor_servers_too():
    rows, _ = run(requests_per_case=6, concurrencies=(1, 2), with_floor=True)
    servers = ("NOMS-CDS", "HealthChain", FLOOR_JWT, FLOOR_BARE)
    assert {(r.server, r.body, r.concurrency) for r in rows} == {
        (server, body, clients)
        for server in servers
        for body in ("demo patient", "Synthea Austin")
        for clients in (1, 2)
    }
    assert all(r.requests == 6 and r.errors == 0 for r in rows)
    assert set(verdicts(rows, concurrency=2)) == {"demo patient", "Synthea Austin"}
    assert f"| {FLOOR_BARE} | Synthea Austin | 2 | 1 | 0 |" in summary(rows)
    found = ratios(rows, concurrency=2)
    assert list(found) == ["NOMS-CDS", FLOOR_JWT, FLOOR_BARE]
    assert all(set(by_case) == {"demo patient", "Synthea Austin"} for by_case in found.values())
    assert f"| {FLOOR_JWT} | " in multiples(rows, concurrency=2)


def _post(url: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return requests.post(
        url, data=b'{"hook": "patient-view"}', headers=headers, timeout=30
    ).status_code


def test_the_jwt_floor_refuses_what_the_service_refuses_and_the_bare_floor_does_not():
    for verify_jwt, refused in ((True, 401), (False, 200)):
        with floor_server(free_port(), verify_jwt) as base:
            url = base + FLOOR_PATH
            token, other = sign_tokens(url, 2)
            (wrong_audience,) = sign_tokens(base + NOMS_SERVICE, 1)
            assert _post(url, token) == 200
            assert _post(url, token) == refused  # replayed: the jti is in the shared store
            assert _post(url, wrong_audience) == refused
            assert _post(url, other) == 200


def test_rs384_tokens_from_the_runs_own_issuer_are_accepted_and_recorded():
    rows, versions = run(requests_per_case=4, concurrencies=(1,), with_peer=False, alg="RS384")
    assert versions["tokens"] == "RS384"
    assert {r.server for r in rows} == {"NOMS-CDS"}
    assert all(r.alg == "RS384" and r.requests == 4 and r.errors == 0 for r in rows)


def test_the_jwt_floor_refuses_a_token_of_an_issuer_it_does_not_trust():
    rsa = rsa_signer()
    with floor_server(free_port()) as base:  # only the sandbox's issuer trusted
        url = base + FLOOR_PATH
        assert _post(url, sign_tokens(url, 1, rsa)[0]) == 401
        assert _post(url, sign_tokens(url, 1)[0]) == 200


def test_fresh_bodies_change_every_resource_and_nothing_else():
    body = build_bodies()["demo patient"]
    first, second = (json.loads(b) for b in fresh_bodies(body, 2))
    original = json.loads(body)

    def resources(request):
        for value in request["prefetch"].values():
            if value and value["resourceType"] == "Bundle":
                yield from (e["resource"] for e in value.get("entry") or [])
            elif value:
                yield value

    pairs = list(zip(resources(first), resources(second), resources(original), strict=True))
    assert pairs and all(a["meta"]["versionId"] != b["meta"]["versionId"] for a, b, _ in pairs)
    for a, _, o in pairs:
        assert {k: v for k, v in a.items() if k != "meta"} == {
            k: v for k, v in o.items() if k != "meta"
        }
    assert first["hookInstance"] != second["hookInstance"]
