"""Clients for many (FHIR base, credentials) pairs, for a long-running service.

A CDS Hooks call brings its own FHIR server and token (``fhirServer``, ``fhirAuthorization``);
a SMART launch brings a user's token. Making a :class:`~service.fhir.client.FhirClient` per
call must be cheap and must never mix users:

- per FHIR base (and set of limits), one :class:`~service.fhir.http.HttpTransport`: one
  connection pool, kept alive across calls; it holds no credentials and keeps no cookies, so
  sharing it between users shares nothing of theirs;
- per FHIR base, the CapabilityStatement, read once and kept for ``capabilities_ttl`` seconds
  (it is the server's, the same for every user; an unreadable one is kept only briefly);
- per client, the credentials, and nothing else.

The bases kept are bounded (least recently used first out), since the bases come from callers
(a web layer must still check them against its allow-list).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from service.errors import ConfigurationError
from service.fhir.auth import Auth, BearerToken, NoAuth
from service.fhir.capabilities import CapabilitiesCache
from service.fhir.client import FhirClient
from service.fhir.http import HttpTransport
from service.fhir.limits import Limits
from service.fhir.origins import FhirBase


class FhirClients:
    """Makes :class:`FhirClient` objects that share transports and CapabilityStatements.

    Args:
        limits: The limits of every client made (one transport per base and limits).
        capabilities_ttl: Seconds a CapabilityStatement is reused.
        max_bases: FHIR bases kept at once; the least recently used is closed first.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        capabilities_ttl: float = 3600.0,
        max_bases: int = 32,
    ) -> None:
        if max_bases < 1:
            raise ValueError("max_bases must be positive")
        self.limits = limits or Limits()
        self.max_bases = max_bases
        self.capabilities = CapabilitiesCache(capabilities_ttl)
        self._lock = threading.Lock()
        self._transports: OrderedDict[tuple[str, Limits], HttpTransport] = OrderedDict()

    def client(
        self,
        base_url: str,
        token: str | None = None,
        *,
        auth: Auth | None = None,
        limits: Limits | None = None,
    ) -> FhirClient:
        """A client of ``base_url`` with a bearer ``token`` (or another ``auth``, or none).

        Raises:
            ConfigurationError: an unusable base URL, a token that cannot be a header value,
                or credentials that would go over plain HTTP to another machine.
        """
        if token is not None and auth is not None:
            raise ConfigurationError("give a token or an auth, not both")
        credentials = BearerToken(token) if token is not None else (auth or NoAuth())
        transport = self._transport(base_url, limits or self.limits)
        return FhirClient(
            transport.base_url,
            credentials,
            transport=transport,
            capabilities_cache=self.capabilities,
        )

    def _transport(self, base_url: str, limits: Limits) -> HttpTransport:
        try:
            base = FhirBase.parse(base_url)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        key = (base.url, limits)
        evicted: list[HttpTransport] = []
        with self._lock:
            transport = self._transports.get(key)
            if transport is None:
                transport = self._transports[key] = HttpTransport(base.url, limits)
            self._transports.move_to_end(key)
            while len(self._transports) > self.max_bases:
                _, old = self._transports.popitem(last=False)
                evicted.append(old)
        for old in evicted:
            if not any(t.base_url == old.base_url for t in self._transports.values()):
                self.capabilities.forget(old.base_url)
            old.session.close()
        return transport

    def close(self) -> None:
        """Close every connection pool (the service is stopping)."""
        with self._lock:
            transports = list(self._transports.values())
            self._transports.clear()
        for transport in transports:
            transport.session.close()
