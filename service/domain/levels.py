"""Vertebral levels and what follows from a level alone: SINS location, cord or cauda equina.

A level is one vertebra C1–S5, or one of two sites that have no single segment
(docs/clinical-rules.md §15.10): the sacrum when the record does not name the segment, and the
coccyx, which SINS and NOMS do not define (reported as outside their scope). Anatomy by level
(docs/clinical-rules.md §15.1): the spinal cord lies at C1–T12 and ends in the conus at L1 (usually
L1–L2), so myelopathy can arise at C1–L1 and a cauda equina syndrome at L1–S5.
"""

from __future__ import annotations

from enum import Enum


class Region(Enum):
    """Spinal region of a vertebra."""

    CERVICAL = "cervical"
    THORACIC = "thoracic"
    LUMBAR = "lumbar"
    SACRAL = "sacral"
    COCCYGEAL = "coccygeal"


class SinsLocation(Enum):
    """SINS location categories (Fisher 2010, doi:10.1097/BRS.0b013e3181e16ae2)."""

    JUNCTIONAL = "junctional"  # occiput–C2, C7–T2, T11–L1, L5–S1
    MOBILE = "mobile"  # C3–C6, L2–L4
    SEMIRIGID = "semirigid"  # T3–T10
    RIGID = "rigid"  # S2–S5


class Level(Enum):
    """One vertebral level, ordered cranial to caudal; the two unsegmented sites come last."""

    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"
    C6 = "C6"
    C7 = "C7"
    T1 = "T1"
    T2 = "T2"
    T3 = "T3"
    T4 = "T4"
    T5 = "T5"
    T6 = "T6"
    T7 = "T7"
    T8 = "T8"
    T9 = "T9"
    T10 = "T10"
    T11 = "T11"
    T12 = "T12"
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"
    L4 = "L4"
    L5 = "L5"
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"
    S4 = "S4"
    S5 = "S5"
    SACRUM = "sacrum"  # a sacral lesion whose segment (S1–S5) the record does not give
    COCCYX = "coccyx"

    @classmethod
    def segments(cls) -> tuple[Level, ...]:
        """The 29 vertebrae C1–S5, cranial to caudal."""
        return _SEGMENTS

    @property
    def is_segment(self) -> bool:
        """True for one vertebra C1–S5; False for the sacrum without a segment and the coccyx."""
        return self in _SEGMENT_SET

    @property
    def label(self) -> str:
        """How the level is named in sentences: "T9", "sacrum (segment not given)", "coccyx"."""
        return "sacrum (segment not given)" if self is Level.SACRUM else self.value

    @property
    def region(self) -> Region:
        """The spinal region this level belongs to."""
        if self is Level.SACRUM:
            return Region.SACRAL
        if self is Level.COCCYX:
            return Region.COCCYGEAL
        return _REGIONS[self.value[0]]

    @property
    def number(self) -> int | None:
        """Position within the region (C7 → 7); None for the sacrum without a segment, coccyx."""
        return int(self.value[1:]) if self.is_segment else None

    @property
    def index(self) -> int:
        """Position along the spine, 0 for C1; used for sorting."""
        return _ORDER[self]

    @property
    def sins_locations(self) -> tuple[SinsLocation, ...]:
        """Every SINS location group the level may be in.

        One for a vertebra (S1 belongs to the junctional L5–S1 group); junctional or rigid for the
        sacrum without a segment (S1 or S2–S5); none for the coccyx, which SINS does not define.
        """
        return _SINS_LOCATIONS[self]

    @property
    def sins_location(self) -> SinsLocation | None:
        """The SINS location group when it is one group, else None."""
        locations = self.sins_locations
        return locations[0] if len(locations) == 1 else None

    @property
    def cord_level(self) -> bool:
        """True where the spinal cord (or the conus) lies, so myelopathy can arise: C1–L1."""
        return self.is_segment and self.index <= Level.L1.index

    @property
    def cauda_equina_level(self) -> bool:
        """True at or below the conus, where a cauda equina syndrome can arise: L1–S5, sacrum."""
        return Level.L1.index <= self.index <= Level.SACRUM.index

    @property
    def below_conus(self) -> bool:
        """True where the canal holds the cauda equina rather than the spinal cord.

        The conus medullaris usually ends at L1–L2; we treat L2 and everything caudal as below it.
        Its real position varies (T12–L3), which is part of open item O-3: L1 is therefore both a
        cord and a cauda equina level (see ``cord_level`` and ``cauda_equina_level``).
        """
        return self.index >= Level.L2.index

    def neighbours(self) -> tuple[Level, ...]:
        """The levels directly above and below (± 1), for prior radiation next to a lesion.

        The sacrum without a segment neighbours L5 and the coccyx; the coccyx neighbours S5 and the
        sacrum. Sacral segments and the unsegmented sacrum overlap rather than neighbour: see
        ``overlaps``.
        """
        return _NEIGHBOURS[self]

    def overlaps(self, other: Level) -> bool:
        """True when the two may be the same vertebra (the sacrum without a segment and S1–S5)."""
        if self is other:
            return True
        # Written out rather than as a set of the two: prior radiation asks this for every
        # pair of a lesion and a treated level, and hashing Enum members is a Python call.
        if self is Level.SACRUM:
            return other.region is Region.SACRAL
        return other is Level.SACRUM and self.region is Region.SACRAL


_REGIONS = {
    "C": Region.CERVICAL,
    "T": Region.THORACIC,
    "L": Region.LUMBAR,
    "S": Region.SACRAL,
}
_ORDER = {level: i for i, level in enumerate(Level)}
_SEGMENTS = tuple(level for level in Level if level.value[1:].isdigit())
_SEGMENT_SET = frozenset(_SEGMENTS)


def _sins_location(level: Level) -> tuple[SinsLocation, ...]:
    if level is Level.SACRUM:
        return (SinsLocation.JUNCTIONAL, SinsLocation.RIGID)
    if level is Level.COCCYX:
        return ()
    name = level.value
    junctional = {"C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"}
    mobile = {"C3", "C4", "C5", "C6", "L2", "L3", "L4"}
    if name in junctional:
        return (SinsLocation.JUNCTIONAL,)
    if name in mobile:
        return (SinsLocation.MOBILE,)
    if level.region is Region.THORACIC:
        return (SinsLocation.SEMIRIGID,)
    return (SinsLocation.RIGID,)


def _neighbours(level: Level) -> tuple[Level, ...]:
    if level is Level.SACRUM:
        return (Level.L5, Level.COCCYX)
    if level is Level.COCCYX:
        return (Level.S5, Level.SACRUM)
    i = _SEGMENTS.index(level)
    found = [_SEGMENTS[j] for j in (i - 1, i + 1) if 0 <= j < len(_SEGMENTS)]
    if level is Level.L5:
        found.append(Level.SACRUM)
    if level is Level.S5:
        found.append(Level.COCCYX)
    return tuple(found)


_SINS_LOCATIONS = {level: _sins_location(level) for level in Level}
_NEIGHBOURS = {level: _neighbours(level) for level in Level}


class SpinalArea(Enum):
    """A part of the spine named by a grouper body site rather than one vertebra.

    docs/clinical-rules.md §11.3 (the groupers of the body-site value set), §15.2 (a spinal
    metastasis without a level keeps emergent possible) and §15.9 (radiotherapy to a region covers
    every level of it). The junctions are the SINS junctional groups (Fisher 2010). ``VERTEBRA``
    is one vertebra (its body, pedicle or lamina) whose level is not given: it may be any level,
    but covers none for certain.
    """

    VERTEBRAL_COLUMN = "vertebral column"
    CERVICAL = "cervical spine"
    THORACIC = "thoracic spine"
    LUMBAR = "lumbar spine"
    CERVICOTHORACIC = "cervicothoracic junction"
    THORACOLUMBAR = "thoracolumbar junction"
    LUMBOSACRAL = "lumbosacral junction"
    VERTEBRA = "vertebra"

    @property
    def levels(self) -> tuple[Level, ...]:
        """Every level the area holds, cranial to caudal."""
        return _AREA_LEVELS[self]

    @property
    def covers_every_level(self) -> bool:
        """True when a record for the area is a record for each of its levels (not VERTEBRA)."""
        return self is not SpinalArea.VERTEBRA

    @property
    def label(self) -> str:
        """How the area is named in sentences: "thoracic spine (T1-T12)"."""
        if self is SpinalArea.VERTEBRA:
            return "vertebra (level not given)"
        if self is SpinalArea.VERTEBRAL_COLUMN:
            return "vertebral column (level not given)"
        return f"{self.value} ({self.levels[0].value}-{self.levels[-1].value})"


def _span(first: Level, last: Level) -> tuple[Level, ...]:
    return tuple(lv for lv in _SEGMENTS if first.index <= lv.index <= last.index)


_AREA_LEVELS = {
    SpinalArea.VERTEBRAL_COLUMN: tuple(Level),
    SpinalArea.VERTEBRA: tuple(Level),
    SpinalArea.CERVICAL: _span(Level.C1, Level.C7),
    SpinalArea.THORACIC: _span(Level.T1, Level.T12),
    SpinalArea.LUMBAR: _span(Level.L1, Level.L5),
    # The SINS junctional groups: C7-T2, T11-L1, L5-S1 (docs/clinical-rules.md §1.1).
    SpinalArea.CERVICOTHORACIC: _span(Level.C7, Level.T2),
    SpinalArea.THORACOLUMBAR: _span(Level.T11, Level.L1),
    SpinalArea.LUMBOSACRAL: _span(Level.L5, Level.S1),
}


def parse_level(text: str) -> Level | None:
    """Return the level named by text such as "T9", "t9" or "sacrum", or None."""
    name = text.strip()
    for level in Level:
        if name.upper() == level.value.upper():
            return level
    return None
