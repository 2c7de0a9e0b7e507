"""Credentials for a FHIR server: a bearer token handed to us, or SMART Backend Services.

Backend Services (SMART App Launch 2.2, backend-services.md and client-confidential-asymmetric.md):
the client signs a JWT assertion with its private key (RS384 or ES384), ``iss`` = ``sub`` = the
client id, ``aud`` = the token endpoint, ``exp`` at most five minutes ahead and a fresh ``jti`` for
every token request, and exchanges it for a short-lived access token (``client_credentials``).
Authlib's PrivateKeyJWT defaults to RS256 and one hour, and reuses the ``jti`` when claims are
passed (standards.md §1.10), so the assertion is built here, anew for every request.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import requests
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from service.errors import (
    AuthConfigurationError,
    FhirAuthError,
    FhirError,
    FhirTemporaryError,
    InvalidJson,
)
from service.fhir import jsonio
from service.fhir.wire import Watch, new_session, read_body

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SUPPORTED_ALGORITHMS = ("RS384", "ES384")
# SMART: exp SHALL be no more than five minutes in the future; stay under it for clock skew.
ASSERTION_LIFETIME_SECONDS = 240
TOKEN_REFRESH_MARGIN_SECONDS = 30
MAX_TOKEN_RESPONSE_BYTES = 64 * 1024  # a token response is a few hundred bytes
_TOKEN = re.compile(r"[\x21-\x7e]{1,8192}")  # printable ASCII, no spaces, bounded


class Auth(Protocol):
    """Something that can put credentials on a FHIR request."""

    def headers(self) -> dict[str, str]:
        """Headers to add to the next request."""
        ...

    def renew(self) -> bool:
        """Get fresh credentials after a 401; False when that is impossible."""
        ...


class NoAuth:
    """An open server (a public sandbox, the local sandbox EHR)."""

    def headers(self) -> dict[str, str]:
        """No credentials."""
        return {}

    def renew(self) -> bool:
        """Nothing to renew."""
        return False


# -- answers and errors --------------------------------------------------------------------------


@dataclass(frozen=True)
class BearerToken:
    """An access token obtained elsewhere (a SMART launch, CDS Hooks fhirAuthorization)."""

    token: str = field(repr=False)

    def __post_init__(self) -> None:
        # RFC 6750 §2.1: a b64token; anything with spaces or controls cannot be a header value
        # (and a newline would smuggle in headers of its own).
        if not isinstance(self.token, str) or not _TOKEN.fullmatch(self.token):
            raise AuthConfigurationError(
                "the bearer token is empty or holds characters a token cannot have"
            )

    def headers(self) -> dict[str, str]:
        """The Authorization header."""
        return {"Authorization": f"Bearer {self.token}"}

    def renew(self) -> bool:
        """A handed-over token cannot be renewed here."""
        return False


def load_signing_key(path: Path, kid: str | None = None) -> RSAKey | ECKey:
    """The private key to sign assertions with, from a JWK or JWKS file.

    A JWKS may hold public keys too; the key chosen has a private part, a ``kid``, and (if given)
    the ``kid`` asked for.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AuthConfigurationError(f"cannot read the private key file {path}") from exc
    keys = data.get("keys") if isinstance(data, dict) and "keys" in data else [data]
    candidates = [
        k for k in keys if isinstance(k, dict) and "d" in k and (kid is None or k.get("kid") == kid)
    ]
    if not candidates:
        raise AuthConfigurationError(
            f"{path} holds no private key" + (f" with kid {kid!r}" if kid else "")
        )
    key = KeySet.import_key_set({"keys": [candidates[0]]}).keys[0]
    if not key.kid:
        raise AuthConfigurationError(f"the private key in {path} has no kid")
    return key


def algorithm_for(key: RSAKey | ECKey) -> str:
    """RS384 for RSA keys, ES384 for P-384 keys; anything else is refused."""
    if isinstance(key, RSAKey):
        return "RS384"
    if isinstance(key, ECKey) and key.get("crv") == "P-384":
        return "ES384"
    raise AuthConfigurationError("SMART needs an RSA key (RS384) or a P-384 EC key (ES384)")


def client_assertion(
    key: RSAKey | ECKey, client_id: str, token_url: str, now: float, *, jku: str | None = None
) -> str:
    """A new signed ``private_key_jwt`` client assertion (SMART client-confidential-asymmetric).

    ``iss`` = ``sub`` = the client id, ``aud`` = the token endpoint, a fresh ``jti``, ``exp``
    under five minutes ahead, ``kid`` and ``typ: JWT`` in the header, RS384 or ES384.
    """
    alg = algorithm_for(key)
    header = {"alg": alg, "kid": key.kid, "typ": "JWT"}
    if jku:
        header["jku"] = jku
    issued = int(now)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME_SECONDS,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(header, claims, key, algorithms=[alg])


class BackendServices:
    """SMART Backend Services: client_credentials with a private_key_jwt assertion.

    Tokens are cached until shortly before they expire and renewed once after a 401.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        key: RSAKey | ECKey,
        scope: str,
        *,
        jku: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.scope = scope
        self.jku = jku
        self._key = key
        self._alg = algorithm_for(key)
        self._session = session or new_session()
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"BackendServices(token_url={self.token_url!r}, client_id={self.client_id!r})"

    def assertion(self) -> str:
        """A new signed client assertion: fresh ``jti``, ``exp`` under five minutes."""
        return client_assertion(
            self._key, self.client_id, self.token_url, self._clock(), jku=self.jku
        )

    def _fetch(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "scope": self.scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }
        # Bounded like every FHIR answer: the endpoint is configured, but its answer is still
        # read from the network. A redirect is not followed (the assertion is for this URL).
        deadline = time.monotonic() + self._timeout
        status, body = 0, None
        try:
            with Watch(self._timeout) as watch:
                response = self._session.post(
                    self.token_url,
                    data=form,
                    timeout=self._timeout,
                    headers={"Accept": "application/json"},
                    allow_redirects=False,
                    stream=True,
                )
                status = response.status_code
                data = read_body(
                    response,
                    max_bytes=MAX_TOKEN_RESPONSE_BYTES,
                    deadline=deadline,
                    what="the token endpoint",
                    watch=watch,
                )
            body = jsonio.loads(data, max_bytes=MAX_TOKEN_RESPONSE_BYTES, what="the token answer")
        except requests.RequestException as exc:
            raise FhirTemporaryError("the token endpoint could not be reached") from exc
        except FhirError as exc:
            if isinstance(exc, FhirTemporaryError) or status >= 500:
                raise FhirTemporaryError(f"the token endpoint failed: {exc}", status) from exc
            body = None  # too large or wrongly encoded: no token in it
        except InvalidJson:
            body = None
        if status >= 500:
            raise FhirTemporaryError("the token endpoint failed", status)
        body = body if isinstance(body, dict) else {}
        token = body.get("access_token")
        if status != 200 or not isinstance(token, str) or not token:
            error = body.get("error")
            reason = error if isinstance(error, str) and error.isidentifier() else "no access token"
            raise FhirAuthError(f"the token endpoint refused the client ({reason})", status)
        self._token = token
        # SMART backend services tokens SHOULD live at most 300 s; assume that if not told.
        lifetime = body.get("expires_in")
        lifetime = lifetime if isinstance(lifetime, int) and 0 < lifetime <= 86_400 else 300
        self._expires_at = self._clock() + lifetime - TOKEN_REFRESH_MARGIN_SECONDS

    def headers(self) -> dict[str, str]:
        """The Authorization header, fetching a token when none is valid."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch()
            return {"Authorization": f"Bearer {self._token}"}

    def renew(self) -> bool:
        """Forget the token so the next request fetches a new one."""
        with self._lock:
            self._token = None
        return True


def backend_services_from_config(
    path: Path, session: requests.Session | None = None
) -> BackendServices:
    """Backend Services settings from a JSON file.

    Keys: ``token_url``, ``client_id``, ``private_key`` (path to a JWK/JWKS file, relative to
    the config file), optional ``kid``, ``scope`` (default: read and write what we need), ``jku``.
    """
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AuthConfigurationError(f"cannot read the backend services config {path}") from exc
    missing = [k for k in ("token_url", "client_id", "private_key") if not config.get(k)]
    if missing:
        raise AuthConfigurationError(f"{path} lacks {', '.join(missing)}")
    key_path = (path.parent / config["private_key"]).resolve()
    return BackendServices(
        config["token_url"],
        config["client_id"],
        load_signing_key(key_path, config.get("kid")),
        config.get("scope", DEFAULT_SYSTEM_SCOPE),
        jku=config.get("jku"),
        session=session,
    )


# What the service reads and writes, as SMART v1 system scopes (servers map them to v2).
DEFAULT_SYSTEM_SCOPE = (
    "system/Patient.read system/Condition.read system/Observation.read "
    "system/Procedure.read system/ImagingStudy.read system/Observation.write "
    "system/RiskAssessment.write system/Provenance.write"
)
