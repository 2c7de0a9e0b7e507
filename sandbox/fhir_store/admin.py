"""Admin API outside the FHIR base (``/_admin``): settings, faults, request log, reset, loading.

Every endpoint speaks plain JSON. Errors are ``{"error": "..."}`` with status 400.

==========================  ==================================================================
``GET /_admin/settings``     ``{"latency_ms", "transactions", "batch", "conditional_create",
                             "auth_required", "write_refusals": [refusal, ...],
                             "search_requirements": [requirement, ...]}``
``PATCH /_admin/settings``   any subset of ``latency_ms``, ``transactions``, ``batch``,
                             ``conditional_create``, ``bearer_tokens`` (list),
                             ``write_refusals`` and ``search_requirements`` (lists that replace
                             the current ones); returns the settings
``GET /_admin/faults``       ``{"faults": [fault, ...]}`` still armed
``POST /_admin/faults``      arm one fault (201): ``{"kind": "fail"|"hang"|"fail-after", "count": 1,
                             "status": 503, "retry_after": null, "hang_seconds": 1.0,
                             "method": null, "path_prefix": null, "resource_type": null}``;
                             returns it with ``id`` and ``remaining``
``DELETE /_admin/faults``    disarm all (204)
``GET /_admin/requests``     ``{"count": n, "requests": [{"method", "path", "query", "status",
                             "time", "duration_ms"}, ...]}`` since the last reset
``DELETE /_admin/requests``  reset the log (204)
``GET /_admin/counts``       ``{"resources": {"Patient": 2, ...}, "total": n}``
``POST /_admin/reset``       optional ``{"data": true, "requests": true, "faults": true,
                             "settings": true}`` (all default true): data back to the seed,
                             log emptied, faults and settings back to the configuration
``POST /_admin/load``        a transaction or batch Bundle, loaded like seed data (no
                             switches, refusals, faults or auth); returns the response Bundle
==========================  ==================================================================

A refusal is ``{"resource_type": "Observation", "allowed_categories": ["laboratory",
"vital-signs"] | null, "status": 422}``; a search requirement is ``{"resource_type":
"Observation", "any_of": ["code", "category"]}``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from .bundles import process_bundle
from .config import FaultRule
from .engine import FhirStore
from .errors import FhirError

bp = Blueprint("fhir_store_admin", __name__, url_prefix="/_admin")


def _store() -> FhirStore:
    return current_app.extensions["fhir_store"]


def _json_body(*, required: bool = True) -> Any:
    data = request.get_data(cache=True)
    if not data:
        if required:
            raise _AdminError("a JSON body is required")
        return {}
    try:
        return json.loads(data)
    except ValueError as exc:
        raise _AdminError(f"the body is not valid JSON: {exc}") from exc


class _AdminError(Exception):
    """A bad admin request (answered with 400)."""


@bp.errorhandler(_AdminError)
def _admin_error(error: _AdminError) -> tuple[Response, int]:
    return jsonify({"error": str(error)}), 400


@bp.get("/settings")
def get_settings() -> Response:
    """Return the run-time settings."""
    return jsonify(_settings())


@bp.patch("/settings")
def patch_settings() -> Response:
    """Change some run-time settings."""
    changes = _json_body()
    if not isinstance(changes, dict):
        raise _AdminError("settings must be a JSON object")
    try:
        _store().controls.update_settings(changes)
    except (ValueError, TypeError) as exc:
        raise _AdminError(str(exc)) from exc
    return jsonify(_settings())


def _settings() -> dict[str, Any]:
    settings = _store().controls.settings_json()
    settings["auth_required"] = settings["auth_required"] or _store().access_policy is not None
    return settings


@bp.get("/faults")
def list_faults() -> Response:
    """Return the armed faults."""
    return jsonify({"faults": _store().controls.faults_json()})


@bp.post("/faults")
def add_fault() -> tuple[Response, int]:
    """Arm one fault rule."""
    data = _json_body()
    if not isinstance(data, dict) or "kind" not in data:
        raise _AdminError("a fault needs at least a 'kind' ('fail', 'hang' or 'fail-after')")
    try:
        rule = FaultRule.from_json(data)
    except (ValueError, TypeError) as exc:
        raise _AdminError(str(exc)) from exc
    return jsonify(_store().controls.arm_fault(rule).to_json()), 201


@bp.delete("/faults")
def clear_faults() -> tuple[str, int]:
    """Disarm every fault."""
    _store().controls.clear_faults()
    return "", 204


@bp.get("/requests")
def list_requests() -> Response:
    """Return the request log."""
    return jsonify(_store().controls.requests_json())


@bp.delete("/requests")
def clear_requests() -> tuple[str, int]:
    """Reset the request log."""
    _store().controls.reset_requests()
    return "", 204


@bp.get("/counts")
def counts() -> Response:
    """Return how many resources of each type are stored."""
    per_type = _store().data.counts()
    return jsonify({"resources": per_type, "total": sum(per_type.values())})


@bp.post("/reset")
def reset() -> Response:
    """Reset data, request log, faults and settings (each can be skipped)."""
    options = _json_body(required=False)
    if not isinstance(options, dict) or not set(options) <= {
        "data",
        "requests",
        "faults",
        "settings",
    }:
        raise _AdminError("reset takes {'data', 'requests', 'faults', 'settings'} booleans")
    store = _store()
    done = []
    if options.get("data", True):
        store.reset_data()
        done.append("data")
    if options.get("requests", True):
        store.controls.reset_requests()
        done.append("requests")
    if options.get("faults", True):
        store.controls.reset_faults()
        done.append("faults")
    if options.get("settings", True):
        store.controls.reset_settings()
        done.append("settings")
    return jsonify({"reset": done, "resources": store.data.counts()})


@bp.post("/load")
def load() -> tuple[Response, int]:
    """Load a Bundle the way seed files are loaded."""
    bundle = _json_body()
    base_url = request.host_url.rstrip("/") + _store().config.base_path
    try:
        result = process_bundle(_store(), bundle, base_url, enforce_rules=False)
    except FhirError as exc:
        return jsonify(exc.outcome()), exc.status
    return jsonify(result.body), result.status


def register_admin_api(app: Flask) -> None:
    """Add the admin blueprint to ``app``."""
    app.register_blueprint(bp)
