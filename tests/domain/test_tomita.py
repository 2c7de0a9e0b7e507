"""Tomita score 2001 (docs/clinical-rules.md §5): growth 1/2/4, visceral 0/2/4, bone 1/2, bands."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import histology as h
from service.domain import tomita
from service.domain.histology import Histology, TomitaGrowth, classify, primary_missing
from service.domain.metastases import Count, Metastases, Organ, VisceralMetastases
from service.domain.tomita import Inputs

VISCERAL = {
    VisceralMetastases.NONE: 0,  # the row one reproduction lost (§5; open item O-8)
    VisceralMetastases.TREATABLE: 2,
    VisceralMetastases.UNTREATABLE: 4,
}
GROWTH = {TomitaGrowth.SLOW: 1, TomitaGrowth.MODERATE: 2, TomitaGrowth.RAPID: 4}  # rapid 4, not 3
BANDS = [
    ("tomita-long-term-control", 2, 3),
    ("tomita-middle-term-control", 4, 5),
    ("tomita-short-term-palliation", 6, 7),
    ("tomita-terminal-care", 8, 10),
]
VISCERAL_SITES = {Organ.BRAIN, Organ.LUNG, Organ.LIVER, Organ.ADRENAL}  # docs/fhir-input.md
BONE_NAMES = ("extraspinal-bone-metastases-count", "vertebral-metastases-count")


def ref_band(total: int) -> str:
    return next(code for code, low, high in BANDS if low <= total <= high)


def mets(extraspinal: Count, vertebral: Count, visceral=VisceralMetastases.NONE, sites=frozenset()):
    return Metastases(
        extraspinal_bone=extraspinal,
        vertebral=vertebral,
        organ_sites=sites,
        visceral_answer=visceral,
    )


SOLITARY = mets(Count.exact(0), Count.exact(1))
MULTIPLE = mets(Count.exact(1), Count.exact(1))


def test_module_tables_match_the_spec():
    assert tomita.GROWTH_POINTS == GROWTH
    assert tomita.VISCERAL_POINTS == VISCERAL
    assert [(b.code, b.low, b.high) for b in tomita.BANDS] == BANDS


@pytest.mark.parametrize(
    ("site", "histology", "points"),
    [
        (h.BREAST, None, 1),
        (h.THYROID, None, 1),
        (h.KIDNEY, None, 2),
        (h.UTERUS, None, 2),
        (h.LUNG, None, 4),
        (h.LUNG, Histology.SMALL_CELL, 4),
        (h.STOMACH, None, 4),
    ],
    ids=["breast-slow", "thyroid-slow", "kidney-moderate", "uterus-moderate", "lung-rapid",
         "small-cell-lung-rapid", "stomach-rapid"],
)  # fmt: skip
def test_growth_points(site, histology, points):
    result = tomita.score(Inputs((classify(site, histology),), SOLITARY))
    assert result.item("primary-growth").points == points
    assert result.total == points + 0 + 1


@pytest.mark.parametrize(
    "site", [h.PROSTATE, h.COLON, h.MULTIPLE_MYELOMA, h.UNKNOWN_PRIMARY], ids=lambda s: s.name
)
def test_unnamed_primary_leaves_growth_to_a_clinician(site):
    # §5: Tomita's growth groups are examples ("etc."); any other primary -> null.
    item = tomita.score(Inputs((classify(site),), SOLITARY)).item("primary-growth")
    # docs/clinical-rules.md §15.12: a known primary Tomita does not name is said, not missing.
    missing = ("primary-cancer",) if site is h.UNKNOWN_PRIMARY else ()
    assert (item.points, item.possible, item.missing) == (None, (1, 2, 4), missing)
    if site is not h.UNKNOWN_PRIMARY:
        assert (
            item.answer == f"{site.name}: not in Tomita's growth groups (a clinician classifies it)"
        )
    assert item.inputs == ("primary-cancer",)


def test_no_primary_on_record():
    item = tomita.score(Inputs((), SOLITARY)).item("primary-growth")
    assert (item.possible, item.inputs, item.missing) == ((1, 2, 4), (), ("primary-cancer",))


def test_two_primaries_of_different_growth():
    primaries = (classify(h.BREAST), classify(h.KIDNEY))
    item = tomita.score(Inputs(primaries, SOLITARY)).item("primary-growth")
    assert (item.possible, item.missing) == ((1, 2), ())  # §15.12: both known


@pytest.mark.parametrize(
    ("visceral", "sites", "possible", "missing"),
    [
        (VisceralMetastases.NONE, frozenset(), (0,), ()),
        (VisceralMetastases.TREATABLE, frozenset(), (2,), ()),
        (VisceralMetastases.UNTREATABLE, frozenset(), (4,), ()),
        (None, frozenset({Organ.LIVER}), (2, 4), ("visceral-metastases",)),
        (None, frozenset({Organ.ADRENAL}), (2, 4), ("visceral-metastases",)),
        (None, frozenset({Organ.KIDNEY}), (0, 2, 4), ("visceral-metastases",)),
        (None, frozenset(), (0, 2, 4), ("visceral-metastases",)),
    ],
    ids=["none-0", "treatable-2", "untreatable-4", "liver-present", "adrenal-present",
         "kidney-only", "nothing"],
)  # fmt: skip
def test_visceral_item(visceral, sites, possible, missing):
    m = mets(Count.exact(0), Count.exact(1), visceral, sites)
    item = tomita.score(Inputs((classify(h.BREAST),), m)).item("visceral-metastases")
    assert (item.possible, item.missing) == (possible, missing)


@pytest.mark.parametrize(
    ("extraspinal", "vertebral", "possible", "missing"),
    [
        # "Solitary or isolated" = exactly one bone metastasis, spine included (tomita.py).
        (Count.exact(0), Count.exact(1), (1,), ()),
        (Count.exact(1), Count.exact(1), (2,), ()),
        (Count.exact(0), Count.exact(2), (2,), ()),
        (Count.at_least(1), Count.at_least(1), (2,), ()),  # at least 2 bones: multiple
        (Count.at_least(0), Count.exact(2), (2,), ()),
        # Solitary only if nothing else exists: the unknown count is what is missing.
        (Count.at_least(0), Count.exact(1), (1, 2), (BONE_NAMES[0],)),
        (Count.exact(0), Count.at_least(1), (1, 2), (BONE_NAMES[1],)),
        (Count.at_least(0), Count.at_least(1), (1, 2), BONE_NAMES),
    ],
    ids=["solitary", "two-bones", "two-vertebrae", "at-least-two", "at-least-two-vertebrae",
         "extraspinal-unknown", "vertebral-unknown", "both-unknown"],
)  # fmt: skip
def test_bone_item_solitary_or_multiple(extraspinal, vertebral, possible, missing):
    item = tomita.score(Inputs((classify(h.BREAST),), mets(extraspinal, vertebral))).item(
        "bone-metastases"
    )
    assert (item.possible, item.missing) == (possible, missing)
    assert item.inputs == BONE_NAMES


@pytest.mark.parametrize(
    ("site", "visceral", "bones", "total"),
    [
        # Range 2–10 (§5): the minimum and the maximum (rapid = 4 is needed to reach 10).
        (h.BREAST, VisceralMetastases.NONE, SOLITARY, 2),
        (h.LUNG, VisceralMetastases.UNTREATABLE, MULTIPLE, 10),
        # Band boundaries 3/4, 5/6, 7/8.
        (h.KIDNEY, VisceralMetastases.NONE, SOLITARY, 3),
        (h.BREAST, VisceralMetastases.TREATABLE, SOLITARY, 4),
        (h.KIDNEY, VisceralMetastases.TREATABLE, SOLITARY, 5),
        (h.LUNG, VisceralMetastases.NONE, MULTIPLE, 6),
        (h.LUNG, VisceralMetastases.TREATABLE, SOLITARY, 7),
        (h.LUNG, VisceralMetastases.TREATABLE, MULTIPLE, 8),
    ],
    ids=["min-2", "max-10", "3", "4", "5", "6", "7", "8"],
)
def test_totals_and_band_boundaries(site, visceral, bones, total):
    m = Metastases(
        extraspinal_bone=bones.extraspinal_bone, vertebral=bones.vertebral, visceral_answer=visceral
    )
    result = tomita.score(Inputs((classify(site),), m))
    assert (result.total, result.band.code, result.missing) == (total, ref_band(total), ())
    assert result.reference == tomita.REFERENCE


def test_band_as_a_bound():
    # Lung (4) + untreatable (4) + bones unknown (1/2) -> 9–10: terminal care either way.
    m = mets(Count.at_least(0), Count.at_least(1), VisceralMetastases.UNTREATABLE)
    result = tomita.score(Inputs((classify(h.LUNG),), m))
    assert (result.totals, result.band.code) == ((9, 10), "tomita-terminal-care")
    # Breast (1) + visceral unknown (0/2/4) + solitary (1) -> 2, 4, 6: no band.
    result = tomita.score(Inputs((classify(h.BREAST),), mets(Count.exact(0), Count.exact(1), None)))
    assert (result.totals, result.band) == ((2, 4, 6), None)


# ---------------------------------------------------------------------------------------------
# Property: the totals are exactly those of every completion of the inputs.

SITES = [
    (h.BREAST, {1}),
    (h.THYROID, {1}),
    (h.KIDNEY, {2}),
    (h.UTERUS, {2}),
    (h.LUNG, {4}),
    (h.STOMACH, {4}),
    (h.PROSTATE, {1, 2, 4}),
    (h.COLON, {1, 2, 4}),
    (h.UNKNOWN_PRIMARY, {1, 2, 4}),
]


def completions(count: Count) -> set[int]:
    return {count.low} if count.is_exact else set(range(count.low, count.low + 3))


@st.composite
def tomita_inputs(draw):
    chosen = draw(st.lists(st.sampled_from(range(len(SITES))), max_size=2))
    ext = draw(st.integers(0, 3))
    vert = draw(st.integers(1, 3))
    m = Metastases(
        extraspinal_bone=Count.exact(ext) if draw(st.booleans()) else Count.at_least(ext),
        vertebral=Count.exact(vert) if draw(st.booleans()) else Count.at_least(vert),
        organ_sites=draw(st.frozensets(st.sampled_from(list(Organ)))),
        visceral_answer=draw(st.one_of(st.none(), st.sampled_from(list(VisceralMetastases)))),
    )
    return chosen, Inputs(tuple(classify(SITES[i][0]) for i in chosen), m)


@settings(max_examples=300, deadline=None)
@given(drawn=tomita_inputs())
def test_partial_inputs_report_exactly_the_totals_of_every_completion(drawn):
    chosen, inputs = drawn
    m = inputs.metastases
    growth = set().union(*(SITES[i][1] for i in chosen)) if chosen else {1, 2, 4}
    if m.visceral_answer is not None:
        visceral = {VISCERAL[m.visceral_answer]}
    elif m.organ_sites & VISCERAL_SITES:
        visceral = {2, 4}
    else:
        visceral = {0, 2, 4}
    bone_counts = {e + v for e in completions(m.extraspinal_bone) for v in completions(m.vertebral)}
    bone = {1 if n == 1 else 2 for n in bone_counts}
    reference = {
        "primary-growth": (
            growth,
            ("primary-cancer",) if primary_missing(inputs.primaries) else (),  # §15.12
        ),
        "visceral-metastases": (visceral, ("visceral-metastases",)),
        "bone-metastases": (
            bone,
            tuple(
                name
                for name, count in zip(BONE_NAMES, (m.extraspinal_bone, m.vertebral), strict=True)
                if not count.is_exact
            ),
        ),
    }
    result = tomita.score(inputs)
    totals = {sum(combo) for combo in product(growth, visceral, bone)}
    assert set(result.totals) == totals
    bands = {ref_band(total) for total in totals}
    assert (result.band.code if result.band else None) == (bands.pop() if len(bands) == 1 else None)
    expected_missing = {n for pts, names in reference.values() if len(pts) > 1 for n in names}
    assert set(result.missing) == expected_missing
    for key, (points, _names) in reference.items():
        item = result.item(key)
        assert set(item.possible) == points, key
        assert item.points == (next(iter(points)) if len(points) == 1 else None), key
