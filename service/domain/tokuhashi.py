"""Revised Tokuhashi score (2005): preoperative prognosis of metastatic spine tumours.

Source: Tokuhashi Y, Matsuzaki H, Oda H, Oshima M, Ryu J. A revised scoring system for preoperative
evaluation of metastatic spine tumor prognosis. Spine 2005;30(19):2186–2191.
doi:10.1097/01.brs.0000180401.06919.a5 (table as reproduced in NICE CG75 Appendix 3).

Resolutions (docs/clinical-rules.md §4.3–4.4): the 2005 primary-site points (0/1/2/3/4/5), not
the 1990 version nor a shifted reproduction's rows; vertebral body item ≥3 / 2 / 1;
"unidentified" primary = 1 (not Enkaoua's 0); bands 0–8 (< 6 months), 9–11 (≥ 6 months), 12–15
(≥ 1 year). Major internal organs = lung, liver, kidney, brain; a metastasis elsewhere (e.g.
adrenal) leaves the item open. Prognostic scores are information only: NOMS never acts on them
(docs/clinical-rules.md §9.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain import neurology, performance
from service.domain.histology import PrimaryCancer, TokuhashiSite, primary_missing
from service.domain.metastases import TOKUHASHI_MAJOR_ORGANS, Metastases, OrganMetastases
from service.domain.neurology import Asia, Frankel
from service.domain.performance import PerformanceStatus
from service.domain.scoring import Band, Item, ScoreResult, known_item, open_item, possible_totals

REFERENCE: Final = (
    "Tokuhashi Y et al. Spine 2005;30(19):2186-2191, doi:10.1097/01.brs.0000180401.06919.a5"
)

SITE_POINTS: Final = {
    TokuhashiSite.LUNG_STOMACH_GROUP: 0,
    TokuhashiSite.LIVER_GALLBLADDER_UNIDENTIFIED: 1,
    TokuhashiSite.OTHERS: 2,
    TokuhashiSite.KIDNEY_UTERUS: 3,
    TokuhashiSite.RECTUM: 4,
    TokuhashiSite.THYROID_BREAST_PROSTATE_CARCINOID: 5,
}
ORGAN_POINTS: Final = {
    OrganMetastases.UNREMOVABLE: 0,
    OrganMetastases.REMOVABLE: 1,
    OrganMetastases.NONE: 2,
}
BANDS: Final = (
    Band("survival-lt-6-months", "predicted survival < 6 months", 0, 8),
    Band("survival-6-months-or-more", "predicted survival ≥ 6 months", 9, 11),
    Band("survival-12-months-or-more", "predicted survival ≥ 12 months", 12, 15),
)


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the revised Tokuhashi score needs; every field may be partly unknown."""

    performance: PerformanceStatus
    metastases: Metastases
    primaries: tuple[PrimaryCancer, ...]
    frankel: Frankel | None = None
    asia: Asia | None = None


def extraspinal_points(n: int) -> int:
    """Points for the number of extraspinal bone metastasis foci (≥3: 0, 1–2: 1, 0: 2)."""
    return 0 if n >= 3 else 1 if n >= 1 else 2


def vertebral_points(n: int) -> int:
    """Points for the number of vertebral body metastases (≥3: 0, 2: 1, 1: 2)."""
    return 0 if n >= 3 else 1 if n == 2 else 2


def _general_condition(status: PerformanceStatus) -> Item:
    points, how, used = performance.tokuhashi_points(status)
    missing = () if len(points) == 1 else ("kps",)
    return open_item(
        "general-condition", "General condition (Karnofsky)", (0, 1, 2), points, how, used, missing
    )


def _extraspinal(mets: Metastases) -> Item:
    count = mets.extraspinal_bone
    points = {extraspinal_points(n) for n in count.values_up_to(3)}
    missing = () if len(points) == 1 else ("extraspinal-bone-metastases-count",)
    return open_item(
        "extraspinal-bone-metastases",
        "Extraspinal bone metastases",
        (0, 1, 2),
        points,
        f"{count.describe()} foci",
        ("extraspinal-bone-metastases-count",),
        missing,
    )


def _vertebral(mets: Metastases) -> Item:
    count = mets.vertebral
    values = [max(n, 1) for n in count.values_up_to(3)]  # a patient scored has at least one
    points = {vertebral_points(n) for n in values}
    missing = () if len(points) == 1 else ("vertebral-metastases-count",)
    return open_item(
        "vertebral-metastases",
        "Metastases in the vertebral bodies",
        (0, 1, 2),
        points,
        f"{count.describe()} vertebrae",
        ("vertebral-metastases-count",),
        missing,
    )


def _major_organs(mets: Metastases) -> Item:
    name = ("major-organ-metastases",)
    options = (0, 1, 2)
    if mets.organ_answer is not None:
        return known_item(
            "major-organ-metastases",
            "Metastases to major internal organs",
            options,
            ORGAN_POINTS[mets.organ_answer],
            mets.organ_answer.value,
            name,
        )
    found = mets.organ_sites & TOKUHASHI_MAJOR_ORGANS
    if found:
        sites = ", ".join(sorted(o.value for o in found))
        return open_item(
            "major-organ-metastases",
            "Metastases to major internal organs",
            options,
            (0, 1),
            f"present ({sites}); removability not recorded",
            name,
            name,
        )
    return open_item(
        "major-organ-metastases",
        "Metastases to major internal organs",
        options,
        options,
        "unknown",
        (),
        name,
    )


def _primary_site(primaries: tuple[PrimaryCancer, ...]) -> Item:
    options = tuple(sorted(set(SITE_POINTS.values())))
    name = ("primary-cancer",)
    # docs/clinical-rules.md §15.12: a known primary the table does not place is said as such,
    # not listed as missing.
    missing = name if primary_missing(primaries) else ()
    if not primaries or any(not p.tokuhashi for p in primaries):
        unplaced = [p.description for p in primaries if not p.tokuhashi]
        answer = (
            "unknown"
            if not primaries
            else f"{'; '.join(unplaced)}: not in Tokuhashi's primary-site groups "
            "(a clinician classifies it)"
        )
        return open_item(
            "primary-site",
            "Primary site",
            options,
            options,
            answer,
            name if primaries else (),
            missing,
        )
    groups = {group for p in primaries for group in p.tokuhashi}
    points = {SITE_POINTS[g] for g in groups}
    answer = "; ".join(sorted(g.value for g in groups))
    if len(points) > 1 and not missing:
        answer += " (the source does not say which)"
    return open_item(
        "primary-site",
        "Primary site",
        options,
        points,
        answer,
        name,
        () if len(points) == 1 else missing,
    )


def _palsy(frankel: Frankel | None, asia: Asia | None) -> Item:
    points, how, used = neurology.palsy_points(frankel, asia)
    missing = () if len(points) == 1 else ("frankel-grade",)
    return open_item("palsy", "Palsy (Frankel)", (0, 1, 2), points, how, used, missing)


def score(inputs: Inputs) -> ScoreResult:
    """Score the revised Tokuhashi; unknown items widen the range instead of counting as 0."""
    items = (
        _general_condition(inputs.performance),
        _extraspinal(inputs.metastases),
        _vertebral(inputs.metastases),
        _major_organs(inputs.metastases),
        _primary_site(inputs.primaries),
        _palsy(inputs.frankel, inputs.asia),
    )
    return ScoreResult("tokuhashi", REFERENCE, items, possible_totals(items), BANDS)
