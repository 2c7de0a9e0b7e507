"""Candidate values per input key, resolved by the contract's rule: newest wins, conflicts told."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.domain.levels import SpinalArea
from service.fhir.extract.issues import Issue


@dataclass(slots=True)
class Candidate:
    value: Any
    when: datetime | None
    ref: str
    preliminary: bool = False


@dataclass
class Collector:
    """Candidate values per input key, and everything learnt on the way."""

    candidates: dict[str, list[Candidate]] = field(default_factory=lambda: defaultdict(list))
    issues: list[Issue] = field(default_factory=list)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    conflicting: set[str] = field(default_factory=set)
    preliminary: set[str] = field(default_factory=set)
    chosen: dict[str, Candidate] = field(default_factory=dict)
    # Prior radiation recorded for a whole spinal area: a region, a junction, the column
    # (docs/clinical-rules.md §15.9).
    region_radiation: dict[SpinalArea, list[Candidate]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # Radiotherapy whose site is not given (no body site, or a vertebra without its level): it
    # may have covered any level (docs/clinical-rules.md §15.9).
    unsited_radiation: list[Candidate] = field(default_factory=list)

    def add(
        self, key: str, value: Any, when: datetime | None, ref: str, preliminary: bool = False
    ) -> None:
        self.candidates[key].append(Candidate(value, when, ref, preliminary))

    def note(self, severity: str, message: str, resource: str | None = None) -> None:
        self.issues.append(Issue(severity, message, resource))

    def resolve(self, key: str, describe: Callable[[Any], str] = str) -> Any:
        """The value for key: the newest; disagreement reported; no newest → unknown."""
        found = self.candidates.get(key) or []
        if not found:
            return None
        newest_when = max((c.when for c in found if c.when), default=None)
        values = {c.value for c in found}
        if len(values) > 1:
            self.conflicting.add(key)
            newest = [c for c in found if c.when == newest_when] if newest_when else found
            if newest_when is None or len({c.value for c in newest}) > 1:
                tied = newest if newest_when else found
                self.note(
                    "warning",
                    f"{key}: the chart holds conflicting values and none is the newest "
                    f"({'; '.join(f'{c.ref}: {describe(c.value)}' for c in tied)}); "
                    "the value is left unknown",
                )
                return None
            chosen = newest[0]
            self.note(
                "warning",
                f"{key}: the chart holds conflicting values "
                f"({', '.join(sorted(describe(v) for v in values))}); the newest "
                f"({describe(chosen.value)}) is used",
                chosen.ref,
            )
        else:
            dated = [c for c in found if c.when == newest_when] if newest_when else found
            chosen = dated[0]
        self.sources[key] = (chosen.ref,)
        self.chosen[key] = chosen
        if chosen.preliminary:
            self.preliminary.add(key)
        return chosen.value


def enum_name(value: Any) -> str:
    return getattr(value, "value", str(value))
