"""Neurological grades: Frankel and the ASIA impairment scale, and the Tokuhashi palsy item.

Sources: Frankel HL et al. Paraplegia 1969;7(3):179–192; ASIA/ISNCSCI: Rupp R et al. Top Spinal Cord
Inj Rehabil 2021;27(2):1–22. The two scales are not interchangeable (clinical-spec §8.5): AIS A maps
to a complete palsy and AIS E to none; AIS B–D only tell that a deficit exists (not E).
"""

from __future__ import annotations

from enum import Enum
from typing import Final


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
