"""Frankel and ASIA grades, the Tokuhashi palsy item (docs/clinical-rules.md §4.1, §8.4-8.5)."""

from __future__ import annotations

import pytest

from service.domain.neurology import Asia, Frankel, palsy_points


# docs/clinical-rules.md §4.1/§8.4: complete (Frankel A, B) 0; incomplete (C, D) 1; none (E) 2.
@pytest.mark.parametrize(
    ("grade", "points"),
    [(Frankel.A, 0), (Frankel.B, 0), (Frankel.C, 1), (Frankel.D, 1), (Frankel.E, 2)],
    ids=["A", "B", "C", "D", "E"],
)
def test_frankel_palsy_points(grade: Frankel, points: int):
    assert palsy_points(grade, None) == ((points,), f"Frankel {grade.value}", ("frankel-grade",))


# docs/clinical-rules.md §8.5: AIS and Frankel are not interchangeable except A -> complete,
# E -> none;
# AIS B-D only say that there is a deficit.
@pytest.mark.parametrize(
    ("grade", "points"),
    [(Asia.A, (0,)), (Asia.B, (0, 1)), (Asia.C, (0, 1)), (Asia.D, (0, 1)), (Asia.E, (2,))],
    ids=["A", "B", "C", "D", "E"],
)
def test_asia_palsy_points(grade: Asia, points: tuple[int, ...]):
    possible, how, used = palsy_points(None, grade)
    assert (possible, used) == (points, ("asia",))
    assert how.startswith(f"AIS {grade.value}")
    assert ("Frankel needed" in how) is (len(points) > 1)


def test_frankel_wins_over_asia():
    assert palsy_points(Frankel.C, Asia.A) == ((1,), "Frankel C", ("frankel-grade",))


def test_nothing_recorded_leaves_every_point_open():
    assert palsy_points(None, None) == ((0, 1, 2), "unknown", ())
