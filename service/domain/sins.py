"""SINS, the Spinal Instability Neoplastic Score, for one vertebral level.

Source: Fisher CG, DiPaola CP, Ryken TC, et al. A novel classification system for spinal instability
in neoplastic disease. Spine 2010;35(22):E1221–E1229. doi:10.1097/BRS.0b013e3181e16ae2.
Bands: Fourney DR, Frangou EM, Ryken TC, et al. J Clin Oncol 2011;29(22):3072–3077.
doi:10.1200/JCO.2010.34.3897.

Resolutions of the disagreements in docs/clinical-rules.md §1.3:
- collapse "≥ 50 %" scores 3 and "> 0 and < 50 %" scores 2 (the ">50 %" wording leaves exactly
  50 % in no row); "no collapse with > 50 % of the body involved" scores 1. Open item O-1.
- pain scores 3 only when mechanical; unqualified "back pain" is not an answer.
- the middle band (7–12) is called "potentially unstable" (synonym: indeterminate).
- location follows from the level (S1 is junctional); a lesion spanning two location groups is not
  modelled (one lesion per level; open item O-2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from service.domain.levels import Level, SinsLocation
from service.domain.scoring import Band, Item, ScoreResult, known_item, open_item, possible_totals

REFERENCE: Final = (
    "Fisher CG et al. Spine 2010;35(22):E1221-E1229, doi:10.1097/BRS.0b013e3181e16ae2; "
    "bands: Fourney DR et al. J Clin Oncol 2011;29(22):3072-3077, doi:10.1200/JCO.2010.34.3897"
)


class Pain(Enum):
    """Pain attributed to the lesion (a clinical input, not an imaging finding)."""

    MECHANICAL = "mechanical"  # better lying down and/or worse with movement or loading
    OCCASIONAL_NON_MECHANICAL = "occasional non-mechanical"
    PAIN_FREE = "pain-free"


class BoneLesion(Enum):
    """Bone lesion quality (CT)."""

    LYTIC = "lytic"
    MIXED = "mixed lytic/blastic"
    BLASTIC = "blastic"


class Alignment(Enum):
    """Radiographic spinal alignment."""

    SUBLUXATION_TRANSLATION = "subluxation/translation"
    DE_NOVO_DEFORMITY = "de novo deformity"
    NORMAL = "normal"


class Collapse(Enum):
    """Vertebral body collapse."""

    AT_LEAST_50 = "collapse of 50% or more"
    LESS_THAN_50 = "collapse of less than 50%"
    NONE_BODY_OVER_50 = "no collapse, more than 50% of the body involved"
    NONE = "none of the above"


class Posterolateral(Enum):
    """Posterolateral involvement (facet, pedicle or costovertebral joint fracture or tumour)."""

    BILATERAL = "bilateral"
    UNILATERAL = "unilateral"
    NONE = "none"


LOCATION_POINTS: Final = {
    SinsLocation.JUNCTIONAL: 3,
    SinsLocation.MOBILE: 2,
    SinsLocation.SEMIRIGID: 1,
    SinsLocation.RIGID: 0,
}
PAIN_POINTS: Final = {Pain.MECHANICAL: 3, Pain.OCCASIONAL_NON_MECHANICAL: 1, Pain.PAIN_FREE: 0}
BONE_LESION_POINTS: Final = {BoneLesion.LYTIC: 2, BoneLesion.MIXED: 1, BoneLesion.BLASTIC: 0}
ALIGNMENT_POINTS: Final = {
    Alignment.SUBLUXATION_TRANSLATION: 4,
    Alignment.DE_NOVO_DEFORMITY: 2,
    Alignment.NORMAL: 0,
}
COLLAPSE_POINTS: Final = {
    Collapse.AT_LEAST_50: 3,
    Collapse.LESS_THAN_50: 2,
    Collapse.NONE_BODY_OVER_50: 1,
    Collapse.NONE: 0,
}
POSTEROLATERAL_POINTS: Final = {
    Posterolateral.BILATERAL: 3,
    Posterolateral.UNILATERAL: 1,
    Posterolateral.NONE: 0,
}

STABLE: Final = Band("stable", "stable", 0, 6)
POTENTIALLY_UNSTABLE: Final = Band("potentially-unstable", "potentially unstable", 7, 12)
UNSTABLE: Final = Band("unstable", "unstable", 13, 18)
BANDS: Final = (STABLE, POTENTIALLY_UNSTABLE, UNSTABLE)


@dataclass(frozen=True, slots=True)
class Inputs:
    """The SINS answers for one level; None means not known."""

    level: Level
    pain: Pain | None = None
    bone_lesion: BoneLesion | None = None
    alignment: Alignment | None = None
    collapse: Collapse | None = None
    posterolateral: Posterolateral | None = None


def _item(key: str, label: str, table: dict, answer: Enum | None, input_name: str) -> Item:
    options = sorted(set(table.values()))
    if answer is None:
        return open_item(key, label, options, options, "unknown", missing=(input_name,))
    return known_item(key, label, options, table[answer], answer.value, (input_name,))


def _location(level: Level) -> Item:
    """The location item: known from a vertebra; a range for the sacrum without a segment.

    docs/clinical-rules.md §15.10: an unsegmented sacral lesion is junctional (S1, 3 points) or
    rigid (S2–S5, 0 points); the segment is what the record could still supply. The coccyx is not
    defined by SINS (§1.4): every location stays open and nothing the record could add settles it.
    """
    options = sorted(set(LOCATION_POINTS.values()))
    locations = level.sins_locations
    if len(locations) == 1:
        (location,) = locations
        answer = f"{location.value} ({level.value})"
        return known_item(
            "location", "Location", options, LOCATION_POINTS[location], answer, ("level",)
        )
    if locations:
        possible = [LOCATION_POINTS[location] for location in locations]
        answer = f"{level.label}: " + " or ".join(loc.value for loc in locations)
        return open_item(
            "location", "Location", options, possible, answer, ("level",), ("sacral-segment",)
        )
    return open_item(
        "location", "Location", options, options, f"{level.label}: not defined by SINS", ("level",)
    )


def score(inputs: Inputs) -> ScoreResult:
    """Score SINS for one level; unknown answers widen the range instead of counting as 0."""
    items = (
        _location(inputs.level),
        _item("pain", "Pain", PAIN_POINTS, inputs.pain, "sins-pain"),
        _item(
            "bone-lesion", "Bone lesion", BONE_LESION_POINTS, inputs.bone_lesion, "sins-bone-lesion"
        ),
        _item(
            "alignment",
            "Radiographic alignment",
            ALIGNMENT_POINTS,
            inputs.alignment,
            "sins-alignment",
        ),
        _item(
            "collapse", "Vertebral body collapse", COLLAPSE_POINTS, inputs.collapse, "sins-collapse"
        ),
        _item(
            "posterolateral",
            "Posterolateral involvement",
            POSTEROLATERAL_POINTS,
            inputs.posterolateral,
            "sins-posterolateral",
        ),
    )
    return ScoreResult("sins", REFERENCE, items, possible_totals(items), BANDS)
