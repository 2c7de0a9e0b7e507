"""The SMART on FHIR app embedded in the EHR chart (docs/smart-app.md).

Launch (EHR and standalone), sessions kept on the server, the assessment page with its
completion form, and saving to the chart; built on ``service.workflow`` and the FHIR client.
``install`` is called by ``service.create_app``, the only place that knows both packages.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from service.web.runtime import Runtime


def install(app: Flask, runtime: Runtime) -> None:
    """Register the SMART app on ``app``, with its OAuth client and session store.

    Raises:
        AuthConfigurationError: the private key of a confidential-asymmetric app is unusable.
    """
    from service.config import SMART_CALLBACK_PATH
    from service.fhir.auth import algorithm_for, load_signing_key
    from service.fhir.clients import FhirClients
    from smart_app import worklist  # noqa: F401  (the worklist page joins the blueprint)
    from smart_app.launch import SmartRuntime
    from smart_app.oauth import SmartOAuthClient
    from smart_app.sessions import SessionStore
    from smart_app.views import EXTENSION, bp

    settings = runtime.settings
    smart = settings.smart
    key = None
    if smart.private_key_file is not None:
        key = load_signing_key(smart.private_key_file, smart.key_id)
        algorithm_for(key)  # RS384 or ES384 only: refuse any other key at start-up
    oauth = SmartOAuthClient(
        smart, settings.public_base_url + SMART_CALLBACK_PATH, key, clock=runtime.clock
    )
    sessions = SessionStore(runtime.store, smart.session_lifetime)
    app.extensions[EXTENSION] = SmartRuntime(
        settings,
        runtime.store,
        sessions,
        oauth,
        FhirClients(settings.fhir_limits),
        clock=runtime.clock,
    )
    app.register_blueprint(bp)
    if not smart.issuers:
        logging.getLogger("noms_cds").warning(
            "no EHR may launch the SMART app (NOMS_SMART_ISSUERS is empty): every launch is refused"
        )
