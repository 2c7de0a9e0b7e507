"""Clients for many (FHIR base, token) pairs (service.fhir.clients), as the web layers make them
per call: cheap (one connection pool and one CapabilityStatement per server), and never mixing
users' credentials; against the sandbox store over HTTP."""

from __future__ import annotations

import pytest

from service.errors import AuthConfigurationError, ConfigurationError, FhirAuthError
from service.fhir.auth import BearerToken
from service.fhir.capabilities import Capabilities, CapabilitiesCache
from service.fhir.clients import FhirClients
from service.fhir.limits import Limits
from tests.e2e.helpers import Admin
from tests.e2e.hostile import Exchange, Reply, capability, serving

STEM = "07-r7-nsclc-high-grade-stable-fit"


def test_clients_of_one_server_share_the_pool_and_the_capabilities(admin: Admin) -> None:
    patient_id = admin.patient_id(STEM)
    admin.settings(bearer_tokens=["token-a", "token-b"])
    admin.clear_log()
    clients = FhirClients()
    first = clients.client(admin.base_url, "token-a")
    second = clients.client(admin.base_url + "/", "token-b")
    assert first.http is second.http  # one transport, one connection pool
    assert first.auth != second.auth
    first.gather(patient_id)
    second.gather(patient_id)
    log = [(r["method"], r["path"]) for r in admin.log()]
    assert log.count(("GET", "/fhir/metadata")) == 1  # read once for both users
    assert log.count(("POST", "/fhir")) == 2
    with pytest.raises(FhirAuthError):
        clients.client(admin.base_url, "token-c").gather(patient_id)
    clients.close()


def test_each_client_sends_only_its_own_token() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        if exchange.path == "/fhir/metadata":
            reply.json(200, capability())
        else:
            reply.json(200, {"resourceType": "Patient", "id": "p1"})

    clients = FhirClients(Limits(retries=0))
    with serving(respond) as server:
        for token in ("alpha-token", "beta-token", "alpha-token"):
            clients.client(server.base_url, token).read("Patient", "p1")
        clients.client(server.base_url).read("Patient", "p1")  # no credentials at all
        sent = [e.headers.get("authorization") for e in server.exchanges]
    assert sent == ["Bearer alpha-token", "Bearer beta-token", "Bearer alpha-token", None]
    assert all("cookie" not in e.headers for e in server.exchanges)
    clients.close()


def test_cookies_set_by_a_server_are_never_sent_back() -> None:
    def respond(exchange: Exchange, reply: Reply) -> None:
        body = b'{"resourceType": "Patient", "id": "p1"}'
        reply.send(200, body, {"Set-Cookie": "session=of-the-first-user; Path=/"})

    clients = FhirClients(Limits(retries=0))
    with serving(respond) as server:
        clients.client(server.base_url, "first-user").read("Patient", "p1")
        clients.client(server.base_url, "second-user").read("Patient", "p1")
        assert [e.headers.get("cookie") for e in server.exchanges] == [None, None]


def test_bases_are_kept_up_to_a_limit_and_checked() -> None:
    clients = FhirClients(max_bases=2)
    a = clients.client("https://a.example/fhir").http
    clients.client("https://b.example/fhir")
    assert clients.client("https://a.example/fhir").http is a  # a is now the most recent
    clients.client("https://c.example/fhir")  # b goes
    assert clients.client("https://a.example/fhir").http is a
    assert len(clients._transports) == 2
    with pytest.raises(ConfigurationError, match="the FHIR base must"):
        clients.client("https://user:pw@a.example/fhir")
    with pytest.raises(ConfigurationError, match="over plain HTTP"):
        clients.client("http://a.example/fhir", "token")
    with pytest.raises(AuthConfigurationError, match="bearer token"):
        clients.client("https://a.example/fhir", "two words")
    with pytest.raises(AuthConfigurationError):
        BearerToken("token\r\nX-Injected: 1")


def test_capabilities_are_cached_for_a_while_and_an_unknown_one_briefly() -> None:
    now = [0.0]
    cache = CapabilitiesCache(ttl=3600, clock=lambda: now[0])
    known = Capabilities(batch=True, known=True)
    cache.put("https://a.example/fhir", known)
    cache.put("https://b.example/fhir", Capabilities())
    now[0] = 61
    assert cache.get("https://a.example/fhir") is known
    assert cache.get("https://b.example/fhir") is None
    now[0] = 3601
    assert cache.get("https://a.example/fhir") is None
