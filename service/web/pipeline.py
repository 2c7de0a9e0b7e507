"""What happens around every request: request id, access log, metrics, headers, CORS."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from service.web import errors, headers, logs, metrics
from service.web.runtime import Runtime, attach, runtime

log = logging.getLogger("noms_cds.http")


def _begin() -> None:
    g.started = time.perf_counter()
    g.request_id = logs.accept_request_id(request.headers.get(logs.REQUEST_ID_HEADER))
    g.log_token = logs.request_id.set(g.request_id)


def _finish(response: Response) -> Response:
    settings = runtime().settings
    headers.add_security_headers(response, settings)
    if errors.on_cds_route():
        headers.add_cors_headers(response, request, settings)
    response.headers[logs.REQUEST_ID_HEADER] = g.request_id
    endpoint = request.url_rule.rule if request.url_rule else None
    seconds = time.perf_counter() - g.started
    metrics.observe(endpoint, request.method, response.status_code, seconds)
    log.info(
        "request",
        extra={
            "event": "request",
            "method": request.method,
            "endpoint": endpoint or metrics.UNMATCHED,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )
    return response


def _teardown(_error: BaseException | None) -> None:
    token = g.pop("log_token", None)
    if token is not None:
        logs.request_id.reset(token)


def install(app: Flask, state: Runtime) -> None:
    """Attach the runtime and the request pipeline (logs, metrics, headers, errors) to ``app``."""
    attach(app, state)
    logs.configure(state.settings.log_level)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
    errors.register(app)
