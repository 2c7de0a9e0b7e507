"""NESMS, the New England Spinal Metastasis Score: 1-year survival after spine surgery, 0–3.

Sources: derivation Ghori AK, Leonard DA, Schoenfeld AJ, et al. Spine J 2015;15(11):2345–2350;
named and validated: Schoenfeld AJ, Le HV, Marjoua Y, et al. Spine J 2016;16(4):482–490,
doi:10.1016/j.spinee.2015.09.043; prospective validation Schoenfeld AJ et al. Spine J
2021;21(1):28–36, doi:10.1016/j.spinee.2020.02.009.

Implemented as min(3, 2·[modified Bauer ≥ 3] + [independently ambulatory] + [albumin ≥ 3.5 g/dL])
(docs/clinical-rules.md §6.3): the weights add up to 4 but the derivation states a ceiling of 3;
the uncapped sum is kept in the notes. Thresholds "mBS ≥ 3" and "3.5 g/dL", and "ambulatory" read
as independent, are open item O-4. NESMS defines no treatment bands. A recorded bound (comparator)
and implausible values: docs/clinical-rules.md §15.8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
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
# docs/clinical-rules.md §15.8: serum albumin outside 0.5-7.0 g/dL (5-70 g/L) is implausible, most
# often a unit error: such a value is not used.
ALBUMIN_PLAUSIBLE_G_PER_DL: Final = (0.5, 7.0)


class Comparator(Enum):
    """A value recorded as a bound (FHIR Quantity.comparator)."""

    LT = "<"
    LE = "<="
    GE = ">="
    GT = ">"


def albumin_plausible(g_per_dl: float) -> bool:
    """Whether a serum albumin value can be real (docs/clinical-rules.md §15.8)."""
    low, high = ALBUMIN_PLAUSIBLE_G_PER_DL
    return low <= g_per_dl <= high


def albumin_points(g_per_dl: float, comparator: Comparator | None = None) -> tuple[int, ...]:
    """The NESMS albumin points a value (or a bound) allows: "< 3.5" is below, "< 4.0" either."""
    t = ALBUMIN_NORMAL_G_PER_DL
    below = {
        None: g_per_dl < t,
        Comparator.LT: g_per_dl <= t,
        Comparator.LE: g_per_dl < t,
        Comparator.GE: False,
        Comparator.GT: False,
    }[comparator]
    at_least = {
        None: g_per_dl >= t,
        Comparator.LT: False,
        Comparator.LE: False,
        Comparator.GE: g_per_dl >= t,
        Comparator.GT: g_per_dl >= t,
    }[comparator]
    return (0,) if below else (1,) if at_least else (0, 1)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What NESMS needs: the modified Bauer totals still possible, ambulation, albumin.

    ``modified_bauer_missing`` names what would settle the modified Bauer score (its own missing
    inputs), so that "missing" lists what the chart could supply (docs/clinical-rules.md §15.12).
    """

    modified_bauer_totals: tuple[int, ...]
    ambulatory: Ambulatory | None = None
    albumin_g_per_dl: float | None = None
    albumin_comparator: Comparator | None = None
    modified_bauer_missing: tuple[str, ...] = ("modified-bauer-score",)


def _capped(points: Sequence[int]) -> int:
    return min(CEILING, sum(points))


def _albumin(albumin: float | None, comparator: Comparator | None) -> Item:
    if albumin is None:
        return open_item(
            "albumin", "Serum albumin ≥ 3.5 g/dL", (0, 1), (0, 1), "unknown", (), ("albumin",)
        )
    points = albumin_points(albumin, comparator)
    bound = comparator.value + " " if comparator else ""
    return open_item(
        "albumin",
        "Serum albumin ≥ 3.5 g/dL",
        (0, 1),
        points,
        f"{bound}{albumin:g} g/dL" + ("" if len(points) == 1 else " (either side of 3.5)"),
        ("albumin",),
        () if len(points) == 1 else ("albumin",),
    )


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
            () if len(bauer_points) == 1 else inputs.modified_bauer_missing,
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
        _albumin(albumin, inputs.albumin_comparator),
    )
    notes: list[str] = []
    uncapped = possible_totals(items)
    if uncapped[-1] > CEILING:
        notes.append(
            f"Uncapped sum {'–'.join(map(str, sorted({uncapped[0], uncapped[-1]})))}; "
            f"NESMS is capped at {CEILING} (open item O-4)."
        )
    return ScoreResult("nesms", REFERENCE, items, possible_totals(items, _capped), (), tuple(notes))
