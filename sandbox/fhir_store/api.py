"""HTTP layer of the FHIR API: routes under the base path, auth, latency, faults, request log."""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date

from .access import reset_access, set_access
from .bundles import process_bundle
from .capability import capability_statement
from .engine import FhirStore, Result
from .errors import FhirError, operation_outcome

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
# application/json+fhir is the DSTU2 spelling, still sent by some clients.
_JSON_TYPES = frozenset({FHIR_JSON, "application/json", "application/json+fhir"})
_RETURN_PREFERENCES = ("minimal", "representation", "OperationOutcome")


def fhir_response(
    body: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Serialise a FHIR JSON body (or nothing) as ``application/fhir+json``."""
    data = json.dumps(body, ensure_ascii=False) if body is not None else ""
    response = Response(data, status=status, headers=headers or {})
    response.content_type = f"{FHIR_JSON}; charset=utf-8"
    return response


def _read_body() -> Any:
    mimetype = request.mimetype
    if mimetype and mimetype not in _JSON_TYPES:
        raise FhirError(
            415, f"Content-Type {mimetype} is not supported; send {FHIR_JSON}", code="not-supported"
        )
    data = request.get_data(cache=True)
    if not data:
        raise FhirError(400, "the request has no body", code="required")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise FhirError(400, f"the body is not valid JSON: {exc}", code="structure") from exc


def _prefer() -> tuple[str | None, bool]:
    """Return (``return`` preference, strict handling) from the ``Prefer`` header (RFC 7240)."""
    returned = None
    strict = False
    for header in request.headers.getlist("Prefer"):
        for token in header.replace(";", ",").split(","):
            key, _, value = token.strip().partition("=")
            value = value.strip().strip('"')
            if key.strip() == "return" and value in _RETURN_PREFERENCES:
                returned = value
            elif key.strip() == "handling":
                strict = value == "strict"
    return returned, strict


def _version_headers(result: Result, base_url: str, *, location: bool) -> dict[str, str]:
    version = result.version
    if version is None:
        return {}
    headers = {"ETag": version.etag, "Last-Modified": http_date(version.last_updated)}
    if location:
        headers["Location"] = f"{base_url}/{version.history_path}"
    return headers


def _write_response(result: Result, base_url: str, prefer_return: str | None) -> Response:
    # R4 http.html "Managing Return Content": Prefer return=minimal | representation |
    # OperationOutcome; without it the server chooses, and the sandbox returns the resource.
    if prefer_return == "minimal":
        body = None
    elif prefer_return == "OperationOutcome":
        verb = {201: "created"}.get(
            result.status, "updated" if request.method == "PUT" else "found"
        )
        reference = result.version.reference if result.version else "resource"
        body = operation_outcome(
            f"{reference} {verb}", severity="information", code="informational"
        )
    else:
        body = result.body
    headers = _version_headers(result, base_url, location=True)
    return fhir_response(body, result.status, headers)


def register_fhir_api(app: Flask, fhir: FhirStore) -> None:
    """Add the FHIR routes, hooks and error handlers for ``fhir`` to ``app``."""
    base = fhir.config.base_path

    def base_url() -> str:
        """Absolute FHIR base of the current request."""
        return request.host_url.rstrip("/") + base

    def is_fhir_path(path: str) -> bool:
        """Whether a request path is under the FHIR base."""
        return path == base or path.startswith(base + "/")

    @app.before_request
    def _before_fhir_request() -> Response | None:
        if not is_fhir_path(request.path):
            return None
        g.fhir_started = time.perf_counter()
        relative = request.path[len(base) :].lstrip("/")
        with fhir.controls.lock:
            latency_ms = fhir.controls.latency_ms
            tokens = fhir.controls.bearer_tokens
        if latency_ms:
            fhir.shutdown.wait(latency_ms / 1000)
        rule = fhir.controls.take_fault(request.method, relative)
        if rule is not None and rule.kind == "hang":
            fhir.shutdown.wait(rule.hang_seconds)
        elif rule is not None and rule.kind == "fail-after":
            g.fail_after = rule  # carried out below, then answered with the failure
        elif rule is not None:
            headers = {}
            if rule.retry_after is not None:
                headers["Retry-After"] = str(rule.retry_after)
            raise FhirError(rule.status, "injected fault (sandbox fault rule)", headers=headers)
        policy = fhir.access_policy
        if policy is not None:
            # SMART mode: the policy's tokens, with their scopes; discovery stays open.
            if relative.rstrip("/") not in policy.open_paths():
                access = policy.authenticate(request.headers.get("Authorization"))
                g.fhir_access_token = set_access(access)
            return None
        # /metadata stays open, as on SMART servers: clients read it before they have a token.
        if tokens and relative != "metadata":
            scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
            accepted = scheme.lower() == "bearer" and any(
                hmac.compare_digest(presented.strip().encode(), token.encode()) for token in tokens
            )
            if not accepted:
                raise FhirError(
                    401,
                    "a valid bearer token is required",
                    code="login",
                    headers={"WWW-Authenticate": 'Bearer realm="sandbox-fhir-store"'},
                )
        return None

    @app.teardown_request
    def _forget_fhir_access(_error: BaseException | None) -> None:
        token = g.pop("fhir_access_token", None)
        if token is not None:
            reset_access(token)

    @app.after_request
    def _log_fhir_request(response: Response) -> Response:
        failing = g.pop("fail_after", None)
        if failing is not None:
            headers = {}
            if failing.retry_after is not None:
                headers["Retry-After"] = str(failing.retry_after)
            error = FhirError(failing.status, "injected fault after the request was carried out")
            response = fhir_response(error.outcome(), failing.status, headers)
        started = g.pop("fhir_started", None)
        if started is not None:
            fhir.controls.log_request(
                request.method,
                request.path,
                request.query_string.decode("utf-8", "replace"),
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
        return response

    @app.errorhandler(FhirError)
    def _fhir_error(error: FhirError) -> Response:
        return fhir_response(error.outcome(), error.status, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response | HTTPException:
        if not is_fhir_path(request.path):
            return error
        status = error.code or 500
        code = "not-supported" if status == 405 else None
        outcome = FhirError(status, error.description or error.name, code=code).outcome()
        headers = {k: v for k, v in error.get_headers() if k == "Allow"}
        return fhir_response(outcome, status, headers)

    @app.errorhandler(Exception)
    def _unexpected_error(error: Exception) -> Response:
        logger.exception("unexpected error in the sandbox FHIR store")
        outcome = operation_outcome(f"internal error: {type(error).__name__}", code="exception")
        return fhir_response(outcome, 500)

    def root_get() -> Response:
        """GET [base]: only the next/previous links of a search page land here."""
        token = request.args.get("_getpages")
        if token is None:
            raise FhirError(400, "search across all types is not supported", code="not-supported")
        try:
            offset = int(request.args.get("_getpagesoffset", "0"))
            count = int(request.args.get("_count", str(fhir.config.page_size)))
        except ValueError as exc:
            raise FhirError(400, "bad paging parameters") from exc
        return fhir_response(fhir.page(token, offset, count, base_url()).body)

    def root_post() -> Response:
        """POST [base]: a transaction or batch Bundle."""
        prefer_return, _ = _prefer()
        result = process_bundle(fhir, _read_body(), base_url(), prefer_return=prefer_return)
        return fhir_response(result.body, result.status)

    def metadata() -> Response:
        """GET [base]/metadata: the CapabilityStatement."""
        return fhir_response(capability_statement(fhir, base_url()))

    def search_get(resource_type: str) -> Response:
        """GET [base]/[type]?params: search."""
        _, strict = _prefer()
        params = list(request.args.items(multi=True))
        return fhir_response(fhir.search(resource_type, params, base_url(), strict=strict).body)

    def search_post(resource_type: str) -> Response:
        """POST [base]/[type]/_search: search with form parameters."""
        # R4 http.html search: POST [type]/_search takes form-encoded parameters (plus any in the
        # URL) with the same meaning as GET.
        if request.mimetype not in ("application/x-www-form-urlencoded", ""):
            raise FhirError(
                415, "POST _search needs application/x-www-form-urlencoded", code="not-supported"
            )
        _, strict = _prefer()
        params = list(request.args.items(multi=True)) + list(request.form.items(multi=True))
        return fhir_response(fhir.search(resource_type, params, base_url(), strict=strict).body)

    def create(resource_type: str) -> Response:
        """POST [base]/[type]: create, conditional with If-None-Exist."""
        prefer_return, _ = _prefer()
        # When conditional create is switched off the header is ignored, as a server without
        # the feature would do (the client then gets a duplicate, which is the point).
        condition = request.headers.get("If-None-Exist")
        if condition is not None and not fhir.conditional_create_enabled():
            condition = None
        result = fhir.create(resource_type, _read_body(), if_none_exist=condition)
        return _write_response(result, base_url(), prefer_return)

    def read(resource_type: str, resource_id: str) -> Response:
        """GET [base]/[type]/[id]: read."""
        result = fhir.read(resource_type, resource_id)
        return fhir_response(result.body, 200, _version_headers(result, base_url(), location=False))

    def update(resource_type: str, resource_id: str) -> Response:
        """PUT [base]/[type]/[id]: update or create."""
        prefer_return, _ = _prefer()
        result = fhir.update(
            resource_type, resource_id, _read_body(), if_match=request.headers.get("If-Match")
        )
        return _write_response(result, base_url(), prefer_return)

    def delete(resource_type: str, resource_id: str) -> Response:
        """DELETE [base]/[type]/[id]: refused with 405."""
        result = fhir.delete(resource_type, resource_id)
        return fhir_response(result.body, result.status)

    def vread(resource_type: str, resource_id: str, version_id: str) -> Response:
        """GET [base]/[type]/[id]/_history/[vid]: vread."""
        result = fhir.vread(resource_type, resource_id, version_id)
        return fhir_response(result.body, 200, _version_headers(result, base_url(), location=False))

    routes = [
        ("", "root_get", root_get, ["GET"]),
        ("/", "root_get_slash", root_get, ["GET"]),
        ("", "root_post", root_post, ["POST"]),
        ("/", "root_post_slash", root_post, ["POST"]),
        ("/metadata", "metadata", metadata, ["GET"]),
        ("/<resource_type>", "search_get", search_get, ["GET"]),
        ("/<resource_type>", "create", create, ["POST"]),
        ("/<resource_type>/_search", "search_post", search_post, ["POST"]),
        ("/<resource_type>/<resource_id>", "read", read, ["GET"]),
        ("/<resource_type>/<resource_id>", "update", update, ["PUT"]),
        ("/<resource_type>/<resource_id>", "delete", delete, ["DELETE"]),
        ("/<resource_type>/<resource_id>/_history/<version_id>", "vread", vread, ["GET"]),
    ]
    for rule, endpoint, view, methods in routes:
        app.add_url_rule(
            base + rule, f"fhir_{endpoint}", view, methods=methods, strict_slashes=False
        )
