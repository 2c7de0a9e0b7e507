"""Small loopback HTTP servers that misbehave on purpose, for the hostile-server tests.

Each :class:`LoopbackServer` listens on a free port of 127.0.0.1 (so two of them are two
origins), records every request it receives (method, path, headers, body) and answers through a
function of the test's choosing, which writes whatever bytes it likes to the socket: a trickle,
a lying ``Content-Encoding``, broken chunking, an endless body. One request per connection.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fhir import mocks

STOP_WAIT = 5.0  # seconds the server waits for handler threads when it stops


@dataclass
class Exchange:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """The socket of one exchange, with ways to answer on it."""

    sock: socket.socket
    stopping: threading.Event
    sent: int = 0

    def raw(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.sent += len(data)

    def head(self, status: int, headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} X", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.head(status, {"Content-Length": str(len(body)), **(headers or {})})
        self.raw(body)

    def json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send(status, data, {"Content-Type": "application/fhir+json", **(headers or {})})

    def trickle(self, data: bytes, interval: float) -> None:
        """Send one byte per ``interval`` seconds until done, stopped, or the peer leaves."""
        for i in range(len(data)):
            if self.stopping.wait(interval):
                return
            self.raw(data[i : i + 1])

    def stream(self, chunks: Iterable[bytes]) -> None:
        """Send chunks until they end or the peer leaves (a broken pipe ends the handler)."""
        for chunk in chunks:
            if self.stopping.is_set():
                return
            self.raw(chunk)


Respond = Callable[[Exchange, Reply], None]


@dataclass
class LoopbackServer:
    """A server on 127.0.0.1; ``base_url`` is its FHIR base (``/fhir``)."""

    respond: Respond
    exchanges: list[Exchange] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    port: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/fhir"

    def received(self, header: str) -> list[str]:
        """Every value of one request header this server received."""
        return [e.headers[header.lower()] for e in self.exchanges if header.lower() in e.headers]


def _read_request(sock: socket.socket) -> Exchange | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    parts = urlsplit(target)
    return Exchange(method, parts.path, dict(parse_qsl(parts.query)), headers, body)


@contextmanager
def serving(respond: Respond) -> Iterator[LoopbackServer]:
    """Serve ``respond`` on a free loopback port for the duration of the block."""
    server_state = LoopbackServer(respond)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(STOP_WAIT * 2)
            exchange = _read_request(sock)
            if exchange is None:
                return
            server_state.exchanges.append(exchange)
            reply = Reply(sock, server_state.stopping)
            server_state.replies.append(reply)
            try:
                server_state.respond(exchange, reply)
            except OSError:
                pass  # the client went away (what a bounded client does)

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True
        block_on_close = False

    with Server(("127.0.0.1", 0), Handler) as server:
        server_state.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        try:
            yield server_state
        finally:
            server_state.stopping.set()
            server.shutdown()
            thread.join(STOP_WAIT)


# -- FHIR bodies ---------------------------------------------------------------------------------


def capability(batch: bool = False, transaction: bool = False, conditional: bool = True) -> dict:
    """A CapabilityStatement offering creates of the result types (and Patient), optionally
    conditional; no batch or transaction unless asked for."""
    types = ("Observation", "RiskAssessment", "Provenance", "Patient")
    return mocks.capability(batch, transaction, conditional, types)


def searchset(resources: list[dict], links: list[Any] | None = None) -> dict:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }
    if links is not None:
        bundle["link"] = links
    return bundle


def outcome(text: str, severity: str = "error") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": "processing", "diagnostics": text}],
    }


def wait_until(predicate: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass (a server thread finishing)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
