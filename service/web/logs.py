"""Structured JSON logs with a request id, and nothing a log must not hold.

Each line is one JSON object: time, level, logger, message, process id, the request id and the
fields in ``LOGGED_FIELDS`` passed as ``extra``. Anything else given as ``extra`` is dropped, and an
exception is logged as its type and stack frames, without its message (messages can quote data).
Views never log bodies, query strings, paths with ids, or tokens: the access line names the URL
rule (``/cds-services/<service_id>``), not the URL.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import sys
import traceback
import uuid
from datetime import UTC, datetime
from typing import Final, TextIO

REQUEST_ID_HEADER: Final = "X-Request-ID"
WELL_FORMED_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
LOGGER: Final = "noms_cds"
# Fields a log call may add with ``extra=``; a new field is added here, deliberately.
LOGGED_FIELDS: Final = frozenset(
    {
        "event",
        "method",
        "endpoint",
        "status",
        "duration_ms",
        "reason",
        "error",
        "issuer",
        "client",  # the API client authenticated (its name, never its key)
        "service_id",
        "hook",
        "url",
    }
)

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def accept_request_id(value: str | None) -> str:
    """The caller's ``X-Request-ID`` when well formed (1-128 safe characters), else a new one."""
    if value and WELL_FORMED_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with only the allowed fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record."""
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": os.getpid(),
        }
        current = request_id.get()
        if current:
            line["request_id"] = current
        for name in LOGGED_FIELDS & record.__dict__.keys():
            line[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            line["exception"] = {
                "type": f"{kind.__module__}.{kind.__qualname__}",
                "frames": [
                    f"{frame.filename}:{frame.lineno} in {frame.name}"
                    for frame in traceback.extract_tb(tb)
                ],
            }
        return json.dumps(line, default=str)


class _JsonHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (a class of its own: installed once)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(level: str) -> None:
    """Send the ``noms_cds`` loggers' records to standard error as JSON lines, at ``level``."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    if not any(isinstance(handler, _JsonHandler) for handler in logger.handlers):
        handler = _JsonHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.propagate = False
