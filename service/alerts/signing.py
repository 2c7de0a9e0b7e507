"""Signed webhooks: HMAC-SHA256 over ``timestamp + "." + body``, Stripe's scheme.

The header is ``X-NOMS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``, where the HMAC is
keyed with the shared secret and computed over the ASCII timestamp, a full stop, and the raw
request body bytes. During a secret rotation the sender signs with both secrets and the header
carries one ``v1=`` per secret; a receiver accepts any. Schemes other than ``v1`` are ignored,
so a later ``v2`` can be added beside ``v1``. The same design as Stripe's ``Stripe-Signature``;
Standard Webhooks (standardwebhooks.com) differs in also signing the message id and in its header
layout.

Receivers: verify the raw bytes before parsing them, refuse timestamps outside the tolerance
window (default five minutes either way: a replay of a captured request is refused once the
window has passed), and dedupe on ``X-NOMS-Webhook-Id`` (the alert key; a delivery may arrive
more than once). docs/alerts.md has a receiver's code.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence

from service.alerts.errors import SignatureError

SIGNATURE_HEADER = "X-NOMS-Signature"
#: The alert key: the same on every resend of a delivery, so receivers can dedupe on it.
WEBHOOK_ID_HEADER = "X-NOMS-Webhook-Id"
#: Which attempt this is (1, 2, ...): informative only, not signed.
ATTEMPT_HEADER = "X-NOMS-Webhook-Attempt"
DEFAULT_TOLERANCE_SECONDS = 300
#: A shared secret shorter than this is refused (32 random bytes is the recommendation).
MIN_SECRET_BYTES = 16
_MAX_HEADER_CHARS = 1024
_MAX_SIGNATURES = 8
_HEX_DIGITS = frozenset("0123456789abcdef")

Secret = str | bytes


def _key(secret: Secret) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"a webhook secret must have at least {MIN_SECRET_BYTES} bytes")
    return key


def _mac(key: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(key, str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: Secret | Sequence[Secret], *, timestamp: int | None = None) -> str:
    """The ``X-NOMS-Signature`` value for ``body``, signed now (or at ``timestamp``).

    Args:
        body: the exact bytes that will be sent.
        secrets: the shared secret, or several during a rotation (one ``v1`` each).
        timestamp: Unix seconds; the current time when omitted.
    """
    keys = [_key(s) for s in ([secrets] if isinstance(secrets, str | bytes) else secrets)]
    if not keys:
        raise ValueError("at least one webhook secret is needed")
    moment = int(time.time()) if timestamp is None else int(timestamp)
    return ",".join([f"t={moment}", *(f"v1={_mac(key, moment, body)}" for key in keys)])


def _parse(header: str) -> tuple[int, list[str]]:
    if not isinstance(header, str) or not header or len(header) > _MAX_HEADER_CHARS:
        raise SignatureError("malformed", "missing or oversized signature header")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep:
            raise SignatureError("malformed", "signature header items must be name=value")
        if name == "t":
            if timestamp is not None or not value.isdigit() or len(value) > 12:
                raise SignatureError("malformed", "the signature timestamp is not valid")
            timestamp = int(value)
        elif name == "v1":
            if len(value) != 64 or not set(value) <= _HEX_DIGITS:
                raise SignatureError("malformed", "a v1 signature must be 64 hex digits")
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("malformed", "the signature header has no timestamp")
    if not signatures or len(signatures) > _MAX_SIGNATURES:
        raise SignatureError("malformed", "the signature header has no usable v1 signature")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str | None,
    secrets: Secret | Sequence[Secret],
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Check a webhook's signature; return its timestamp when it verifies.

    Args:
        body: the raw request body, as received (before any JSON parsing).
        header: the ``X-NOMS-Signature`` value (``None`` when absent).
        secrets: the receiver's secret, or several during a rotation.
        tolerance_seconds: how far the timestamp may be from ``now``, either way.
        now: the current Unix time (tests).

    Raises:
        SignatureError: ``malformed`` header, ``stale`` timestamp, or no ``mismatch``-free
            signature. Answer 401 and do not act on the body.
    """
    keys = [_key(s) for s in ([secrets] if isinstance(secrets, str | bytes) else secrets)]
    if not keys:
        raise ValueError("at least one webhook secret is needed")
    timestamp, signatures = _parse(header or "")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        raise SignatureError("stale", "the signature timestamp is outside the tolerance window")
    # Compare every pair without stopping early: the time taken says nothing about which failed.
    matched = False
    for key in keys:
        expected = _mac(key, timestamp, body)
        for candidate in signatures:
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("mismatch", "no signature matches the body and secret")
    return timestamp
