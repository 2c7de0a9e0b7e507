"""Serving the store over HTTP: the werkzeug server, request logging, ``running_store``."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from .app import create_app, store_of
from .config import StoreConfig
from .engine import FhirStore

http_logger = logging.getLogger("sandbox.fhir_store.http")
_QUERY_RE = re.compile(r"\?\S*")


class QuietRequestHandler(WSGIRequestHandler):
    """Logs one line per request, without the query string.

    Search URLs carry patient ids (``Observation?patient=...``), so neither queries nor bodies
    go to the log.
    """

    protocol_version = "HTTP/1.1"  # keep-alive, as real servers; werkzeug's default is 1.0

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log ``METHOD path status``."""
        path = getattr(self, "path", "")
        http_logger.info("%s %s %s", self.command, _QUERY_RE.sub("", path), code)

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 (base class signature)
        """Log a protocol error with any query string cut out."""
        http_logger.warning("%s", _QUERY_RE.sub("", format % args))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (base class signature)
        """Log a message with any query string cut out."""
        http_logger.info("%s", _QUERY_RE.sub("", format % args))


class StoreServer(ThreadedWSGIServer):
    """Threaded werkzeug server that does not wait for open keep-alive connections on close."""

    # socketserver joins every request thread in server_close(); an idle keep-alive connection
    # from a test's requests.Session would then block shutdown forever.
    block_on_close = False


def make_server(app: Flask, host: str = "127.0.0.1", port: int = 0) -> StoreServer:
    """Bind a threaded server for ``app`` (port 0 picks a free port)."""
    return StoreServer(host, port, app, handler=QuietRequestHandler)


@dataclass(frozen=True, slots=True)
class RunningStore:
    """A store served in a background thread.

    Attributes:
        base_url: the FHIR base, e.g. ``http://127.0.0.1:43127/fhir``.
        admin_url: the admin API root, e.g. ``http://127.0.0.1:43127/_admin``.
        app: the Flask app.
        store: the :class:`FhirStore` behind it (data, controls, request log).
    """

    base_url: str
    admin_url: str
    app: Flask
    store: FhirStore


@contextmanager
def serve_store(
    config: StoreConfig | None = None,
    *,
    app: Flask | None = None,
    host: str = "127.0.0.1",
) -> Iterator[RunningStore]:
    """Serve a store on a free loopback port in a background thread; stop it on exit.

    Args:
        config: configuration for a new app (ignored when ``app`` is given).
        app: an app from :func:`create_app` to serve instead of a new one.
        host: interface to bind.
    """
    app = app or create_app(config)
    fhir = store_of(app)
    server = make_server(app, host, 0)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"sandbox-fhir-store-{server.server_port}",
        daemon=True,
    )
    thread.start()
    root = f"http://{host}:{server.server_port}"
    try:
        yield RunningStore(root + fhir.config.base_path, root + "/_admin", app, fhir)
    finally:
        fhir.shutdown.set()  # wake requests that sleep for latency or a hang fault
        server.shutdown()
        thread.join(timeout=10)
        fhir.shutdown.clear()


@contextmanager
def running_store(config: StoreConfig | None = None) -> Iterator[str]:
    """Serve a new store on ``127.0.0.1`` and a free port; yield its FHIR base URL.

    The admin API is at the same host under ``/_admin``; use :func:`serve_store` to get its URL
    and the store object as well.
    """
    with serve_store(config) as running:
        yield running.base_url
