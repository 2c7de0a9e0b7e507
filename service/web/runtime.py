"""What a running app holds (settings, shared store, FHIR credentials) and how views reach it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from flask import Flask, current_app

from service.config import Settings
from service.errors import NotConfigured
from service.fhir.auth import Auth
from service.fhir.client import FhirClient
from service.storage.keyvalue import KeyValueStore

EXTENSION = "noms-cds"
EHR_CLIENT: Final = "noms-cds.ehr-client"
_ehr_client_lock = threading.Lock()


@dataclass(frozen=True)
class Runtime:
    """The objects built once by ``create_app`` and shared by every request.

    Attributes:
        settings: The validated settings.
        store: The store shared by all workers and replicas.
        fhir_auth: Credentials for the EHR named by ``NOMS_FHIR_BASE_URL``, when configured.
        clock: Seconds since the epoch (tests set the clock back).
    """

    settings: Settings
    store: KeyValueStore
    fhir_auth: Auth | None = None
    clock: Callable[[], float] = field(default=time.time)


def attach(app: Flask, runtime: Runtime) -> None:
    """Make ``runtime`` reachable from the views of ``app``."""
    app.extensions[EXTENSION] = runtime


def runtime() -> Runtime:
    """The runtime of the app handling the current request."""
    return current_app.extensions[EXTENSION]


def ehr_client(needed_by: str) -> FhirClient:
    """The app's client for the EHR of ``NOMS_FHIR_BASE_URL``, made once per app (it keeps what
    it learns of the server's capabilities), with the service's credentials and the configured
    limits (``NOMS_FHIR_<LIMIT>``). Shared by the API's live assessments and the Subscription
    notifications.

    Raises:
        NotConfigured: no EHR is configured; ``needed_by`` names what needs one.
    """
    settings = runtime().settings
    if settings.fhir_base_url is None:
        raise NotConfigured(f"{needed_by} need NOMS_FHIR_BASE_URL (the EHR to read from)")
    with _ehr_client_lock:
        client = current_app.extensions.get(EHR_CLIENT)
        if client is None:
            client = FhirClient(
                settings.fhir_base_url, runtime().fhir_auth, limits=settings.fhir_limits
            )
            current_app.extensions[EHR_CLIENT] = client
    return client
