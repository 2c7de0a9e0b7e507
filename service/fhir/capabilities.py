"""What a server says it supports (its CapabilityStatement), as far as the client uses it."""

from __future__ import annotations

from collections.abc import Mapping
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
            system = {i.get("code") for i in _objects(rest.get("interaction"))}
            batch |= "batch" in system
            transaction |= "transaction" in system
            for resource in _objects(rest.get("resource")):
                rtype = resource.get("type")
                if not isinstance(rtype, str):
                    continue
                listed += 1
                interactions = {i.get("code") for i in _objects(resource.get("interaction"))}
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
