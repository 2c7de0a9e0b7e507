"""What the assessment page shows, read from the one report view (``service.views``).

The words are the view's (which takes the urgency headline from the clinical core); this module
only picks, per level, the tier's colour class and letter and the marks of the spine diagram,
and maps the inputs that decide a plan or an urgency to the form's fields so the form asks for
them first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.views import LevelView, ReportView, UrgencyView
from smart_app.form import LEVEL_ORDER, PATIENT_FIELDS
from smart_app.spine import COCCYX, REGION_STARTS, SACRUM, SEGMENTS, VIEW_HEIGHT, VIEW_WIDTH, Box

LETTER: Final = {"emergent": "E", "urgent": "U", "routine": "R", "none": "–"}
UNSTABLE_BANDS: Final = frozenset({"potentially unstable", "unstable"})
LEVEL_FIELDS: Final = frozenset(LEVEL_ORDER)


@dataclass(frozen=True, slots=True)
class UrgencyLine:
    """The urgency as shown: the colour class (the highest tier still possible) and the words."""

    tier: str
    certain: bool
    words: str


def urgency_line(urgency: UrgencyView) -> UrgencyLine:
    """The urgency of the patient or a level, coloured by the highest tier still possible.

    An emergency that is only possible is shown in the emergency's colour: the headline says
    "POSSIBLY" and what to record.
    """
    return UrgencyLine(urgency.at_most, urgency.tier is not None, urgency.headline)


@dataclass(frozen=True, slots=True)
class LevelMark:
    """One level's marks in the spine diagram, with their text alternative."""

    tier: str
    letter: str
    words: str
    unstable: bool
    compression: str | None


def _mark(level: LevelView) -> LevelMark:
    urgency = level.urgency
    letter = LETTER[urgency.at_most] + ("" if urgency.tier is not None else "?")
    words = [urgency.headline]
    unstable = False
    if level.sins is not None:
        words.append(level.sins.line())
        bands = {level.sins.band} if level.sins.band else set(level.sins.possible_bands)
        unstable = bool(bands & UNSTABLE_BANDS)
    compression = None
    if level.escc is not None:
        words.append(f"ESCC {level.escc.text}")
        compression = {"high-grade": "high", "low-grade": "low"}.get(level.escc.category or "")
    if level.out_of_scope:
        words.append(level.out_of_scope)
    return LevelMark(urgency.at_most, letter, "; ".join(words), unstable, compression)


@dataclass(frozen=True, slots=True)
class SpineGeometry:
    """The diagram's boxes and size, for the template."""

    boxes: tuple[Box, ...]
    width: float
    height: float
    starts: frozenset[str]


def spine(view: ReportView) -> tuple[SpineGeometry, dict[str, LevelMark], str]:
    """The geometry, the marks by level code, and a summary for the figure's description."""
    marks = {level.code: _mark(level) for level in view.levels}
    boxes = (*SEGMENTS, *(b for b in (SACRUM, COCCYX) if b.level in marks))
    summary = "; ".join(level.urgency.headline for level in view.levels) or view.headline
    return SpineGeometry(boxes, VIEW_WIDTH, VIEW_HEIGHT, REGION_STARTS), marks, summary


def deciding_fields(view: ReportView) -> list[str]:
    """The form fields whose answers decide a level's plan or urgency, in the order to ask."""
    fields: list[str] = []
    for level in view.by_urgency():
        for name in (*level.urgency.top_deciding, *level.missing, *level.urgency.deciding):
            bare = name.rpartition("/")[2]  # "T4/myelopathy": the level's own input
            if bare in LEVEL_FIELDS:
                fields.append(f"{level.code}:{bare}")
            elif bare in PATIENT_FIELDS:
                fields.append(bare)
    return list(dict.fromkeys(fields))
