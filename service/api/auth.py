"""API keys: who may call ``/api/*`` and open the worklist page (docs/integration.md, "API keys").

A client sends ``Authorization: Bearer <key>`` (RFC 6750 §2.1); the worklist page also takes
HTTP Basic with any user name and the key as the password (RFC 7617), so that a browser can open
it. The service keeps only the SHA-256 digest of each key (``NOMS_API_KEYS``); the digest of the
key presented is compared with every configured one by ``hmac.compare_digest``, all of them each
time, so neither the answer nor its timing tells which key came close. Every failure is the same
401 (the caller learns nothing of what failed); the log names the client on success and a
coarse reason on failure, never the key. With no keys configured, every protected route is a 401
that says so, for the operator: secure by default.

Every route of the API blueprint is protected (``before_request``) except the few listed in
``OPEN_ENDPOINTS`` (health, readiness, metrics), so a new ``/api`` route is protected unless
someone lists it here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Final, TypeVar

from flask import g, request

from service.api.blueprint import bp
from service.config.api_keys import ApiKey
from service.errors import Unauthenticated
from service.web.runtime import runtime

log = logging.getLogger("noms_cds.http")

BEARER_CHALLENGE: Final = "Bearer"
PAGE_REALM: Final = "NOMS-CDS worklist"
PAGE_CHALLENGE: Final = f'Basic realm="{PAGE_REALM}", charset="UTF-8"'
MAX_AUTHORIZATION_CHARS: Final = 1024  # far above a key's 43; no hashing of a megabyte header
NO_KEYS: Final = "authentication required: no API keys configured (NOMS_API_KEYS)"
#: Endpoints of the API blueprint that need no key: probes and metrics, reached by the platform.
OPEN_ENDPOINTS: Final = frozenset({"api.health", "api.ready", "api.metrics_view"})

View = TypeVar("View", bound=Callable[..., object])


def key_digest(key: str) -> str:
    """The SHA-256 hex digest of a key: what ``NOMS_API_KEYS`` holds for it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def presented_key(header: str | None, *, basic: bool = False) -> str | None:
    """The key in an ``Authorization`` value: a bearer token, or (``basic``) a Basic password."""
    if not header or len(header) > MAX_AUTHORIZATION_CHARS:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if basic and scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _user, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None


def client_for(key: str | None, keys: Iterable[ApiKey]) -> str | None:
    """The client whose key this is, or None; every configured digest is compared, always."""
    digest = hashlib.sha256((key or "").encode("utf-8")).digest()
    found = None
    for entry in keys:
        if hmac.compare_digest(digest, entry.digest) and found is None:
            found = entry.client
    return found if key else None


def authenticate(*, basic: bool = False) -> str:
    """The client calling, from its key; sets ``g.api_client``.

    Args:
        basic: Also accept HTTP Basic (the worklist page, opened by a browser).

    Raises:
        Unauthenticated: no key configured, none presented, or not one of ours (one answer).
    """
    challenge = PAGE_CHALLENGE if basic else BEARER_CHALLENGE
    keys = runtime().settings.api_keys
    if not keys:
        raise Unauthenticated("no-api-keys-configured", challenge=challenge, public=NO_KEYS)
    client = client_for(presented_key(request.headers.get("Authorization"), basic=basic), keys)
    if client is None:
        raise Unauthenticated("api-key-refused", challenge=challenge)
    g.api_client = client
    log.info("api client authenticated", extra={"event": "auth", "client": client})
    return client


def api_key_required(*, basic: bool = False) -> Callable[[View], View]:
    """A view decorator: the view runs only for a caller with a configured key."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: object, **kwargs: object) -> object:
            authenticate(basic=basic)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


@bp.before_request
def _require_api_key() -> None:
    """Every route of the API blueprint but ``OPEN_ENDPOINTS`` needs a key."""
    if request.endpoint not in OPEN_ENDPOINTS:
        authenticate()
