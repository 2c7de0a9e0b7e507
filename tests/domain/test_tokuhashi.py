"""Revised Tokuhashi score 2005 (docs/clinical-rules.md §4): items, primary sites, bands."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import histology as h
from service.domain import tokuhashi
from service.domain.histology import Histology, TokuhashiSite, classify, primary_missing
from service.domain.metastases import Count, Metastases, Organ, OrganMetastases
from service.domain.neurology import Asia, Frankel
from service.domain.performance import PerformanceStatus
from service.domain.tokuhashi import Inputs, extraspinal_points, vertebral_points

# Primary site, original 2005 table as reproduced in NICE CG75 (docs/clinical-rules.md §4.1, §4.3).
# Seed 004's extraction shifted every row from "liver" down by one (liver 0, others 1, kidney 2,
# rectum 3, breast 4): each row below would fail under that shift.
SITE_ROWS = [
    ("lung", h.LUNG, None, {0}),
    ("small-cell-lung", h.LUNG, Histology.SMALL_CELL, {0}),
    ("osteosarcoma", h.BONE, Histology.OSTEOSARCOMA, {0}),
    ("stomach", h.STOMACH, None, {0}),
    ("bladder", h.BLADDER, None, {0}),
    ("oesophagus", h.OESOPHAGUS, None, {0}),
    ("pancreas", h.PANCREAS, None, {0}),
    ("liver", h.LIVER, None, {1}),
    ("hepatocellular", h.LIVER, Histology.HEPATOCELLULAR, {1}),
    ("gallbladder", h.GALLBLADDER, None, {1}),
    ("unidentified", h.UNKNOWN_PRIMARY, None, {1}),  # 1, not Enkaoua's 0 (§4.4)
    ("others-colon", h.COLON, None, {2}),
    ("others-ovary", h.OVARY, None, {2}),
    ("others-melanoma", h.MELANOMA_OF_SKIN, None, {2}),
    ("others-sarcoma", h.SOFT_TISSUE, None, {2}),
    ("others-lymphoma", h.LYMPHOMA, None, {2}),
    ("others-myeloma", h.MULTIPLE_MYELOMA, None, {2}),
    ("others-head-and-neck", h.HEAD_AND_NECK, None, {2}),
    ("others-testis", h.TESTIS, Histology.SEMINOMA, {2}),
    ("kidney", h.KIDNEY, None, {3}),
    ("renal-cell", h.UNSPECIFIED_SITE, Histology.RENAL_CELL, {3}),
    ("uterus", h.UTERUS, None, {3}),
    ("rectum", h.RECTUM, None, {4}),
    ("thyroid", h.THYROID, None, {5}),
    ("breast", h.BREAST, None, {5}),
    ("prostate", h.PROSTATE, None, {5}),
    ("carcinoid", h.CARCINOID, None, {5}),
    # Not stated by the table: every group the site could belong to stays possible.
    ("cervix-uterus-or-others", h.CERVIX, None, {2, 3}),
    ("rectosigmoid-rectum-or-others", h.RECTOSIGMOID, None, {2, 4}),
    ("bone-osteosarcoma-or-others", h.BONE, None, {0, 2}),
    ("lung-carcinoid", h.LUNG, Histology.CARCINOID, {0, 5}),
    ("unspecified-site", h.UNSPECIFIED_SITE, None, {0, 1, 2, 3, 4, 5}),
]
SITE_POINTS_2005 = {
    TokuhashiSite.LUNG_STOMACH_GROUP: 0,
    TokuhashiSite.LIVER_GALLBLADDER_UNIDENTIFIED: 1,
    TokuhashiSite.OTHERS: 2,
    TokuhashiSite.KIDNEY_UTERUS: 3,
    TokuhashiSite.RECTUM: 4,
    TokuhashiSite.THYROID_BREAST_PROSTATE_CARCINOID: 5,
}
# docs/clinical-rules.md §8.3: KPS values each ECOG grade maps to under any of the three mappings.
ECOG_KPS = {
    0: {90, 100},
    1: {70, 80, 90},
    2: {50, 60, 70},
    3: {30, 40, 50, 60},
    4: {10, 20, 30, 40},
}
ALL_KPS = set(range(10, 101, 10))
MAJOR = {Organ.LUNG, Organ.LIVER, Organ.KIDNEY, Organ.BRAIN}  # §4.1, Tokuhashi's definition
ORGAN = {OrganMetastases.UNREMOVABLE: 0, OrganMetastases.REMOVABLE: 1, OrganMetastases.NONE: 2}
FRANKEL = {Frankel.A: 0, Frankel.B: 0, Frankel.C: 1, Frankel.D: 1, Frankel.E: 2}
ASIA = {Asia.A: {0}, Asia.B: {0, 1}, Asia.C: {0, 1}, Asia.D: {0, 1}, Asia.E: {2}}

BANDS = [("survival-lt-6-months", 0, 8), ("survival-6-months-or-more", 9, 11),
         ("survival-12-months-or-more", 12, 15)]  # fmt: skip


def kps_points(kps: int) -> int:
    return 0 if kps <= 40 else 1 if kps <= 70 else 2


def ref_extraspinal(n: int) -> int:
    return 0 if n >= 3 else 1 if n >= 1 else 2  # >= 3: 0, 1–2: 1, 0: 2


def ref_vertebral(n: int) -> int:
    return 0 if n >= 3 else 1 if n == 2 else 2  # >= 3: 0, 2: 1, 1: 2 (not ">= 3 / 1–2 / 0")


def ref_band(total: int) -> str:
    return next(code for code, low, high in BANDS if low <= total <= high)


def complete(
    kps=100,
    extraspinal=0,
    vertebral=1,
    organ=OrganMetastases.NONE,
    site=h.BREAST,
    frankel=Frankel.E,
) -> Inputs:
    """Inputs with every item known; the defaults score 2+2+2+2+5+2 = 15."""
    return Inputs(
        PerformanceStatus(kps=kps),
        Metastases(
            extraspinal_bone=Count.exact(extraspinal),
            vertebral=Count.exact(vertebral),
            organ_answer=organ,
        ),
        (classify(site),),
        frankel=frankel,
    )


def test_module_tables_match_the_2005_table():
    assert tokuhashi.SITE_POINTS == SITE_POINTS_2005
    assert tokuhashi.ORGAN_POINTS == ORGAN
    assert [(b.code, b.low, b.high) for b in tokuhashi.BANDS] == BANDS


@pytest.mark.parametrize(
    ("site", "histology", "points"),
    [row[1:] for row in SITE_ROWS],
    ids=[row[0] for row in SITE_ROWS],
)
def test_primary_site_points(site, histology, points):
    result = tokuhashi.score(
        Inputs(PerformanceStatus(), Metastases(), (classify(site, histology),))
    )
    item = result.item("primary-site")
    assert set(item.possible) == points
    # docs/clinical-rules.md §15.12: a known primary the table leaves open is not "missing".
    assert item.missing == ()
    assert item.inputs == ("primary-cancer",)


def test_several_primaries_leave_each_one_possible():
    primaries = (classify(h.BREAST), classify(h.LUNG, Histology.NON_SMALL_CELL_TYPE))
    item = tokuhashi.score(Inputs(PerformanceStatus(), Metastases(), primaries)).item(
        "primary-site"
    )
    assert (item.possible, item.missing) == ((0, 5), ())  # §15.12: both known


def test_no_primary_on_record_is_unknown_not_unidentified():
    # "Unidentified" (1 point) is a primary searched for and not found; no record says nothing.
    item = tokuhashi.score(Inputs(PerformanceStatus(), Metastases(), ())).item("primary-site")
    assert (item.possible, item.answer, item.inputs) == ((0, 1, 2, 3, 4, 5), "unknown", ())
    assert item.missing == ("primary-cancer",)


@pytest.mark.parametrize(
    ("n", "points"),
    [(0, 2), (1, 1), (2, 1), (3, 0), (4, 0), (12, 0)],
    ids=["0", "1", "2", "3", "4", "12"],
)
def test_extraspinal_points(n: int, points: int):
    assert extraspinal_points(n) == points == ref_extraspinal(n)
    assert tokuhashi.score(complete(extraspinal=n)).item("extraspinal-bone-metastases").points == (
        points
    )


@pytest.mark.parametrize(
    ("n", "points"),
    [(1, 2), (2, 1), (3, 0), (4, 0), (10, 0)],
    ids=["1", "2", "3", "4", "10"],
)
def test_vertebral_points(n: int, points: int):
    # docs/clinical-rules.md §4.4: >= 3 / 2 / 1, not the ">= 3 / 1–2 / 0" of some reproductions.
    assert vertebral_points(n) == points
    assert tokuhashi.score(complete(vertebral=n)).item("vertebral-metastases").points == points


# Counts read from diagnoses are lower bounds: "at least n" leaves every larger count possible.
@pytest.mark.parametrize(
    ("count", "possible"),
    [
        (Count.at_least(0), (0, 1, 2)),
        (Count.at_least(1), (0, 1)),
        (Count.at_least(2), (0, 1)),
        (Count.at_least(3), (0,)),
        (Count.at_least(5), (0,)),
        (Count(0, 2), (1, 2)),
        (Count.exact(0), (2,)),
    ],
    ids=["at-least-0", "at-least-1", "at-least-2", "at-least-3", "at-least-5", "0-to-2", "exact-0"],
)
def test_extraspinal_count_as_lower_bound(count: Count, possible: tuple[int, ...]):
    mets = Metastases(extraspinal_bone=count)
    item = tokuhashi.score(Inputs(PerformanceStatus(), mets, ())).item(
        "extraspinal-bone-metastases"
    )
    assert item.possible == possible
    assert item.missing == (() if len(possible) == 1 else ("extraspinal-bone-metastases-count",))


@pytest.mark.parametrize(
    ("count", "possible"),
    [
        (Count.at_least(1), (0, 1, 2)),
        (Count.at_least(2), (0, 1)),
        (Count.at_least(3), (0,)),
        (Count.exact(1), (2,)),
        (Count.exact(2), (1,)),
        (Count(1, 2), (1, 2)),
    ],
    ids=["at-least-1", "at-least-2", "at-least-3", "exact-1", "exact-2", "1-to-2"],
)
def test_vertebral_count_as_lower_bound(count: Count, possible: tuple[int, ...]):
    mets = Metastases(vertebral=count)
    item = tokuhashi.score(Inputs(PerformanceStatus(), mets, ())).item("vertebral-metastases")
    assert item.possible == possible
    assert item.missing == (() if len(possible) == 1 else ("vertebral-metastases-count",))


@pytest.mark.parametrize(
    ("answer", "sites", "possible", "missing"),
    [
        (OrganMetastases.NONE, frozenset(), (2,), ()),
        (OrganMetastases.REMOVABLE, frozenset({Organ.LIVER}), (1,), ()),
        (OrganMetastases.UNREMOVABLE, frozenset({Organ.BRAIN}), (0,), ()),
        (None, frozenset({Organ.LUNG}), (0, 1), ("major-organ-metastases",)),
        (None, frozenset({Organ.KIDNEY, Organ.ADRENAL}), (0, 1), ("major-organ-metastases",)),
        # Adrenal is not a major internal organ for Tokuhashi (§4.1): nothing is settled.
        (None, frozenset({Organ.ADRENAL}), (0, 1, 2), ("major-organ-metastases",)),
        (None, frozenset(), (0, 1, 2), ("major-organ-metastases",)),
    ],
    ids=["none", "removable", "unremovable", "lung-present", "kidney-present", "adrenal-only",
         "nothing"],
)  # fmt: skip
def test_major_organ_item(answer, sites, possible, missing):
    mets = Metastases(organ_sites=sites, organ_answer=answer)
    item = tokuhashi.score(Inputs(PerformanceStatus(), mets, ())).item("major-organ-metastases")
    assert (item.possible, item.missing) == (possible, missing)


@pytest.mark.parametrize(
    ("status", "frankel", "asia", "condition", "palsy"),
    [
        (PerformanceStatus(kps=40), Frankel.B, None, (0,), (0,)),
        (PerformanceStatus(kps=50), Frankel.C, None, (1,), (1,)),
        (PerformanceStatus(kps=70), Frankel.D, None, (1,), (1,)),
        (PerformanceStatus(kps=80), Frankel.E, None, (2,), (2,)),
        (PerformanceStatus(ecog=1), None, Asia.C, (1, 2), (0, 1)),
        (PerformanceStatus(ecog=2), None, Asia.E, (1,), (2,)),
        (PerformanceStatus(), None, None, (0, 1, 2), (0, 1, 2)),
    ],
    ids=["kps-40", "kps-50", "kps-70", "kps-80", "ecog-1-ais-c", "ecog-2-ais-e", "unknown"],
)
def test_general_condition_and_palsy_items(status, frankel, asia, condition, palsy):
    result = tokuhashi.score(Inputs(status, Metastases(), (), frankel=frankel, asia=asia))
    general, palsy_item = result.item("general-condition"), result.item("palsy")
    assert (general.possible, palsy_item.possible) == (condition, palsy)
    assert general.missing == (() if len(condition) == 1 else ("kps",))
    assert palsy_item.missing == (() if len(palsy) == 1 else ("frankel-grade",))


@pytest.mark.parametrize(
    ("inputs", "total", "band"),
    [
        # 15 = maximum of the 2005 version (a shifted reproduction caps it at 14, §4.3).
        (complete(), 15, "survival-12-months-or-more"),
        # 0 = minimum: KPS 10–40, >= 3 extraspinal, >= 3 vertebrae, unremovable, lung, Frankel A.
        (
            complete(40, 3, 3, OrganMetastases.UNREMOVABLE, h.LUNG, Frankel.A),
            0,
            "survival-lt-6-months",
        ),
        # Boundary 11/12: breast (5) + KPS 80 (2) + 1 extraspinal (1) + 2 vertebrae (1)
        # + removable (1) + Frankel E (2) = 12; with Frankel D (1) = 11.
        (
            complete(80, 1, 2, OrganMetastases.REMOVABLE, h.BREAST, Frankel.E),
            12,
            "survival-12-months-or-more",
        ),
        (
            complete(80, 1, 2, OrganMetastases.REMOVABLE, h.BREAST, Frankel.D),
            11,
            "survival-6-months-or-more",
        ),
        # Boundary 8/9: kidney (3) + KPS 60 (1) + 0 extraspinal (2) + 3 vertebrae (0)
        # + removable (1) + Frankel D (1) = 8; rectum (4) instead of kidney = 9.
        (
            complete(60, 0, 3, OrganMetastases.REMOVABLE, h.KIDNEY, Frankel.D),
            8,
            "survival-lt-6-months",
        ),
        (
            complete(60, 0, 3, OrganMetastases.REMOVABLE, h.RECTUM, Frankel.D),
            9,
            "survival-6-months-or-more",
        ),
        # Liver (1) and "others" (2) around the same boundary.
        (
            complete(60, 0, 2, OrganMetastases.REMOVABLE, h.LIVER, Frankel.D),
            7,
            "survival-lt-6-months",
        ),
        (
            complete(80, 0, 2, OrganMetastases.REMOVABLE, h.COLON, Frankel.D),
            9,
            "survival-6-months-or-more",
        ),
    ],
    ids=["max-15", "min-0", "12", "11", "8", "9", "liver-7", "others-9"],
)
def test_totals_and_band_boundaries(inputs: Inputs, total: int, band: str):
    result = tokuhashi.score(inputs)
    assert (result.total, result.band.code, result.missing) == (total, band, ())
    assert result.reference == tokuhashi.REFERENCE


def test_band_as_a_bound_and_an_open_band():
    # Everything known but the primary: 2+2+2+2+2 = 10 plus 0..5 -> 10..15: band open.
    base = complete()
    unknown_site = Inputs(base.performance, base.metastases, (), frankel=base.frankel)
    result = tokuhashi.score(unknown_site)
    assert (result.low, result.high, result.band) == (10, 15, None)
    assert result.missing == ("primary-cancer",)
    # Poor everything but an unknown primary: 0..5 -> below 6 months whatever the primary.
    poor = complete(40, 3, 3, OrganMetastases.UNREMOVABLE, h.LUNG, Frankel.A)
    result = tokuhashi.score(Inputs(poor.performance, poor.metastases, (), frankel=Frankel.A))
    assert (result.low, result.high, result.band.code) == (0, 5, "survival-lt-6-months")


# ---------------------------------------------------------------------------------------------
# Property: for any inputs, partly missing, the totals are exactly those of every completion.

SITES = [(row[1], row[2]) for row in SITE_ROWS]
SITE_REF = {classify(site, hist): points for _id, site, hist, points in SITE_ROWS}

performance_st = st.one_of(
    st.just(PerformanceStatus()),
    st.builds(PerformanceStatus, kps=st.sampled_from(sorted(ALL_KPS))),
    st.builds(PerformanceStatus, ecog=st.integers(0, 4)),
)
count_st = st.tuples(st.integers(0, 5), st.booleans())  # (n, exact?)


@st.composite
def tokuhashi_inputs(draw):
    status = draw(performance_st)
    ext_n, ext_exact = draw(count_st)
    vert_n, vert_exact = draw(count_st)
    vert_n = max(vert_n, 1)
    organ_answer = draw(st.one_of(st.none(), st.sampled_from(list(OrganMetastases))))
    sites = draw(st.frozensets(st.sampled_from(list(Organ))))
    primaries = tuple(
        classify(*pair) for pair in draw(st.lists(st.sampled_from(SITES), max_size=2))
    )
    frankel = draw(st.one_of(st.none(), st.sampled_from(list(Frankel))))
    asia = draw(st.one_of(st.none(), st.sampled_from(list(Asia))))
    mets = Metastases(
        extraspinal_bone=Count.exact(ext_n) if ext_exact else Count.at_least(ext_n),
        vertebral=Count.exact(vert_n) if vert_exact else Count.at_least(vert_n),
        organ_sites=sites,
        organ_answer=organ_answer,
    )
    return Inputs(status, mets, primaries, frankel=frankel, asia=asia)


def count_completions(count: Count) -> set[int]:
    return {count.low} if count.is_exact else set(range(count.low, max(count.low, 3) + 2))


def reference_item_points(inputs: Inputs) -> dict[str, tuple[set[int], str]]:
    """Points of each item over every completion of the inputs, and the input that settles it."""
    status, mets = inputs.performance, inputs.metastases
    kps = (
        {status.kps}
        if status.kps
        else ECOG_KPS[status.ecog]
        if status.ecog is not None
        else ALL_KPS
    )
    if mets.organ_answer is not None:
        organ = {ORGAN[mets.organ_answer]}
    elif mets.organ_sites & MAJOR:
        organ = {0, 1}
    else:
        organ = {0, 1, 2}
    if inputs.primaries:
        site = set().union(*(SITE_REF[p] for p in inputs.primaries))
    else:
        site = {0, 1, 2, 3, 4, 5}
    if inputs.frankel is not None:
        palsy = {FRANKEL[inputs.frankel]}
    elif inputs.asia is not None:
        palsy = ASIA[inputs.asia]
    else:
        palsy = {0, 1, 2}
    return {
        "general-condition": ({kps_points(k) for k in kps}, "kps"),
        "extraspinal-bone-metastases": (
            {ref_extraspinal(n) for n in count_completions(mets.extraspinal_bone)},
            "extraspinal-bone-metastases-count",
        ),
        "vertebral-metastases": (
            {ref_vertebral(n) for n in count_completions(mets.vertebral)},
            "vertebral-metastases-count",
        ),
        "major-organ-metastases": (organ, "major-organ-metastases"),
        "primary-site": (site, "primary-cancer"),
        "palsy": (palsy, "frankel-grade"),
    }


@settings(max_examples=300, deadline=None)
@given(inputs=tokuhashi_inputs())
def test_partial_inputs_report_exactly_the_totals_of_every_completion(inputs: Inputs):
    result = tokuhashi.score(inputs)
    reference = reference_item_points(inputs)
    completions = {sum(combo) for combo in product(*(pts for pts, _ in reference.values()))}
    assert set(result.totals) == completions
    bands = {ref_band(total) for total in completions}
    assert (result.band.code if result.band else None) == (bands.pop() if len(bands) == 1 else None)
    # §15.12: the primary is missing only while the chart could still supply it.
    suppliable = {"primary-cancer"} if primary_missing(inputs.primaries) else set()
    expected = {name for pts, name in reference.values() if len(pts) > 1}
    assert set(result.missing) == {n for n in expected if n != "primary-cancer" or suppliable}
    for key, (points, _name) in reference.items():
        item = result.item(key)
        assert set(item.possible) == points, key
        assert item.points == (next(iter(points)) if len(points) == 1 else None), key
