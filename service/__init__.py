"""NOMS-CDS service: FHIR in, spinal-metastasis scores and a NOMS recommendation out.

``create_app`` is the composition root of the web service (``gunicorn "service:create_app()"``).
Its imports stay inside the function: importing ``service`` (the CLI, ``service/gunicorn_conf.py``)
must not import Flask's app or prometheus-client before gunicorn sets up multiprocess metrics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from service.version import __version__

__all__ = ["__version__", "create_app"]

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web service.

    Args:
        test_config: Settings for a test, by variable name without the ``NOMS_`` prefix
            (``{"STATE_DIR": tmp_path, ...}``), plus any Flask keys (``TESTING``). When given,
            the environment is not read; when None, settings come from ``NOMS_`` variables.

    Raises:
        ConfigurationError: a setting cannot work (one line naming the variable).
    """
    import logging

    from flask import Flask

    import smart_app
    from service import api, cds
    from service.alerts import endpoint as alerts_endpoint
    from service.cds import services
    from service.config import VARIABLES, load_settings
    from service.fhir.auth import backend_services_from_config
    from service.storage.database import normalize_url
    from service.storage.keyvalue import open_store
    from service.web import pipeline
    from service.web.runtime import Runtime

    settings = load_settings(test_config, prefix="") if test_config is not None else load_settings()
    normalize_url(settings.database_url)  # a database that cannot work stops start-up now
    app = Flask(__name__, static_folder=None)  # no files served; smart_app brings its own
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if test_config is not None:
        names = {v.name for v in VARIABLES} | {v.name + "_FILE" for v in VARIABLES}
        app.config.from_mapping({k: v for k, v in test_config.items() if k not in names})
    settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fhir_auth = None
    if settings.fhir_backend_config is not None:
        fhir_auth = backend_services_from_config(settings.fhir_backend_config)
    runtime = Runtime(settings, open_store(settings), fhir_auth)
    pipeline.install(app, runtime)
    cds.install(app, runtime)
    with app.app_context():
        services.register(runtime)
    app.register_blueprint(api.bp)
    alerts_endpoint.install(app, runtime)
    smart_app.install(app, runtime)
    if not settings.cds_issuers:
        logging.getLogger("noms_cds").warning(
            "no CDS client is trusted (NOMS_CDS_ISSUERS is empty): every CDS call will be a 401"
        )
    if not settings.api_keys:
        logging.getLogger("noms_cds").warning(
            "no API client is allowed (NOMS_API_KEYS is empty): every /api call but the probes, "
            "and the worklist page, will be a 401"
        )
    return app
