"""HTTP to one FHIR server: bounded, kept to its base, retried with care, errors mapped once.

Every request of a :class:`HttpTransport`:

- goes only to the configured FHIR base (same scheme, host, port and path prefix): a redirect
  that leaves it is not followed and is reported (:class:`~service.errors.FhirOutsideBase`), so
  credentials never reach another origin. Writes (anything but GET) never follow a redirect;
  reads follow same-base redirects up to ``Limits.max_redirects``;
- is bounded (:class:`Limits`): its answer is read as a stream and refused past
  ``max_response_bytes`` on the wire and again after decompression (a gzip bomb stops at the
  limit); an attempt ends by ``request_deadline`` however slowly the server sends, enforced by a
  watchdog that shuts the socket down (per-read timeouts alone let a server trickling a byte a
  second hold a request for ever); JSON nesting is capped (``service.fhir.jsonio``);
- is retried only when that is safe and useful: 408, 429 and 5xx, timeouts and broken
  connections, with exponential backoff or the server's ``Retry-After``, within a budget of
  waiting (``retry_wait_budget``): a server that asks for longer is not waited for, and the
  error says how long it asked for;
- fails with an error of ``service.errors``, one line, whose server text is bounded, stripped of
  control characters and has the credentials in use redacted (``service.fhir.untrusted``).

Logs name the method, the resource type and the status; never a URL with its query (search URLs
carry patient ids) and never a token.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import requests
import urllib3

from service.errors import (
    FhirError,
    FhirInvalidResponse,
    FhirOutsideBase,
    FhirRequestError,
    FhirRetryLater,
    FhirTemporaryError,
    FhirTimeout,
    InvalidJson,
)
from service.fhir import jsonio
from service.fhir.auth import Auth
from service.fhir.limits import Limits
from service.fhir.origins import FhirBase, origin_of
from service.fhir.outcomes import is_outcome, outcome_text
from service.fhir.statuses import (
    REDIRECT_STATUSES,
    RETRY_STATUSES,
    Answer,
    entry_status,
    error_for_status,
    retry_after_seconds,
    secrets_of,
)
from service.fhir.untrusted import clean_text
from service.fhir.wire import FHIR_JSON, Watch, kind_of, new_session, read_body, timed_out

log = logging.getLogger("noms_cds.fhir")

__all__ = [
    "Answer",
    "HttpTransport",
    "entry_status",
    "error_for_status",
    "retry_after_seconds",
    "secrets_of",
]

# -- the transport -------------------------------------------------------------------------------


class HttpTransport:
    """Requests to one FHIR base, bounded and retried; thread-safe, one per base is enough.

    Credentials are passed with each request, never kept: one transport (one connection pool)
    can serve the clients of many users of the same server.
    """

    def __init__(
        self,
        base_url: str,
        limits: Limits | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """
        Args:
            base_url: The FHIR base; every request must lie under it.
            limits: The bounds (defaults: ``Limits()``).
            session: A session of one's own (tests); without one, :func:`wire.new_session`
                makes one whose sockets the deadline watchdog can shut. With another session
                the deadline is still checked between the chunks of an answer, but a server
                trickling its headers is stopped by the read timeout only.
            sleep: Waits between attempts (tests record them instead).
            clock: Wall time, for ``Retry-After`` dates.

        Raises:
            ValueError: ``base_url`` is not a usable FHIR base (see :meth:`FhirBase.parse`).
        """
        self.base = FhirBase.parse(base_url)
        self.base_url = self.base.url
        self.limits = limits or Limits()
        self.session = session or new_session(max(10, self.limits.max_workers))
        self.sleep = sleep
        self._clock = clock
        self._sent = itertools.count(1)
        self._sent_total = 0

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far (retries and redirects included)."""
        return self._sent_total

    def url(self, path_or_url: str) -> str:
        """The absolute URL of a path below the base (an absolute URL is kept as it is)."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}" if path_or_url else self.base_url

    def what(self, url: str, body: Any = None) -> str:
        """Resource type (or operation) of a URL, for logs and messages: never ids or queries."""
        rest = self.base.relative(url)
        if (
            not rest.split("/")[0]
            and isinstance(body, dict)
            and body.get("type")
            in (
                "batch",
                "transaction",
            )
        ):
            return str(body["type"])  # posted to the base
        return clean_text(rest.split("/")[0], limit=40) or "(system)"

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        auth: Auth,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        retries: int | None = None,
        what: str | None = None,
        deadline: float | None = None,
    ) -> Answer:
        """Send one request; return its 2xx answer or raise a ``FhirError``.

        Args:
            method: HTTP method.
            path_or_url: A path below the base, or an absolute URL that must lie under it.
            auth: The credentials for this request.
            params: Query parameters.
            json_body: A JSON body.
            headers: More headers.
            retries: Overrides ``Limits.retries`` (0: one attempt), for requests that are not
                safe to resend as they are.
            what: How logs and messages name the request (default: its resource type).
            deadline: A ``time.monotonic()`` the whole request, retries included, must end by
                (a gathering's deadline); each attempt has ``Limits.request_deadline`` too.

        Raises:
            FhirOutsideBase: the URL, or a redirect, leaves the FHIR base.
            FhirRetryLater: the server asks to wait longer than the budget left.
            FhirTimeout: an attempt or the whole request ran past its deadline.
            FhirError: every other failure, by status (``error_for_status``).
        """
        limits = self.limits
        url = self.url(path_or_url)
        name = what or self.what(url, json_body)
        if not self.base.contains(url):
            raise FhirOutsideBase(
                f"{method} {name}: {origin_of(url)} is outside the FHIR base: not requested"
            )
        attempts_left = limits.retries if retries is None else retries
        waited = 0.0
        renewed = False
        attempt = 0
        redirects = 0
        query = dict(params) if params else None
        attempt_deadline: float | None = None  # one per attempt: its redirects share it
        while True:
            request_headers = {**auth.headers(), **(headers or {})}
            if json_body is not None:
                request_headers["Content-Type"] = FHIR_JSON
            secrets = secrets_of(request_headers)
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise FhirTimeout(f"{method} {name}: not sent, the deadline has passed")
            if attempt_deadline is None:
                attempt_deadline = now + limits.request_deadline
                if deadline is not None:
                    attempt_deadline = min(attempt_deadline, deadline)
            elif now >= attempt_deadline:
                raise timed_out(f"{method} {name}", attempt_deadline)
            try:
                status, response_headers, body, size = self._attempt(
                    method, url, query, json_body, request_headers, name, attempt_deadline
                )
            except FhirTemporaryError as exc:
                if (
                    isinstance(exc, FhirTimeout)
                    and deadline is not None
                    and time.monotonic() >= deadline
                ):
                    raise
                log.warning("%s %s: %s (attempt %d)", method, name, _short(exc), attempt + 1)
                wait = limits.backoff * (2**attempt)
                if attempt >= attempts_left or not self._may_wait(wait, waited, deadline):
                    if not attempt:
                        raise
                    raise type(exc)(f"{exc} after {attempt + 1} attempts", exc.status) from None
                self.sleep(wait)
                waited += wait
                attempt += 1
                attempt_deadline = None
                continue
            if 200 <= status < 300:
                return Answer(status, response_headers, body, url, size)
            if status in REDIRECT_STATUSES:
                url = self._redirect(method, name, status, url, response_headers, redirects)
                redirects += 1
                query = None  # the Location carries the query
                continue
            if status in RETRY_STATUSES and attempt < attempts_left:
                asked = retry_after_seconds(response_headers.get("Retry-After"), self._clock)
                wait = asked if asked is not None else limits.backoff * (2**attempt)
                if not self._may_wait(wait, waited, deadline):
                    if asked is not None:
                        raise FhirRetryLater(
                            f"{method} {name}: HTTP {status}: the server asks to wait "
                            f"{_seconds(asked)} s, longer than this client waits "
                            f"({_seconds(self._budget_left(waited, deadline))} s left)",
                            status,
                            retry_after=asked,
                        )
                    raise self._error(method, name, status, body, secrets)
                self.sleep(wait)
                waited += wait
                attempt += 1
                attempt_deadline = None
                continue
            if status == 401 and not renewed and auth.renew():
                renewed = True
                attempt_deadline = None
                continue
            error = self._error(method, name, status, body, secrets)
            if isinstance(error, FhirTemporaryError):
                # No attempt left here; a caller that retries on its own (a look-then-create)
                # honours what the server asked for.
                error.retry_after = retry_after_seconds(
                    response_headers.get("Retry-After"), self._clock
                )
            raise error

    def _budget_left(self, waited: float, deadline: float | None) -> float:
        left = self.limits.retry_wait_budget - waited
        if deadline is not None:
            left = min(left, deadline - time.monotonic())
        return max(left, 0.0)

    def _may_wait(self, wait: float, waited: float, deadline: float | None) -> bool:
        return wait <= self._budget_left(waited, deadline)

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        json_body: Any,
        headers: dict[str, str],
        name: str,
        deadline: float,
    ) -> tuple[int, Mapping[str, str], Any, int]:
        """One HTTP exchange: (status, headers, parsed body or None, bytes of the body)."""
        limits = self.limits
        started = time.monotonic()
        read_timeout = max(min(limits.read_timeout, deadline - started), 0.001)
        self._sent_total = next(self._sent)  # itertools.count is atomic in CPython
        with Watch(deadline - started) as watch:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers=headers,
                    timeout=(limits.connect_timeout, read_timeout),
                    allow_redirects=False,
                    stream=True,
                )
            except (urllib3.exceptions.LocationParseError, UnicodeError) as exc:
                # A URL the HTTP library cannot encode (checked for the base already; kept so
                # that no encoding error ever surfaces as a traceback).
                raise FhirRequestError(
                    f"{method} {name}: the URL cannot be requested ({type(exc).__name__})"
                ) from None
            except requests.RequestException as exc:
                if watch.fired or time.monotonic() >= deadline:
                    raise timed_out(f"{method} {name}", deadline) from None
                if isinstance(exc, requests.Timeout):
                    raise FhirTemporaryError(f"{method} {name}: timed out") from None
                kind = kind_of(exc)
                raise FhirTemporaryError(
                    f"{method} {name}: connection failed" + (f" ({kind})" if kind else "")
                ) from None
            data = read_body(
                response,
                max_bytes=limits.max_response_bytes,
                deadline=deadline,
                what=f"{method} {name}",
                watch=watch,
            )
        status = response.status_code
        log.info(
            "%s %s -> %d in %.0f ms", method, name, status, (time.monotonic() - started) * 1000
        )
        if not data.strip():
            return status, response.headers, None, len(data)
        try:
            body = jsonio.loads(
                data,
                max_bytes=limits.max_response_bytes,
                max_depth=limits.max_depth,
                what=f"the answer to {method} {name}",
            )
        except InvalidJson as exc:
            if 200 <= status < 300:
                raise FhirInvalidResponse(str(exc), status) from None
            body = None  # an error page that is not JSON: the status says enough
        return status, response.headers, body, len(data)

    def _redirect(
        self,
        method: str,
        name: str,
        status: int,
        url: str,
        headers: Mapping[str, str],
        redirects: int,
    ) -> str:
        location = headers.get("Location", "")
        target = self.base.resolve(location, against=url) if location else ""
        where = origin_of(target) if target else "nowhere"
        if method != "GET":
            raise FhirInvalidResponse(
                f"{method} {name}: the server redirected the request (HTTP {status} to "
                f"{where}): a write is never redirected",
                status,
            )
        if not target:
            raise FhirInvalidResponse(f"{method} {name}: HTTP {status} without a Location", status)
        if not self.base.contains(target):
            raise FhirOutsideBase(
                f"{method} {name}: the server redirected to {where}, outside the FHIR base: "
                "not followed",
                status,
            )
        if redirects >= self.limits.max_redirects:
            raise FhirInvalidResponse(
                f"{method} {name}: more than {self.limits.max_redirects} redirects (a loop?)",
                status,
            )
        return target

    def _error(
        self, method: str, name: str, status: int, body: Any, secrets: Iterable[str]
    ) -> FhirError:
        detail = outcome_text(body, secrets=secrets, limit=self.limits.max_text)
        message = f"{method} {name}: HTTP {status}" + (f" ({detail})" if detail else "")
        return error_for_status(message, status, body if is_outcome(body) else None)

    def clean(self, text: object, auth: Auth) -> str:
        """Server text as it may be shown, with the credentials of ``auth`` redacted."""
        return clean_text(text, secrets=secrets_of(auth.headers()), limit=self.limits.max_text)


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == math.floor(value) else f"{value:.1f}"


def _short(exc: Exception) -> str:
    return str(exc).split(": ", 1)[-1]
