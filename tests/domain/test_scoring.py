"""Arithmetic of incomplete scores: items, possible totals, bands (scoring.py)."""

from __future__ import annotations

import pytest

from service.domain.scoring import (
    Band,
    Item,
    ScoreResult,
    band_for,
    known_item,
    open_item,
    possible_totals,
)

LOW = Band("low", "low", 0, 3)
MID = Band("mid", "mid", 4, 6)
HIGH = Band("high", "high", 7, 9)
BANDS = (LOW, MID, HIGH)


def result(*items: Item) -> ScoreResult:
    return ScoreResult("test", "ref", items, possible_totals(items), BANDS)


def test_known_item_is_settled():
    item = known_item("a", "A", (0, 1, 2), 2, "two", ("input-a",))
    assert (item.points, item.possible, item.missing, item.unknown) == (2, (2,), (), False)
    assert item.inputs == ("input-a",)


def test_open_item_is_never_scored_as_zero():
    item = open_item("a", "A", (0, 1, 2), (2, 0, 0), "unknown", missing=("input-a",))
    assert item.points is None
    assert item.possible == (0, 2)  # sorted, without repeats
    assert item.missing == ("input-a",)
    assert item.unknown is False  # something is known: 1 is excluded


def test_item_with_every_option_open_is_unknown():
    assert open_item("a", "A", (0, 1, 2), (0, 1, 2), "unknown").unknown is True
    assert known_item("a", "A", (3,), 3, "fixed").unknown is False  # one option only


@pytest.mark.parametrize(
    "possible", [(), (3,), (0, 5)], ids=["empty", "outside-options", "partly-outside"]
)
def test_item_rejects_impossible_points(possible: tuple[int, ...]):
    with pytest.raises(ValueError, match="possible points"):
        Item("a", "A", (0, 1, 2), possible, "answer")


def test_possible_totals_are_every_sum_ascending():
    items = [
        open_item("a", "A", (0, 1, 2), (0, 2), "?"),
        open_item("b", "B", (0, 3), (0, 3), "?"),
        known_item("c", "C", (0, 1), 1, "yes"),
    ]
    assert possible_totals(items) == (1, 3, 4, 6)
    assert possible_totals(items, lambda points: min(4, sum(points))) == (1, 3, 4)


@pytest.mark.parametrize(
    ("total", "code"),
    [(0, "low"), (3, "low"), (4, "mid"), (6, "mid"), (7, "high"), (9, "high")],
    ids=["0", "3", "4", "6", "7", "9"],
)
def test_band_for_boundaries(total: int, code: str):
    assert band_for(BANDS, total).code == code


def test_band_for_total_outside_every_band_raises():
    with pytest.raises(ValueError, match="no band"):
        band_for(BANDS, 10)


def test_complete_result():
    res = result(known_item("a", "A", (0, 5), 5, "five", ("in-a",)))
    assert (res.total, res.low, res.high, res.band, res.missing) == (5, 5, 5, MID, ())
    assert res.describe_total() == "5"
    assert res.inputs == ("in-a",)


def test_band_only_when_every_possible_total_shares_it():
    within = result(open_item("a", "A", (4, 5, 6), (4, 6), "?", missing=("in-a",)))
    assert (within.total, within.band, within.possible_bands) == (None, MID, (MID,))
    across = result(open_item("a", "A", (2, 5, 8), (2, 5, 8), "?", missing=("in-a",)))
    assert across.band is None
    assert across.possible_bands == (LOW, MID, HIGH)
    assert across.describe_total() == "2–8"


def test_missing_and_inputs_without_repeats_in_item_order():
    res = result(
        open_item("a", "A", (0, 1), (0, 1), "?", ("x", "y"), ("y", "x")),
        open_item("b", "B", (0, 1), (0, 1), "?", ("y", "z"), ("z", "y")),
    )
    assert res.missing == ("y", "x", "z")
    assert res.inputs == ("x", "y", "z")


def test_item_lookup():
    res = result(known_item("a", "A", (0, 1), 1, "yes"))
    assert res.item("a").points == 1
    with pytest.raises(KeyError):
        res.item("b")


def test_instrument_without_bands_has_no_band():
    res = ScoreResult("x", "ref", (known_item("a", "A", (0, 1), 1, "yes"),), (1,))
    assert (res.band, res.possible_bands) == (None, ())
