"""Fixtures of the alert tests: an empty sandbox FHIR store (the EHR) and a webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.fhir_store import RunningStore, StoreConfig, serve_store
from tests.alerts.helpers import WebhookReceiver, webhook_receiver
from tests.e2e.helpers import Admin


@pytest.fixture(scope="module")
def ehr() -> Iterator[RunningStore]:
    """The sandbox FHIR store, empty, on a loopback port, for the whole module."""
    with serve_store(StoreConfig(seed_dir=None)) as running:
        yield running


@pytest.fixture
def ehr_admin(ehr: RunningStore) -> Iterator[Admin]:
    """The store's admin API, after a reset (no data, no faults, default settings)."""
    admin = Admin(ehr.admin_url, ehr.base_url)
    admin.reset()
    yield admin
    admin.http.close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A loopback webhook receiver that verifies signatures."""
    with webhook_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def demo_ehr() -> Iterator[RunningStore]:
    """The sandbox FHIR store seeded with the demo patients, on a loopback port."""
    with serve_store(StoreConfig()) as running:
        yield running


@pytest.fixture
def demo_admin(demo_ehr: RunningStore) -> Iterator[Admin]:
    """The demo store's admin API, after a reset (the demo patients, no faults)."""
    admin = Admin(demo_ehr.admin_url, demo_ehr.base_url)
    admin.reset()
    yield admin
    admin.http.close()
