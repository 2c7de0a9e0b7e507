"""What HTTP answers mean to the FHIR client: the one mapping from a status to an error, the
statuses that are retried or redirected, ``Retry-After``, batch and transaction entry statuses,
and the credentials of a request (to redact wherever a server might echo them)."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from service.errors import (
    FhirAuthError,
    FhirError,
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
    FhirTemporaryError,
)

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Answer:
    """A 2xx answer: status, headers, and the body parsed as JSON (``None`` when empty).

    Attributes:
        status: HTTP status.
        headers: Response headers (case-insensitive mapping).
        body: Parsed JSON, or None for an empty body.
        url: The URL that answered (after same-base redirects).
        size: Bytes of the body as read (after decompression), for a gathering's budget.
    """

    status: int
    headers: Mapping[str, str]
    body: Any
    url: str
    size: int = 0


def retry_after_seconds(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


_ENTRY_STATUS = re.compile(r"([1-5][0-9][0-9])(?: .*)?", re.ASCII | re.DOTALL)


def entry_status(value: object) -> int | None:
    """The HTTP status of a batch or transaction entry's ``response.status`` ("200 OK", "201"),
    or None when it is not one: three ASCII digits, alone or followed by a space and a reason
    (FHIR R4 Bundle.entry.response.status); "200OK", "²00" or a number are not."""
    if not isinstance(value, str):
        return None
    match = _ENTRY_STATUS.fullmatch(value.strip())
    return int(match.group(1)) if match else None


def error_for_status(
    message: str, status: int | None, outcome: dict[str, Any] | None = None
) -> FhirError:
    """The one mapping from an HTTP status (of an answer or a batch entry) to an error."""
    if status in (401, 403):
        return FhirAuthError(message, status, outcome)
    if status in (404, 410):
        return FhirNotFound(message, status, outcome)
    if status in RETRY_STATUSES:
        return FhirTemporaryError(message, status, outcome)
    if status is not None and 300 <= status < 400:
        return FhirInvalidResponse(message, status, outcome)
    return FhirRequestError(message, status, outcome)


def secrets_of(headers: Mapping[str, str]) -> tuple[str, ...]:
    """The credentials in request headers, to redact wherever a server might echo them."""
    found = []
    for name, value in headers.items():
        if name.lower() in ("authorization", "proxy-authorization"):
            scheme, _, credential = value.partition(" ")
            found.append(credential.strip() or scheme)
            found.append(value)
    return tuple(s for s in found if len(s) >= 4)
