"""Shared fixtures: test data files and small FHIR builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service import demo

# Real SQLite and PostgreSQL databases (fixtures postgres_url, sqlite_db_url, database_url).
pytest_plugins = ["tests.databases"]

DATA = Path(__file__).parent / "data"
SYNTHEA = DATA / "synthea"
AUSTIN = SYNTHEA / "Austin_Franecki_f23eef30-acb2-49da-8091-159b61dc1ed5.json"  # NSCLC
DARIN = SYNTHEA / "Darin_Skiles_31c343e9-5d7f-444e-9be4-56b1a6ec6146.json"  # colon, resolved
DEMO = demo.patients_dir()


def load(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def austin() -> dict[str, Any]:
    return load(AUSTIN)


@pytest.fixture
def darin() -> dict[str, Any]:
    return load(DARIN)


def free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of asking."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory):
    """A real redis-server on a loopback port, for the whole session (installed by make setup)."""
    import shutil
    import subprocess
    import time

    import redis

    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: run `make setup` (it installs the package)"
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert server.poll() is None, "redis-server exited at start-up"
                assert time.monotonic() < deadline, "redis-server did not answer in 10 s"
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def make_app(tmp_path: Path):
    """Build the web service for a test: ``make_app(PUBLIC_BASE_URL=..., CDS_ISSUERS=...)``.

    The test API key is configured (``API_KEYS=""`` for none) and the app's test client sends it
    on the routes that need it (``tests/api_keys.py``)."""
    from service import create_app
    from tests.api_keys import API_KEYS, KeyedClient

    def build(**settings: Any):
        app = create_app(
            {
                "TESTING": True,
                "STATE_DIR": str(tmp_path / "state"),
                "API_KEYS": API_KEYS,
                **settings,
            }
        )
        app.test_client_class = KeyedClient
        return app

    return build
