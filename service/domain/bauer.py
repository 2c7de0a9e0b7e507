"""Modified Bauer score (Leithner 2008): one point per favourable factor, 0–4.

Source: Leithner A, Radl R, Gruber G, et al. Predictive value of seven preoperative prognostic
scoring systems for spinal metastases. Eur Spine J 2008;17(11):1488–1495.
doi:10.1007/s00586-008-0763-1. Derived from Bauer HC, Wedin R. Acta Orthop Scand 1995;66(2):143–146,
with the pathological-fracture item dropped.

Factors: no visceral metastases; primary not lung cancer; primary is breast, kidney, lymphoma or
multiple myeloma; one solitary skeletal metastasis. Suggested treatment: 0–1 supportive care,
2 short-term palliation (posterior surgery), 3–4 middle-term local control (anterior-posterior).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain.histology import PrimaryCancer, primary_missing
from service.domain.metastases import Metastases
from service.domain.scoring import Band, Item, ScoreResult, open_item, possible_totals

REFERENCE: Final = (
    "Leithner A et al. Eur Spine J 2008;17(11):1488-1495, doi:10.1007/s00586-008-0763-1"
)
BANDS: Final = (
    Band("bauer-supportive-care", "supportive care, no surgery", 0, 1),
    Band("bauer-short-term-palliation", "short-term palliation, posterior surgery", 2, 2),
    Band(
        "bauer-middle-term-control", "middle-term local control, anterior-posterior surgery", 3, 4
    ),
)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the modified Bauer score needs."""

    primaries: tuple[PrimaryCancer, ...]
    metastases: Metastases


def _factor(
    key: str,
    label: str,
    values: set[bool | None],
    answer: str,
    inputs: tuple[str, ...],
    missing: tuple[str, ...],
) -> Item:
    """One yes/no factor: 1 point for yes; an unknown (None) value keeps both open."""
    possible = {1} if values == {True} else {0} if values == {False} else {0, 1}
    return open_item(
        key, label, (0, 1), possible, answer, inputs, () if len(possible) == 1 else missing
    )


def _primary_values(primaries: tuple[PrimaryCancer, ...], attribute: str) -> set[bool | None]:
    return {getattr(p, attribute) for p in primaries} if primaries else {None}


def score(inputs: Inputs) -> ScoreResult:
    """Score the modified Bauer; unknown factors widen the range instead of counting as 0."""
    mets, primaries = inputs.metastases, inputs.primaries
    visceral = mets.visceral_present
    primary_inputs = ("primary-cancer",) if primaries else ()
    # docs/clinical-rules.md §15.12: missing only while the chart could still name the primary.
    suppliable = ("primary-cancer",) if primary_missing(primaries) else ()
    not_lung = {None if v is None else not v for v in _primary_values(primaries, "lung")}
    favourable = _primary_values(primaries, "bauer_favourable")
    total = mets.bone_total
    solitary: bool | None = (
        True if total.is_exact and total.low == 1 else False if total.low >= 2 else None
    )
    bone_names = ("extraspinal-bone-metastases-count", "vertebral-metastases-count")
    bone_unknown = tuple(
        name
        for name, count in zip(bone_names, (mets.extraspinal_bone, mets.vertebral), strict=True)
        if not count.is_exact
    )
    items = (
        _factor(
            "no-visceral-metastases",
            "No visceral metastases",
            {None if visceral is None else not visceral},
            {True: "present", False: "none", None: "unknown"}[visceral],
            ("visceral-metastases",) if visceral is not None else (),
            ("visceral-metastases",),
        ),
        _factor(
            "not-lung-primary",
            "Primary is not lung cancer",
            not_lung,
            "unknown" if not primaries else "; ".join(p.description for p in primaries),
            primary_inputs,
            suppliable,
        ),
        _factor(
            "favourable-primary",
            "Primary is breast, kidney, lymphoma or myeloma",
            favourable,
            "unknown" if not primaries else "; ".join(p.description for p in primaries),
            primary_inputs,
            suppliable,
        ),
        _factor(
            "solitary-skeletal-metastasis",
            "One solitary skeletal metastasis",
            {solitary},
            total.describe() + " bone metastases",
            bone_names,
            bone_unknown,
        ),
    )
    return ScoreResult("modified-bauer", REFERENCE, items, possible_totals(items), BANDS)
