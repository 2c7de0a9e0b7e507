"""Senders: deliver one claimed document over HTTP, or raise :class:`DeliveryError`.

A sender is any callable ``sender(claim: ClaimedDelivery) -> None``; the worker maps channels to
senders. Two are here:

- :class:`EhrSender` POSTs the alert's FHIR transaction Bundle (Communication + Task) to the EHR's
  base, or, for servers without transactions, each entry on its own as a conditional create.
  Every entry must carry ``request.ifNoneExist`` (the alert identifier): deliveries are
  at-least-once, and the conditional create is what makes a resend create nothing new.
- :class:`WebhookSender` POSTs the JSON body with an HMAC signature (:mod:`.signing`) and the
  alert key as ``X-NOMS-Webhook-Id`` for the receiver to dedupe on.

Both bound every request (connect and read timeouts, response size), never follow redirects (a
redirect could carry the body or the credentials elsewhere), and build error messages from status
codes and error classes only: no URLs with queries, no bodies, no tokens.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from service import __version__
from service.alerts.errors import DeliveryError
from service.alerts.outbox import ClaimedDelivery, utc_now
from service.alerts.signing import (
    ATTEMPT_HEADER,
    SIGNATURE_HEADER,
    WEBHOOK_ID_HEADER,
    Secret,
    sign,
)
from service.fhir.auth import Auth, NoAuth

Sender = Callable[[ClaimedDelivery], None]

USER_AGENT = f"noms-cds/{__version__} (alert delivery)"
FHIR_JSON = "application/fhir+json"
#: Statuses worth retrying soon: the receiver is overloaded, restarting or unreachable.
TEMPORARY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RESPONSE_BYTES = 1_000_000
DEFAULT_TIMEOUT = (5.0, 20.0)  # (connect, read) seconds


def retry_after_seconds(value: str | None) -> float | None:
    """Parse ``Retry-After`` (seconds or an HTTP date); ``None`` when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - utc_now()).total_seconds())


def _status_error(response: requests.Response, what: str) -> DeliveryError:
    status = response.status_code
    if status in TEMPORARY_STATUSES or 500 <= status <= 599:
        return DeliveryError(
            f"{what} answered HTTP {status}",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if 300 <= status <= 399:
        return DeliveryError(
            f"{what} answered a redirect (HTTP {status}), not followed", permanent=True
        )
    return DeliveryError(f"{what} refused the request (HTTP {status})", permanent=True)


def _transport_error(exc: requests.RequestException, what: str) -> DeliveryError:
    if isinstance(exc, requests.Timeout):
        return DeliveryError(f"{what} did not answer in time ({type(exc).__name__})")
    if isinstance(exc, requests.ConnectionError):
        return DeliveryError(f"{what} could not be reached ({type(exc).__name__})")
    return DeliveryError(f"request to {what} failed ({type(exc).__name__})")


def _read_limited(response: requests.Response, limit: int = MAX_RESPONSE_BYTES) -> bytes:
    """Read at most ``limit`` bytes of a streamed response (a hostile server may send more)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > limit:
            raise DeliveryError(f"the response is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _outcome_codes(body: bytes) -> str:
    """``issue.code`` values of an OperationOutcome (coded, so free of patient data)."""
    try:
        outcome = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(outcome, dict) or outcome.get("resourceType") != "OperationOutcome":
        return ""
    codes = [
        issue.get("code")
        for issue in outcome.get("issue") or []
        if isinstance(issue, dict) and isinstance(issue.get("code"), str)
    ]
    return f" [{', '.join(sorted(set(codes))[:5])}]" if codes else ""


def _local_reference(location: str | None, base: str) -> str | None:
    """``Type/id`` from a Location header such as ``<base>/Communication/5/_history/1``."""
    if not location:
        return None
    path = location[len(base) :] if location.startswith(base) else urlsplit(location).path
    parts = [part for part in path.split("/") if part]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 else None


def _replace_references(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                mapping.get(item, item)
                if key == "reference" and isinstance(item, str)
                else _replace_references(item, mapping)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace_references(item, mapping) for item in value]
    return value


class EhrSender:
    """Create the alert's resources on the EHR: a transaction, or one conditional create each.

    Args:
        fhir_base: the EHR's FHIR base URL.
        auth: credentials (``service.fhir.auth``: a bearer token or SMART Backend Services);
            renewed once on a 401.
        mode: ``"transaction"`` (one atomic POST of the Bundle) or ``"individual"`` (each entry
            POSTed in order with ``If-None-Exist``; ``urn:uuid:`` references between entries are
            rewritten to the ids the server assigned). Use the second for EHRs without
            transactions.
        timeout: (connect, read) seconds per request.
        session: a ``requests.Session`` to reuse (tests); a new one otherwise.
    """

    def __init__(
        self,
        fhir_base: str,
        *,
        auth: Auth | None = None,
        mode: Literal["transaction", "individual"] = "transaction",
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        if urlsplit(fhir_base).scheme not in ("http", "https"):
            raise ValueError("the EHR's FHIR base must be an http(s) URL")
        if mode not in ("transaction", "individual"):
            raise ValueError("mode must be 'transaction' or 'individual'")
        self.base = fhir_base.rstrip("/")
        self.auth = auth or NoAuth()
        self.mode = mode
        self.timeout = timeout
        self.session = session or requests.Session()

    def max_seconds_per_request(self) -> float:
        """Longest a single request can take before its timeouts fire (for lease sizing)."""
        return float(sum(self.timeout))

    def __call__(self, claim: ClaimedDelivery) -> None:
        """Deliver the claim's transaction Bundle; raise :class:`DeliveryError` on failure."""
        bundle = claim.json()
        entries = self._checked_entries(bundle)
        if self.mode == "transaction":
            self._send_transaction(bundle, len(entries))
        else:
            self._send_each(entries)

    @staticmethod
    def _checked_entries(bundle: Any) -> list[dict[str, Any]]:
        if (
            not isinstance(bundle, dict)
            or bundle.get("resourceType") != "Bundle"
            or bundle.get("type") != "transaction"
            or not isinstance(bundle.get("entry"), list)
            or not bundle["entry"]
        ):
            raise DeliveryError("the EHR document is not a transaction Bundle", permanent=True)
        for entry in bundle["entry"]:
            request = entry.get("request") if isinstance(entry, dict) else None
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if (
                not isinstance(request, dict)
                or not isinstance(resource, dict)
                or request.get("method") != "POST"
                or request.get("url") != resource.get("resourceType")
                or not isinstance(request.get("ifNoneExist"), str)
                or not request["ifNoneExist"]
            ):
                # Without a conditional create a resend would duplicate the resource.
                raise DeliveryError(
                    "every EHR entry must be a conditional create (POST with ifNoneExist)",
                    permanent=True,
                )
        return bundle["entry"]

    def _post(self, url: str, document: Any, headers: dict[str, str]) -> tuple[bytes, str | None]:
        """POST a FHIR document; return the body and ``Location`` of a 2xx answer."""
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        for renewed in (False, True):
            request_headers = {
                "Content-Type": FHIR_JSON,
                "Accept": FHIR_JSON,
                "User-Agent": USER_AGENT,
                **headers,
                **self.auth.headers(),
            }
            try:
                with self.session.post(
                    url,
                    data=payload,
                    headers=request_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                ) as response:
                    body = _read_limited(response)
                    if response.status_code == 401 and not renewed and self.auth.renew():
                        continue
                    if response.status_code in (401, 403):
                        raise DeliveryError(
                            f"the EHR refused our credentials (HTTP {response.status_code})",
                            permanent=True,
                        )
                    if not 200 <= response.status_code <= 299:
                        error = _status_error(response, "the EHR")
                        error.args = (str(error) + _outcome_codes(body),)
                        raise error
                    return body, response.headers.get("Location")
            except requests.RequestException as exc:
                raise _transport_error(exc, "the EHR") from None
        raise DeliveryError("the EHR refused our renewed credentials", permanent=True)

    def _send_transaction(self, bundle: dict[str, Any], count: int) -> None:
        body, _ = self._post(self.base, bundle, {})
        try:
            answer = json.loads(body)
        except ValueError:
            raise DeliveryError("the EHR answered the transaction with non-JSON") from None
        entries = answer.get("entry") if isinstance(answer, dict) else None
        if (
            not isinstance(entries, list)
            or answer.get("type") != "transaction-response"
            or len(entries) != count
        ):
            raise DeliveryError("the EHR answered the transaction with an unexpected Bundle")
        for entry in entries:
            status = (
                (entry.get("response") or {}).get("status") if isinstance(entry, dict) else None
            )
            if not isinstance(status, str) or not status.startswith("2"):
                raise DeliveryError("the EHR's transaction response has a failed entry")

    def _send_each(self, entries: Sequence[dict[str, Any]]) -> None:
        assigned: dict[str, str] = {}
        for entry in entries:
            resource = _replace_references(entry["resource"], assigned)
            request = entry["request"]
            body, location = self._post(
                f"{self.base}/{request['url']}", resource, {"If-None-Exist": request["ifNoneExist"]}
            )
            reference = _local_reference(location, self.base)
            if reference is None:
                reference = self._reference_from_body(body)
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str) and reference is not None:
                assigned[full_url] = reference

    @staticmethod
    def _reference_from_body(body: bytes) -> str | None:
        try:
            created = json.loads(body) if body else None
        except ValueError:
            return None
        if isinstance(created, dict) and created.get("resourceType") and created.get("id"):
            return f"{created['resourceType']}/{created['id']}"
        return None


def _is_loopback(host: str | None) -> bool:
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


class WebhookSender:
    """POST the alert's JSON body, signed, to the spine team's webhook.

    Args:
        url: the receiver; ``https`` (plain ``http`` only to a loopback address, for tests and a
            relay on the same host).
        secrets: the shared secret (at least 16 bytes), or several during a rotation.
        timeout: (connect, read) seconds.
        session: a ``requests.Session`` to reuse (tests); a new one otherwise.
    """

    def __init__(
        self,
        url: str,
        secrets: Secret | Sequence[Secret],
        *,
        timeout: tuple[float, float] = (5.0, 15.0),
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and _is_loopback(parts.hostname)
        ):
            raise ValueError("the webhook URL must be https (http only to a loopback address)")
        sign(b"", secrets)  # refuses missing or short secrets now, not at the first alert
        self.url = url
        self.secrets = secrets
        self.timeout = timeout
        self.session = session or requests.Session()

    def max_seconds_per_request(self) -> float:
        """Longest a request can take before its timeouts fire (for lease sizing)."""
        return float(sum(self.timeout))

    def __call__(self, claim: ClaimedDelivery) -> None:
        """Deliver the claim's body; raise :class:`DeliveryError` on failure."""
        body = claim.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(body, self.secrets),
            WEBHOOK_ID_HEADER: claim.alert_key,
            ATTEMPT_HEADER: str(claim.attempt),
        }
        try:
            with self.session.post(
                self.url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                # Only the status matters; the body is left unread (and the connection dropped).
                if not 200 <= response.status_code <= 299:
                    raise _status_error(response, "the webhook")
        except requests.RequestException as exc:
            raise _transport_error(exc, "the webhook") from None
