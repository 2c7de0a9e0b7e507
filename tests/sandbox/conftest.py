"""Fixtures for the sandbox FHIR store tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sandbox.fhir_store import StoreConfig, create_app, store_of

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
