"""The sandbox store over real HTTP on a loopback port (``running_store`` + ``requests``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.fhir_store import (
    FaultRule,
    RunningStore,
    StoreConfig,
    WriteRefusal,
    running_store,
    serve_store,
)

FHIR_JSON = "application/fhir+json"
TIMEOUT = 10  # seconds; generous, only there so that a broken server cannot hang the suite
RESULT_SYSTEM = "http://noms-cds.org/fhir/sid/result"


def observation(identifier: str = "x", category: str = "survey") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "identifier": [{"system": RESULT_SYSTEM, "value": identifier}],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": category,
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "subject": {"reference": "Patient/1"},
    }


@pytest.fixture(scope="module")
def _running(synthea_dir: Path) -> Iterator[RunningStore]:
    with serve_store(StoreConfig(seed_dir=synthea_dir)) as running:
        yield running


@pytest.fixture
def live(_running: RunningStore) -> Iterator[RunningStore]:
    """A seeded store on a loopback port; everything is reset after each test."""
    requests.post(f"{_running.admin_url}/reset", timeout=TIMEOUT).raise_for_status()
    yield _running
    requests.post(f"{_running.admin_url}/reset", timeout=TIMEOUT).raise_for_status()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Accept"] = FHIR_JSON
        yield session


def arm(live: RunningStore, **fault: Any) -> None:
    response = requests.post(f"{live.admin_url}/faults", json=fault, timeout=TIMEOUT)
    assert response.status_code == 201, response.text


def request_count(live: RunningStore) -> int:
    return requests.get(f"{live.admin_url}/requests", timeout=TIMEOUT).json()["count"]


# -- serving ------------------------------------------------------------------------------------


def test_running_store_serves_on_a_free_loopback_port() -> None:
    with running_store(StoreConfig(seed_dir=None)) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        assert base_url.endswith("/fhir")
        response = requests.get(f"{base_url}/metadata", timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(FHIR_JSON)
        assert response.json()["resourceType"] == "CapabilityStatement"
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base_url}/metadata", timeout=TIMEOUT)


def test_shutdown_does_not_wait_for_idle_keep_alive_connections() -> None:
    with requests.Session() as session:
        with running_store(StoreConfig(seed_dir=None)) as base_url:
            assert session.get(f"{base_url}/Patient", timeout=TIMEOUT).status_code == 200
        # Leaving the block returned although the session still holds its connection open.


def test_seeded_data_over_http(live: RunningStore, http: requests.Session) -> None:
    patients = http.get(f"{live.base_url}/Patient", timeout=TIMEOUT).json()
    assert patients["total"] == 2
    patient_id = patients["entry"][0]["resource"]["id"]
    assert patients["entry"][0]["fullUrl"] == f"{live.base_url}/Patient/{patient_id}"
    read = http.get(f"{live.base_url}/Patient/{patient_id}", timeout=TIMEOUT)
    assert read.status_code == 200 and read.headers["ETag"] == 'W/"1"'
    missing = http.get(f"{live.base_url}/Patient/missing", timeout=TIMEOUT)
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_paging_over_http(live: RunningStore, http: requests.Session) -> None:
    url: str | None = f"{live.base_url}/Observation?patient=1&_count=50"
    seen: list[str] = []
    total = None
    while url:
        bundle = http.get(url, timeout=TIMEOUT).json()
        total = bundle["total"]
        seen += [entry["resource"]["id"] for entry in bundle.get("entry", [])]
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        assert url is None or url.startswith(live.base_url)
    assert total == 188
    assert len(seen) == len(set(seen)) == 188


def test_create_and_conditional_create_over_http(
    live: RunningStore, http: requests.Session
) -> None:
    headers = {"Content-Type": FHIR_JSON, "If-None-Exist": f"identifier={RESULT_SYSTEM}|h-1"}
    first = http.post(
        f"{live.base_url}/Observation", json=observation("h-1"), headers=headers, timeout=TIMEOUT
    )
    assert first.status_code == 201
    assert first.headers["Location"].startswith(f"{live.base_url}/Observation/")
    second = http.post(
        f"{live.base_url}/Observation", json=observation("h-1"), headers=headers, timeout=TIMEOUT
    )
    assert second.status_code == 200
    assert second.headers["Location"] == first.headers["Location"]


def test_concurrent_conditional_creates_make_one_resource(live: RunningStore) -> None:
    # Unlike HAPI (hapi-fhir#3141), the sandbox serialises conditional creates, so clients that
    # retry or race still end up with one resource.
    headers = {"Content-Type": FHIR_JSON, "If-None-Exist": f"identifier={RESULT_SYSTEM}|race"}

    def create(_: int) -> int:
        response = requests.post(
            f"{live.base_url}/Observation",
            json=observation("race"),
            headers=headers,
            timeout=TIMEOUT,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses == [200] * 7 + [201]
    search = requests.get(
        f"{live.base_url}/Observation?identifier={RESULT_SYSTEM}|race", timeout=TIMEOUT
    )
    assert search.json()["total"] == 1


def transaction(identifier: str, category: str = "survey") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:0f6c1a52-1c39-4f4e-9b8e-3f0e5f1d2a11",
                "resource": observation(identifier, category),
                "request": {
                    "method": "POST",
                    "url": "Observation",
                    "ifNoneExist": f"identifier={RESULT_SYSTEM}|{identifier}",
                },
            },
            {
                "resource": {
                    "resourceType": "Provenance",
                    "target": [{"reference": "urn:uuid:0f6c1a52-1c39-4f4e-9b8e-3f0e5f1d2a11"}],
                    "recorded": "2024-05-01T10:00:00Z",
                    "agent": [{"who": {"display": "NOMS-CDS"}}],
                    "meta": {"tag": [{"system": RESULT_SYSTEM, "code": f"prov-{identifier}"}]},
                },
                "request": {
                    "method": "POST",
                    "url": "Provenance",
                    "ifNoneExist": f"_tag={RESULT_SYSTEM}|prov-{identifier}",
                },
            },
        ],
    }


def test_rewriting_a_transaction_creates_no_duplicates(
    live: RunningStore, http: requests.Session
) -> None:
    requests.delete(f"{live.admin_url}/requests", timeout=TIMEOUT)
    before = requests.get(f"{live.admin_url}/counts", timeout=TIMEOUT).json()["total"]
    first = http.post(live.base_url, json=transaction("t-1"), timeout=TIMEOUT).json()
    second = http.post(live.base_url, json=transaction("t-1"), timeout=TIMEOUT).json()
    after = requests.get(f"{live.admin_url}/counts", timeout=TIMEOUT).json()["total"]
    assert after == before + 2
    assert [e["response"]["status"] for e in second["entry"]] == ["200 OK", "200 OK"]
    assert [e["response"]["location"] for e in second["entry"]] == [
        e["response"]["location"] for e in first["entry"]
    ]
    assert request_count(live) == 2  # one round trip per transaction


def test_batch_of_searches_is_one_round_trip(live: RunningStore, http: requests.Session) -> None:
    requests.delete(f"{live.admin_url}/requests", timeout=TIMEOUT)
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "GET", "url": "Patient/1"}},
            {"request": {"method": "GET", "url": "Condition?patient=1"}},
            {"request": {"method": "GET", "url": "Observation?patient=1&category=laboratory"}},
            {"request": {"method": "GET", "url": "Observation?patient=1&category=imaging"}},
        ],
    }
    result = http.post(live.base_url, json=batch, timeout=TIMEOUT).json()
    assert [e["response"]["status"] for e in result["entry"]] == ["200 OK"] * 4
    assert result["entry"][0]["resource"]["resourceType"] == "Patient"
    assert [e["resource"]["total"] for e in result["entry"][1:]] == [8, 124, 0]
    assert request_count(live) == 1


def test_write_refusals_over_http(live: RunningStore, http: requests.Session) -> None:
    refusals = [
        {"resource_type": "Observation", "allowed_categories": ["laboratory", "vital-signs"]}
    ]
    requests.patch(
        f"{live.admin_url}/settings", json={"write_refusals": refusals}, timeout=TIMEOUT
    ).raise_for_status()
    before = requests.get(f"{live.admin_url}/counts", timeout=TIMEOUT).json()["total"]
    refused = http.post(live.base_url, json=transaction("r-1", "survey"), timeout=TIMEOUT)
    assert refused.status_code == 422
    assert refused.json()["issue"][0]["expression"] == ["Bundle.entry[0]"]
    assert requests.get(f"{live.admin_url}/counts", timeout=TIMEOUT).json()["total"] == before
    batch = transaction("r-2", "survey") | {"type": "batch"}
    batch["entry"][1]["resource"]["target"] = [{"reference": "Patient/1"}]
    result = http.post(live.base_url, json=batch, timeout=TIMEOUT).json()
    assert [e["response"]["status"] for e in result["entry"]] == [
        "422 Unprocessable Entity",
        "201 Created",
    ]
    accepted = http.post(live.base_url, json=transaction("r-3", "laboratory"), timeout=TIMEOUT)
    assert accepted.status_code == 200


# -- faults -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (502, None), (503, 7), (429, 2)])
def test_fail_fault_answers_the_next_n_requests(
    live: RunningStore, http: requests.Session, status: int, retry_after: int | None
) -> None:
    arm(live, kind="fail", count=2, status=status, retry_after=retry_after)
    for _ in range(2):
        response = http.get(f"{live.base_url}/Patient", timeout=TIMEOUT)
        assert response.status_code == status
        assert response.json()["resourceType"] == "OperationOutcome"
        assert response.headers.get("Retry-After") == (
            str(retry_after) if retry_after is not None else None
        )
    assert http.get(f"{live.base_url}/Patient", timeout=TIMEOUT).status_code == 200
    assert requests.get(f"{live.admin_url}/faults", timeout=TIMEOUT).json() == {"faults": []}


@pytest.mark.parametrize(
    ("fault", "hit", "missed"),
    [
        ({"method": "POST"}, ("POST", "Observation"), ("GET", "Observation")),
        ({"resource_type": "Observation"}, ("GET", "Observation?patient=1"), ("GET", "Patient")),
        ({"path_prefix": "metadata"}, ("GET", "metadata"), ("GET", "Patient/1")),
        ({"path_prefix": "/Patient/1"}, ("GET", "Patient/1"), ("GET", "Patient/706")),
    ],
)
def test_faults_match_by_method_type_and_path(
    live: RunningStore,
    http: requests.Session,
    fault: dict[str, str],
    hit: tuple[str, str],
    missed: tuple[str, str],
) -> None:
    arm(live, kind="fail", status=503, **fault)

    def send(method: str, path: str) -> int:
        body = observation("f-1") if method == "POST" else None
        return http.request(
            method, f"{live.base_url}/{path}", json=body, timeout=TIMEOUT
        ).status_code

    assert send(*missed) != 503
    assert send(*hit) == 503
    assert send(*hit) != 503  # count was 1


def test_hang_fault_makes_a_short_timeout_expire(
    live: RunningStore, http: requests.Session
) -> None:
    arm(live, kind="hang", hang_seconds=5, count=1, resource_type="Patient")
    with pytest.raises(requests.Timeout):
        http.get(f"{live.base_url}/Patient", timeout=0.3)
    # The rule is used up: the next request is answered normally.
    assert http.get(f"{live.base_url}/Patient", timeout=TIMEOUT).status_code == 200


def test_faults_from_the_configuration_are_armed_at_start() -> None:
    config = StoreConfig(seed_dir=None, faults=(FaultRule("fail", status=502, count=1),))
    with serve_store(config) as running:
        assert requests.get(f"{running.base_url}/Patient", timeout=TIMEOUT).status_code == 502
        assert requests.get(f"{running.base_url}/Patient", timeout=TIMEOUT).status_code == 200


def test_latency_setting_is_reported(live: RunningStore, http: requests.Session) -> None:
    # The delay itself is checked deterministically in test_store_api (no wall-clock asserts).
    settings = requests.patch(
        f"{live.admin_url}/settings", json={"latency_ms": 20}, timeout=TIMEOUT
    ).json()
    assert settings["latency_ms"] == 20
    assert http.get(f"{live.base_url}/Patient", timeout=TIMEOUT).status_code == 200


# -- auth ---------------------------------------------------------------------------------------


def test_bearer_auth() -> None:
    config = StoreConfig(
        seed_dir=None,
        bearer_tokens=("token-a", "token-b"),
        write_refusals=(WriteRefusal("RiskAssessment"),),
    )
    with serve_store(config) as running:
        base = running.base_url
        anonymous = requests.get(f"{base}/Patient", timeout=TIMEOUT)
        assert anonymous.status_code == 401
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        assert anonymous.json()["issue"][0]["code"] == "login"
        wrong = requests.get(
            f"{base}/Patient", headers={"Authorization": "Bearer nope"}, timeout=TIMEOUT
        )
        assert wrong.status_code == 401
        basic = requests.get(f"{base}/Patient", auth=("token-a", ""), timeout=TIMEOUT)
        assert basic.status_code == 401
        for token in ("token-a", "token-b"):
            ok = requests.get(
                f"{base}/Patient", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
            )
            assert ok.status_code == 200
        assert requests.get(f"{base}/metadata", timeout=TIMEOUT).status_code == 200
        posted = requests.post(base, json={"resourceType": "Bundle", "type": "batch"}, timeout=5)
        assert posted.status_code == 401


# -- logging ------------------------------------------------------------------------------------


def test_request_log_lines_leave_out_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sandbox.fhir_store.http")
    with running_store(StoreConfig(seed_dir=None)) as base_url:
        requests.get(f"{base_url}/Observation?patient=secret-patient-id", timeout=TIMEOUT)
    lines = [r.getMessage() for r in caplog.records if r.name == "sandbox.fhir_store.http"]
    assert lines == ["GET /fhir/Observation 200"]
