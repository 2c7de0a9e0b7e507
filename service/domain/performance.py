"""Performance status: ECOG and Karnofsky (KPS), kept on their native scales.

Sources: Oken MM et al. Am J Clin Oncol 1982;5(6):649–655 (ECOG); Karnofsky DA, Burchenal JH 1949
(KPS). Conversion: there is no single ECOG↔KPS mapping (docs/clinical-rules.md §8.3: Ma et al. 2010,
doi:10.1016/j.ejca.2010.06.126; the "common" calculator table; Prasad et al. 2018,
doi:10.5306/wjco.v9.i7.140). ECOG is converted only where all three mappings agree on the
Tokuhashi general-condition band (ECOG 0, 2, 4); ECOG 1 and 3 straddle bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain.errors import InvalidInput

ECOG_TEXT: Final = {
    0: "fully active",
    1: "restricted in strenuous activity, ambulatory",
    2: "ambulatory, self-care, unable to work; up more than 50% of waking hours",
    3: "limited self-care; in bed or chair more than 50% of waking hours",
    4: "completely disabled; confined to bed or chair",
}
# KPS bands of the revised Tokuhashi "general condition" item (docs/clinical-rules.md §4.1).
KPS_POOR: Final = range(10, 41)
KPS_MODERATE: Final = range(50, 71)
KPS_GOOD: Final = range(80, 101)
# The Tokuhashi points each ECOG grade can correspond to under the three published mappings.
ECOG_TO_TOKUHASHI_POINTS: Final = {0: (2,), 1: (1, 2), 2: (1,), 3: (0, 1), 4: (0,)}
# Every Karnofsky value some published mapping gives each ECOG grade (Ma 2010, the "common" table,
# Prasad 2018; docs/clinical-rules.md §8.3). Outside these, the two scales disagree (§15.7).
ECOG_KPS_CORRESPONDENCE: Final = {
    0: frozenset({90, 100}),
    1: frozenset({70, 80, 90}),
    2: frozenset({50, 60, 70}),
    3: frozenset({30, 40, 50, 60}),
    4: frozenset({10, 20, 30, 40}),
}


def ecog_kps_agree(ecog: int, kps: int) -> bool:
    """Whether an ECOG grade and a Karnofsky value can describe the same patient (§8.3, §15.7)."""
    return kps in ECOG_KPS_CORRESPONDENCE.get(ecog, frozenset())


@dataclass(frozen=True, slots=True)
class PerformanceStatus:
    """Performance status as recorded; either or both scales may be absent."""

    ecog: int | None = None
    kps: int | None = None

    def __post_init__(self) -> None:
        if self.ecog is not None and self.ecog not in ECOG_TEXT:
            raise InvalidInput(f"ECOG must be 0-4 for a living patient, got {self.ecog}")
        if self.kps is not None and (self.kps % 10 or not 10 <= self.kps <= 100):
            raise InvalidInput(f"Karnofsky must be 10-100 in steps of 10, got {self.kps}")


def tokuhashi_points_from_kps(kps: int) -> int:
    """Points of the Tokuhashi general-condition item for a Karnofsky score."""
    if kps in KPS_GOOD:
        return 2
    if kps in KPS_MODERATE:
        return 1
    if kps in KPS_POOR:
        return 0
    raise InvalidInput(f"Karnofsky {kps} is outside 10-100")


def tokuhashi_points(status: PerformanceStatus) -> tuple[tuple[int, ...], str, tuple[str, ...]]:
    """Possible Tokuhashi general-condition points, how they were found, and the inputs used.

    Karnofsky is the item's own scale and wins when recorded; ECOG is converted only where the
    conversion is unambiguous, otherwise both neighbouring points stay possible.
    """
    if status.kps is not None:
        return (tokuhashi_points_from_kps(status.kps),), f"KPS {status.kps}%", ("kps",)
    if status.ecog is not None:
        points = ECOG_TO_TOKUHASHI_POINTS[status.ecog]
        if len(points) == 1:
            return points, f"ECOG {status.ecog} (same KPS band under every mapping)", ("ecog",)
        return points, f"ECOG {status.ecog} (KPS band ambiguous; record KPS)", ("ecog",)
    return (0, 1, 2), "unknown", ()
