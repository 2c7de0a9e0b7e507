"""HTTP to one FHIR server: sending, retrying, and one mapping from statuses to errors.

- One ``requests.Session`` per server; a timeout on every call.
- Retries with exponential backoff only for 408/429/5xx and connection errors or timeouts,
  honouring ``Retry-After`` (seconds or HTTP date).
- 401 renews the credentials once (SMART Backend Services); 401/403 otherwise stop.

Logs name the method, the resource type and the status; never a URL with its query (search URLs
carry patient ids) and never a token.
"""

from __future__ import annotations

import email.utils
import itertools
import logging
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

import requests

from service.errors import (
    FhirAuthError,
    FhirError,
    FhirInvalidResponse,
    FhirNotFound,
    FhirRequestError,
    FhirTemporaryError,
)
from service.fhir.auth import Auth, NoAuth

log = logging.getLogger("noms_cds.fhir")

FHIR_JSON = "application/fhir+json"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)


def retry_after_seconds(value: str | None, now: Callable[[], float]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


def outcome_text(body: Any) -> str:
    """The diagnostics of an OperationOutcome, joined; empty for anything else."""
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        texts = [
            i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code", "")
            for i in body.get("issue") or []
        ]
        return "; ".join(t for t in texts if t)
    return ""


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
    return FhirRequestError(message, status, outcome)


class HttpTransport:
    """Requests to one FHIR base, with retries and errors mapped."""

    def __init__(
        self,
        base_url: str,
        auth: Auth | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth or NoAuth()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": FHIR_JSON})
        self.sleep = sleep
        self._clock = clock
        self._sent = itertools.count(1)
        self._sent_total = 0

    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}" if path_or_url else self.base_url

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self._sent_total

    def what(self, url: str, body: Any = None) -> str:
        """Resource type (or operation) of a URL, for logs and messages: never ids or queries."""
        path = urlsplit(url).path
        base_path = urlsplit(self.base_url).path.rstrip("/")
        rest = path[len(base_path) :].strip("/") if path.startswith(base_path) else path
        if not rest.split("/")[0] and isinstance(body, dict) and body.get("type"):
            return str(body["type"])  # "batch" or "transaction" posted to the base
        return rest.split("/")[0] or "(system)"

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        retries: int | None = None,
    ) -> requests.Response:
        """Send one request with retries; return a 2xx response or raise a FhirError.

        ``retries`` overrides the number of retries (0: a single attempt), for requests that are
        not safe to resend as they are.
        """
        url = self._url(path_or_url)
        limit = self.retries if retries is None else retries
        what = self.what(url, json_body)
        renewed = False
        attempt = 0
        while True:
            all_headers = {**self.auth.headers(), **(headers or {})}
            if json_body is not None:
                all_headers["Content-Type"] = FHIR_JSON
            started = time.monotonic()
            try:
                self._sent_total = next(self._sent)  # itertools.count is atomic in CPython
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=all_headers,
                    timeout=self.timeout,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
                log.warning("%s %s %s (attempt %d)", method, what, kind, attempt + 1)
                if attempt < limit:
                    self.sleep(self.backoff_for(attempt, None))
                    attempt += 1
                    continue
                raise FhirTemporaryError(
                    f"{method} {what}: {kind} after {attempt + 1} attempts"
                ) from exc
            log.info(
                "%s %s -> %d in %.0f ms",
                method,
                what,
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
            status = response.status_code
            if status < 300:
                return response
            if status in RETRY_STATUSES and attempt < limit:
                self.sleep(self.backoff_for(attempt, response.headers.get("Retry-After")))
                attempt += 1
                continue
            if status == 401 and not renewed and self.auth.renew():
                renewed = True
                continue
            raise self._error(method, what, response)

    def backoff_for(self, attempt: int, retry_after: str | None) -> float:
        """The wait before the next attempt: the server's Retry-After, else exponential."""
        wait = retry_after_seconds(retry_after, self._clock)
        if wait is None:
            wait = self.backoff * (2**attempt)
        return min(wait, self.max_wait)

    def _error(self, method: str, what: str, response: requests.Response) -> FhirError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        outcome = (
            body
            if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome"
            else None
        )
        detail = outcome_text(body)
        message = f"{method} {what}: HTTP {status}" + (f" ({detail})" if detail else "")
        return error_for_status(message, status, outcome)

    def json(self, response: requests.Response, what: str) -> dict[str, Any]:
        """The FHIR resource a 2xx answer holds."""
        try:
            body = response.json()
        except ValueError as exc:
            raise FhirInvalidResponse(
                f"{what}: the server's answer is not JSON", response.status_code
            ) from exc
        if not isinstance(body, dict) or "resourceType" not in body:
            raise FhirInvalidResponse(
                f"{what}: the server's answer is not a FHIR resource", response.status_code
            )
        return body
