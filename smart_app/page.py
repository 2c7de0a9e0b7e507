"""What the assessment page leads with: the urgency, the spine's marks, the deciding inputs.

The urgency words are the clinical core's own (``service.domain.urgency.headline``, the line
every surface leads with); this module only picks, per level, the tier's colour class, its
letter, and the marks of the spine diagram, and maps the inputs that decide the plan or the
urgency to the form's fields so the form asks for them first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain.assessment import Assessment, LevelAssessment
from service.domain.escc import Category
from service.domain.urgency import Tier, Urgency, headline
from smart_app.form import LEVEL_ORDER, PATIENT_FIELDS, level_field
from smart_app.spine import COCCYX, REGION_STARTS, SACRUM, SEGMENTS, VIEW_HEIGHT, VIEW_WIDTH

LETTER: Final = {Tier.EMERGENT: "E", Tier.URGENT: "U", Tier.ROUTINE: "R", Tier.NONE: "–"}
UNSTABLE_BANDS: Final = frozenset({"potentially-unstable", "unstable"})
LEVEL_FIELDS: Final = frozenset(LEVEL_ORDER)


@dataclass(frozen=True, slots=True)
class UrgencyLine:
    """The urgency as shown: the colour class (the highest tier still possible) and the words."""

    tier: str
    certain: bool
    words: str


def urgency_line(urgency: Urgency) -> UrgencyLine:
    """The urgency of the patient or a level: coloured by the highest tier still possible.

    An emergency that is only possible is shown in the emergency's colour: the words say
    "POSSIBLY" and what to record (the core's headline).
    """
    return UrgencyLine(urgency.at_most.value, urgency.tier is not None, headline(urgency))


@dataclass(frozen=True, slots=True)
class LevelMark:
    """One level's marks in the spine diagram, with their text alternative."""

    tier: str
    letter: str
    words: str
    unstable: bool
    compression: str | None


def _mark(la: LevelAssessment) -> LevelMark:
    top = la.urgency.at_most
    letter = LETTER[top] if la.urgency.tier is not None else LETTER[top] + "?"
    bands = {band.code for band in la.sins.possible_bands}
    category = la.escc.category
    compression = {Category.HIGH: "high", Category.LOW: "low"}.get(category)
    stability = la.sins.band.label if la.sins.band else "stability not yet known"
    grade = f"ESCC {la.escc.grade.value}" if la.escc.grade else "ESCC grade not recorded"
    return LevelMark(
        tier=top.value,
        letter=letter,
        words=f"{headline(la.urgency)}; SINS {la.sins.describe_total()}, {stability}; {grade}",
        unstable=bool(bands & UNSTABLE_BANDS),
        compression=compression,
    )


@dataclass(frozen=True, slots=True)
class SpineGeometry:
    """The diagram's boxes and size, for the template."""

    boxes: tuple
    width: float
    height: float
    starts: frozenset[str]


def spine(assessment: Assessment) -> tuple[SpineGeometry, dict[str, LevelMark], str]:
    """The geometry, the marks by level code, and a one-line summary for the figure."""
    marks = {la.level.value: _mark(la) for la in assessment.levels}
    boxes = (*SEGMENTS, *(b for b in (SACRUM, COCCYX) if b.level in marks))
    summary = "; ".join(mark.words for mark in marks.values()) or "No spinal metastasis on record."
    return SpineGeometry(boxes, VIEW_WIDTH, VIEW_HEIGHT, REGION_STARTS), marks, summary


def deciding_fields(assessment: Assessment) -> list[str]:
    """The form fields whose answers decide a level's plan or urgency, in the order to ask."""
    fields: list[str] = []
    for la in assessment.levels:
        names = (*la.recommendation.missing, *la.urgency.deciding)
        for name in names:
            bare = name.rpartition("/")[2]  # "T4/myelopathy": the level's own input
            if bare in LEVEL_FIELDS:
                fields.append(level_field(la.level, bare))
            elif bare in PATIENT_FIELDS:
                fields.append(bare)
    return list(dict.fromkeys(fields))
