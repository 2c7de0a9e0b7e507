"""The sandbox EHR in one Flask app: FHIR store (``/fhir``), SMART server (``/auth``), EHR page."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from sandbox.fhir_store import FhirError, FhirStore, StoreConfig, create_app, store_of
from sandbox.fhir_store.bundles import process_bundle
from sandbox.fhir_store.search import parse_search
from sandbox.smart_auth import AuthConfig, ClientKind, ClientRegistration, SmartAuthServer

from .pages import register_pages
from .patients import StoreDirectory, demo_patients_dir
from .reports import register_report_pages

#: Client id under which the NOMS-CDS SMART app is registered unless told otherwise.
NOMS_APP_CLIENT_ID = "noms-cds-smart-app"
AUTH_EXTENSION_KEY = "smart_auth"


def _demo_store() -> StoreConfig:
    return StoreConfig(seed_dir=demo_patients_dir())


@dataclass(frozen=True, slots=True)
class EhrConfig:
    """Everything the sandbox EHR is started with.

    Attributes:
        store: the FHIR store's configuration (seeded with the demo patients by default).
        auth: users, clients and lifetimes of the authorization server.
        smart: whether the FHIR store requires this server's tokens (``False`` leaves it open,
            or protected by ``store.bearer_tokens`` as before).
        clock: epoch seconds for codes, launches and tokens; tests move it.
    """

    store: StoreConfig = field(default_factory=_demo_store)
    auth: AuthConfig = field(default_factory=AuthConfig)
    smart: bool = True
    clock: Callable[[], float] = field(default=time.time, compare=False)


def app_registration(
    launch_url: str,
    redirect_uris: Sequence[str],
    *,
    client_id: str = NOMS_APP_CLIENT_ID,
    kind: ClientKind = "public",
    client_secret: str | None = None,
    jwks: Mapping[str, Any] | None = None,
    name: str = "NOMS-CDS",
) -> ClientRegistration:
    """The registration of a SMART app the EHR page can launch (e.g. the NOMS-CDS app).

    The launch URL and redirect URIs are parameters because the app's port is chosen at run time
    (tests, ``make demo``).
    """
    return ClientRegistration(
        client_id=client_id,
        kind=kind,
        name=name,
        redirect_uris=tuple(redirect_uris),
        launch_url=launch_url,
        client_secret=client_secret,
        jwks=jwks,
    )


def params_supported(resource_type: str, params: Sequence[tuple[str, str]]) -> bool:
    """Whether the store can check these search parameters (granular scopes need it)."""
    try:
        parse_search(resource_type, params, default_count=1, max_count=1, strict=True)
    except FhirError:
        return False
    return True


def _seed_practitioners(fhir: FhirStore, auth: SmartAuthServer) -> None:
    """Store a Practitioner per sandbox user (so ``fhirUser`` resolves), then re-mark the seed."""
    entries = [
        {
            "resource": user.practitioner(),
            "request": {"method": "PUT", "url": f"Practitioner/{user.practitioner_id}"},
        }
        for user in auth.users.values()
    ]
    if entries:
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        process_bundle(fhir, bundle, "", enforce_rules=False)
    fhir.data.mark_baseline()  # /_admin/reset keeps the users


def create_ehr_app(config: EhrConfig | None = None) -> Flask:
    """Create the sandbox EHR: store, authorization server and EHR page on one app.

    Raises:
        SeedError: a seed file does not load.
        ValueError: an invalid configuration.
    """
    config = config or EhrConfig()
    app = create_app(config.store)
    fhir = store_of(app)
    auth = SmartAuthServer(
        config.auth,
        StoreDirectory(fhir),
        fhir_base_path=config.store.base_path,
        params_supported=params_supported,
        clock=config.clock,
    )
    _seed_practitioners(fhir, auth)
    if config.smart:
        fhir.access_policy = auth.access_policy
    auth.init_app(app)
    register_pages(app, auth)
    register_report_pages(app, auth, fhir)
    app.extensions[AUTH_EXTENSION_KEY] = auth
    return app


def auth_of(app: Flask) -> SmartAuthServer:
    """Return the authorization server of an app made by :func:`create_ehr_app`."""
    return app.extensions[AUTH_EXTENSION_KEY]
