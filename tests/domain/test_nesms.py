"""NESMS (docs/clinical-rules.md §6.3): min(3, 2·[mBS ≥ 3] + [ambulatory] + [albumin ≥ 3.5])."""

from __future__ import annotations

from itertools import product

import pytest

from service.domain import nesms
from service.domain.nesms import Comparator, Inputs
from service.domain.neurology import Ambulatory

AMBULATORY = [None, *Ambulatory]
ALBUMIN = [None, 2.0, 3.49, 3.5, 4.4]


def ref_points(bauer: int, ambulatory: Ambulatory, albumin: float) -> tuple[int, int]:
    """(capped, uncapped) NESMS of one completion."""
    raw = (
        2 * (bauer >= 3)
        + (ambulatory is Ambulatory.INDEPENDENT)
        + (albumin >= 3.5)  # 3.5 g/dL = 35 g/L ("normal")
    )
    return min(3, raw), raw


def test_constants_match_the_spec():
    assert (nesms.CEILING, nesms.ALBUMIN_NORMAL_G_PER_DL, nesms.MODIFIED_BAUER_THRESHOLD) == (
        3,
        3.5,
        3,
    )


@pytest.mark.parametrize(
    ("bauer", "points"),
    [((0,), 0), ((1,), 0), ((2,), 0), ((3,), 2), ((4,), 2)],
    ids=["mbs-0", "mbs-1", "mbs-2", "mbs-3", "mbs-4"],
)
def test_modified_bauer_item_boundary_at_3(bauer, points):
    result = nesms.score(Inputs(bauer, Ambulatory.NON_AMBULATORY, 2.0))
    assert result.item("modified-bauer").points == points
    assert result.total == points


@pytest.mark.parametrize(
    ("albumin", "points"),
    [(3.4, 0), (3.49, 0), (3.5, 1), (3.51, 1), (4.4, 1)],
    ids=["3.4", "3.49", "3.5", "3.51", "4.4"],
)
def test_albumin_boundary_at_3_5(albumin, points):
    result = nesms.score(Inputs((0,), Ambulatory.NON_AMBULATORY, albumin))
    assert result.item("albumin").points == points
    assert result.total == points


@pytest.mark.parametrize(
    ("ambulatory", "points"),
    [(Ambulatory.INDEPENDENT, 1), (Ambulatory.ASSISTED, 0), (Ambulatory.NON_AMBULATORY, 0)],
    ids=["independent", "assisted", "non-ambulatory"],
)
def test_only_independent_ambulation_scores(ambulatory, points):
    # "Intact ambulatory status" read as independent (open item O-4).
    assert nesms.score(Inputs((0,), ambulatory, 2.0)).item("ambulatory").points == points


def test_sum_of_4_is_capped_at_3_and_the_uncapped_sum_is_kept():
    # Derivation (Ghori 2015): weights add up to 4 with "a ceiling score of three" (§6.3).
    result = nesms.score(Inputs((4,), Ambulatory.INDEPENDENT, 3.8))
    assert result.total == 3
    assert sum(item.points for item in result.items) == 4
    assert result.notes == ("Uncapped sum 4; NESMS is capped at 3 (open item O-4).",)


def test_no_note_when_the_cap_is_not_reached():
    result = nesms.score(Inputs((3,), Ambulatory.INDEPENDENT, 3.0))
    assert (result.total, result.notes) == (3, ())


def test_nesms_defines_no_bands():
    result = nesms.score(Inputs((3,), Ambulatory.INDEPENDENT, 3.0))
    assert (result.bands, result.band) == ((), None)


def test_nothing_known():
    result = nesms.score(Inputs((0, 1, 2, 3, 4)))
    assert result.totals == (0, 1, 2, 3)
    assert result.missing == ("modified-bauer-score", "ambulatory-status", "albumin")
    assert all(item.points is None for item in result.items)
    assert result.notes == ("Uncapped sum 0–4; NESMS is capped at 3 (open item O-4).",)


@pytest.mark.parametrize(
    ("bauer", "ambulatory", "albumin"),
    [
        (bauer, ambulatory, albumin)
        for bauer in [(0,), (2,), (3,), (1, 2), (2, 3), (0, 1, 2, 3, 4), (3, 4)]
        for ambulatory, albumin in product(AMBULATORY, ALBUMIN)
    ],
)
def test_totals_are_those_of_every_completion(bauer, ambulatory, albumin):
    result = nesms.score(Inputs(bauer, ambulatory, albumin))
    completions = [
        ref_points(b, a, x)
        for b in bauer
        for a in ([ambulatory] if ambulatory else list(Ambulatory))
        for x in ([albumin] if albumin is not None else [3.0, 4.0])
    ]
    assert set(result.totals) == {capped for capped, _ in completions}
    missing = []
    if len({b >= 3 for b in bauer}) > 1:
        missing.append("modified-bauer-score")
    if ambulatory is None:
        missing.append("ambulatory-status")
    if albumin is None:
        missing.append("albumin")
    assert result.missing == tuple(missing)
    assert bool(result.notes) is (max(raw for _, raw in completions) > 3)


# docs/clinical-rules.md §15.8: a comparator makes the value a bound on the 3.5 g/dL threshold.
BOUNDS = [
    # value, comparator, points
    (3.5, Comparator.LT, (0,)),
    (3.4, Comparator.LE, (0,)),
    (3.5, Comparator.LE, (0, 1)),
    (4.0, Comparator.LT, (0, 1)),
    (3.5, Comparator.GE, (1,)),
    (3.5, Comparator.GT, (1,)),
    (3.0, Comparator.GT, (0, 1)),
    (3.5, None, (1,)),
]


@pytest.mark.parametrize(("value", "comparator", "points"), BOUNDS)
def test_albumin_bounds(value, comparator, points):
    result = nesms.score(Inputs((0,), Ambulatory.NON_AMBULATORY, value, comparator))
    assert result.item("albumin").possible == points
    assert ("albumin" in result.missing) is (len(points) > 1)


@pytest.mark.parametrize(
    ("g_per_dl", "plausible"), [(0.4, False), (0.5, True), (7.0, True), (7.1, False), (35, False)]
)
def test_albumin_plausible_range(g_per_dl, plausible):
    assert nesms.albumin_plausible(g_per_dl) is plausible
