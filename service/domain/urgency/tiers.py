"""The urgency tiers, the result for a level or the patient, and the headline (§15.2).

docs/clinical-rules.md §15.2: the headline leads with the highest possible tier and asks for what
decides it ("POSSIBLY EMERGENT: record myelopathy at T4 (at least urgent)").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from service.domain.levels import Level

SINS_UNSTABLE: Final = 13  # SINS 13–18 (Fourney 2011)
SINS_POTENTIALLY_UNSTABLE: Final = 7  # SINS 7–12
MECHANICAL_PAIN_POINTS: Final = 3  # the SINS pain answer "mechanical"

# How an input is asked for in a headline ("record myelopathy at T4").
INPUT_WORDS: Final = {
    "escc-grade": "the ESCC grade",
    "escc-conflict": (
        "which compression record holds (the ESCC grade or the spinal cord compression diagnosis)"
    ),
    "myelopathy": "myelopathy",
    "cauda-equina-syndrome": "cauda equina syndrome",
    "sins-pain": "SINS pain",
    "sins-bone-lesion": "the SINS bone lesion",
    "sins-alignment": "the SINS alignment",
    "sins-collapse": "the SINS collapse",
    "sins-posterolateral": "the SINS posterolateral involvement",
    "sacral-segment": "the segment of the sacral lesion",
    "metastasis-level": "the level of the spinal metastasis",
    "bone-metastasis-site": "the body site of the bone metastasis",
    "cord-compression-level": "the level of the spinal cord compression",
}


class Tier(Enum):
    """An urgency tier, ordered from none to emergent."""

    NONE = "none"
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENT = "emergent"

    @property
    def rank(self) -> int:
        """Order of the tiers: none 0, routine 1, urgent 2, emergent 3."""
        return _RANK[self]


_RANK: Final = {tier: i for i, tier in enumerate(Tier)}


@dataclass(frozen=True, slots=True)
class Urgency:
    """How urgent a level (or the patient) is, as far as the inputs allow.

    Attributes:
        level: The level, or None for the patient.
        at_least: The lowest tier that is certain.
        at_most: The highest tier still possible.
        reasons: Why, in words; the first explains the highest possible tier.
        deciding: The inputs the chart could still supply that decide between the tiers (for the
            patient keyed by level, e.g. ``T4/myelopathy``).
        top_deciding: Those among them that decide whether the highest possible tier holds: what
            the headline asks to record.
    """

    level: Level | None
    at_least: Tier
    at_most: Tier
    reasons: tuple[str, ...]
    deciding: tuple[str, ...] = ()
    top_deciding: tuple[str, ...] = ()

    @property
    def tier(self) -> Tier | None:
        """The tier when it is certain, else None."""
        return self.at_least if self.at_least is self.at_most else None


def headline(urgency: Urgency) -> str:
    """The line every output leads with: the highest possible tier first.

    "EMERGENT: high-grade compression (ESCC 3) with myelopathy at T4"; "POSSIBLY EMERGENT: record
    myelopathy at T4 (at least urgent)"; "ROUTINE: ..."; "NO SPINAL METASTASIS".
    """
    top = urgency.at_most.value.upper()
    if urgency.at_most is Tier.NONE:
        return "NO SPINAL METASTASIS"
    if urgency.tier is not None:
        return f"{top}: {urgency.reasons[0]}"
    if urgency.top_deciding:
        asked = _asked(urgency.top_deciding, urgency.level)
        text = f"POSSIBLY {top}: record {asked}"
    else:
        text = f"POSSIBLY {top}: {urgency.reasons[0]}"
    if urgency.at_least.rank >= Tier.URGENT.rank:
        text += f" (at least {urgency.at_least.value})"
    return text


def _asked(names: Sequence[str], level: Level | None) -> str:
    by_place: dict[str, list[str]] = {}
    for name in names:
        place, _, bare = name.rpartition("/")
        where = place or (level.value if level else "")
        if bare == "sacral-segment":
            where = ""  # "the segment of the sacral lesion" names its place
        by_place.setdefault(where, []).append(INPUT_WORDS.get(bare, bare))
    parts = [
        " and ".join(dict.fromkeys(words)) + (f" at {where}" if where else "")
        for where, words in by_place.items()
    ]
    return "; ".join(parts)
