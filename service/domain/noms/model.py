"""The vocabulary of a NOMS recommendation: plans, parts, rule ids, flags, inputs and the result.

Rule ids and flags are enums so that a typo cannot create a rule nobody defined; rule ids are
string enums because they are written as they are (``R7``, ``special-C``) into the FHIR output.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Final

from service.domain.escc import EsccResult
from service.domain.findings import OutOfScope, StabilityCall
from service.domain.histology import Radiosensitivity
from service.domain.levels import Level
from service.domain.neurology import LevelNeurology
from service.domain.scoring import ScoreResult

REFERENCE: Final = (
    "Laufer I et al. Oncologist 2013;18(6):744-751, doi:10.1634/theoncologist.2012-0293; "
    "Barzilai O et al. J Clin Oncol 2017;35(21):2419-2427, doi:10.1200/JCO.2017.72.7362"
)
RULE_SET_VERSION: Final = "3"


class Plan(Enum):
    """The overall plan for a level."""

    CEBRT = "conventional external beam radiotherapy (cEBRT)"
    SRS = "stereotactic radiosurgery (SRS)"
    STABILIZATION_THEN_CEBRT = "stabilization, then cEBRT"
    STABILIZATION_THEN_SRS = "stabilization, then SRS"
    SEPARATION_SURGERY_THEN_SRS = "separation surgery (decompression and stabilization), then SRS"
    URGENT_DECOMPRESSION_THEN_RADIATION = "urgent decompression/stabilization, then radiation"
    NEEDS_CLINICIAN_INPUT = "needs clinician input"
    OUT_OF_SCOPE = "outside the NOMS framework"


class Radiation(Enum):
    """The radiation part of the plan."""

    CEBRT = "cEBRT"
    SRS = "SRS"
    SRS_REIRRADIATION = "SRS re-irradiation (radiation oncology to review cumulative cord dose)"
    UNDETERMINED = "undetermined"


class Surgery(Enum):
    """The decompressive-surgery part of the plan."""

    NONE = "no decompressive surgery"
    SEPARATION = "separation surgery"
    URGENT_DECOMPRESSION = "urgent decompression"
    UNDETERMINED = "undetermined"


class Stabilization(Enum):
    """The mechanical part of the plan."""

    NONE = "no stabilization needed"
    REQUIRED = "stabilization required"
    SURGICAL_CONSULTATION = "surgical consultation for stability"
    UNDETERMINED = "undetermined"


class Stability(Enum):
    """Mechanical stability as the table uses it."""

    STABLE = "stable"
    UNSTABLE = "unstable"


class Rule(StrEnum):
    """Every rule a recommendation can cite, in the order it is cited."""

    R1 = "R1"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"
    R6 = "R6"
    R7 = "R7"
    R8 = "R8"
    R9 = "R9"
    R10 = "R10"
    SPECIAL_A = "special-A"
    SPECIAL_B = "special-B"
    SPECIAL_C = "special-C"
    SPECIAL_D = "special-D"
    SPECIAL_E = "special-E"
    SPECIAL_F = "special-F"
    SPECIAL_G = "special-G"
    SPECIAL_H = "special-H"
    SPECIAL_J = "special-J"
    UNDEFINED_CONFLICTING_PRIMARIES = "undefined-conflicting-primaries"
    UNDEFINED_HISTOLOGY_UNCLASSIFIED = "undefined-histology-unclassified"
    UNDEFINED_LEPTOMENINGEAL = "undefined-leptomeningeal"
    UNDEFINED_LOW_GRADE_ESCC_MYELOPATHY = "undefined-low-grade-escc-myelopathy"
    UNDEFINED_MISSING_INPUT = "undefined-missing-input"
    OUT_OF_SCOPE = "out-of-scope"

    @property
    def is_core_row(self) -> bool:
        """True for the rows R1–R10 of the table."""
        return self.value[0] == "R" and self.value[1:].isdigit()


class Flag(Enum):
    """Flags that ask a clinician to look at something (docs/fhir-output.md, flags)."""

    ESCC_1C = "ESCC 1c: management debated"
    SINS_INDETERMINATE = "SINS 7-12 without the surgeon's call: surgical consultation"
    CONSIDER_UPFRONT_SURGERY = "radiosensitive solid tumour with myelopathy: consider surgery first"
    HYPOFRACTIONATED_SRS_OPTION = (
        "ESCC 2, radioresistant, no myelopathy: hypofractionated SRS option"
    )
    REIRRADIATION = "prior radiation at this level"
    OBTAIN_TISSUE_DIAGNOSIS = "no tissue diagnosis: obtain one"
    CONFLICTING_DATA = "sources in the chart disagree"
    PRELIMINARY_DATA = "rests on preliminary results"
    MYELOPATHY_UNEXPLAINED = (
        "myelopathy (or CES) is not explained by this level's compression: "
        "look for another level or cause"
    )
    CONFIRM_SURGICAL_CANDIDACY = "urgent surgery planned: confirm the patient can tolerate it"
    PRIOR_RADIATION_ADJACENT = (
        "radiotherapy at an adjacent level: radiation oncology to review overlap"
    )


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the recommendation for one level rests on.

    Attributes:
        neurology: Myelopathy and cauda equina syndrome as they stand at this level (anatomy
            and body sites applied, docs/clinical-rules.md §15.1).
        radiosensitivity: The NOMS class, or None when no primary is on record or primaries
            disagree (see ``primaries_on_record``).
        primaries_on_record: How many active primary cancers the chart holds.
        leptomeningeal: Leptomeningeal disease is on record (docs/clinical-rules.md §15.11).
        prior_radiation_possible: Radiotherapy whose site is not given is on record, so it may
            have covered this level (docs/clinical-rules.md §15.9).
        chordoma: The primary is a chordoma (special case J).
        conflicting: Names of inputs used here whose sources disagree.
        preliminary: Names of inputs used here that are preliminary.
    """

    level: Level
    escc: EsccResult
    neurology: LevelNeurology
    radiosensitivity: Radiosensitivity | None
    sins: ScoreResult
    surgeon_stability: StabilityCall | None = None
    surgical_candidate: bool | None = None
    prior_radiation: bool | None = None
    prior_radiation_adjacent: tuple[Level, ...] = ()
    prior_radiation_possible: bool = False
    out_of_scope: OutOfScope | None = None
    leptomeningeal: bool = False
    primaries_on_record: int = 1
    chordoma: bool = False
    conflicting: frozenset[str] = frozenset()
    preliminary: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The NOMS recommendation for one level, with the rules and data it rests on."""

    level: Level
    plan: Plan
    radiation: Radiation
    surgery: Surgery
    stabilization: Stabilization
    rules: tuple[Rule, ...]
    flags: tuple[Flag, ...]
    missing: tuple[str, ...]
    rationale: tuple[str, ...]

    def summary(self) -> str:
        """One line for a list of levels."""
        return f"{self.level.value}: {self.plan.value}"
