"""Tomita score (2001): surgical strategy for spinal metastases.

Source: Tomita K, Kawahara N, Kobayashi T, Yoshida A, Murakami H, Akamaru T. Surgical strategy for
spinal metastases. Spine 2001;26(3):298–306. doi:10.1097/00007632-200102010-00016.

Resolutions (docs/clinical-rules.md §5): rapid growth scores 4 (not 3), no visceral metastasis
scores 0, bands 2–3 / 4–5 / 6–7 / 8–10 (a reproduction's overlapping survival column is not used;
open item O-8).
Tomita's growth groups are examples ("breast, thyroid, etc."): only the named primaries are
classified, any other is left to a clinician. "Solitary or isolated" bone metastasis is read as
exactly one bone metastasis, spine included; more than one is "multiple".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain.histology import PrimaryCancer, TomitaGrowth, primary_missing
from service.domain.metastases import Metastases, VisceralMetastases
from service.domain.scoring import Band, Item, ScoreResult, known_item, open_item, possible_totals

REFERENCE: Final = "Tomita K et al. Spine 2001;26(3):298-306, doi:10.1097/00007632-200102010-00016"

GROWTH_POINTS: Final = {TomitaGrowth.SLOW: 1, TomitaGrowth.MODERATE: 2, TomitaGrowth.RAPID: 4}
VISCERAL_POINTS: Final = {
    VisceralMetastases.NONE: 0,
    VisceralMetastases.TREATABLE: 2,
    VisceralMetastases.UNTREATABLE: 4,
}
BANDS: Final = (
    Band("tomita-long-term-control", "long-term local control (wide or marginal excision)", 2, 3),
    Band(
        "tomita-middle-term-control", "middle-term local control (marginal or intralesional)", 4, 5
    ),
    Band("tomita-short-term-palliation", "short-term palliation (palliative surgery)", 6, 7),
    Band("tomita-terminal-care", "terminal care (non-operative supportive care)", 8, 10),
)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the Tomita score needs."""

    primaries: tuple[PrimaryCancer, ...]
    metastases: Metastases


def _growth(primaries: tuple[PrimaryCancer, ...]) -> Item:
    options = (1, 2, 4)
    name = ("primary-cancer",)
    # docs/clinical-rules.md §15.12: a known primary Tomita does not name is said as such.
    missing = name if primary_missing(primaries) else ()
    if not primaries or any(p.tomita is None for p in primaries):
        unnamed = [p.description for p in primaries if p.tomita is None]
        answer = (
            "unknown"
            if not primaries
            else f"{'; '.join(unnamed)}: not in Tomita's growth groups (a clinician classifies it)"
        )
        return open_item(
            "primary-growth",
            "Primary tumour growth",
            options,
            options,
            answer,
            name if primaries else (),
            missing,
        )
    growths = {p.tomita for p in primaries if p.tomita is not None}
    points = {GROWTH_POINTS[g] for g in growths}
    return open_item(
        "primary-growth",
        "Primary tumour growth",
        options,
        points,
        "; ".join(sorted(g.value for g in growths)),
        name,
        () if len(points) == 1 else missing,
    )


def _visceral(mets: Metastases) -> Item:
    options = (0, 2, 4)
    name = ("visceral-metastases",)
    if mets.visceral_answer is not None:
        return known_item(
            "visceral-metastases",
            "Visceral metastases",
            options,
            VISCERAL_POINTS[mets.visceral_answer],
            mets.visceral_answer.value,
            name,
        )
    if mets.visceral_present:
        return open_item(
            "visceral-metastases",
            "Visceral metastases",
            options,
            (2, 4),
            "present; treatable or not is not recorded",
            name,
            name,
        )
    return open_item(
        "visceral-metastases", "Visceral metastases", options, options, "unknown", (), name
    )


def _bone(mets: Metastases) -> Item:
    options = (1, 2)
    total = mets.bone_total
    names = ("extraspinal-bone-metastases-count", "vertebral-metastases-count")
    if total.low >= 2:
        return known_item(
            "bone-metastases",
            "Bone metastases (spine included)",
            options,
            2,
            f"multiple ({total.describe()})",
            names,
        )
    if total.is_exact and total.low == 1:
        return known_item(
            "bone-metastases", "Bone metastases (spine included)", options, 1, "solitary", names
        )
    # Missing: the counts not known exactly (the other one may be known already).
    unknown = (mets.extraspinal_bone, mets.vertebral)
    return open_item(
        "bone-metastases",
        "Bone metastases (spine included)",
        options,
        options,
        f"{total.describe()}; other bone metastases not recorded",
        names,
        tuple(name for name, count in zip(names, unknown, strict=True) if not count.is_exact),
    )


def score(inputs: Inputs) -> ScoreResult:
    """Score Tomita; unknown items widen the range instead of counting as 0."""
    items = (_growth(inputs.primaries), _visceral(inputs.metastases), _bone(inputs.metastases))
    return ScoreResult("tomita", REFERENCE, items, possible_totals(items), BANDS)
