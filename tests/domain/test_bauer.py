"""Modified Bauer score (Leithner 2008; docs/clinical-rules.md §6.2): four factors, bands."""

from __future__ import annotations

import pytest

from service.domain import bauer
from service.domain import histology as h
from service.domain.bauer import Inputs
from service.domain.histology import Histology, classify, primary_missing
from service.domain.metastases import Count, Metastases, Organ, VisceralMetastases

BONE_NAMES = ("extraspinal-bone-metastases-count", "vertebral-metastases-count")
FACTORS = [
    "no-visceral-metastases",
    "not-lung-primary",
    "favourable-primary",
    "solitary-skeletal-metastasis",
]


NO_OTHER_BONE = Count.exact(0)
ONE_VERTEBRA = Count.exact(1)


def mets(
    extraspinal: Count = NO_OTHER_BONE,
    vertebral: Count = ONE_VERTEBRA,
    visceral: VisceralMetastases | None = VisceralMetastases.NONE,
    sites: frozenset[Organ] = frozenset(),
) -> Metastases:
    return Metastases(
        extraspinal_bone=extraspinal,
        vertebral=vertebral,
        organ_sites=sites,
        visceral_answer=visceral,
    )


def points(result) -> list[int | None]:
    return [result.item(key).points for key in FACTORS]


def test_bands_match_the_spec():
    assert [(b.code, b.low, b.high) for b in bauer.BANDS] == [
        ("bauer-supportive-care", 0, 1),
        ("bauer-short-term-palliation", 2, 2),
        ("bauer-middle-term-control", 3, 4),
    ]


@pytest.mark.parametrize(
    ("site", "histology", "m", "factors", "band"),
    [
        # Breast, solitary, no visceral: every favourable factor -> 4.
        (h.BREAST, None, mets(), [1, 1, 1, 1], "bauer-middle-term-control"),
        # Kidney, lymphoma, myeloma are favourable too.
        (h.KIDNEY, None, mets(), [1, 1, 1, 1], "bauer-middle-term-control"),
        (h.LYMPHOMA, None, mets(), [1, 1, 1, 1], "bauer-middle-term-control"),
        (h.MULTIPLE_MYELOMA, None, mets(), [1, 1, 1, 1], "bauer-middle-term-control"),
        # Prostate: not lung but not favourable -> 3 (boundary 2/3).
        (h.PROSTATE, None, mets(), [1, 1, 0, 1], "bauer-middle-term-control"),
        # Prostate with two bone metastases -> 2.
        (h.PROSTATE, None, mets(Count.exact(1)), [1, 1, 0, 0], "bauer-short-term-palliation"),
        # Lung, visceral metastases, multiple -> 0; one factor more -> 1 (boundary 1/2).
        (
            h.LUNG,
            Histology.NON_SMALL_CELL_TYPE,
            mets(Count.exact(2), visceral=VisceralMetastases.TREATABLE),
            [0, 0, 0, 0],
            "bauer-supportive-care",
        ),
        (h.LUNG, None, mets(Count.exact(2)), [1, 0, 0, 0], "bauer-supportive-care"),
        (h.COLON, None, mets(Count.exact(2)), [1, 1, 0, 0], "bauer-short-term-palliation"),
    ],
    ids=["breast-4", "kidney-4", "lymphoma-4", "myeloma-4", "prostate-3", "prostate-2",
         "lung-0", "lung-1", "colon-2"],
)  # fmt: skip
def test_factors_and_bands(site, histology, m, factors, band):
    result = bauer.score(Inputs((classify(site, histology),), m))
    assert points(result) == factors
    assert (result.total, result.band.code, result.missing) == (sum(factors), band, ())


@pytest.mark.parametrize(
    ("m", "possible", "missing"),
    [
        (mets(visceral=None), (0, 1), ("visceral-metastases",)),
        (mets(visceral=None, sites=frozenset({Organ.LIVER})), (0,), ()),
        (mets(visceral=VisceralMetastases.UNTREATABLE), (0,), ()),
    ],
    ids=["unknown", "liver-on-record", "untreatable"],
)
def test_visceral_factor(m, possible, missing):
    item = bauer.score(Inputs((classify(h.BREAST),), m)).item("no-visceral-metastases")
    assert (item.possible, item.missing) == (possible, missing)


@pytest.mark.parametrize(
    ("extraspinal", "vertebral", "possible", "missing"),
    [
        (Count.exact(0), Count.exact(1), (1,), ()),
        (Count.exact(0), Count.exact(3), (0,), ()),
        (Count.at_least(1), Count.at_least(1), (0,), ()),
        (Count.at_least(0), Count.exact(1), (0, 1), (BONE_NAMES[0],)),
        (Count.exact(0), Count.at_least(1), (0, 1), (BONE_NAMES[1],)),
        (Count.at_least(0), Count.at_least(1), (0, 1), BONE_NAMES),
    ],
    ids=["solitary", "three-vertebrae", "at-least-two", "extraspinal-unknown",
         "vertebral-unknown", "both-unknown"],
)  # fmt: skip
def test_solitary_factor_names_exactly_the_unknown_counts(
    extraspinal, vertebral, possible, missing
):
    item = bauer.score(Inputs((classify(h.BREAST),), mets(extraspinal, vertebral))).item(
        "solitary-skeletal-metastasis"
    )
    assert (item.possible, item.missing) == (possible, missing)


@pytest.mark.parametrize(
    ("primaries", "not_lung", "favourable"),
    [
        ((), (0, 1), (0, 1)),
        ((classify(h.UNKNOWN_PRIMARY),), (0, 1), (0, 1)),
        ((classify(h.PLASMACYTOMA),), (1,), (0, 1)),
        ((classify(h.BREAST), classify(h.LUNG)), (0, 1), (0, 1)),
        ((classify(h.BREAST), classify(h.KIDNEY)), (1,), (1,)),
    ],
    ids=[
        "none-on-record",
        "unknown-primary",
        "plasmacytoma",
        "breast-and-lung",
        "breast-and-kidney",
    ],
)
def test_primary_factors_when_the_primary_is_uncertain(primaries, not_lung, favourable):
    result = bauer.score(Inputs(primaries, mets()))
    assert result.item("not-lung-primary").possible == not_lung
    assert result.item("favourable-primary").possible == favourable
    for key, possible in (("not-lung-primary", not_lung), ("favourable-primary", favourable)):
        item = result.item(key)
        # docs/clinical-rules.md §15.12: missing only while the chart could name the primary.
        suppliable = len(possible) > 1 and primary_missing(primaries)
        assert item.missing == (("primary-cancer",) if suppliable else ())
        assert item.inputs == (("primary-cancer",) if primaries else ())


def test_nothing_known():
    result = bauer.score(Inputs((), Metastases()))
    assert (result.totals, result.band) == ((0, 1, 2, 3, 4), None)
    assert set(result.missing) == {"visceral-metastases", "primary-cancer", *BONE_NAMES}
    assert all(result.item(key).points is None for key in FACTORS)


def test_band_as_a_bound():
    # Lung with visceral metastases, bones unknown: 0 or 1 -> supportive care either way.
    result = bauer.score(
        Inputs((classify(h.LUNG),), mets(Count.at_least(0), visceral=VisceralMetastases.TREATABLE))
    )
    assert (result.totals, result.band.code) == ((0, 1), "bauer-supportive-care")
