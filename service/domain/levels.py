"""Vertebral levels C1–S5 and what follows from a level alone (SINS location, cauda equina).

The coccyx is not a level here: SINS does not define it (clinical-spec §1.4) and the FHIR contract's
body-site table stops at S5.
"""

from __future__ import annotations

from enum import Enum


class Region(Enum):
    """Spinal region of a vertebra."""

    CERVICAL = "cervical"
    THORACIC = "thoracic"
    LUMBAR = "lumbar"
    SACRAL = "sacral"


class SinsLocation(Enum):
    """SINS location categories (Fisher 2010, doi:10.1097/BRS.0b013e3181e16ae2)."""

    JUNCTIONAL = "junctional"  # occiput–C2, C7–T2, T11–L1, L5–S1
    MOBILE = "mobile"  # C3–C6, L2–L4
    SEMIRIGID = "semirigid"  # T3–T10
    RIGID = "rigid"  # S2–S5


class Level(Enum):
    """One vertebral level, ordered cranial to caudal."""

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

    @property
    def region(self) -> Region:
        """The spinal region this level belongs to."""
        return _REGIONS[self.value[0]]

    @property
    def number(self) -> int:
        """Position within the region (C7 → 7)."""
        return int(self.value[1:])

    @property
    def index(self) -> int:
        """Position along the spine, 0 for C1; used for sorting."""
        return _ORDER[self]

    @property
    def sins_location(self) -> SinsLocation:
        """SINS location group; S1 belongs to the junctional L5–S1 group (clinical-spec §1.4)."""
        return _SINS_LOCATION[self]

    @property
    def below_conus(self) -> bool:
        """True where the canal holds the cauda equina rather than the spinal cord.

        The conus medullaris usually ends at L1–L2; we treat L2 and everything caudal as below it.
        Its real position varies (T12–L3), which is part of open item O-3 (clinical-spec §2).
        """
        return self.index >= Level.L2.index


_REGIONS = {
    "C": Region.CERVICAL,
    "T": Region.THORACIC,
    "L": Region.LUMBAR,
    "S": Region.SACRAL,
}
_ORDER = {level: i for i, level in enumerate(Level)}


def _sins_location(level: Level) -> SinsLocation:
    name = level.value
    junctional = {"C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"}
    mobile = {"C3", "C4", "C5", "C6", "L2", "L3", "L4"}
    if name in junctional:
        return SinsLocation.JUNCTIONAL
    if name in mobile:
        return SinsLocation.MOBILE
    if level.region is Region.THORACIC:
        return SinsLocation.SEMIRIGID
    return SinsLocation.RIGID


_SINS_LOCATION = {level: _sins_location(level) for level in Level}


def parse_level(text: str) -> Level | None:
    """Return the level named by text such as "T9" or "t9", or None when it names no level."""
    try:
        return Level(text.strip().upper())
    except ValueError:
        return None
