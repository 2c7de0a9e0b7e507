"""Fixtures for the sandbox FHIR store tests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.ehr import EhrConfig, RunningEhr, serve_ehr
from sandbox.fhir_store import StoreConfig, create_app, store_of
from sandbox.smart_auth import AuthConfig
from tests.sandbox.smart_support import registered_clients

SYNTHEA_DIR = Path(__file__).resolve().parents[1] / "data" / "synthea"
AUSTIN_FILE = SYNTHEA_DIR / "Austin_Franecki_f23eef30-acb2-49da-8091-159b61dc1ed5.json"
SYNTHEA_ID_SYSTEM = "https://github.com/synthetichealth/synthea"
AUSTIN_SYNTHEA_ID = "f23eef30-acb2-49da-8091-159b61dc1ed5"


class FakeClock:
    """A clock the test moves by hand (``meta.lastUpdated`` comes from it)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2024, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def fake_clock() -> FakeClock:
    """A hand-moved clock, starting at 2024-01-01T00:00:00Z."""
    return FakeClock()


@pytest.fixture(scope="session")
def synthea_dir() -> Path:
    """Directory with the two Synthea transaction Bundles."""
    return SYNTHEA_DIR


@pytest.fixture(scope="session")
def austin_bundle() -> dict[str, Any]:
    """The Synthea Bundle of Austin Franecki (the larger one)."""
    return json.loads(AUSTIN_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def synthea_bundles() -> dict[str, dict[str, Any]]:
    """The two Synthea transaction Bundles as loaded from disk, by file name."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(SYNTHEA_DIR.glob("*.json"))
    }


@pytest.fixture(scope="session")
def _seeded_app() -> Flask:
    return create_app(StoreConfig(seed_dir=SYNTHEA_DIR))


@pytest.fixture
def seeded_app(_seeded_app: Flask) -> Iterator[Flask]:
    """An app seeded with the Synthea Bundles; data, log, faults and settings reset afterwards."""
    yield _seeded_app
    store = store_of(_seeded_app)
    store.reset_data()
    store.controls.reset_requests()
    store.controls.reset_faults()
    store.controls.reset_settings()


@pytest.fixture
def client(seeded_app: Flask) -> FlaskClient:
    """Test client of the seeded app."""
    return seeded_app.test_client()


@pytest.fixture
def empty_client() -> FlaskClient:
    """Test client of a new, empty store."""
    return create_app(StoreConfig(seed_dir=None)).test_client()


@pytest.fixture
def austin_id(client: FlaskClient) -> str:
    """Server id of the Synthea patient Austin Franecki."""
    response = client.get(f"/fhir/Patient?identifier={SYNTHEA_ID_SYSTEM}|{AUSTIN_SYNTHEA_ID}")
    assert response.json["total"] == 1
    return response.json["entry"][0]["resource"]["id"]


# -- the sandbox EHR with SMART on ------------------------------------------------------------


class EpochClock:
    """Wall-clock epoch seconds plus an offset the test moves (expires codes and tokens)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.offset += seconds


@pytest.fixture(scope="session")
def epoch_clock() -> EpochClock:
    """The clock of the session's sandbox EHR."""
    return EpochClock()


@pytest.fixture(scope="session")
def _smart_ehr(epoch_clock: EpochClock) -> Iterator[RunningEhr]:
    config = EhrConfig(auth=AuthConfig(clients=registered_clients()), clock=epoch_clock)
    with serve_ehr(config) as running:
        yield running


@pytest.fixture
def smart_ehr(_smart_ehr: RunningEhr, epoch_clock: EpochClock) -> Iterator[RunningEhr]:
    """The sandbox EHR over HTTP with the test clients; data and clock restored afterwards."""
    yield _smart_ehr
    _smart_ehr.store.reset_data()
    _smart_ehr.store.controls.reset_requests()
    epoch_clock.offset = 0.0


@pytest.fixture
def patients(smart_ehr: RunningEhr) -> list[str]:
    """Server ids of the demo patients, in the EHR page's order."""
    return [card.id for card in smart_ehr.auth.directory.patients()]
