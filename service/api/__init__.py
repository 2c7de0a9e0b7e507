"""The JSON API blueprint: health, readiness and metrics (the assessment routes join it).

Every route is documented in ``openapi.yaml``; errors are FHIR OperationOutcomes
(``service/web/errors.py``). Every route but health, readiness and metrics needs an API key
(``service/api/auth.py``).
"""

from __future__ import annotations

import logging

from flask import Response, jsonify

from service.api import (
    assessments,  # noqa: F401  (its routes join the blueprint)
    auth,  # noqa: F401  (the API key check, before every route but the probes)
    questionnaire_responses,  # noqa: F401  (the structured-report route)
)
from service.api import worklist as _worklist  # noqa: F401  (its routes join the blueprint)
from service.api.blueprint import bp
from service.storage.keyvalue import StoreUnavailable
from service.web import metrics
from service.web.runtime import runtime

log = logging.getLogger("noms_cds.http")


@bp.get("/healthz")
def health() -> Response:
    """Liveness: the process answers requests."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def ready() -> Response:
    """Readiness: settings loaded and the shared store answering; 503 otherwise."""
    checks = {"settings": "ok", "store": "ok"}
    try:
        runtime().store.ping()
    except StoreUnavailable as exc:
        log.warning("store not ready", extra={"event": "readiness", "error": str(exc)})
        checks["store"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    response = jsonify({"status": "ready" if ready else "not-ready", "checks": checks})
    response.status_code = 200 if ready else 503
    return response


@bp.get("/metrics")
def metrics_view() -> Response:
    """Prometheus metrics of every worker."""
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
