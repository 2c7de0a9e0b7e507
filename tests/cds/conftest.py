"""CDS fixtures: an app that trusts the CDS Hooks sandbox's key, with a test-only service."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask

from service.cds import cds_runtime
from service.cds.hooks import FeedbackItem, HookRequest
from service.cds.registry import CdsService, ServiceDescription
from tests.cds import tokens

BASE = "https://cds.example.org"
PUBLIC_KEYS_ON_RECORD = {tokens.SANDBOX_ISSUER: {"jwks": tokens.sandbox_public_jwks()}}

# A service that exists only in the tests: it records what reached it and answers no advice.
ECHO = ServiceDescription(
    id="test-echo",
    hooks=("patient-view", "order-select", "order-sign"),
    title="Test echo",
    description="Records the validated request (tests only).",
    prefetch={"patient": "Patient/{{context.patientId}}"},
)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[HookRequest] = []
        self.feedback: list[tuple[str, tuple[FeedbackItem, ...]]] = []
        self.answer: Any = {"cards": []}

    def handle(self, request: HookRequest) -> Any:
        self.calls.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def take_feedback(self, service_id: str, items: tuple[FeedbackItem, ...]) -> None:
        self.feedback.append((service_id, items))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def cds_app(make_app, recorder: Recorder) -> Flask:
    app = make_app(PUBLIC_BASE_URL=BASE, CDS_ISSUERS=json.dumps(PUBLIC_KEYS_ON_RECORD))
    with app.app_context():
        cds_runtime().registry.register(CdsService(ECHO, recorder.handle, recorder.take_feedback))
    return app


@pytest.fixture(scope="session")
def sandbox_key():
    return tokens.sandbox_private_key()


def bearer(key, path: str, **claims: Any) -> dict[str, str]:
    """Authorization for a call to ``path`` of the public URL."""
    return {"Authorization": "Bearer " + tokens.sign(key, BASE + path, **claims)}


# ---- the sandbox FHIR store over real HTTP, as the EHR behind a CDS client -----------------


@pytest.fixture(scope="session")
def demo_store_app():
    """A sandbox store app seeded with the demo patients (once per session)."""
    from sandbox.fhir_store import StoreConfig, create_app

    return create_app(StoreConfig())


@pytest.fixture(scope="module")
def fhir_store(demo_store_app):
    """The demo store on a loopback port; reset before each module's use by ``store_admin``."""
    from sandbox.fhir_store import serve_store

    with serve_store(app=demo_store_app) as running:
        yield running


@pytest.fixture
def store_admin(fhir_store):
    """The store's admin API, after a reset of the store."""
    from tests.e2e.helpers import Admin

    admin = Admin(fhir_store.admin_url, fhir_store.base_url)
    admin.reset()
    yield admin
    admin.http.close()
