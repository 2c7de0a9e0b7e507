"""The wire: HTTP sessions whose sockets a watchdog can cut at a deadline, and answers read as
bounded streams.

- ``requests`` and urllib3 only time out a single socket operation; a server sending one byte a
  second never trips that. A :class:`Watch` per attempt shuts the attempt's socket down at its
  deadline, which wakes a read blocked on it, whether on the status line, the headers or the body
  (the connection classes below tell the watch which socket they use).
- Bodies are read with ``decode_content=False`` and decompressed here, so the size limit holds
  on the wire and again on the decompressed bytes: a gzip bomb (1000:1) stops at the limit, and
  at most one chunk more is ever in memory.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from service.errors import FhirError, FhirInvalidResponse, FhirTemporaryError, FhirTimeout
from service.fhir import jsonio
from service.fhir.untrusted import clean_text

FHIR_JSON = "application/fhir+json"
ACCEPT_ENCODING = "gzip, deflate"  # what read_body can decompress, with bounds
_CHUNK = 64 * 1024
_WITHHELD = "(path and query withheld)"


class _WithoutUrls(logging.Filter):
    """urllib3 logs each request's URL at DEBUG; FHIR URLs carry patient ids (``Patient/123``,
    ``?patient=123``), so the URLs in its records are withheld."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _WITHHELD if isinstance(a, str) and a.startswith(("/", "http")) else a
                for a in record.args
            )
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager"):
    logging.getLogger(_name).addFilter(_WithoutUrls())


class _NoNetrc(AuthBase):
    """Keeps requests from adding credentials of its own (``~/.netrc``): only ours are sent."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class Watch:
    """Shuts an attempt's socket down when its deadline passes, waking a blocked read."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._done = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watch:
        _current.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.disarm()
        _current.watch = None

    def disarm(self) -> bool:
        """Stop watching (the answer is complete); True when the deadline had already cut in."""
        self._timer.cancel()
        with self._lock:
            self._done = True
            return self.fired

    def note(self, sock: socket.socket | None) -> None:
        """The socket the attempt uses (called by the connection when it has one)."""
        if sock is None:
            return
        with self._lock:
            self._socket = sock
            fired = self.fired
        if fired:
            _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            sock = self._socket
        if sock is not None:
            _shut(sock)


_current = threading.local()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _note_socket(sock: Any) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.note(sock)


class WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _note_socket(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _note_socket(self.sock)  # a kept-alive connection; a new one notes it in connect()
        super().request(*args, **kwargs)


class WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _note_socket(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _note_socket(self.sock)
        super().request(*args, **kwargs)


class WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


_WATCHED_POOLS = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter with connections that tell the watchdog their socket."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_WATCHED_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if manager.pool_classes_by_scheme == urllib3.poolmanager.pool_classes_by_scheme:
            manager.pool_classes_by_scheme = dict(_WATCHED_POOLS)  # not SOCKS: its own pools
        return manager


def new_session(pool_size: int = 10) -> requests.Session:
    """A ``requests.Session`` fit for credentials: watched connections, no cookies kept (a
    session may serve many users' tokens), no proxies or ``.netrc`` credentials from the
    environment, and only the content encodings the bounded reader decompresses."""
    session = requests.Session()
    # Nothing from the environment: no proxy (HTTP(S)_PROXY, ALL_PROXY) would see the
    # credentials, and no ``.netrc`` adds any. The CA bundle variables requests honours are
    # kept, read here, since they only widen what server certificates are trusted.
    session.trust_env = False
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if ca_bundle:
        session.verify = ca_bundle
    adapter = WatchedAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.auth = _NoNetrc()
    session.headers.update({"Accept": FHIR_JSON, "Accept-Encoding": ACCEPT_ENCODING})
    return session


# -- reading an answer ---------------------------------------------------------------------------


class _Inflater:
    """Bounded decompression of a gzip or deflate body, fed one chunk at a time."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._decoder: Any = None
        self._head = b""  # deflate: the first bytes, until there are two to tell the format by

    def _new(self, first: bytes) -> Any:
        if self._gzip:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is the zlib format (RFC 9110 §8.4.1.2), but some servers send raw deflate.
        looks_zlib = (
            len(first) >= 2 and (first[0] & 0x0F) == 8 and (first[0] << 8 | first[1]) % 31 == 0
        )
        return zlib.decompressobj(zlib.MAX_WBITS if looks_zlib else -zlib.MAX_WBITS)

    def feed(self, chunk: bytes, room: int) -> Iterator[bytes]:
        """The decompressed bytes of ``chunk``, in pieces; stops once more than ``room`` came."""
        data = chunk
        if self._decoder is None and not self._gzip:
            # A server may send its answer a byte at a time: the format is told by the first
            # two bytes, however the chunks fall.
            data, self._head = self._head + data, b""
            if len(data) < 2:
                self._head = data
                return
        produced = 0
        while data and produced <= room:
            if self._decoder is None:
                self._decoder = self._new(data)
            piece = self._decoder.decompress(data, _CHUNK)
            produced += len(piece)
            if piece:
                yield piece
            if self._decoder.eof:  # a gzip member ended: another may follow (RFC 1952 §2.2)
                data = self._decoder.unused_data
                self._decoder = None if data else self._decoder
            else:
                data = self._decoder.unconsumed_tail

    def finish(self) -> None:
        """Raise ``zlib.error`` when the body ended in the middle of the compressed data."""
        if self._head or (self._decoder is not None and not self._decoder.eof and self._gzip):
            raise zlib.error("the compressed data is cut short")


def read_body(
    response: requests.Response,
    *,
    max_bytes: int,
    deadline: float,
    what: str,
    watch: Watch | None = None,
) -> bytes:
    """The whole body of a streamed answer, within the limits.

    Args:
        response: An answer from ``session.request(..., stream=True)``; closed on failure.
        max_bytes: Most bytes accepted, on the wire and after decompression.
        deadline: ``time.monotonic()`` by which the last byte must have come.
        what: How messages name the request (``GET Patient``).
        watch: The attempt's watchdog, which may have cut the connection.

    Raises:
        FhirInvalidResponse: too large, or a body that does not decompress as it claims.
        FhirTimeout: the deadline passed.
        FhirTemporaryError: the connection broke (broken chunking, a cut-short body).
    """
    declared = response.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        response.close()
        raise FhirInvalidResponse(
            f"{what}: the answer is larger than the {jsonio.describe_size(max_bytes)} allowed",
            response.status_code,
        )
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
        response.close()
        raise FhirInvalidResponse(
            f"{what}: the answer is encoded as {clean_text(encoding, limit=40)!r}, which was "
            f"not asked for ({ACCEPT_ENCODING})",
            response.status_code,
        )
    inflater = _Inflater(encoding) if encoding not in ("", "identity") else None
    body = bytearray()
    wire = 0
    try:
        for chunk in response.raw.stream(_CHUNK, decode_content=False):
            wire += len(chunk)
            if wire > max_bytes:
                raise too_large(what, max_bytes, response.status_code)
            if inflater is None:
                body += chunk
            else:
                for piece in inflater.feed(chunk, max_bytes - len(body)):
                    body += piece
                    if len(body) > max_bytes:
                        raise too_large(what, max_bytes, response.status_code, decompressed=True)
            if time.monotonic() > deadline:
                raise timed_out(what, deadline)
        if inflater is not None:
            inflater.finish()
    except FhirError:
        response.close()
        raise
    except zlib.error:
        response.close()
        raise FhirInvalidResponse(
            f"{what}: the answer says it is {encoding}-encoded but does not decompress as such",
            response.status_code,
        ) from None
    except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
        response.close()
        if (watch is not None and watch.fired) or time.monotonic() > deadline:
            raise timed_out(what, deadline) from None
        raise FhirTemporaryError(
            f"{what}: the answer broke off ({kind_of(exc) or 'the connection was cut'})",
            response.status_code,
        ) from None
    if watch is not None and watch.disarm():
        # The watchdog shut the socket: what came before may look complete (a header section
        # cut short reads as ended) but cannot be trusted.
        response.close()
        raise timed_out(what, deadline)
    response.raw.release_conn()  # read to the end: the connection can serve the next one
    return bytes(body)


def too_large(what: str, limit: int, status: int, *, decompressed: bool = False) -> FhirError:
    where = " once decompressed" if decompressed else ""
    return FhirInvalidResponse(
        f"{what}: the answer is larger{where} than the {jsonio.describe_size(limit)} allowed",
        status,
    )


def timed_out(what: str, deadline: float) -> FhirTimeout:
    return FhirTimeout(f"{what}: no complete answer by the deadline")


def kind_of(exc: BaseException) -> str:
    """What went wrong on the wire, in words (empty when it cannot be told): requests and
    urllib3 wrap their causes several layers deep, and their own texts carry URLs."""
    names = {
        "InvalidChunkLength": "invalid chunked encoding",
        "ChunkedEncodingError": "invalid chunked encoding",
        "IncompleteRead": "fewer bytes than announced",
        "NameResolutionError": "the host name does not resolve",
        "NewConnectionError": "refused or unreachable",
        "ConnectTimeoutError": "no connection within the connect timeout",
        "ReadTimeoutError": "no data within the read timeout",
        "SSLError": "a TLS error",
        "RemoteDisconnected": "the server closed the connection",
        "ProtocolError": "the connection was cut",
    }
    found: list[str] = []
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.extend(cls.__name__ for cls in type(current).__mro__)
        nested = [getattr(current, "reason", None), *current.args]
        pending.extend(e for e in nested if isinstance(e, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    # The most specific cause wins: the order of ``names`` runs from specific to general.
    return next((text for name, text in names.items() if name in found), "")
