"""End-to-end fixtures: the sandbox FHIR store served over real HTTP on a loopback port.

Seeding the demo patients takes a second or two, so the seeded app is made once per session and
each test module serves it on its own free port of 127.0.0.1; every test starts from a reset
store (data, request log, faults and settings as seeded).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from sandbox.fhir_store import RunningStore, StoreConfig, create_app, serve_store
from tests.e2e.helpers import Admin


@pytest.fixture(scope="session")
def demo_app() -> Flask:
    """A store app seeded with the demo patients."""
    return create_app(StoreConfig())


@pytest.fixture(scope="module")
def store(demo_app: Flask) -> Iterator[RunningStore]:
    """The demo store on a loopback port, for the whole module."""
    with serve_store(app=demo_app) as running:
        assert running.base_url.startswith("http://127.0.0.1:")
        yield running


@pytest.fixture
def admin(store: RunningStore) -> Iterator[Admin]:
    """The store's admin API, after a reset of the store."""
    admin = Admin(store.admin_url, store.base_url)
    admin.reset()
    yield admin
    admin.http.close()
