"""ESCC, the epidural spinal cord compression scale ("Bilsky grade"), and its low/high category.

Source: Bilsky MH, Laufer I, Fourney DR, et al. Reliability analysis of the epidural spinal cord
compression scale. J Neurosurg Spine 2010;13(3):324–328. doi:10.3171/2010.3.SPINE09459.

Resolutions (docs/clinical-rules.md §2):
- low grade = 0, 1a, 1b, 1c; high grade = 2, 3 (the MSK definition used by NOMS); 1c is flagged
  because its management is controversial.
- a reported spinal cord compression without a grade means grade ≥ 2: high grade, sub-grade unknown.
- below the conus the scale's "spinal cord" wording does not apply and the sources do not say how to
  grade cauda equina compression (open item O-3): grades 0 and 1a (no thecal sac deformation) are
  still low grade; from 1b upwards the category is left undetermined for a clinician.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from service.domain.levels import Level

REFERENCE: Final = (
    "Bilsky MH et al. J Neurosurg Spine 2010;13(3):324-328, doi:10.3171/2010.3.SPINE09459"
)


class Grade(Enum):
    """ESCC grade, assessed on axial T2 MRI at the site of most severe compression."""

    G0 = "0"  # bone-only disease
    G1A = "1a"  # epidural impingement, thecal sac not deformed
    G1B = "1b"  # thecal sac deformed, cord not abutted
    G1C = "1c"  # thecal sac deformed, cord abutted but not compressed
    G2 = "2"  # cord compressed, CSF visible around the cord
    G3 = "3"  # cord compressed, no CSF visible


class Category(Enum):
    """Low- or high-grade compression as NOMS uses it."""

    LOW = "low-grade"
    HIGH = "high-grade"


LOW_GRADES: Final = frozenset({Grade.G0, Grade.G1A, Grade.G1B, Grade.G1C})
HIGH_GRADES: Final = frozenset({Grade.G2, Grade.G3})
# Grades whose definition does not mention the cord, so they keep their meaning below the conus.
GRADES_DEFINED_BELOW_CONUS: Final = frozenset({Grade.G0, Grade.G1A})


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the chart says about epidural compression at one level."""

    level: Level
    grade: Grade | None = None
    cord_compression_reported: bool = False


@dataclass(frozen=True, slots=True)
class EsccResult:
    """The ESCC grade and category of one level, with what is missing or contradictory."""

    level: Level
    grade: Grade | None
    category: Category | None
    flag_1c: bool
    conflict: bool
    notes: tuple[str, ...]
    inputs: tuple[str, ...]
    missing: tuple[str, ...]
    cord_compression: bool = False


def categorize(inputs: Inputs) -> EsccResult:
    """Return the grade and low/high category for one level."""
    level, grade = inputs.level, inputs.grade
    notes: list[str] = []
    used: list[str] = []
    conflict = False
    if grade is not None:
        used.append("escc-grade")
    if inputs.cord_compression_reported:
        used.append("cord-compression")

    if grade is not None and inputs.cord_compression_reported and grade in LOW_GRADES:
        conflict = True
        notes.append(
            f"A spinal cord compression diagnosis contradicts ESCC grade {grade.value}; "
            "the graded MRI finding is used."
        )

    if grade is None and not inputs.cord_compression_reported:
        return EsccResult(level, None, None, False, False, (), (), ("escc-grade",))

    if level.below_conus and (grade is None or grade not in GRADES_DEFINED_BELOW_CONUS):
        shown = f"grade {grade.value}" if grade is not None else "reported cord compression"
        notes.append(
            f"{level.value} lies below the conus, where ESCC is not defined for {shown} "
            "(cauda equina, open item O-3): a clinician must judge the compression."
        )
        return EsccResult(
            level,
            grade,
            None,
            grade is Grade.G1C,
            conflict,
            tuple(notes),
            tuple(used),
            (),  # a clinician's judgement, not something the chart can supply (§15.12)
            inputs.cord_compression_reported,
        )

    if grade is None:
        notes.append("Spinal cord compression is reported without a grade: ESCC 2 or 3.")
        return EsccResult(
            level, None, Category.HIGH, False, conflict, tuple(notes), tuple(used), (), True
        )

    category = Category.LOW if grade in LOW_GRADES else Category.HIGH
    if grade is Grade.G1C:
        notes.append("ESCC 1c: cord abutment; the role of surgery or radiosurgery is debated.")
    return EsccResult(
        level,
        grade,
        category,
        grade is Grade.G1C,
        conflict,
        tuple(notes),
        tuple(used),
        (),
        inputs.cord_compression_reported,
    )


def can_cause_neurology(grade: Grade | None, level: Level) -> bool:
    """Whether compression of this grade at this level can cause myelopathy or CES.

    docs/clinical-rules.md §15.1: "due to ESCC" needs the epidural disease to reach the neural
    elements. Grades 0 and 1a leave the thecal sac undeformed, so at no level can myelopathy or a
    cauda equina syndrome come from them; at C1–T12 grade 1b does not touch the cord either. From
    1b at L1 (conus) and caudal, and from 1c everywhere, it can. An unknown grade with reported
    cord compression is 2 or 3 and can.
    """
    if grade in (Grade.G0, Grade.G1A):
        return False
    return not (grade is Grade.G1B and level.cord_level and level is not Level.L1)


def completions(result: EsccResult) -> tuple[tuple[Grade, Category], ...]:
    """Every (grade, category) the level may still have, in grade order.

    A known grade has its category, or both below the conus where the scale's cord wording does
    not apply (O-3); reported cord compression without a grade is 2 or 3; nothing known is any.
    """
    if result.grade is not None:
        grades: tuple[Grade, ...] = (result.grade,)
    elif result.cord_compression:
        grades = (Grade.G2, Grade.G3)
    else:
        grades = tuple(Grade)
    pairs = []
    for grade in grades:
        if result.level.below_conus and grade not in GRADES_DEFINED_BELOW_CONUS:
            pairs += [(grade, Category.LOW), (grade, Category.HIGH)]
        else:
            pairs.append((grade, Category.LOW if grade in LOW_GRADES else Category.HIGH))
    return tuple(pairs)
