"""Serving the sandbox EHR on a loopback port: ``serve_ehr`` and ``running_ehr`` for tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from sandbox.fhir_store import FhirStore, serve_store, store_of
from sandbox.smart_auth import AUTH_PREFIX, SmartAuthServer

from .app import EhrConfig, auth_of, create_ehr_app


@dataclass(frozen=True, slots=True)
class RunningEhr:
    """A sandbox EHR served in a background thread.

    Attributes:
        root_url: the server root, e.g. ``http://127.0.0.1:43127`` (the EHR page is there).
        fhir_base: the FHIR base (``iss`` of launches, ``aud`` of authorization requests).
        auth_url: the authorization server's root (``.../auth``; endpoints below it).
        admin_url: the FHIR store's admin API.
        app: the Flask app.
        store: the FHIR store (data, controls, request log).
        auth: the authorization server (clients, users, launches, tokens).
    """

    root_url: str
    fhir_base: str
    auth_url: str
    admin_url: str
    app: Flask
    store: FhirStore
    auth: SmartAuthServer

    @property
    def smart_configuration_url(self) -> str:
        """Where SMART discovery is (``{fhir_base}/.well-known/smart-configuration``)."""
        return self.fhir_base + "/.well-known/smart-configuration"


@contextmanager
def serve_ehr(
    config: EhrConfig | None = None, *, app: Flask | None = None, host: str = "127.0.0.1"
) -> Iterator[RunningEhr]:
    """Serve a sandbox EHR on a free port of ``host`` in a background thread; stop it on exit.

    Args:
        config: configuration for a new app (ignored when ``app`` is given).
        app: an app from :func:`create_ehr_app` to serve instead.
        host: interface to bind.
    """
    app = app or create_ehr_app(config)
    with serve_store(app=app, host=host) as running:
        root = running.admin_url.removesuffix("/_admin")
        yield RunningEhr(
            root_url=root,
            fhir_base=running.base_url,
            auth_url=root + AUTH_PREFIX,
            admin_url=running.admin_url,
            app=app,
            store=store_of(app),
            auth=auth_of(app),
        )


@contextmanager
def running_ehr(config: EhrConfig | None = None) -> Iterator[str]:
    """Serve a new sandbox EHR on ``127.0.0.1``; yield its root URL (the EHR page)."""
    with serve_ehr(config) as running:
        yield running.root_url
