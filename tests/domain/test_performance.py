"""Performance status: KPS bands of Tokuhashi, ECOG conversion only where unambiguous (§8.3)."""

from __future__ import annotations

import pytest

from service.domain.errors import InvalidInput
from service.domain.performance import (
    ECOG_TO_TOKUHASHI_POINTS,
    PerformanceStatus,
    tokuhashi_points,
    tokuhashi_points_from_kps,
)

# docs/clinical-rules.md §8.3: the three published ECOG -> KPS mappings, as KPS values.
MA_2010 = {0: {100}, 1: {80, 90}, 2: {60, 70}, 3: {40, 50}, 4: {10, 20, 30}}
COMMON = {0: {90, 100}, 1: {70, 80}, 2: {50, 60}, 3: {30, 40}, 4: {10, 20}}
PRASAD_2018 = {0: {100}, 1: {80, 90}, 2: {70}, 3: {50, 60}, 4: {10, 20, 30, 40}}


def kps_band_points(kps: int) -> int:
    """Tokuhashi general condition (§4.1): 10–40 poor 0, 50–70 moderate 1, 80–100 good 2."""
    return 0 if kps <= 40 else 1 if kps <= 70 else 2


# One row per KPS value (the Karnofsky scale, docs/clinical-rules.md §8.2), band boundaries
# 40/50, 70/80.
@pytest.mark.parametrize(
    ("kps", "points"),
    [
        (10, 0),
        (20, 0),
        (30, 0),
        (40, 0),
        (50, 1),
        (60, 1),
        (70, 1),
        (80, 2),
        (90, 2),
        (100, 2),
    ],
    ids=lambda v: str(v),
)
def test_kps_to_tokuhashi_points(kps: int, points: int):
    assert tokuhashi_points_from_kps(kps) == points
    assert tokuhashi_points(PerformanceStatus(kps=kps)) == ((points,), f"KPS {kps}%", ("kps",))


@pytest.mark.parametrize(
    ("ecog", "points"),
    [(0, (2,)), (1, (1, 2)), (2, (1,)), (3, (0, 1)), (4, (0,))],
    ids=["ecog-0", "ecog-1-ambiguous", "ecog-2", "ecog-3-ambiguous", "ecog-4"],
)
def test_ecog_to_tokuhashi_points(ecog: int, points: tuple[int, ...]):
    possible, how, used = tokuhashi_points(PerformanceStatus(ecog=ecog))
    assert possible == points
    assert used == ("ecog",)
    assert ("ambiguous" in how) is (len(points) > 1)


@pytest.mark.parametrize("ecog", range(5), ids=lambda e: f"ecog-{e}")
def test_ecog_table_follows_from_the_three_published_mappings(ecog: int):
    # Every KPS any mapping allows for this ECOG, scored on the Tokuhashi bands.
    kps_values = MA_2010[ecog] | COMMON[ecog] | PRASAD_2018[ecog]
    assert ECOG_TO_TOKUHASHI_POINTS[ecog] == tuple(sorted({kps_band_points(k) for k in kps_values}))


def test_kps_wins_over_ecog():
    # ECOG 3 would leave 0 or 1 open; KPS 80 is the item's own scale.
    assert tokuhashi_points(PerformanceStatus(ecog=3, kps=80)) == ((2,), "KPS 80%", ("kps",))


def test_nothing_recorded_leaves_every_point_open():
    assert tokuhashi_points(PerformanceStatus()) == ((0, 1, 2), "unknown", ())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ecog": -1},
        {"ecog": 5},  # dead: not a patient to assess
        {"ecog": 6},
        {"kps": 0},  # dead
        {"kps": -10},
        {"kps": 5},
        {"kps": 45},
        {"kps": 105},
        {"kps": 110},
        {"ecog": 2, "kps": 101},
    ],
    ids=[
        "ecog-minus-1",
        "ecog-5",
        "ecog-6",
        "kps-0",
        "kps-minus-10",
        "kps-5",
        "kps-45",
        "kps-105",
        "kps-110",
        "valid-ecog-invalid-kps",
    ],
)
def test_invalid_values_raise(kwargs: dict[str, int]):
    with pytest.raises(InvalidInput):
        PerformanceStatus(**kwargs)


@pytest.mark.parametrize("kps", [0, 5, 45, 110], ids=lambda k: f"kps-{k}")
def test_kps_points_reject_values_outside_the_scale(kps: int):
    with pytest.raises(InvalidInput):
        tokuhashi_points_from_kps(kps)


def test_invalid_input_is_a_value_error():
    assert issubclass(InvalidInput, ValueError)
