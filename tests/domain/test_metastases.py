"""Metastatic burden: counts that may be lower bounds, visceral sites (metastases.py)."""

from __future__ import annotations

import pytest

from service.domain.metastases import (
    Count,
    Metastases,
    Organ,
    VisceralMetastases,
)


@pytest.mark.parametrize(
    ("count", "exact", "text", "up_to_3"),
    [
        (Count.exact(0), True, "0", [0]),
        (Count.exact(2), True, "2", [2]),
        (Count.exact(7), True, "7", [3]),
        (Count.at_least(0), False, "at least 0", [0, 1, 2, 3]),
        (Count.at_least(2), False, "at least 2", [2, 3]),
        (Count.at_least(5), False, "at least 5", [3]),
        (Count(1, 2), False, "at least 1", [1, 2]),
    ],
    ids=["exact-0", "exact-2", "exact-7", "at-least-0", "at-least-2", "at-least-5", "1-to-2"],
)
def test_count(count: Count, exact: bool, text: str, up_to_3: list[int]):
    assert count.is_exact is exact
    assert count.describe() == text
    assert list(count.values_up_to(3)) == up_to_3


@pytest.mark.parametrize(("low", "high"), [(-1, None), (3, 2)], ids=["negative", "inverted"])
def test_invalid_count(low: int, high: int | None):
    with pytest.raises(ValueError, match="invalid count"):
        Count(low, high)


def test_defaults_know_nothing_beyond_one_vertebra():
    mets = Metastases()
    assert mets.extraspinal_bone == Count.at_least(0)
    assert mets.vertebral == Count.at_least(1)
    assert mets.visceral_present is None


@pytest.mark.parametrize(
    ("extraspinal", "vertebral", "total"),
    [
        (Count.exact(0), Count.exact(1), Count.exact(1)),
        (Count.exact(2), Count.exact(3), Count.exact(5)),
        (Count.exact(0), Count.at_least(1), Count.at_least(1)),
        (Count.at_least(1), Count.exact(1), Count.at_least(2)),
    ],
    ids=["solitary", "exact-sum", "vertebral-open", "extraspinal-open"],
)
def test_bone_total(extraspinal: Count, vertebral: Count, total: Count):
    assert Metastases(extraspinal_bone=extraspinal, vertebral=vertebral).bone_total == total


@pytest.mark.parametrize(
    ("sites", "answer", "present"),
    [
        (frozenset(), None, None),  # no diagnosis on record is not evidence of absence
        (frozenset({Organ.KIDNEY}), None, None),  # kidney is not visceral per the FHIR contract
        (frozenset({Organ.BRAIN}), None, True),
        (frozenset({Organ.LUNG}), None, True),
        (frozenset({Organ.LIVER}), None, True),
        (frozenset({Organ.ADRENAL}), None, True),
        (frozenset(), VisceralMetastases.NONE, False),
        (frozenset(), VisceralMetastases.TREATABLE, True),
        (frozenset(), VisceralMetastases.UNTREATABLE, True),
        (frozenset({Organ.LIVER}), VisceralMetastases.NONE, False),  # the clinician's answer wins
    ],
    ids=[
        "nothing",
        "kidney-only",
        "brain",
        "lung",
        "liver",
        "adrenal",
        "answer-none",
        "answer-treatable",
        "answer-untreatable",
        "answer-wins",
    ],
)
def test_visceral_present(sites, answer, present):
    mets = Metastases(organ_sites=sites, visceral_answer=answer)
    assert mets.visceral_present is present
