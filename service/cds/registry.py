"""The CDS services this deployment offers, keyed by service id (CDS Hooks 2.0 §Discovery).

A service is its discovery description (id, hooks, title, description, prefetch templates) plus
the handler that answers a call; the same id may be offered on several hooks (the spec allows
it: ``order-select`` and ``order-sign`` share one service). Discovery lists exactly what is
registered, so a service appears only once it can answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from service.cds.hooks import FeedbackItem, HookRequest

SERVICE_ID: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # kebab-case, stable, URL-safe

CdsResponse = dict[str, Any]  # {"cards": [...], "systemActions": [...]?}
Handler = Callable[["HookRequest"], CdsResponse]
FeedbackHandler = Callable[[str, tuple["FeedbackItem", ...]], None]


@dataclass(frozen=True)
class ServiceDescription:
    """What discovery says about one service.

    Attributes:
        id: The service id: the service is called at ``/cds-services/{id}``.
        hooks: The hooks it answers (one discovery entry per hook).
        title: Human-friendly name.
        description: What it does.
        prefetch: Prefetch templates by key (``{{context.patientId}}`` tokens).
        usage_requirements: Preconditions, for a human reader, when any.
    """

    id: str
    hooks: tuple[str, ...]
    title: str
    description: str
    prefetch: Mapping[str, str] = field(default_factory=dict)
    usage_requirements: str | None = None

    def __post_init__(self) -> None:
        if not SERVICE_ID.fullmatch(self.id):
            raise ValueError(f"service id {self.id!r} is not kebab-case")
        if not self.hooks or not self.description:
            raise ValueError(f"service {self.id!r} needs at least one hook and a description")
        object.__setattr__(self, "prefetch", MappingProxyType(dict(self.prefetch)))

    def discovery_entries(self) -> list[dict[str, Any]]:
        """The discovery entries, one per hook, without empty fields (CDS Hooks 2.0 §JSON)."""
        entries = []
        for hook in self.hooks:
            entry: dict[str, Any] = {
                "hook": hook,
                "title": self.title,
                "description": self.description,
                "id": self.id,
            }
            if self.prefetch:
                entry["prefetch"] = dict(self.prefetch)
            if self.usage_requirements:
                entry["usageRequirements"] = self.usage_requirements
            entries.append(entry)
        return entries


@dataclass(frozen=True)
class CdsService:
    """A service that can answer: its description and its handlers.

    Attributes:
        description: What discovery lists.
        handle: Answers a validated call with the CDS response (``{"cards": [...]}``); raises a
            ServiceError (e.g. DataUnavailable, answered 412) when it cannot.
        feedback: Takes the validated feedback items for the service, when it accepts feedback.
    """

    description: ServiceDescription
    handle: Handler
    feedback: FeedbackHandler | None = None

    @property
    def id(self) -> str:
        """The service id."""
        return self.description.id


class Registry:
    """The services of one app, by id."""

    def __init__(self) -> None:
        self._services: dict[str, CdsService] = {}

    def register(self, service: CdsService) -> None:
        """Offer ``service``; an id can be registered once."""
        if service.id in self._services:
            raise ValueError(f"service {service.id!r} is already registered")
        self._services[service.id] = service

    def get(self, service_id: str) -> CdsService | None:
        """The service with this id, if offered."""
        return self._services.get(service_id)

    def __iter__(self) -> Iterator[CdsService]:
        return iter(self._services.values())

    def discovery(self) -> dict[str, Any]:
        """The discovery response: ``{"services": [...]}`` (an empty list when none)."""
        return {"services": [entry for s in self for entry in s.description.discovery_entries()]}
