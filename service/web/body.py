"""Read a request's JSON body within the limits: media type, size, nesting depth."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from service.errors import UnsupportedMediaType
from service.fhir import jsonio
from service.web.runtime import runtime


def read_json(media_types: Collection[str] = ("application/json",)) -> Any:
    """The parsed body of the current request.

    The size limit is Flask's ``MAX_CONTENT_LENGTH`` (413 beyond, raised while reading); the depth
    limit is ``NOMS_MAX_JSON_DEPTH``.

    Raises:
        UnsupportedMediaType: the body is not declared as one of ``media_types``.
        InvalidJson, JsonTooDeep: the body is not JSON within the limits.
    """
    if request.mimetype not in media_types:
        raise UnsupportedMediaType(f"send the body as {' or '.join(media_types)}")
    data = request.get_data(cache=False)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    # With a Content-Length, Werkzeug refuses an oversized body before reading it. A chunked
    # body is cut at the limit instead, silently: one that fills the limit counts as too large.
    if request.content_length is None and limit is not None and len(data) >= limit:
        raise RequestEntityTooLarge()
    return jsonio.loads(
        data,
        max_bytes=limit or jsonio.DEFAULT_MAX_BYTES,
        max_depth=runtime().settings.max_json_depth,
        what="the request body",
    )
