"""Where each vertebra sits in the page's spine diagram (an inline SVG, C1 to S5).

Geometry only: the marks on a level (urgency, stability, compression) and their words come from
the report view. Vertebrae grow from the cervical to the lumbar spine and the sacral segments
narrow, roughly as in an anatomical sketch; a sacral lesion without a segment marks the whole
sacrum, and the coccyx sits below S5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

GAP: Final = 3
TOP: Final = 8
CENTRE: Final = 62  # x of the column's axis; labels to its left, marks to its right
VIEW_WIDTH: Final = 150
# region letter -> (count, height, width of its first and last vertebra)
REGIONS: Final = {
    "C": (7, 13, 30, 36),
    "T": (12, 15, 38, 48),
    "L": (5, 19, 52, 58),
    "S": (5, 11, 50, 26),
}


@dataclass(frozen=True, slots=True)
class Box:
    """One vertebra (or the sacrum, or the coccyx) in the diagram's coordinates."""

    level: str
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        """The y of its centre line (for its label and marks)."""
        return self.y + self.height / 2

    @property
    def right(self) -> float:
        """The x of its right edge (the marks start there)."""
        return self.x + self.width


def _segments() -> list[Box]:
    boxes: list[Box] = []
    y = float(TOP)
    for letter, (count, height, first, last) in REGIONS.items():
        for i in range(count):
            width = first + (last - first) * (i / (count - 1))
            boxes.append(Box(f"{letter}{i + 1}", CENTRE - width / 2, y, width, height))
            y += height + (0 if letter == "S" else GAP)
        y += GAP
    return boxes


SEGMENTS: Final[tuple[Box, ...]] = tuple(_segments())
_SACRAL = [b for b in SEGMENTS if b.level.startswith("S")]
SACRUM: Final = Box(
    "sacrum",
    min(b.x for b in _SACRAL),
    _SACRAL[0].y,
    max(b.width for b in _SACRAL),
    _SACRAL[-1].y + _SACRAL[-1].height - _SACRAL[0].y,
)
COCCYX: Final = Box("coccyx", CENTRE - 8, SACRUM.y + SACRUM.height + GAP, 16, 10)
VIEW_HEIGHT: Final = COCCYX.y + COCCYX.height + TOP
_BY_LEVEL: Final = {b.level: b for b in (*SEGMENTS, SACRUM, COCCYX)}
REGION_STARTS: Final = frozenset({"C1", "T1", "L1", "S1"})


def box_of(level: str) -> Box | None:
    """The box of a level code (``T9``, ``sacrum``, ``coccyx``), or None when unknown."""
    return _BY_LEVEL.get(level) or _BY_LEVEL.get(level.upper())
