"""The one place where errors become HTTP answers, for each surface.

- API (``/api``, health, metrics, unknown paths): a FHIR OperationOutcome
  (``application/fhir+json``) for every error (FHIR R4 http.html).
- CDS Hooks (``/cds-services...``): 401 with no detail on any authentication failure (CDS Hooks
  2.0 §Trusting CDS Clients), 412 when the data can be had neither from prefetch nor from the
  FHIR server (§Prefetch), 400 for a malformed request; other errors carry an OperationOutcome
  in ``application/json`` (the body CDS Hooks 3.0 recommends; 2.0 leaves bodies open).

Messages written for a caller (``RequestError`` and kin) are shown; an error of ours or of a FHIR
server is answered with its code only, and a 500 with nothing but the request id.
"""

from __future__ import annotations

import json
import logging
from typing import Final, NamedTuple

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from service.domain.errors import InvalidInput as InvalidClinicalInput
from service.errors import (
    ConfigurationError,
    DataUnavailable,
    FhirAuthError,
    FhirError,
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
    FhirTemporaryError,
    InvalidJson,
    JsonTooDeep,
    JsonTooLarge,
    NotConfigured,
    RequestError,
    ServiceError,
    Unauthenticated,
    UnsupportedMediaType,
)
from service.fhir.extract import InvalidInput as InvalidFhirInput
from service.storage.keyvalue import StoreUnavailable

log = logging.getLogger("noms_cds.http")

API_MEDIA_TYPE: Final = "application/fhir+json"
CDS_MEDIA_TYPE: Final = "application/json"
CDS_PREFIX: Final = "/cds-services"


class Answer(NamedTuple):
    """How one kind of error is answered: status on the API, status on CDS, issue type."""

    api: int
    cds: int
    issue: str  # FHIR IssueType (http://hl7.org/fhir/issue-type)
    shown: bool  # whether the message is written for the caller


# Looked up along the exception's class hierarchy: the most specific class listed wins.
ANSWERS: Final[dict[type[Exception], Answer]] = {
    JsonTooLarge: Answer(413, 413, "too-long", True),
    JsonTooDeep: Answer(400, 400, "structure", True),
    InvalidJson: Answer(400, 400, "structure", True),
    UnsupportedMediaType: Answer(415, 415, "not-supported", True),
    RequestError: Answer(400, 400, "invalid", True),
    InvalidFhirInput: Answer(422, 400, "processing", True),
    InvalidClinicalInput: Answer(422, 400, "business-rule", True),
    Unauthenticated: Answer(401, 401, "login", False),
    DataUnavailable: Answer(502, 412, "not-found", True),
    NotConfigured: Answer(501, 501, "not-supported", True),
    FhirNotFound: Answer(404, 412, "not-found", False),
    FhirAuthError: Answer(502, 412, "security", False),
    FhirTemporaryError: Answer(503, 503, "transient", False),
    FhirRequestError: Answer(502, 412, "processing", False),
    FhirInvalidResponse: Answer(502, 412, "invalid", False),
    FhirError: Answer(502, 412, "exception", False),
    StoreUnavailable: Answer(503, 503, "transient", False),
    ConfigurationError: Answer(500, 500, "exception", False),
    ServiceError: Answer(500, 500, "exception", False),
}
HTTP_ISSUES: Final = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    413: "too-long",
    415: "not-supported",
    501: "not-supported",
}


def answer_for(error: Exception) -> Answer:
    """How ``error`` is answered (an error nobody listed is a 500)."""
    for kind in type(error).__mro__:
        if kind in ANSWERS:
            return ANSWERS[kind]
    return Answer(500, 500, "exception", False)


def on_cds_route() -> bool:
    """Whether the current request is for a CDS Hooks route."""
    return request.path == CDS_PREFIX or request.path.startswith(CDS_PREFIX + "/")


def operation_outcome(issue: str, diagnostics: str, severity: str = "error") -> dict[str, object]:
    """An OperationOutcome with one issue."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": issue, "diagnostics": diagnostics}],
    }


def _respond(status: int, issue: str, diagnostics: str, headers=()) -> Response:
    cds = on_cds_route()
    if cds and status == 401:
        return Response(b"", 401, headers={"WWW-Authenticate": "Bearer"})
    body = json.dumps(operation_outcome(issue, diagnostics))
    response = Response(body, status, mimetype=CDS_MEDIA_TYPE if cds else API_MEDIA_TYPE)
    for name, value in headers:
        response.headers[name] = value
    return response


def _request_id() -> str:
    return getattr(g, "request_id", "-")


def handle_service_error(error: ServiceError) -> Response:
    """A ServiceError (or a refusal of the clinical core) as the surface's answer."""
    answer = answer_for(error)
    status = answer.cds if on_cds_route() else answer.api
    if isinstance(error, Unauthenticated):
        log.warning("authentication refused", extra={"event": "auth", "reason": error.reason})
    elif status >= 500:
        log.error("request failed", extra={"error": getattr(error, "code", "")}, exc_info=error)
    else:
        log.info("request refused", extra={"error": getattr(error, "code", "")})
    headers: list[tuple[str, str]] = []
    if answer.shown:
        diagnostics = str(error)
    elif isinstance(error, Unauthenticated):
        diagnostics = error.public
        headers.append(("WWW-Authenticate", error.challenge))
    elif status == 401:
        diagnostics = "authentication required"
    else:
        code = getattr(error, "code", "error")
        diagnostics = f"the request could not be completed ({code}); request id {_request_id()}"
    return _respond(status, answer.issue, diagnostics, headers)


def handle_http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (404, 405, 413...) in the surface's form, keeping headers like Allow."""
    status = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return _respond(
        status, HTTP_ISSUES.get(status, "processing"), f"{status} {error.name}", headers
    )


def handle_unexpected(error: Exception) -> Response:
    """Anything else: a 500 that names only the request id; the log has the stack."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    log.error("unexpected error", extra={"error": type(error).__name__}, exc_info=error)
    return _respond(500, "exception", f"internal error; request id {_request_id()}")


def register(app: Flask) -> None:
    """Install the handlers on ``app``."""
    app.register_error_handler(HTTPException, handle_http_error)
    for kind in ANSWERS:
        app.register_error_handler(kind, handle_service_error)
    app.register_error_handler(Exception, handle_unexpected)
