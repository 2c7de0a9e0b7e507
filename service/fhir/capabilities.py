"""What a server says it supports (its CapabilityStatement), as far as the client uses it, and
a cache of it shared by the clients of one server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Capabilities:
    """What a server says it supports (CapabilityStatement), as far as we use it."""

    batch: bool = False
    transaction: bool = False
    creatable: frozenset[str] = frozenset()
    conditional_create: frozenset[str] = frozenset()
    known: bool = False  # False when the statement says nothing: try, and look before creating

    @classmethod
    def from_statement(cls, statement: Mapping[str, Any]) -> Capabilities:
        """Read a CapabilityStatement; one that lists no resources is unknown."""
        batch = transaction = False
        creatable: set[str] = set()
        conditional: set[str] = set()
        listed = 0
        for rest in _objects(statement.get("rest")):
            if rest.get("mode") not in (None, "server"):
                continue
            system = _codes(rest.get("interaction"))
            batch |= "batch" in system
            transaction |= "transaction" in system
            for resource in _objects(rest.get("resource")):
                rtype = resource.get("type")
                if not isinstance(rtype, str):
                    continue
                listed += 1
                interactions = _codes(resource.get("interaction"))
                if "create" in interactions:
                    creatable.add(rtype)
                    if resource.get("conditionalCreate") is True:
                        conditional.add(rtype)
        if not listed:
            return cls(batch=batch)
        return cls(batch, transaction, frozenset(creatable), frozenset(conditional), True)

    def may_create(self, resource_type: str) -> bool:
        """False only when the server says it cannot create this type."""
        return not self.known or resource_type in self.creatable


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _codes(interactions: Any) -> set[str]:
    """The interaction codes a server lists; a code that is not a string says nothing."""
    return {i["code"] for i in _objects(interactions) if isinstance(i.get("code"), str)}


UNKNOWN_CAPABILITIES_TTL = 60.0  # seconds: a server whose metadata failed is asked again soon


class CapabilitiesCache:
    """CapabilityStatements by FHIR base, each kept for a while; thread-safe."""

    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Capabilities]] = {}

    def get(self, base_url: str) -> Capabilities | None:
        """The capabilities of a base, if read recently enough."""
        with self._lock:
            entry = self._entries.get(base_url)
            if entry is None or entry[0] <= self._clock():
                self._entries.pop(base_url, None)
                return None
            return entry[1]

    def put(self, base_url: str, capabilities: Capabilities) -> None:
        """Keep what a client read."""
        ttl = self.ttl if capabilities.known else min(self.ttl, UNKNOWN_CAPABILITIES_TTL)
        with self._lock:
            self._entries[base_url] = (self._clock() + ttl, capabilities)

    def forget(self, base_url: str) -> None:
        """Drop a base (its transport was evicted)."""
        with self._lock:
            self._entries.pop(base_url, None)
