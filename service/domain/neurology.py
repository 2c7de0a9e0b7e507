"""Neurology: myelopathy and cauda equina syndrome by level; Frankel, ASIA and the Tokuhashi palsy.

Myelopathy and cauda equina syndrome (CES) belong to a level (docs/clinical-rules.md §15.1): a
finding recorded with a vertebral body site applies to that level; one without applies by anatomy
(myelopathy where the cord lies, C1–L1; CES at or below the conus, L1–S5). Where a finding cannot
arise it is not an input of that level at all.

Grades: Frankel HL et al. Paraplegia 1969;7(3):179–192; ASIA/ISNCSCI: Rupp R et al. Top Spinal Cord
Inj Rehabil 2021;27(2):1–22. The two scales are not interchangeable (docs/clinical-rules.md §8.5):
AIS A maps to a complete palsy and AIS E to none; AIS B–D only tell that a deficit exists (not E).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from service.domain.levels import Level


class Frankel(Enum):
    """Frankel grade."""

    A = "A"  # complete: no motor or sensory function below the level
    B = "B"  # sensory only
    C = "C"  # motor useless
    D = "D"  # motor useful
    E = "E"  # no neurological deficit


class Asia(Enum):
    """ASIA impairment scale (AIS) grade."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class Ambulatory(Enum):
    """Ambulatory status (NESMS)."""

    INDEPENDENT = "independently ambulatory"
    ASSISTED = "ambulatory with assistance"
    NON_AMBULATORY = "non-ambulatory"


# Tokuhashi palsy: complete (Frankel A, B) 0; incomplete (C, D) 1; none (E) 2.
FRANKEL_PALSY_POINTS: Final = {Frankel.A: 0, Frankel.B: 0, Frankel.C: 1, Frankel.D: 1, Frankel.E: 2}
ASIA_PALSY_POINTS: Final = {
    Asia.A: (0,),
    Asia.B: (0, 1),
    Asia.C: (0, 1),
    Asia.D: (0, 1),
    Asia.E: (2,),
}


def frankel_asia_agree(frankel: Frankel, asia: Asia) -> bool:
    """Whether a Frankel grade and an AIS grade can describe the same patient (§8.5, §15.7).

    The scales correspond only at their ends: complete (A) and normal (E); B–D are defined
    differently, so any of them agrees with any other.
    """
    return (frankel is Frankel.A) == (asia is Asia.A) and (frankel is Frankel.E) == (asia is Asia.E)


def palsy_points(
    frankel: Frankel | None, asia: Asia | None
) -> tuple[tuple[int, ...], str, tuple[str, ...]]:
    """Possible Tokuhashi palsy points, how they were found, and the inputs used."""
    if frankel is not None:
        return (FRANKEL_PALSY_POINTS[frankel],), f"Frankel {frankel.value}", ("frankel-grade",)
    if asia is not None:
        points = ASIA_PALSY_POINTS[asia]
        how = f"AIS {asia.value}" + ("" if len(points) == 1 else " (deficit; Frankel needed)")
        return points, how, ("asia",)
    return (0, 1, 2), "unknown", ()


# --- Myelopathy and cauda equina syndrome at one level -----------------------------------------


class NeuroFindingKind(Enum):
    """The two findings NOMS treats alike (docs/clinical-rules.md §9.1)."""

    MYELOPATHY = "myelopathy"
    CAUDA_EQUINA_SYNDROME = "cauda-equina-syndrome"

    @property
    def label(self) -> str:
        """The finding in words."""
        return "myelopathy" if self is NeuroFindingKind.MYELOPATHY else "cauda equina syndrome"

    def can_arise_at(self, level: Level) -> bool:
        """Whether the anatomy allows the finding at the level (cord C1–L1, cauda L1–S5)."""
        if self is NeuroFindingKind.MYELOPATHY:
            return level.cord_level
        return level.cauda_equina_level


@dataclass(frozen=True, slots=True)
class NeuroFinding:
    """One finding as it stands at one level.

    Attributes:
        kind: Myelopathy or cauda equina syndrome.
        recorded: What the chart says for this level: True, False, or None (not recorded).
        applicable: Whether the finding can arise at this level; when not, it is no input here.
        at_level: The value came from a record that names this level (a vertebral body site).
    """

    kind: NeuroFindingKind
    recorded: bool | None
    applicable: bool
    at_level: bool = False

    @property
    def value(self) -> bool | None:
        """The finding as an input of this level (None when unknown or not applicable)."""
        return self.recorded if self.applicable else None

    @property
    def state(self) -> str:
        """ "present", "absent" or "not recorded"."""
        return {True: "present", False: "absent", None: "not recorded"}[self.recorded]

    def describe(self, level: Level) -> str:
        """The finding as recorded, with why it does not count here when it does not."""
        text = f"{self.kind.label} {self.state}"
        if not self.applicable:
            text += f" (not applicable at {level.value})"
        elif self.at_level and self.recorded is not None:
            text += f" (recorded at {level.value})"
        return text


@dataclass(frozen=True, slots=True)
class LevelNeurology:
    """The neurological status NOMS receives at one level, with the reasons behind it."""

    level: Level
    myelopathy: NeuroFinding
    cauda_equina: NeuroFinding

    @property
    def findings(self) -> tuple[NeuroFinding, NeuroFinding]:
        """Both findings, myelopathy first."""
        return (self.myelopathy, self.cauda_equina)

    @property
    def applicable(self) -> tuple[NeuroFinding, ...]:
        """The findings that can arise at this level."""
        return tuple(f for f in self.findings if f.applicable)

    @property
    def present(self) -> bool | None:
        """True if an applicable finding is present, False if all are absent, else unknown."""
        values = [f.value for f in self.applicable]
        if any(values):
            return True
        if values and all(v is False for v in values):
            return False
        return None if values else False

    @property
    def unknown(self) -> tuple[str, ...]:
        """Names of the applicable findings that are not recorded."""
        return tuple(f.kind.value for f in self.applicable if f.recorded is None)

    def sentence(self) -> str:
        """E.g. "myelopathy absent; cauda equina syndrome not recorded (not applicable at T5)"."""
        return "; ".join(f.describe(self.level) for f in self.findings)


def at_level(
    level: Level,
    myelopathy: bool | None,
    cauda_equina: bool | None,
    *,
    myelopathy_at_level: bool = False,
    cauda_equina_at_level: bool = False,
) -> LevelNeurology:
    """The status of both findings at one level.

    Args:
        level: The level.
        myelopathy, cauda_equina: The value that applies to this level: the one recorded for the
            level when there is one, otherwise the patient-level one (True, False or None).
        myelopathy_at_level, cauda_equina_at_level: The value came from a record naming the level.
    """
    kinds = NeuroFindingKind
    return LevelNeurology(
        level,
        NeuroFinding(
            kinds.MYELOPATHY,
            myelopathy,
            kinds.MYELOPATHY.can_arise_at(level),
            myelopathy_at_level,
        ),
        NeuroFinding(
            kinds.CAUDA_EQUINA_SYNDROME,
            cauda_equina,
            kinds.CAUDA_EQUINA_SYNDROME.can_arise_at(level),
            cauda_equina_at_level,
        ),
    )
