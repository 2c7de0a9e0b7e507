"""ESCC grade -> low/high category (docs/clinical-rules.md §2), cord compression, the conus."""

from __future__ import annotations

import pytest

from service.domain.escc import Category, Grade, Inputs, categorize
from service.domain.levels import Level

LOW, HIGH = Category.LOW, Category.HIGH
ABOVE_CONUS = [level for level in Level if not level.below_conus]
BELOW_CONUS = [level for level in Level if level.below_conus]


# docs/clinical-rules.md §2 (Newman 2023): 0 to 1c are low-grade compression, 2 and 3 high-grade;
# 1c is flagged (controversial, Radiopaedia).
@pytest.mark.parametrize(
    ("grade", "category", "flag_1c"),
    [
        (Grade.G0, LOW, False),
        (Grade.G1A, LOW, False),
        (Grade.G1B, LOW, False),
        (Grade.G1C, LOW, True),
        (Grade.G2, HIGH, False),
        (Grade.G3, HIGH, False),
    ],
    ids=["0", "1a", "1b", "1c", "2", "3"],
)
def test_grade_to_category_above_the_conus(grade: Grade, category: Category, flag_1c: bool):
    result = categorize(Inputs(Level.T9, grade))
    assert (result.level, result.grade, result.category) == (Level.T9, grade, category)
    assert (result.flag_1c, result.conflict) == (flag_1c, False)
    assert (result.inputs, result.missing) == (("escc-grade",), ())
    assert any("1c" in note for note in result.notes) is flag_1c


@pytest.mark.parametrize("level", ABOVE_CONUS, ids=[lv.value for lv in ABOVE_CONUS])
def test_every_grade_is_categorized_at_every_cord_level(level: Level):
    categories = [categorize(Inputs(level, grade)).category for grade in Grade]
    assert categories == [LOW, LOW, LOW, LOW, HIGH, HIGH]


def test_nothing_known_leaves_the_category_open():
    result = categorize(Inputs(Level.T9))
    assert (result.grade, result.category, result.flag_1c, result.conflict) == (
        None,
        None,
        False,
        False,
    )
    assert (result.inputs, result.missing, result.notes) == ((), ("escc-grade",), ())


def test_cord_compression_without_grade_is_high_grade():
    # docs/clinical-rules.md §2: "spinal cord compression" implies grade >= 2, sub-grade unknown.
    result = categorize(Inputs(Level.T9, None, cord_compression_reported=True))
    assert (result.grade, result.category, result.conflict, result.missing) == (
        None,
        HIGH,
        False,
        (),
    )
    assert result.inputs == ("cord-compression",)
    assert any("ESCC 2 or 3" in note for note in result.notes)


@pytest.mark.parametrize(
    ("grade", "conflict", "category"),
    [
        (Grade.G0, True, LOW),
        (Grade.G1A, True, LOW),
        (Grade.G1B, True, LOW),
        (Grade.G1C, True, LOW),
        (Grade.G2, False, HIGH),
        (Grade.G3, False, HIGH),
    ],
    ids=["0", "1a", "1b", "1c", "2", "3"],
)
def test_cord_compression_with_a_grade(grade: Grade, conflict: bool, category: Category):
    # A low grade contradicts a cord compression diagnosis: conflict, and the graded MRI is used.
    result = categorize(Inputs(Level.T6, grade, cord_compression_reported=True))
    assert (result.category, result.conflict, result.grade) == (category, conflict, grade)
    assert result.inputs == ("escc-grade", "cord-compression")
    assert any("contradicts" in note for note in result.notes) is conflict


# Below the conus (L2 and caudal, levels.py) grades 1b+ refer to the cord: category undetermined
# for a clinician (open item O-3); 0 and 1a do not mention the cord and stay low grade.
@pytest.mark.parametrize(
    ("grade", "category"),
    [
        (Grade.G0, LOW),
        (Grade.G1A, LOW),
        (Grade.G1B, None),
        (Grade.G1C, None),
        (Grade.G2, None),
        (Grade.G3, None),
    ],
    ids=["0", "1a", "1b", "1c", "2", "3"],
)
@pytest.mark.parametrize("level", BELOW_CONUS, ids=[lv.value for lv in BELOW_CONUS])
def test_below_the_conus(level: Level, grade: Grade, category: Category | None):
    result = categorize(Inputs(level, grade))
    assert result.category is category
    assert result.grade is grade
    # The category below the conus is a clinician's judgement, not a chart input (§15.12).
    assert result.missing == ()
    assert any("O-3" in note for note in result.notes) is (category is None)
    assert result.flag_1c is (grade is Grade.G1C)


def test_conus_boundary_l1_cord_l2_cauda_equina():
    assert categorize(Inputs(Level.L1, Grade.G2)).category is HIGH
    assert categorize(Inputs(Level.L2, Grade.G2)).category is None


def test_cord_compression_below_the_conus_is_left_to_a_clinician():
    result = categorize(Inputs(Level.L4, None, cord_compression_reported=True))
    assert (result.category, result.missing) == (None, ())
    assert result.inputs == ("cord-compression",)


def test_conflict_is_reported_below_the_conus_too():
    result = categorize(Inputs(Level.L3, Grade.G1B, cord_compression_reported=True))
    assert (result.category, result.conflict) == (None, True)
