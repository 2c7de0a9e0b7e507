"""NESMS, the New England Spinal Metastasis Score: 1-year survival after spine surgery, 0–3.

Sources: derivation Ghori AK, Leonard DA, Schoenfeld AJ, et al. Spine J 2015;15(11):2345–2350;
named and validated: Schoenfeld AJ, Le HV, Marjoua Y, et al. Spine J 2016;16(4):482–490,
doi:10.1016/j.spinee.2015.09.043; prospective validation Schoenfeld AJ et al. Spine J
2021;21(1):28–36, doi:10.1016/j.spinee.2020.02.009.

Implemented as min(3, 2·[modified Bauer ≥ 3] + [independently ambulatory] + [albumin ≥ 3.5 g/dL])
(clinical-spec §6.3): the weights add up to 4 but the derivation states a ceiling of 3; the uncapped
sum is kept in the notes. Thresholds "mBS ≥ 3" and "3.5 g/dL", and "ambulatory" read as independent,
are open item O-4. NESMS defines no treatment bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from service.domain.neurology import Ambulatory
from service.domain.scoring import Item, ScoreResult, open_item, possible_totals

REFERENCE: Final = (
    "Ghori AK et al. Spine J 2015;15(11):2345-2350; Schoenfeld AJ et al. Spine J "
    "2016;16(4):482-490, doi:10.1016/j.spinee.2015.09.043"
)
CEILING: Final = 3
ALBUMIN_NORMAL_G_PER_DL: Final = 3.5
MODIFIED_BAUER_THRESHOLD: Final = 3


@dataclass(frozen=True, slots=True)
class Inputs:
    """What NESMS needs: the modified Bauer totals still possible, ambulation, albumin."""

    modified_bauer_totals: tuple[int, ...]
    ambulatory: Ambulatory | None = None
    albumin_g_per_dl: float | None = None


def _capped(points: Sequence[int]) -> int:
    return min(CEILING, sum(points))


def score(inputs: Inputs) -> ScoreResult:
    """Score NESMS; unknown items widen the range instead of counting as 0."""
    bauer = inputs.modified_bauer_totals
    bauer_points = {2 if total >= MODIFIED_BAUER_THRESHOLD else 0 for total in bauer}
    bauer_text = (
        f"modified Bauer {bauer[0]}"
        if len(bauer) == 1
        else f"modified Bauer {bauer[0]}–{bauer[-1]}"
    )
    ambulatory = inputs.ambulatory
    albumin = inputs.albumin_g_per_dl
    items: tuple[Item, ...] = (
        open_item(
            "modified-bauer",
            "Modified Bauer score ≥ 3",
            (0, 2),
            bauer_points,
            bauer_text,
            ("modified-bauer-score",),
            () if len(bauer_points) == 1 else ("modified-bauer-score",),
        ),
        open_item(
            "ambulatory",
            "Independently ambulatory",
            (0, 1),
            (0, 1) if ambulatory is None else (int(ambulatory is Ambulatory.INDEPENDENT),),
            "unknown" if ambulatory is None else ambulatory.value,
            () if ambulatory is None else ("ambulatory-status",),
            ("ambulatory-status",) if ambulatory is None else (),
        ),
        open_item(
            "albumin",
            "Serum albumin ≥ 3.5 g/dL",
            (0, 1),
            (0, 1) if albumin is None else (int(albumin >= ALBUMIN_NORMAL_G_PER_DL),),
            "unknown" if albumin is None else f"{albumin:g} g/dL",
            () if albumin is None else ("albumin",),
            ("albumin",) if albumin is None else (),
        ),
    )
    notes: list[str] = []
    uncapped = possible_totals(items)
    if uncapped[-1] > CEILING:
        notes.append(
            f"Uncapped sum {'–'.join(map(str, sorted({uncapped[0], uncapped[-1]})))}; "
            f"NESMS is capped at {CEILING} (open item O-4)."
        )
    return ScoreResult("nesms", REFERENCE, items, possible_totals(items, _capped), (), tuple(notes))
