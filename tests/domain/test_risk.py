"""Qualitative risks (risk.py): restatement of the ESCC and SINS bands, None when left open."""

from __future__ import annotations

import pytest

from service.domain import risk, sins
from service.domain.escc import Grade, Inputs, categorize
from service.domain.findings import StabilityCall
from service.domain.levels import Level
from service.domain.risk import Risk
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral

HIGH, MODERATE, LOW = Risk.HIGH, Risk.MODERATE, Risk.LOW


def escc_of(grade: Grade | None, cord: bool = False, level: Level = Level.T9):
    return categorize(Inputs(level, grade, cord))


@pytest.mark.parametrize(
    ("escc", "neuro", "expected"),
    [
        (escc_of(Grade.G0), True, HIGH),  # myelopathy is high risk whatever the grade
        (escc_of(None), True, HIGH),
        (escc_of(Grade.G2), False, HIGH),
        (escc_of(Grade.G3), None, HIGH),
        (escc_of(None, cord=True), False, HIGH),
        (escc_of(Grade.G0), False, LOW),
        (escc_of(Grade.G1A), False, LOW),
        (escc_of(Grade.G1B), False, LOW),
        (escc_of(Grade.G1C), False, MODERATE),
        (escc_of(Grade.G1B), None, None),  # high if myelopathy is present
        (escc_of(None), False, None),
        (escc_of(Grade.G2, level=Level.L3), False, None),  # below the conus: undetermined
    ],
    ids=["myelopathy-g0", "myelopathy-unknown-grade", "g2", "g3-neuro-unknown",
         "cord-compression", "g0", "g1a", "g1b", "g1c", "g1b-neuro-unknown", "nothing-known",
         "below-conus-g2"],
)  # fmt: skip
def test_neurologic_risk(escc, neuro, expected):
    estimate = risk.neurologic(escc, neuro)
    assert estimate.outcome == "neurologic-deterioration"
    assert estimate.risk is expected
    assert estimate.rationale


def sins_of(total: int | None) -> sins.ScoreResult:
    """A T9 SINS result with the given total, or with everything but the level unknown."""
    if total is None:
        return sins.score(sins.Inputs(Level.T9))
    mech, lytic, shift = Pain.MECHANICAL, BoneLesion.LYTIC, Alignment.SUBLUXATION_TRANSLATION
    answers = {
        1: (Pain.PAIN_FREE, BoneLesion.BLASTIC, Alignment.NORMAL, Collapse.NONE),
        6: (mech, lytic, Alignment.NORMAL, Collapse.NONE),  # 1 + 3 + 2
        7: (mech, lytic, Alignment.NORMAL, Collapse.NONE_BODY_OVER_50),  # + 1
        12: (mech, lytic, shift, Collapse.LESS_THAN_50),  # 1 + 3 + 2 + 4 + 2
        13: (mech, lytic, shift, Collapse.AT_LEAST_50),  # 1 + 3 + 2 + 4 + 3
    }[total]
    result = sins.score(sins.Inputs(Level.T9, *answers, Posterolateral.NONE))
    assert result.total == total
    return result


@pytest.mark.parametrize(
    ("total", "call", "expected"),
    [
        (1, None, LOW),
        (6, None, LOW),
        (6, StabilityCall.STABLE, LOW),
        (6, StabilityCall.UNSTABLE, None),  # the call contradicts a certain band
        (7, None, MODERATE),
        (12, None, MODERATE),
        (7, StabilityCall.STABLE, LOW),
        (12, StabilityCall.UNSTABLE, HIGH),
        (13, None, HIGH),
        (13, StabilityCall.UNSTABLE, HIGH),
        (13, StabilityCall.STABLE, None),  # the call contradicts a certain band
        (None, None, None),
        (None, StabilityCall.UNSTABLE, HIGH),
    ],
    ids=["1", "6", "6-stable", "6-unstable-conflict", "7", "12", "7-stable", "12-unstable",
         "13", "13-unstable", "13-stable-conflict", "unknown", "unknown-unstable"],
)  # fmt: skip
def test_mechanical_risk(total, call, expected):
    estimate = risk.mechanical(sins_of(total), call)
    assert estimate.outcome == "mechanical-failure"
    assert estimate.risk is expected
    if total is not None and expected is None:
        assert "contradicts" in estimate.rationale


def test_open_band_rationale_names_the_possible_bands():
    estimate = risk.mechanical(sins_of(None), None)
    assert estimate.rationale == ("SINS 1–16: could be stable or potentially unstable or unstable")
