"""Application factory of the sandbox FHIR store."""

from __future__ import annotations

from flask import Flask

from .access import AccessPolicy
from .admin import register_admin_api
from .api import register_fhir_api
from .config import StoreConfig
from .engine import FhirStore
from .seeding import seed_store

EXTENSION_KEY = "fhir_store"


def create_app(
    config: StoreConfig | None = None, *, access_policy: AccessPolicy | None = None
) -> Flask:
    """Create a Flask app serving an in-memory FHIR R4 store, seeded from ``config.seed_dir``.

    With ``access_policy`` every FHIR request (except the policy's open paths) needs a token the
    policy accepts, and its scopes limit what the request may read and write; the static
    ``bearer_tokens`` of the configuration are then not used.

    Raises:
        SeedError: a seed file does not load (fail at start-up rather than serve half a chart).
        ValueError: the configuration names resource types that are not R4B types.
    """
    config = config or StoreConfig()
    fhir = FhirStore(config)
    seed_store(fhir, config.seed_dir)
    fhir.access_policy = access_policy
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION_KEY] = fhir
    register_fhir_api(app, fhir)
    register_admin_api(app)
    return app


def store_of(app: Flask) -> FhirStore:
    """Return the :class:`FhirStore` behind an app made by :func:`create_app`.

    Tests that use the Flask test client can reach the data, controls and request log directly.
    """
    return app.extensions[EXTENSION_KEY]
