"""Fixtures of the SMART app tests: the app (https public URL), a mocked EHR, launch helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import responses

from tests.smart_app.mock_ehr import APP, ISS, MockEhr, query

COOKIE = "__Host-noms-smart"


@pytest.fixture
def ehr():
    """A mocked EHR; only what a test registers answers, everything else is a ConnectionError."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield MockEhr(rsps)


@pytest.fixture
def smart_app(make_app):
    """``smart_app(**settings)``: the service with the SMART app allowed to be launched by ISS."""

    def build(**settings: Any):
        values = {"PUBLIC_BASE_URL": APP, "SMART_ISSUERS": ISS, **settings}
        return make_app(**values)

    return build


@pytest.fixture
def app(smart_app):
    return smart_app()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Launched:
    """A launch that reached the EHR's authorize endpoint."""

    response: Any
    params: dict[str, str]
    cookie: str


def start_launch(client, ehr: MockEhr, **args: str) -> Launched:
    """``GET /smart/launch`` (EHR launch with ``launch``, standalone without)."""
    response = client.get("/smart/launch", query_string={"iss": ehr.iss, **args})
    assert response.status_code == 302, response.get_data(as_text=True)
    params = query(response.headers["Location"])
    ehr.nonce = params.get("nonce")
    cookie = client.get_cookie(COOKIE)
    return Launched(response, params, cookie.value if cookie else "")


def callback(client, params: dict[str, str], code: str = "the-code"):
    """The EHR's redirect back to the app."""
    return client.get("/smart/callback", query_string={"code": code, "state": params["state"]})


def launched_session(client, ehr: MockEhr, **args: str) -> str:
    """Launch and come back; return the session's page path."""
    ehr.discovery()
    ehr.token_endpoint()
    launched = start_launch(client, ehr, launch="xyz123", **args)
    answer = callback(client, launched.params)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"]
