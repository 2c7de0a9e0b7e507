"""Trying every value of the unknown inputs ("completions") and reading what they agree on.

Each unknown input of the table (ESCC category, myelopathy/cauda equina syndrome, stability,
ability to tolerate surgery) is a dimension with the values it can still take. Every combination
is a completion; a recommendation is settled when all completions give the same plan, and an input
decides when changing it alone changes the plan (docs/clinical-rules.md §9.6, "unknown inputs").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from service.domain.noms.outcome import Outcome


@dataclass(frozen=True, slots=True)
class Dimension:
    """One input of the table and the values it can still take.

    Attributes:
        names: The inputs that would settle it (what is listed as missing when it decides).
        values: The values still possible; one value means it is known.
        describe: Each value in words, for the candidate lines of the rationale.
        merge: How several values of one candidate are said together (default: joined by "or").
        said: How the dimension is named when it decides, when that differs from ``names`` (a
            clinician's judgement the chart cannot supply is named, but never "missing").
    """

    names: tuple[str, ...]
    values: tuple[Any, ...]
    describe: Mapping[Any, str] = field(default_factory=dict)
    merge: Callable[[list[Any]], str] | None = None
    said: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.said:
            object.__setattr__(self, "said", self.names)

    def say(self, values: list[Any]) -> str:
        """Several values of this dimension in words, in the dimension's order."""
        ordered = [v for v in self.values if v in values]
        if self.merge is not None:
            return self.merge(ordered)
        return " or ".join(self.describe[v] for v in ordered)

    @property
    def known(self) -> bool:
        """True when only one value is possible."""
        return len(self.values) < 2


Completion = tuple[Hashable, ...]


def completions(dims: Mapping[str, Dimension]) -> Iterable[Completion]:
    """Every combination of the dimensions' values, in the dimensions' order."""
    return product(*(d.values for d in dims.values()))


def deciding(dims: Mapping[str, Dimension], outcomes: Mapping[Completion, Outcome]) -> list[str]:
    """The dimensions whose value changes the plan, holding the others fixed."""
    keys = list(dims)
    found = []
    for i, key in enumerate(keys):
        if dims[key].known:
            continue
        if any(
            outcomes[(*combo[:i], value, *combo[i + 1 :])].core != outcome.core
            for combo, outcome in outcomes.items()
            for value in dims[key].values
        ):
            found.append(key)
    return found


def common(values: Iterable[Any], default: Any) -> Any:
    """The one value every item shares, else the default."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else default


def candidate_lines(
    dims: Mapping[str, Dimension], keys: list[str], outcomes: Mapping[Completion, Outcome]
) -> list[str]:
    """One line per distinct candidate, with the situations that lead to it.

    Within one candidate's situations, an input that takes every value is irrelevant to that
    candidate and is left out of its description; values of the first input that differ only
    there are said together ("if ESCC 0, 1a or 1b and myelopathy").
    """
    order = list(dims)
    groups: dict[tuple[str, str], set[tuple]] = {}
    for combo, outcome in outcomes.items():
        situation = tuple(combo[order.index(k)] for k in keys)
        groups.setdefault((outcome.plan.value, outcome.text), set()).add(situation)
    lines = []
    for (plan, text), situations in groups.items():
        active = [
            position
            for position in range(len(keys))
            if not all(
                (*t[:position], v, *t[position + 1 :]) in situations
                for t in situations
                for v in dims[keys[position]].values
            )
        ]
        merged: dict[tuple, list[Any]] = defaultdict(list)
        for t in situations:
            rest = tuple(t[i] for i in active[1:])
            if active and t[active[0]] not in merged[rest]:
                merged[rest].append(t[active[0]])
            elif not active:
                merged[rest] = []
        described = set()
        for rest, first in merged.items():
            words = [dims[keys[active[0]]].say(first)] if active else []
            words += [dims[keys[i]].describe[v] for i, v in zip(active[1:], rest, strict=True)]
            described.add(" and ".join(words))
        conditions = "; or if ".join(sorted(d for d in described if d))
        lines.append(f"- {plan} ({text})" + (f" if {conditions}" if conditions else ""))
    return lines
