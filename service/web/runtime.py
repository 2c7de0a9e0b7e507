"""What a running app holds (settings, shared store, FHIR credentials) and how views reach it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

from service.config import Settings
from service.fhir.auth import Auth
from service.storage.keyvalue import KeyValueStore

EXTENSION = "noms-cds"


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
