"""Opt-in: seed, assess and write back against a real FHIR server.

Skipped unless NOMS_LIVE_FHIR_BASE names a FHIR R4 base URL (e.g. a public HAPI sandbox; never a
server holding real patients). NOMS_LIVE_FHIR_TOKEN adds a bearer token. See docs/integration.md.
"""

from __future__ import annotations

import os

import pytest

from sandbox.build_patients import SCENARIOS, build
from service import seed
from service.fhir.auth import BearerToken, NoAuth
from service.fhir.client import FhirClient
from service.workflow import assess_patient

BASE = os.environ.get("NOMS_LIVE_FHIR_BASE")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not BASE, reason="set NOMS_LIVE_FHIR_BASE to run against a real server"),
]


@pytest.fixture(scope="module")
def client() -> FhirClient:
    token = os.environ.get("NOMS_LIVE_FHIR_TOKEN")
    return FhirClient(BASE or "", BearerToken(token) if token else NoAuth())


@pytest.fixture(scope="module")
def patient_id(client: FhirClient) -> str:
    scenario = next(s for s in SCENARIOS if s.slug.startswith("07-"))
    return seed.upload(client, build(scenario))


def test_assess_reads_the_seeded_patient(client, patient_id):
    live = assess_patient(client, patient_id)
    (level,) = live.report.assessment.levels
    assert level.level.value == "T9"
    assert level.recommendation.rules[0] == "R7"


def test_write_back_twice_creates_nothing_new(client, patient_id):
    first = assess_patient(client, patient_id, write=True).write
    assert first is not None
    refused = [o for o in first.outcomes if o.status in ("refused", "failed")]
    if refused:  # some EHRs refuse result types: they must be reported, never dropped
        assert all(o.message for o in refused)
    second = assess_patient(client, patient_id, write=True).write
    assert second is not None and second.count("created") == 0
