"""Read a request's JSON body within the limits: media type, size, nesting depth."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import request

from service.errors import UnsupportedMediaType
from service.jsonlimits import loads_bounded
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
    return loads_bounded(request.get_data(cache=False), runtime().settings.max_json_depth)
