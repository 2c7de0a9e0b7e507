"""Where credentials go, after the review with hostile servers, over real HTTP: a host that only
looks like a loopback address is not one, environment proxies and ``.netrc`` never see a
request, and IPv6 literals (in brackets) are bases like any other."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from service.errors import ConfigurationError, FhirOutsideBase
from service.fhir.auth import BearerToken, NoAuth
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.fhir.origins import FhirBase, origin_of
from tests.e2e.hostile import Exchange, Reply, searchset, serving

TOKEN = "proxy-must-never-see-this-token"
PATIENT = {"resourceType": "Patient", "id": "p1"}


def patient_server(exchange: Exchange, reply: Reply) -> None:
    reply.json(200, PATIENT)


@pytest.mark.parametrize(
    "host",
    ["127.evil.example", "127.0.0.1.evil.example", "127.attacker", "localhost.evil.example"],
)
def test_a_host_that_only_starts_like_a_loopback_address_gets_no_token_over_http(host) -> None:
    base = f"http://{host}:8080/fhir"
    assert not FhirBase.parse(base).is_loopback
    with pytest.raises(ConfigurationError, match="refusing to send credentials over plain HTTP"):
        FhirClient(base, BearerToken(TOKEN))


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:8080/fhir",
        "http://127.10.20.30/fhir",
        "http://localhost:8080/fhir",
        "http://[::1]:8080/fhir",
        "http://[::ffff:127.0.0.1]:8080/fhir",
    ],
)
def test_loopback_addresses_are_parsed_as_addresses(base: str) -> None:
    assert FhirBase.parse(base).is_loopback
    FhirClient(base, BearerToken(TOKEN))  # plain HTTP on this machine cannot be overheard


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_an_environment_proxy_never_receives_a_request(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    def proxy_answer(exchange: Exchange, reply: Reply) -> None:
        reply.json(200, PATIENT)  # a proxy that would hand back what it forwarded

    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    with serving(proxy_answer) as proxy, serving(patient_server) as server:
        monkeypatch.setenv(variable, proxy.origin)
        client = FhirClient(server.base_url, BearerToken(TOKEN), limits=Limits(retries=0))
        assert client.read("Patient", "p1") == PATIENT
    assert proxy.exchanges == []
    assert server.received("Authorization") == [f"Bearer {TOKEN}"]


def test_netrc_credentials_are_never_added(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    with serving(patient_server) as server:
        FhirClient(server.base_url, NoAuth(), limits=Limits(retries=0)).read("Patient", "p1")
    assert server.received("Authorization") == []


# -- IPv6 literals --------------------------------------------------------------------------------


@contextmanager
def ipv6_server(next_url: str | None = None) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A FHIR server on [::1]; yields its base URL and the headers of each request."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({k.lower(): v for k, v in self.headers.items()})
            links = [{"relation": "next", "url": next_url}] if next_url else None
            body = PATIENT if "/Patient/" in self.path else searchset([], links)
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6
        daemon_threads = True

    with Server(("::1", 0), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield f"http://[::1]:{server.server_address[1]}/fhir", seen
        finally:
            server.shutdown()
            thread.join(5)


def test_an_ipv6_base_in_brackets_is_read_with_the_token() -> None:
    with ipv6_server() as (base, seen):
        client = FhirClient(base, BearerToken(TOKEN), limits=Limits(retries=0))
        assert client.read("Patient", "p1") == PATIENT
        found, _ = client.search("Condition", {"patient": "p1"})
    assert found == [] and [h.get("authorization") for h in seen] == [f"Bearer {TOKEN}"] * 2


def test_a_next_link_to_another_ipv6_port_is_refused_and_named_in_brackets() -> None:
    with ipv6_server("http://[::1]:9/fhir/Condition?page=2") as (base, seen):
        client = FhirClient(base, BearerToken(TOKEN), limits=Limits(retries=0))
        with pytest.raises(FhirOutsideBase) as info:
            client.search("Condition", {"patient": "p1"})
    assert "the next link leads to http://[::1]:9, outside the FHIR base" in str(info.value)
    assert len(seen) == 1


def test_ipv6_origins_are_written_as_in_a_url() -> None:
    assert origin_of("https://[2001:db8::7]:8443/fhir/Patient/1") == "https://[2001:db8::7]:8443"
    assert FhirBase.parse("https://[2001:DB8::7]/fhir").contains("https://[2001:db8::7]/fhir/x")


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("http://[::1/fhir", "the FHIR base must be an http or https URL"),
        ("http://[v1.x]/fhir", "the FHIR base's host in brackets must be an IPv6 address"),
        ("http://[::1]x/fhir", "the FHIR base's host in brackets must be an IPv6 address"),
        ("http://[::1]:99999/fhir", "the FHIR base's port is not a port number"),
    ],
    ids=["unclosed", "not-ipv6", "junk-after", "port"],
)
def test_a_malformed_ipv6_base_is_a_configuration_error(base: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        FhirClient(base, BearerToken(TOKEN))
    assert str(info.value).startswith(message)
