"""Verify the JWT a CDS client sends with every call (CDS Hooks 2.0 §Trusting CDS Clients).

Checked, in this order, each failure a 401 without detail (the reason goes to the log, the token
never does):

- ``Authorization: Bearer <JWS compact>``, at most ``MAX_TOKEN_CHARS``;
- header: ``alg`` ES384 or RS384 only (never ``none``, never a symmetric HMAC), ``kid``
  present, ``typ`` JWT when present;
- ``iss`` on the allow-list; the key for its ``jku``/``kid`` (``service/cds/jwks.py``); the
  signature;
- ``aud`` (a string, or an array holding it) equal to the public URL of the endpoint called,
  computed from ``NOMS_PUBLIC_BASE_URL`` and never from the request's Host;
- ``exp`` present and not passed, ``iat`` present and not in the future, ``nbf`` not in the
  future (each with ``NOMS_CDS_CLOCK_SKEW``), and ``exp`` at most
  ``NOMS_CDS_MAX_TOKEN_LIFETIME`` ahead;
- ``jti`` present and never seen before: set-if-absent in the store shared by every worker and
  replica, kept until the token expires.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from joserfc import jws
from joserfc.errors import JoseError

from service.cds.jwks import KeySource
from service.config import Settings
from service.errors import InvalidJson, Unauthenticated
from service.fhir import jsonio
from service.storage.keyvalue import KeyValueStore

log = logging.getLogger("noms_cds.cds")

ALGORITHMS: Final = ("ES384", "RS384")
MAX_TOKEN_CHARS: Final = 8192
MAX_JTI_CHARS: Final = 256


@dataclass(frozen=True, slots=True)
class VerifiedCaller:
    """Who signed a call, once the JWT passed every check."""

    issuer: str
    tenant: str | None
    expires_at: float


def _number(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthenticated(f"{name}-missing")
    return float(value)


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("no-token")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("not-bearer")
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise Unauthenticated("malformed")
    return token


class JwtVerifier:
    """Checks CDS clients' JWTs for one app (settings, shared store, key source, clock)."""

    def __init__(
        self,
        settings: Settings,
        store: KeyValueStore,
        keys: KeySource,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._store = store
        self._keys = keys
        self._clock = clock

    def verify(self, authorization: str | None, audience: str) -> VerifiedCaller:
        """Check the ``Authorization`` header of a call to the endpoint at URL ``audience``.

        Raises:
            Unauthenticated: any check failed (its ``reason`` says which, for the log).
            StoreUnavailable: the replay cache cannot be reached (not a verdict on the token).
        """
        issuer = None
        try:
            token = _bearer(authorization)
            parsed, header, claims = self._unverified(token)
            issuer = claims.get("iss")
            caller = self._check(parsed, header, claims, audience)
        except Unauthenticated as refused:
            shown = issuer[:200] if isinstance(issuer, str) else None
            log.warning(
                "CDS client JWT refused",
                extra={"event": "jwt", "reason": refused.reason, "issuer": shown},
            )
            raise
        return caller

    def _unverified(
        self, token: str
    ) -> tuple[jws.CompactSignature, dict[str, Any], dict[str, Any]]:
        # Parsed once: the claims name the issuer whose key then verifies this same object.
        try:
            parsed = jws.extract_compact(token.encode("ascii"))
            claims = jsonio.loads(parsed.payload, max_depth=8, what="the claims")
        except (JoseError, ValueError, UnicodeError, InvalidJson):
            raise Unauthenticated("malformed") from None
        if not isinstance(claims, dict):
            raise Unauthenticated("malformed")
        return parsed, dict(parsed.protected), claims

    def _check(
        self,
        parsed: jws.CompactSignature,
        header: dict[str, Any],
        claims: dict[str, Any],
        audience: str,
    ) -> VerifiedCaller:
        if header.get("alg") not in ALGORITHMS:
            raise Unauthenticated("alg-not-allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("kid-missing")
        if "typ" in header and str(header["typ"]).upper() != "JWT":
            raise Unauthenticated("typ-not-jwt")
        jku = header.get("jku")
        if jku is not None and not isinstance(jku, str):
            raise Unauthenticated("malformed")
        issuer = claims.get("iss")
        trusted = self._settings.trusted_issuer(issuer) if isinstance(issuer, str) else None
        if trusted is None:
            raise Unauthenticated("issuer-not-allowed")
        key = self._keys.key(trusted, jku, kid)
        try:
            verified = jws.validate_compact(parsed, key, algorithms=ALGORITHMS)
        except JoseError:
            raise Unauthenticated("bad-signature") from None
        if not verified:
            raise Unauthenticated("bad-signature")
        self._check_audience(claims, audience)
        expires_at = self._check_times(claims)
        self._check_replay(issuer, claims, expires_at)
        tenant = claims.get("tenant")
        return VerifiedCaller(issuer, tenant if isinstance(tenant, str) else None, expires_at)

    @staticmethod
    def _check_audience(claims: dict[str, Any], audience: str) -> None:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if audience not in audiences:
            raise Unauthenticated("wrong-audience")

    def _check_times(self, claims: dict[str, Any]) -> float:
        now, skew = self._clock(), self._settings.cds_clock_skew
        expires_at = _number(claims, "exp")
        issued_at = _number(claims, "iat")
        if now > expires_at + skew:
            raise Unauthenticated("expired")
        if issued_at > now + skew:
            raise Unauthenticated("iat-in-future")
        if "nbf" in claims and _number(claims, "nbf") > now + skew:
            raise Unauthenticated("not-yet-valid")
        if expires_at - now > self._settings.cds_max_token_lifetime + skew:
            raise Unauthenticated("lifetime-too-long")
        return expires_at

    def _check_replay(self, issuer: str, claims: dict[str, Any], expires_at: float) -> None:
        jti = claims.get("jti")
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_CHARS:
            raise Unauthenticated("jti-missing")
        name = hashlib.sha256(f"{issuer}\0{jti}".encode()).hexdigest()
        keep_for = max(1.0, expires_at + self._settings.cds_clock_skew - self._clock())
        if not self._store.add("jti:" + name, "1", keep_for):
            raise Unauthenticated("replayed")
