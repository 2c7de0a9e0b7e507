"""SINS (docs/clinical-rules.md §1): points of every answer, bands 6/7 and 12/13, missing ones."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import sins
from service.domain.levels import Level, SinsLocation
from service.domain.sins import Alignment, BoneLesion, Collapse, Inputs, Pain, Posterolateral

# Reference points transcribed from docs/clinical-rules.md §1.1 (Fisher 2010; Newman 2023; Badve
# 2021), kept apart from the module's own tables so that a wrong transcription there fails here.
LOCATION = {
    SinsLocation.JUNCTIONAL: 3,
    SinsLocation.MOBILE: 2,
    SinsLocation.SEMIRIGID: 1,
    SinsLocation.RIGID: 0,
}
PAIN = {Pain.MECHANICAL: 3, Pain.OCCASIONAL_NON_MECHANICAL: 1, Pain.PAIN_FREE: 0}
BONE_LESION = {BoneLesion.LYTIC: 2, BoneLesion.MIXED: 1, BoneLesion.BLASTIC: 0}
ALIGNMENT = {
    Alignment.SUBLUXATION_TRANSLATION: 4,
    Alignment.DE_NOVO_DEFORMITY: 2,
    Alignment.NORMAL: 0,
}
COLLAPSE = {
    Collapse.AT_LEAST_50: 3,  # ">= 50 %" (§1.3 decision; open item O-1)
    Collapse.LESS_THAN_50: 2,  # "> 0 and < 50 %"
    Collapse.NONE_BODY_OVER_50: 1,  # no collapse with > 50 % of the body involved
    Collapse.NONE: 0,
}
POSTEROLATERAL = {Posterolateral.BILATERAL: 3, Posterolateral.UNILATERAL: 1, Posterolateral.NONE: 0}
# (item key, Inputs field, input name, reference table)
ANSWERED = [
    ("pain", "pain", "sins-pain", PAIN),
    ("bone-lesion", "bone_lesion", "sins-bone-lesion", BONE_LESION),
    ("alignment", "alignment", "sins-alignment", ALIGNMENT),
    ("collapse", "collapse", "sins-collapse", COLLAPSE),
    ("posterolateral", "posterolateral", "sins-posterolateral", POSTEROLATERAL),
]
# One level per location group.
LEVEL_OF = {
    SinsLocation.JUNCTIONAL: Level.T12,
    SinsLocation.MOBILE: Level.L3,
    SinsLocation.SEMIRIGID: Level.T9,
    SinsLocation.RIGID: Level.S3,
}


def reference_band(total: int) -> str:
    """docs/clinical-rules.md §1.2: 0–6 stable, 7–12 potentially unstable, 13–18 unstable."""
    return "stable" if total <= 6 else "potentially-unstable" if total <= 12 else "unstable"


def reference_total(level: Level, answers: dict[str, object]) -> int:
    total = LOCATION[level.sins_location]
    for _key, field, _name, table in ANSWERED:
        total += table[answers[field]]
    return total


def test_module_tables_match_the_spec():
    assert sins.LOCATION_POINTS == LOCATION
    assert sins.PAIN_POINTS == PAIN
    assert sins.BONE_LESION_POINTS == BONE_LESION
    assert sins.ALIGNMENT_POINTS == ALIGNMENT
    assert sins.COLLAPSE_POINTS == COLLAPSE
    assert sins.POSTEROLATERAL_POINTS == POSTEROLATERAL
    assert [(b.code, b.low, b.high) for b in sins.BANDS] == [
        ("stable", 0, 6),
        ("potentially-unstable", 7, 12),
        ("unstable", 13, 18),
    ]


# Every answer of every component on its own, the others at 0 (a rigid level, S3, scores 0).
EVERY_ANSWER = [
    (field, answer, points)
    for _key, field, _name, table in ANSWERED
    for answer, points in table.items()
]
ZERO = {
    "pain": Pain.PAIN_FREE,
    "bone_lesion": BoneLesion.BLASTIC,
    "alignment": Alignment.NORMAL,
    "collapse": Collapse.NONE,
    "posterolateral": Posterolateral.NONE,
}


@pytest.mark.parametrize(
    ("field", "answer", "points"),
    EVERY_ANSWER,
    ids=[f"{field}-{answer.name.lower()}" for field, answer, _ in EVERY_ANSWER],
)
def test_points_of_every_answer(field: str, answer, points: int):
    result = sins.score(Inputs(Level.S3, **{**ZERO, field: answer}))
    assert result.total == points
    key = next(key for key, f, _n, _t in ANSWERED if f == field)
    assert result.item(key).points == points
    assert result.item(key).answer == answer.value


@pytest.mark.parametrize(
    ("location", "points"),
    list(LOCATION.items()),
    ids=[location.value for location in LOCATION],
)
def test_location_points(location: SinsLocation, points: int):
    result = sins.score(Inputs(LEVEL_OF[location], **ZERO))
    assert result.total == points
    assert result.item("location").points == points
    assert result.item("location").inputs == ("level",)


@pytest.mark.parametrize(
    ("level", "answers", "total", "band"),
    [
        # Extremes of the range 0–18 (docs/clinical-rules.md §1.1).
        (Level.S3, ZERO, 0, "stable"),
        (
            Level.C1,
            {
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "alignment": Alignment.SUBLUXATION_TRANSLATION,
                "collapse": Collapse.AT_LEAST_50,
                "posterolateral": Posterolateral.BILATERAL,
            },
            18,
            "unstable",
        ),
        # Boundary 6/7: T9 (1) + mechanical (3) + lytic (2) = 6; + no collapse, body > 50 % = 7.
        (Level.T9, {**ZERO, "pain": Pain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC}, 6, "stable"),
        (
            Level.T9,
            {
                **ZERO,
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "collapse": Collapse.NONE_BODY_OVER_50,
            },
            7,
            "potentially-unstable",
        ),
        # Boundary 12/13: L3 (2) + mechanical (3) + lytic (2) + deformity (2) + < 50 % (2)
        # + unilateral (1) = 12; with bilateral (3) = 14; T12 (3) instead of L3 = 13.
        (
            Level.L3,
            {
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "alignment": Alignment.DE_NOVO_DEFORMITY,
                "collapse": Collapse.LESS_THAN_50,
                "posterolateral": Posterolateral.UNILATERAL,
            },
            12,
            "potentially-unstable",
        ),
        (
            Level.T12,
            {
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "alignment": Alignment.DE_NOVO_DEFORMITY,
                "collapse": Collapse.LESS_THAN_50,
                "posterolateral": Posterolateral.UNILATERAL,
            },
            13,
            "unstable",
        ),
        # Same answers, different location group: 7 at T9 (semirigid) but 6 at S2 (rigid).
        (
            Level.S2,
            {
                **ZERO,
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "collapse": Collapse.NONE_BODY_OVER_50,
            },
            6,
            "stable",
        ),
    ],
    ids=[
        "min-0",
        "max-18",
        "6-stable",
        "7-potentially-unstable",
        "12-potentially-unstable",
        "13-unstable",
        "rigid-6",
    ],
)
def test_band_boundaries(level: Level, answers: dict, total: int, band: str):
    result = sins.score(Inputs(level, **answers))
    assert (result.total, result.totals, result.band.code) == (total, (total,), band)
    assert result.missing == ()
    assert result.reference == sins.REFERENCE


def test_every_answer_combination_at_every_level():
    # 29 levels x 3*3*3*4*3 answer combinations = 9,396 complete inputs.
    fields = [field for _k, field, _n, _t in ANSWERED]
    tables = [table for _k, _f, _n, table in ANSWERED]
    checked = 0
    for level in Level.segments():
        for combo in product(*(list(table) for table in tables)):
            answers = dict(zip(fields, combo, strict=True))
            result = sins.score(Inputs(level, **answers))
            expected = reference_total(level, answers)
            assert result.total == expected
            assert 0 <= expected <= 18
            assert result.band.code == reference_band(expected)
            assert sum(item.points for item in result.items) == expected
            assert result.missing == ()
            checked += 1
    assert checked == 29 * 324


@pytest.mark.parametrize(
    ("key", "field", "name", "table"),
    ANSWERED,
    ids=[key for key, *_ in ANSWERED],
)
def test_one_missing_answer_widens_the_range_and_is_named(key, field, name, table):
    known = {**ZERO, "pain": Pain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC}  # T9: 6 points
    answers = {**known, field: None}
    result = sins.score(Inputs(Level.T9, **answers))
    base = reference_total(Level.T9, {**answers, field: next(a for a in table if table[a] == 0)})
    assert result.totals == tuple(sorted({base + p for p in table.values()}))
    assert result.total is None
    assert result.missing == (name,)
    item = result.item(key)
    assert (item.points, item.possible, item.answer) == (
        None,
        tuple(sorted(table.values())),
        "unknown",
    )
    assert item.unknown is True
    assert item.inputs == ()


def test_spec_example_sins_at_least_11():
    # docs/clinical-rules.md §0 rule 2: "SINS >= 11, therefore >= potentially unstable; surgical
    # consultation indicated". T9 (1) + mechanical (3) + lytic (2) + deformity (2) + >= 50 % (3)
    # = 11 with posterolateral involvement unknown (0/1/3).
    result = sins.score(
        Inputs(Level.T9, Pain.MECHANICAL, BoneLesion.LYTIC, Alignment.DE_NOVO_DEFORMITY,
               Collapse.AT_LEAST_50, None)
    )  # fmt: skip
    assert result.totals == (11, 12, 14)
    assert result.band is None
    assert [b.code for b in result.possible_bands] == ["potentially-unstable", "unstable"]
    assert result.missing == ("sins-posterolateral",)


def test_nothing_known_but_the_level():
    result = sins.score(Inputs(Level.T9))
    assert (result.low, result.high) == (1, 16)  # 1 + 0..(3+2+4+3+3)
    assert result.band is None
    assert [b.code for b in result.possible_bands] == [
        "stable",
        "potentially-unstable",
        "unstable",
    ]
    assert result.missing == tuple(name for _k, _f, name, _t in ANSWERED)
    assert result.describe_total() == "1–16"


@pytest.mark.parametrize(
    ("level", "answers", "totals", "band"),
    [
        # docs/clinical-rules.md §0 rule 2: a partial sum can settle the band as a bound.
        # T9 (1) + mechanical (3) + lytic (2) + subluxation (4) + bilateral (3) = 13 already:
        # unstable whatever the collapse.
        (
            Level.T9,
            {
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "alignment": Alignment.SUBLUXATION_TRANSLATION,
                "posterolateral": Posterolateral.BILATERAL,
            },
            (13, 14, 15, 16),
            "unstable",
        ),
        # S3 (0) + blastic + normal + no collapse + none = 0; pain unknown (0/1/3): stable.
        (
            Level.S3,
            {
                "bone_lesion": BoneLesion.BLASTIC,
                "alignment": Alignment.NORMAL,
                "collapse": Collapse.NONE,
                "posterolateral": Posterolateral.NONE,
            },
            (0, 1, 3),
            "stable",
        ),
        # T9 + mechanical + mixed + deformity = 7, posterolateral unknown (0/1/3) -> 7, 8, 10.
        (
            Level.T9,
            {
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.MIXED,
                "alignment": Alignment.DE_NOVO_DEFORMITY,
                "collapse": Collapse.NONE,
            },
            (7, 8, 10),
            "potentially-unstable",
        ),
        # Straddling 12/13 leaves the band open: 12 + posterolateral (0/1/3) -> 12, 13, 15.
        (
            Level.T12,
            {
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "alignment": Alignment.DE_NOVO_DEFORMITY,
                "collapse": Collapse.LESS_THAN_50,
            },
            (12, 13, 15),
            None,
        ),
        # Straddling 6/7: 6 + collapse (0/1/2/3).
        (
            Level.T9,
            {
                "pain": Pain.MECHANICAL,
                "bone_lesion": BoneLesion.LYTIC,
                "alignment": Alignment.NORMAL,
                "posterolateral": Posterolateral.NONE,
            },
            (6, 7, 8, 9),
            None,
        ),
    ],
    ids=["bound-unstable", "bound-stable", "bound-potentially-unstable", "open-12-13", "open-6-7"],
)
def test_band_from_a_partial_score(level, answers, totals, band):
    result = sins.score(Inputs(level, **answers))
    assert result.totals == totals
    assert (result.band.code if result.band else None) == band


OPTIONAL_ANSWERS = {
    field: st.one_of(st.none(), st.sampled_from(list(table))) for _k, field, _n, table in ANSWERED
}


@settings(max_examples=300, deadline=None)
@given(level=st.sampled_from(Level.segments()), answers=st.fixed_dictionaries(OPTIONAL_ANSWERS))
def test_partial_answers_report_exactly_the_totals_of_every_completion(level, answers):
    result = sins.score(Inputs(level, **answers))
    choices = [
        [answers[field]] if answers[field] is not None else list(table)
        for _k, field, _n, table in ANSWERED
    ]
    fields = [field for _k, field, _n, _t in ANSWERED]
    completions = {
        reference_total(level, dict(zip(fields, combo, strict=True))) for combo in product(*choices)
    }
    # The range contains the total of every completion, and nothing else.
    assert set(result.totals) == completions
    assert (result.low, result.high) == (min(completions), max(completions))
    # The band is stated only when every completion falls in one band.
    bands = {reference_band(total) for total in completions}
    assert (result.band.code if result.band else None) == (bands.pop() if len(bands) == 1 else None)
    # Exactly the unknown answers are named as missing, and none of them scores a silent 0.
    assert set(result.missing) == {name for _k, f, name, _t in ANSWERED if answers[f] is None}
    for key, field, _name, table in ANSWERED:
        item = result.item(key)
        if answers[field] is None:
            assert item.points is None
            assert item.possible == tuple(sorted(table.values()))
        else:
            assert item.points == table[answers[field]]


# docs/clinical-rules.md §15.10: a sacral lesion without its segment is at "sacrum, segment not
# given": location junctional (S1, 3) or rigid (S2-S5, 0), a range, with the segment missing.
# §1.4: the coccyx is not defined by SINS; nothing the record could add settles its location.
UNSEGMENTED = [
    # level, answers, totals, missing
    (Level.SACRUM, {"pain": Pain.PAIN_FREE, "bone_lesion": BoneLesion.BLASTIC,
                    "alignment": Alignment.NORMAL, "collapse": Collapse.NONE,
                    "posterolateral": Posterolateral.NONE}, (0, 3), ("sacral-segment",)),
    (Level.SACRUM, {"pain": Pain.MECHANICAL, "bone_lesion": BoneLesion.LYTIC,
                    "alignment": Alignment.DE_NOVO_DEFORMITY, "collapse": Collapse.AT_LEAST_50,
                    "posterolateral": Posterolateral.BILATERAL}, (13, 16), ("sacral-segment",)),
    (Level.S1, {"pain": Pain.PAIN_FREE, "bone_lesion": BoneLesion.BLASTIC,
                "alignment": Alignment.NORMAL, "collapse": Collapse.NONE,
                "posterolateral": Posterolateral.NONE}, (3,), ()),
    (Level.COCCYX, {"pain": Pain.PAIN_FREE, "bone_lesion": BoneLesion.BLASTIC,
                    "alignment": Alignment.NORMAL, "collapse": Collapse.NONE,
                    "posterolateral": Posterolateral.NONE}, (0, 1, 2, 3), ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("level", "answers", "totals", "missing"),
    UNSEGMENTED,
    ids=["sacrum-stable", "sacrum-unstable-either-way", "s1-negative", "coccyx"],
)
def test_location_of_the_unsegmented_sacrum_and_the_coccyx(level, answers, totals, missing):
    result = sins.score(Inputs(level, **answers))
    assert result.totals == totals
    assert result.missing == missing
    if level is Level.SACRUM and totals[0] >= 13:
        assert result.band.code == "unstable"
