"""The public keys that verify a CDS client's JWT: configured, or fetched and cached.

Which keys (docs/architecture.md, CDS Hooks trust):

1. the token names a ``jku`` on its issuer's allow-list: the JWKS at that URL;
2. else the issuer's keys on record: inline or from a file (``jwks``/``jwks_file``), or fetched
   from its configured ``jwks_url``; a ``jku`` not on the list is then neither fetched nor used;
3. else the token is refused.

Fetched JWKS are cached in the shared store (``NOMS_CDS_JWKS_CACHE_SECONDS``) so every worker
and replica fetches once; a ``kid`` missing from the cache triggers one refetch at most every
``REFRESH_AFTER`` seconds (key rotation), and a failed fetch is not retried for
``FAILURE_BACKOFF`` seconds. A fetch sends no credentials and no cookies (``trust_env`` off: no
``.netrc``), follows no redirect, and is bounded in size and time. The store is read on every
call (it is what the workers share), but a cached JWKS is parsed and its keys imported once per
process: the import is memoized on the cached text itself (:func:`_cached_entry`), so a refetched
or changed JWKS is a new text and is imported afresh.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Final

from joserfc.errors import JoseError
from joserfc.jwk import Key, KeySet

from service import fetch
from service.config import PRIVATE_JWK_MEMBERS, TrustedIssuer
from service.errors import Unauthenticated
from service.storage.keyvalue import KeyValueStore

log = logging.getLogger("noms_cds.cds")

MAX_JWKS_BYTES: Final = 64 * 1024
FETCH_DEADLINE: Final = 8.0  # whole fetch, however slowly the bytes trickle
REFRESH_AFTER: Final = 60.0
FAILURE_BACKOFF: Final = 30.0


class JwksUnavailable(Exception):
    """A JWKS could not be fetched or is not a usable JWKS (the reason is for the log)."""


def fetch_jwks(url: str) -> dict[str, Any]:
    """GET a JWKS within the bounds; keep only usable public signing keys (EC, RSA, with kid).

    Raises:
        JwksUnavailable: the fetch failed or the answer is not a JWKS.
    """
    try:
        document = fetch.get_json(url, FETCH_DEADLINE, max_bytes=MAX_JWKS_BYTES, max_depth=8)
    except fetch.FetchFailed as exc:
        raise JwksUnavailable(str(exc)) from exc
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise JwksUnavailable("not a JWKS")
    public = [
        {name: value for name, value in key.items() if name not in PRIVATE_JWK_MEMBERS}
        for key in keys
        if isinstance(key, dict)
        and key.get("kty") in {"EC", "RSA"}
        and isinstance(key.get("kid"), str)
    ]
    return {"keys": public}


def _key_by_kid(keys: KeySet, kid: str) -> Key | None:
    return next((key for key in keys if key.kid == kid), None)


def _import(jwks: dict[str, Any]) -> KeySet:
    usable = []
    for key in jwks.get("keys", []):
        try:
            usable.append(KeySet.import_key_set({"keys": [key]}).keys[0])
        except (JoseError, ValueError, TypeError):
            continue  # one broken key in a published set must not hide the others
    return KeySet(usable)


@lru_cache(maxsize=64)  # a handful of issuers, each with one JWKS (two while keys rotate)
def _cached_entry(text: str) -> tuple[float, KeySet]:
    """When a cached JWKS was fetched, and its keys imported (memoized on the cached text)."""
    entry = json.loads(text)
    return float(entry["fetched"]), _import(entry["jwks"])


class KeySource:
    """Finds the key for a token's issuer, ``jku`` and ``kid`` (see the module docstring)."""

    def __init__(
        self,
        store: KeyValueStore,
        cache_seconds: int,
        fetch: Callable[[str], dict[str, Any]] = fetch_jwks,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._fetch = fetch
        self._clock = clock

    def key(self, issuer: TrustedIssuer, jku: str | None, kid: str) -> Key:
        """The public key that must have signed the token.

        Raises:
            Unauthenticated: no allowed source of keys, the keys cannot be had, or none has
                this ``kid``.
        """
        if jku is not None and issuer.allows_jku(jku):
            return self._fetched_key(jku, kid)
        if issuer.keys is not None:
            key = _key_by_kid(issuer.keys, kid)
            if key is None:
                raise Unauthenticated("kid-unknown")
            return key
        if issuer.jwks_url is not None:
            return self._fetched_key(issuer.jwks_url, kid)
        raise Unauthenticated("jku-not-allowed" if jku is not None else "no-keys")

    def _fetched_key(self, url: str, kid: str) -> Key:
        name = hashlib.sha256(url.encode()).hexdigest()
        cached = self._store.get("jwks:" + name)
        if cached is not None:
            fetched, keys = _cached_entry(cached)
            key = _key_by_kid(keys, kid)
            if key is not None:
                return key
            if self._clock() - fetched < REFRESH_AFTER:
                raise Unauthenticated("kid-unknown")
        if self._store.get("jwks-failed:" + name) is not None:
            raise Unauthenticated("jwks-unavailable")
        try:
            jwks = self._fetch(url)
        except JwksUnavailable as exc:
            log.warning(
                "JWKS fetch failed", extra={"event": "jwks", "url": url, "reason": str(exc)}
            )
            self._store.add("jwks-failed:" + name, "1", FAILURE_BACKOFF)
            raise Unauthenticated("jwks-unavailable") from None
        if self._cache_seconds:
            entry = {"fetched": self._clock(), "jwks": jwks}
            self._store.set("jwks:" + name, json.dumps(entry), self._cache_seconds)
        key = _key_by_kid(_import(jwks), kid)
        if key is None:
            raise Unauthenticated("kid-unknown")
        return key
