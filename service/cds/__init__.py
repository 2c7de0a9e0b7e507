"""CDS Hooks 2.0 blueprint: discovery, service calls and feedback, each call's JWT verified.

Routes (CDS Hooks 2.0 §Discovery, §Calling a CDS Service, §Feedback):

- ``GET /cds-services``: the registered services (open unless
  ``NOMS_CDS_DISCOVERY_REQUIRES_JWT``: discovery holds nothing sensitive);
- ``POST /cds-services/{id}``: JWT checked (``aud`` = this URL), body checked
  (``service/cds/hooks.py``), then the service's handler answers;
- ``POST /cds-services/{id}/feedback``: JWT checked (``aud`` = this URL), items checked, then
  the service's feedback handler takes them (404 for a service that takes no feedback).

Errors are answered by ``service/web/errors.py`` (401 without detail, 412, 400...).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request

from service.cds.hooks import parse_feedback, parse_hook_request
from service.cds.jwks import KeySource
from service.cds.jwt import JwtVerifier, VerifiedCaller
from service.cds.registry import CdsService, Registry
from service.web.body import read_json
from service.web.runtime import Runtime, runtime

EXTENSION = "noms-cds.cds"
PREFIX = "/cds-services"

bp = Blueprint("cds", __name__, url_prefix=PREFIX)


@dataclass(frozen=True)
class CdsRuntime:
    """The CDS side of a running app: which services it offers and who may call them."""

    registry: Registry
    verifier: JwtVerifier


def cds_runtime() -> CdsRuntime:
    """The CDS runtime of the app handling the current request (or of ``current_app``)."""
    return current_app.extensions[EXTENSION]


def verifier_for(state: Runtime) -> JwtVerifier:
    """The JWT verifier of CDS calls: the configured issuers, their keys cached in the
    runtime's store, every ``jti`` recorded there against replay."""
    keys = KeySource(state.store, state.settings.cds_jwks_cache_seconds, clock=state.clock)
    return JwtVerifier(state.settings, state.store, keys, clock=state.clock)


def install(app: Flask, state: Runtime) -> CdsRuntime:
    """Register the blueprint; the app starts with no service (see ``Registry.register``)."""
    cds = CdsRuntime(Registry(), verifier_for(state))
    app.extensions[EXTENSION] = cds
    app.register_blueprint(bp)
    return cds


def _verify(path: str) -> VerifiedCaller:
    audience = runtime().settings.endpoint_url(path)
    return cds_runtime().verifier.verify(request.headers.get("Authorization"), audience)


def _service(service_id: str) -> CdsService:
    service = cds_runtime().registry.get(service_id)
    if service is None:
        abort(404)
    return service


def _checked(answer: Any, service_id: str) -> dict[str, Any]:
    # A handler's mistake must be a 500, never a malformed 200 an EHR could read as "no advice".
    if not isinstance(answer, dict) or not isinstance(answer.get("cards"), list):
        raise TypeError(f"the handler of {service_id} did not return a CDS response")
    return answer


@bp.get("")
def discovery() -> Response:
    """The services on offer."""
    if runtime().settings.cds_discovery_requires_jwt:
        _verify(PREFIX)
    return jsonify(cds_runtime().registry.discovery())


@bp.post("/<service_id>")
def call(service_id: str) -> Response:
    """One call of a service."""
    service = _service(service_id)
    caller = _verify(f"{PREFIX}/{service_id}")
    hook_request = parse_hook_request(read_json(), service.description, caller)
    return jsonify(_checked(service.handle(hook_request), service_id))


@bp.post("/<service_id>/feedback")
def feedback(service_id: str) -> Response:
    """Feedback on the cards of a service."""
    service = _service(service_id)
    if service.feedback is None:
        abort(404)
    _verify(f"{PREFIX}/{service_id}/feedback")
    service.feedback(service_id, parse_feedback(read_json()))
    return Response(status=200)
