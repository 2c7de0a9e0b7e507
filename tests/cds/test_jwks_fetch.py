"""Fetching a JWKS over real HTTP: bounded in size and time, no redirects, no credentials."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from service.cds.jwks import MAX_JWKS_BYTES, JwksUnavailable, fetch_jwks
from tests.cds import tokens

SEEN_HEADERS: list[dict[str, str]] = []


class JwksHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "application/json"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        SEEN_HEADERS.append(dict(self.headers))
        if self.path == "/jwks.json":
            self._send(200, json.dumps(tokens.sandbox_public_jwks()).encode())
        elif self.path == "/with-private.json":
            private = tokens.read_json(
                tokens.SANDBOX_KEYS / "sandbox-jwk-keypair-PUBLISHED-TEST-KEY.json"
            )
            private["keys"].append({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"})
            self._send(200, json.dumps(private).encode())
        elif self.path == "/redirect":
            self._send(302, b"", {"Location": "/jwks.json"})
        elif self.path == "/huge":
            self._send(200, b'{"keys": [' + b" " * (MAX_JWKS_BYTES + 10) + b"]}")
        elif self.path == "/deep":
            self._send(200, b"[" * 1000 + b"]" * 1000)
        elif self.path == "/html":
            self._send(200, b"<html>not json</html>")
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.1)
        else:
            self._send(404, b"{}")


@pytest.fixture(scope="module")
def jwks_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetches_the_public_keys(jwks_server: str, tmp_path: Path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    SEEN_HEADERS.clear()
    assert fetch_jwks(jwks_server + "/jwks.json") == tokens.sandbox_public_jwks()
    assert "Authorization" not in SEEN_HEADERS[-1] and "Cookie" not in SEEN_HEADERS[-1]


def test_private_and_symmetric_members_are_dropped(jwks_server: str):
    jwks = fetch_jwks(jwks_server + "/with-private.json")
    assert [key["kid"] for key in jwks["keys"]] == [tokens.SANDBOX_KID]
    assert "d" not in jwks["keys"][0]


@pytest.mark.parametrize("path", ["/redirect", "/huge", "/deep", "/html", "/missing"])
def test_bad_answers_are_unavailable(jwks_server: str, path: str):
    with pytest.raises(JwksUnavailable):
        fetch_jwks(jwks_server + path)


def test_a_server_that_trickles_is_cut_off(jwks_server: str, monkeypatch):
    monkeypatch.setattr("service.cds.jwks.FETCH_DEADLINE", 0.5)
    started = time.monotonic()
    with pytest.raises(JwksUnavailable, match="too slow"):
        fetch_jwks(jwks_server + "/trickle")
    assert time.monotonic() - started < 5


def test_nothing_listening_is_unavailable():
    with pytest.raises(JwksUnavailable):
        fetch_jwks("http://127.0.0.1:9/jwks.json")
