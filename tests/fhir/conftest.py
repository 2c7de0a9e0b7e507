"""Fixtures of the FHIR boundary tests: a mocked server (responses) and a client of it."""

from __future__ import annotations

import pytest
import responses

from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from tests.fhir.mocks import BASE


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sleeps):
    return FhirClient(BASE, sleep=sleeps.append, limits=Limits(retries=3, backoff=0.5))
