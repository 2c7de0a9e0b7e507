"""NOMS recommendation (docs/clinical-rules.md §9): rows R1–R10, special cases A–J, the rest.

Rows are reconstructed from Laufer 2013 / Barzilai 2017 (§9.2, open item O-7); special cases from
Newman 2023 and Badve 2021 (§9.4); the algorithm is §9.6. Each row below
asserts the whole recommendation: plan, its three parts, rule ids, flags and missing inputs.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import escc, neurology, noms, sins
from service.domain.escc import Grade
from service.domain.findings import OutOfScope, StabilityCall
from service.domain.histology import Radiosensitivity
from service.domain.levels import Level
from service.domain.noms import Flag, Plan, Radiation, Stabilization, Surgery
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral

HEM = Radiosensitivity.HEMATOLOGIC
SOLID = Radiosensitivity.SOLID
RES = Radiosensitivity.RESISTANT
UNKNOWN = Radiosensitivity.UNKNOWN
UNCLASSIFIED = Radiosensitivity.UNCLASSIFIED
STABLE_CALL, UNSTABLE_CALL = StabilityCall.STABLE, StabilityCall.UNSTABLE

# Plans and parts, short.
CEBRT_PLAN, SRS_PLAN = Plan.CEBRT, Plan.SRS
STAB_CEBRT, STAB_SRS = Plan.STABILIZATION_THEN_CEBRT, Plan.STABILIZATION_THEN_SRS
SEPARATION_SRS = Plan.SEPARATION_SURGERY_THEN_SRS
URGENT = Plan.URGENT_DECOMPRESSION_THEN_RADIATION
NEEDS = Plan.NEEDS_CLINICIAN_INPUT
CEBRT, SRS, REIRR, RAD_UNDET = (
    Radiation.CEBRT,
    Radiation.SRS,
    Radiation.SRS_REIRRADIATION,
    Radiation.UNDETERMINED,
)
NO_SURGERY, SEPARATION, DECOMPRESSION, SURG_UNDET = (
    Surgery.NONE,
    Surgery.SEPARATION,
    Surgery.URGENT_DECOMPRESSION,
    Surgery.UNDETERMINED,
)
NO_STAB, STAB, CONSULT, STAB_UNDET = (
    Stabilization.NONE,
    Stabilization.REQUIRED,
    Stabilization.SURGICAL_CONSULTATION,
    Stabilization.UNDETERMINED,
)

# SINS answers giving one band at every level: location + 0 (stable: at most 3),
# location + 7 (potentially unstable: 7–10), location + 15 (unstable: 15–18).
SINS_ANSWERS = {
    "stable": (Pain.PAIN_FREE, BoneLesion.BLASTIC, Alignment.NORMAL, Collapse.NONE,
               Posterolateral.NONE),
    "potentially-unstable": (Pain.MECHANICAL, BoneLesion.LYTIC, Alignment.DE_NOVO_DEFORMITY,
                             Collapse.NONE, Posterolateral.NONE),
    "unstable": (Pain.MECHANICAL, BoneLesion.LYTIC, Alignment.SUBLUXATION_TRANSLATION,
                 Collapse.AT_LEAST_50, Posterolateral.BILATERAL),
    "unknown": (None, None, None, None, None),
}  # fmt: skip
SINS_NAMES = (
    "sins-pain",
    "sins-bone-lesion",
    "sins-alignment",
    "sins-collapse",
    "sins-posterolateral",
)


def sins_at(level: Level, band: str) -> sins.ScoreResult:
    result = sins.score(sins.Inputs(level, *SINS_ANSWERS[band]))
    if band != "unknown":
        assert result.band.code == band
    return result


def make(
    o: Radiosensitivity | None = SOLID,
    *,
    grade: Grade | None = Grade.G1A,
    cord: bool = False,
    myelopathy: bool | None = False,
    ces: bool | None = False,
    m: str | sins.ScoreResult = "stable",
    call: StabilityCall | None = None,
    s: bool | None = True,
    prior: bool | None = False,
    level: Level = Level.T9,
    **extra,
) -> noms.Inputs:
    """NOMS inputs for one level; by default everything is known (no prior radiation)."""
    return noms.Inputs(
        level=level,
        escc=escc.categorize(escc.Inputs(level, grade, cord)),
        neurology=neurology.at_level(level, myelopathy, ces),
        radiosensitivity=o,
        sins=m if isinstance(m, sins.ScoreResult) else sins_at(level, m),
        surgeon_stability=call,
        surgical_candidate=s,
        prior_radiation=prior,
        **extra,
    )


def outcome(rec: noms.Recommendation) -> tuple:
    return (
        rec.plan,
        rec.radiation,
        rec.surgery,
        rec.stabilization,
        rec.rules,
        rec.flags,
        rec.missing,
    )


def core(rec: noms.Recommendation) -> tuple:
    return rec.plan, rec.radiation, rec.surgery, rec.stabilization


def check(inputs: noms.Inputs, expected: tuple) -> noms.Recommendation:
    """Recommend and compare (plan, radiation, surgery, stabilization, rules, flags, missing)."""
    expected = (*expected, (), ())[:7]
    rec = noms.recommend(inputs)
    assert outcome(rec) == expected
    assert rec.level is inputs.level
    if rec.plan is not Plan.OUT_OF_SCOPE:
        # The first line restates every input the recommendation rests on.
        assert rec.rationale[0].startswith(f"{inputs.level.value}: N ")
    return rec


# ---------------------------------------------------------------------------------------------
# R1–R10 (docs/clinical-rules.md §9.2), every input known.

CORE_ROWS = [
    # R1: low-grade ESCC, no myelopathy, radiosensitive, stable -> cEBRT.
    ("R1-solid", make(SOLID, grade=Grade.G1A), (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",))),
    ("R1-haematological", make(HEM, grade=Grade.G0),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",))),
    ("R1-unable-to-tolerate-surgery", make(SOLID, grade=Grade.G1B, s=False),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",))),
    # R2: ... unstable -> stabilization followed by cEBRT.
    ("R2-solid", make(SOLID, grade=Grade.G1B, m="unstable"),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R2",))),
    ("R2-haematological", make(HEM, grade=Grade.G0, m="unstable"),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R2",))),
    # R3: low-grade, radioresistant, stable -> SRS (special case G: SRS, not en bloc).
    ("R3", make(RES, grade=Grade.G0), (SRS_PLAN, SRS, NO_SURGERY, NO_STAB, ("R3", "special-G"))),
    ("R3-unable-to-tolerate-surgery", make(RES, grade=Grade.G1B, s=False),
     (SRS_PLAN, SRS, NO_SURGERY, NO_STAB, ("R3", "special-G"))),
    # R4: ... unstable -> stabilization followed by SRS.
    ("R4", make(RES, grade=Grade.G1A, m="unstable"),
     (STAB_SRS, SRS, NO_SURGERY, STAB, ("R4", "special-G"))),
    # R5: high-grade ESCC, radiosensitive, stable -> cEBRT.
    ("R5-solid-grade-2", make(SOLID, grade=Grade.G2),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5",))),
    ("R5-solid-grade-3", make(SOLID, grade=Grade.G3),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5",))),
    ("R5-haematological", make(HEM, grade=Grade.G3),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5",))),
    ("R5-cord-compression-without-grade", make(SOLID, grade=None, cord=True),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5",))),
    # R6: ... unstable -> stabilization followed by cEBRT.
    ("R6-solid", make(SOLID, grade=Grade.G3, m="unstable"),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R6",))),
    ("R6-haematological", make(HEM, grade=Grade.G2, m="unstable", s=False),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R6",))),
    # R7: high-grade, radioresistant, stable, able -> separation surgery then SRS.
    ("R7", make(RES, grade=None, cord=True),
     (SEPARATION_SRS, SRS, SEPARATION, NO_STAB, ("R7",))),
    # Myelopathy from a solid tumour: special case F is cited with the row (§9.4).
    ("R7-with-myelopathy", make(RES, grade=Grade.G2, myelopathy=True),
     (SEPARATION_SRS, SRS, SEPARATION, NO_STAB, ("R7", "special-F"))),
    # R8: ... unable to tolerate surgery -> cEBRT.
    ("R8", make(RES, grade=None, cord=True, s=False),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R8",))),
    ("R8-with-myelopathy", make(RES, grade=Grade.G3, myelopathy=True, s=False),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R8",))),
    # R9: high-grade, radioresistant, unstable, able -> decompression/stabilization then SRS.
    ("R9", make(RES, grade=None, cord=True, m="unstable"),
     (SEPARATION_SRS, SRS, SEPARATION, STAB, ("R9",))),
    # R10: ... unable -> (percutaneous) stabilization followed by cEBRT.
    ("R10", make(RES, grade=None, cord=True, m="unstable", s=False),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R10",))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "expected"), [row[1:] for row in CORE_ROWS], ids=[row[0] for row in CORE_ROWS]
)
def test_core_rows(inputs: noms.Inputs, expected: tuple):
    check(inputs, expected)


def test_r10_says_percutaneous_stabilization():
    # §9.2 footnote: for patients unable to tolerate open surgery, stabilization may be limited to
    # cement augmentation and/or percutaneous screws.
    rec = noms.recommend(make(RES, grade=Grade.G3, m="unstable", s=False))
    assert any("percutaneous" in line for line in rec.rationale)


def test_summary_line():
    assert (
        noms.recommend(make(SOLID)).summary()
        == "T9: conventional external beam radiotherapy (cEBRT)"
    )


# ---------------------------------------------------------------------------------------------
# Special cases A–J (docs/clinical-rules.md §9.4).

SPECIAL_ROWS = [
    # A: radiosensitive solid tumour with myelopathy/CES -> consider urgent decompression, then
    # radiation; flag the divergence from R5. F: myelopathy from a solid tumour needs surgery.
    ("A", make(SOLID, grade=Grade.G2, myelopathy=True),
     (URGENT, CEBRT, DECOMPRESSION, NO_STAB, ("R5", "special-A", "special-F"),
      (Flag.CONSIDER_UPFRONT_SURGERY,))),
    # Cauda equina syndrome arises only at L1-S5 (docs/clinical-rules.md §15.1): the CES rows
    # below are at L1, where high-grade compression is still graded on the cord scale.
    ("A-cauda-equina-syndrome",
     make(SOLID, grade=Grade.G3, myelopathy=False, ces=True, level=Level.L1),
     (URGENT, CEBRT, DECOMPRESSION, NO_STAB, ("R5", "special-A", "special-F"),
      (Flag.CONSIDER_UPFRONT_SURGERY,))),
    ("A-unstable", make(SOLID, grade=Grade.G3, myelopathy=True, m="unstable"),
     (URGENT, CEBRT, DECOMPRESSION, STAB, ("R6", "special-A", "special-F"),
      (Flag.CONSIDER_UPFRONT_SURGERY,))),
    # B: haematological, high-grade ESCC and myelopathy -> cEBRT, no decompressive surgery;
    # stabilization still governed by M.
    ("B", make(HEM, grade=Grade.G3, myelopathy=True),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5", "special-B"))),
    ("B-cauda-equina-syndrome", make(HEM, grade=Grade.G2, ces=True, s=False, level=Level.L1),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5", "special-B"))),
    ("B-unstable", make(HEM, grade=Grade.G3, myelopathy=True, m="unstable"),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R6", "special-B"))),
    # C: unknown histology with myelopathy -> treated as radioresistant: urgent decompression;
    # radiation chosen once the histology is known.
    ("C", make(UNKNOWN, grade=Grade.G3, myelopathy=True),
     (URGENT, RAD_UNDET, DECOMPRESSION, NO_STAB, ("special-C",),
      (Flag.OBTAIN_TISSUE_DIAGNOSIS,))),
    ("C-cauda-equina-syndrome-unstable",
     make(UNKNOWN, grade=None, cord=True, ces=True, m="unstable", level=Level.L1),
     (URGENT, RAD_UNDET, DECOMPRESSION, STAB, ("special-C",), (Flag.OBTAIN_TISSUE_DIAGNOSIS,))),
    ("C-unable-to-tolerate-surgery", make(UNKNOWN, grade=Grade.G2, myelopathy=True, s=False),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("special-C",), (Flag.OBTAIN_TISSUE_DIAGNOSIS,))),
    # D: unknown histology without myelopathy -> obtain tissue; human decision.
    ("D-low-grade", make(UNKNOWN, grade=Grade.G1A),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("special-D",), (Flag.OBTAIN_TISSUE_DIAGNOSIS,),
      ("histology",))),
    ("D-high-grade", make(UNKNOWN, grade=Grade.G3, m="unstable"),
     (NEEDS, RAD_UNDET, SURG_UNDET, STAB, ("special-D",), (Flag.OBTAIN_TISSUE_DIAGNOSIS,),
      ("histology",))),
    # E: ESCC 2, radioresistant, no myelopathy -> hypofractionated SRS as an option (flag).
    ("E-able", make(RES, grade=Grade.G2),
     (SEPARATION_SRS, SRS, SEPARATION, NO_STAB, ("R7", "special-E"),
      (Flag.HYPOFRACTIONATED_SRS_OPTION,))),
    ("E-unable", make(RES, grade=Grade.G2, s=False),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R8", "special-E"),
      (Flag.HYPOFRACTIONATED_SRS_OPTION,))),
    ("E-unstable-unable", make(RES, grade=Grade.G2, m="unstable", s=False),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R10", "special-E"),
      (Flag.HYPOFRACTIONATED_SRS_OPTION,))),
    ("E-not-with-myelopathy", make(RES, grade=Grade.G2, ces=True, s=False, level=Level.L1),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R8",))),
    ("E-not-for-grade-3", make(RES, grade=Grade.G3, s=False),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R8",))),
    # F: ESCC grade 3 continues to require surgical intervention.
    ("F-grade-3", make(RES, grade=Grade.G3),
     (SEPARATION_SRS, SRS, SEPARATION, NO_STAB, ("R7", "special-F"))),
    ("F-grade-3-unstable", make(RES, grade=Grade.G3, m="unstable"),
     (SEPARATION_SRS, SRS, SEPARATION, STAB, ("R9", "special-F"))),
    # F, second half (docs/clinical-rules.md §9.4): myelopathy from a solid tumour requires
    # surgery too; radioresistant tumours are solid, so R7/R9 with myelopathy cite F at ESCC 2.
    ("F-grade-2-with-myelopathy", make(RES, grade=Grade.G2, myelopathy=True),
     (SEPARATION_SRS, SRS, SEPARATION, NO_STAB, ("R7", "special-F"))),
    ("F-grade-2-ces-unstable", make(RES, grade=Grade.G2, ces=True, m="unstable", level=Level.L1),
     (SEPARATION_SRS, SRS, SEPARATION, STAB, ("R9", "special-F"))),
    # Negatives: no surgery (unable) is no F; ESCC 2 without myelopathy is E, not F.
    ("F-not-when-unable", make(RES, grade=Grade.G2, myelopathy=True, s=False),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R8",))),
    ("F-not-for-grade-2-without-myelopathy", make(RES, grade=Grade.G2),
     (SEPARATION_SRS, SRS, SEPARATION, NO_STAB, ("R7", "special-E"),
      (Flag.HYPOFRACTIONATED_SRS_OPTION,))),
    # G: radioresistant, ESCC 0–1c -> SRS rather than en bloc resection (with R3/R4 above).
    ("G-grade-1c", make(RES, grade=Grade.G1C),
     (SRS_PLAN, SRS, NO_SURGERY, NO_STAB, ("R3", "special-G"), (Flag.ESCC_1C,))),
    # J: chordoma with high-grade ESCC and myelopathy: intralesional resection then SRS; the
    # histology is unclassified (§3), so a surgeon decides.
    ("J", make(UNCLASSIFIED, grade=Grade.G3, myelopathy=True, chordoma=True),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("special-J",))),
    ("J-chordoma-without-myelopathy", make(UNCLASSIFIED, grade=Grade.G3, chordoma=True),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-histology-unclassified",))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [row[1:] for row in SPECIAL_ROWS],
    ids=[row[0] for row in SPECIAL_ROWS],
)
def test_special_cases(inputs: noms.Inputs, expected: tuple):
    check(inputs, expected)


def test_special_case_a_for_a_patient_unable_to_tolerate_surgery_keeps_r5():
    rec = noms.recommend(make(SOLID, grade=Grade.G2, myelopathy=True, s=False))
    assert core(rec) == (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB)
    assert rec.rules[0] == "R5"
    assert rec.missing == ()


def test_special_case_j_rationale_names_intralesional_resection():
    rec = noms.recommend(make(UNCLASSIFIED, grade=Grade.G3, myelopathy=True, chordoma=True))
    assert any("intralesional resection then SRS" in line for line in rec.rationale)


# H: prior radiation to the level -> where the table says cEBRT, SRS re-irradiation with a
# radiation-oncology review of the cumulative cord dose (Badve 2021: cEBRT contraindicated).
PRIOR_RADIATION_ROWS = [
    ("R1", make(SOLID, prior=True),
     (SRS_PLAN, REIRR, NO_SURGERY, NO_STAB, ("R1", "special-H"), (Flag.REIRRADIATION,))),
    ("R2", make(HEM, m="unstable", prior=True),
     (STAB_SRS, REIRR, NO_SURGERY, STAB, ("R2", "special-H"), (Flag.REIRRADIATION,))),
    ("R5-B", make(HEM, grade=Grade.G3, myelopathy=True, prior=True),
     (SRS_PLAN, REIRR, NO_SURGERY, NO_STAB, ("R5", "special-B", "special-H"),
      (Flag.REIRRADIATION,))),
    ("R8", make(RES, grade=Grade.G3, s=False, prior=True),
     (SRS_PLAN, REIRR, NO_SURGERY, NO_STAB, ("R8", "special-H"), (Flag.REIRRADIATION,))),
    ("R10", make(RES, grade=Grade.G3, m="unstable", s=False, prior=True),
     (STAB_SRS, REIRR, NO_SURGERY, STAB, ("R10", "special-H"), (Flag.REIRRADIATION,))),
    ("A", make(SOLID, grade=Grade.G2, myelopathy=True, prior=True),
     (URGENT, REIRR, DECOMPRESSION, NO_STAB, ("R5", "special-A", "special-F", "special-H"),
      (Flag.CONSIDER_UPFRONT_SURGERY, Flag.REIRRADIATION))),
    # Where the table already says SRS, the re-irradiation review is added as well (noms.py).
    ("R3", make(RES, prior=True),
     (SRS_PLAN, REIRR, NO_SURGERY, NO_STAB, ("R3", "special-G", "special-H"),
      (Flag.REIRRADIATION,))),
    ("R9", make(RES, grade=Grade.G3, m="unstable", prior=True),
     (SEPARATION_SRS, REIRR, SEPARATION, STAB, ("R9", "special-F", "special-H"),
      (Flag.REIRRADIATION,))),
    # No radiation chosen yet: only the flag.
    ("C", make(UNKNOWN, grade=Grade.G3, myelopathy=True, prior=True),
     (URGENT, RAD_UNDET, DECOMPRESSION, NO_STAB, ("special-C",),
      (Flag.REIRRADIATION, Flag.OBTAIN_TISSUE_DIAGNOSIS))),
    ("unclassified", make(UNCLASSIFIED, prior=True),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-histology-unclassified",),
      (Flag.REIRRADIATION,))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [row[1:] for row in PRIOR_RADIATION_ROWS],
    ids=[row[0] for row in PRIOR_RADIATION_ROWS],
)
def test_special_case_h_prior_radiation(inputs: noms.Inputs, expected: tuple):
    rec = check(inputs, expected)
    if rec.radiation is REIRR:
        assert any("special case H" in line for line in rec.rationale)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (make(SOLID, prior=None),
         (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",), (), ("prior-radiation",))),
        (make(RES, grade=Grade.G3, m="unstable", s=False, prior=None),
         (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R10",), (), ("prior-radiation",))),
        (make(RES, prior=None),
         (SRS_PLAN, SRS, NO_SURGERY, NO_STAB, ("R3", "special-G"), (), ("prior-radiation",))),
        # Nothing to replace: prior radiation would not change anything, so it is not missing.
        (make(UNKNOWN, prior=None),
         (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("special-D",),
          (Flag.OBTAIN_TISSUE_DIAGNOSIS,), ("histology",))),
    ],
    ids=["R1", "R10", "R3", "special-D"],
)  # fmt: skip
def test_unknown_prior_radiation_keeps_the_plan_and_is_listed_as_missing(inputs, expected):
    rec = check(inputs, expected)
    mentions = [line for line in rec.rationale if "Prior radiation" in line]
    assert len(mentions) == (1 if "prior-radiation" in rec.missing else 0)


# ---------------------------------------------------------------------------------------------
# Branches the table does not define (docs/clinical-rules.md §9.3): hand back to a clinician.

UNDEFINED_ROWS = [
    # Low-grade ESCC with myelopathy/CES: other causes must be excluded.
    # Low-grade 1c with myelopathy stays a human decision (docs/clinical-rules.md §15.1; grades
    # 0-1b that cannot explain it follow the "no myelopathy" rows: test_clinical_review.py).
    ("low-grade-myelopathy-solid", make(SOLID, grade=Grade.G1C, myelopathy=True),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-low-grade-escc-myelopathy",),
      (Flag.ESCC_1C,))),
    ("low-grade-myelopathy-haematological", make(HEM, grade=Grade.G1C, myelopathy=True),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-low-grade-escc-myelopathy",),
      (Flag.ESCC_1C,))),
    # At L1 (conus) grade 1b can reach the neural elements.
    ("low-grade-myelopathy-conus-1b", make(SOLID, grade=Grade.G1B, myelopathy=True,
                                           level=Level.L1),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-low-grade-escc-myelopathy",))),
    ("low-grade-ces-radioresistant-unstable",
     make(RES, grade=Grade.G1C, ces=True, m="unstable", level=Level.L1),
     (NEEDS, RAD_UNDET, SURG_UNDET, STAB, ("undefined-low-grade-escc-myelopathy",),
      (Flag.ESCC_1C,))),
    # SINS 7–12 without the surgeon's call: both candidate rows, surgical consultation, flag.
    ("sins-7-12-radiosensitive", make(SOLID, m="potentially-unstable"),
     (NEEDS, CEBRT, NO_SURGERY, CONSULT, ("R1", "R2"), (Flag.SINS_INDETERMINATE,),
      ("stability-assessment",))),
    ("sins-7-12-radioresistant-low-grade", make(RES, m="potentially-unstable"),
     (NEEDS, SRS, NO_SURGERY, CONSULT, ("R3", "R4", "special-G"), (Flag.SINS_INDETERMINATE,),
      ("stability-assessment",))),
    # Separation surgery is the plan for a stable (R7) and an unstable (R9) spine alike: the plan
    # stands and only the stabilization part waits for the surgeon.
    ("sins-7-12-radioresistant-high-grade-able",
     make(RES, grade=None, cord=True, m="potentially-unstable"),
     (SEPARATION_SRS, SRS, SEPARATION, CONSULT, ("R7", "R9"), (Flag.SINS_INDETERMINATE,),
      ("stability-assessment",))),
    ("sins-7-12-radioresistant-high-grade-unable",
     make(RES, grade=None, cord=True, m="potentially-unstable", s=False),
     (NEEDS, CEBRT, NO_SURGERY, CONSULT, ("R8", "R10"), (Flag.SINS_INDETERMINATE,),
      ("stability-assessment",))),
    # Histology not classified by the sources.
    ("histology-unclassified", make(UNCLASSIFIED),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-histology-unclassified",))),
    # No primary cancer on record.
    ("no-primary-on-record", make(None, primaries_on_record=0),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-missing-input",), (),
      ("primary-cancer",))),
    # Several primaries that disagree on radiosensitivity.
    ("conflicting-primaries", make(None, primaries_on_record=2, m="unstable"),
     (NEEDS, RAD_UNDET, SURG_UNDET, STAB, ("undefined-conflicting-primaries",),
      (Flag.CONFLICTING_DATA,))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [row[1:] for row in UNDEFINED_ROWS],
    ids=[row[0] for row in UNDEFINED_ROWS],
)
def test_undefined_branches_need_a_clinician(inputs: noms.Inputs, expected: tuple):
    check(inputs, expected)


def test_unknown_histology_with_myelopathy_and_low_grade_escc_is_not_special_case_d():
    # Special case D is "unknown histology WITHOUT myelopathy"; with myelopathy and low-grade
    # compression the branch is the undefined one of §9.3 (other causes must be excluded), and
    # the tissue diagnosis is still needed.
    check(
        make(UNKNOWN, grade=Grade.G1C, myelopathy=True),
        (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("undefined-low-grade-escc-myelopathy",),
         (Flag.ESCC_1C, Flag.OBTAIN_TISSUE_DIAGNOSIS), ("histology",)),
    )  # fmt: skip


def test_sins_7_12_lists_both_candidate_rows_in_the_rationale():
    rec = noms.recommend(make(SOLID, m="potentially-unstable"))
    assert "The plan depends on stability-assessment:" in rec.rationale
    assert any(line.endswith(" if stable spine") and "R1" in line for line in rec.rationale)
    assert any(line.endswith(" if unstable spine") and "R2" in line for line in rec.rationale)
    assert any("surgical consultation recommended" in line for line in rec.rationale)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (STABLE_CALL, (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",))),
        (UNSTABLE_CALL, (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R2",))),
    ],
    ids=["stable", "unstable"],
)
def test_surgeons_call_settles_sins_7_12(call, expected):
    check(make(SOLID, m="potentially-unstable", call=call), expected)


@pytest.mark.parametrize(
    ("band", "call"),
    [("stable", UNSTABLE_CALL), ("unstable", STABLE_CALL)],
    ids=["stable-sins-unstable-call", "unstable-sins-stable-call"],
)
def test_surgeons_call_contradicting_a_certain_band_is_a_conflict(band, call):
    rec = check(
        make(SOLID, m=band, call=call),
        (NEEDS, CEBRT, NO_SURGERY, CONSULT, ("R1", "R2"), (Flag.CONFLICTING_DATA,),
         ("stability-assessment",)),
    )  # fmt: skip
    assert "(contradicts the SINS band)" in rec.rationale[0]


@pytest.mark.parametrize(
    ("band", "call", "expected"),
    [
        ("stable", STABLE_CALL, (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",))),
        ("unstable", UNSTABLE_CALL, (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R2",))),
    ],
    ids=["stable", "unstable"],
)
def test_surgeons_call_agreeing_with_the_band(band, call, expected):
    check(make(SOLID, m=band, call=call), expected)


@pytest.mark.parametrize("kind", list(OutOfScope), ids=lambda k: k.name.lower())
def test_out_of_scope_levels(kind: OutOfScope):
    # Intramedullary metastasis, leptomeningeal disease (§9.3): NOMS, ESCC and SINS do not apply,
    # whatever else is known or unknown.
    inputs = make(
        None,
        grade=None,
        myelopathy=None,
        ces=None,
        m="unknown",
        s=None,
        prior=None,
        out_of_scope=kind,
        preliminary=frozenset({"myelopathy"}),
    )
    rec = check(inputs, (Plan.OUT_OF_SCOPE, RAD_UNDET, SURG_UNDET, STAB_UNDET, ("out-of-scope",)))
    assert rec.rationale == (
        f"{kind.value.capitalize()} at T9: NOMS, ESCC and SINS do not apply; refer to the spine "
        "oncology team.",
    )


# ---------------------------------------------------------------------------------------------
# Flags from the data: ESCC 1c, conflicting and preliminary inputs.


def test_escc_1c_flag():
    check(make(SOLID, grade=Grade.G1C), (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",),
                                         (Flag.ESCC_1C,)))  # fmt: skip


def test_cord_compression_contradicting_a_low_grade_is_a_conflict():
    rec = check(
        make(SOLID, grade=Grade.G1B, cord=True),
        (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",), (Flag.CONFLICTING_DATA,)),
    )
    assert any("contradicts ESCC grade 1b" in line for line in rec.rationale)


@pytest.mark.parametrize(
    ("extra", "flags"),
    [
        ({"conflicting": frozenset({"T9/escc-grade"})}, (Flag.CONFLICTING_DATA,)),
        ({"preliminary": frozenset({"T9/sins-pain"})}, (Flag.PRELIMINARY_DATA,)),
        (
            {"conflicting": frozenset({"myelopathy"}), "preliminary": frozenset({"myelopathy"})},
            (Flag.CONFLICTING_DATA, Flag.PRELIMINARY_DATA),
        ),
    ],
    ids=["conflicting", "preliminary", "both"],
)
def test_conflicting_and_preliminary_flags(extra, flags):
    check(make(SOLID, **extra), (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1",), flags))


# ---------------------------------------------------------------------------------------------
# Unknown inputs: the plan stands when they do not matter, otherwise a clinician decides.

DOES_NOT_MATTER = [
    # Haematological tumour with high-grade ESCC: cEBRT with or without myelopathy (R5 / B).
    # cEBRT either way; special case B is cited only once myelopathy is known.
    ("haematological-myelopathy-unknown",
     make(HEM, grade=Grade.G3, myelopathy=None, ces=None),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5",))),
    # Radioresistant, low grade, stable: SRS whether or not surgery could be tolerated.
    ("radioresistant-low-grade-surgical-candidacy-unknown", make(RES, grade=Grade.G1A, s=None),
     (SRS_PLAN, SRS, NO_SURGERY, NO_STAB, ("R3", "special-G"))),
    ("radiosensitive-surgical-candidacy-unknown", make(SOLID, grade=Grade.G2, s=None),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R5",))),
    # Haematological without myelopathy: cEBRT whatever the compression grade (R1 / R5).
    ("haematological-escc-unknown", make(HEM, grade=None),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1", "R5"))),
    # Below the conus a grade-2 compression has no category (O-3), but both lead to cEBRT.
    ("radiosensitive-below-conus", make(SOLID, grade=Grade.G2, level=Level.L3),
     (CEBRT_PLAN, CEBRT, NO_SURGERY, NO_STAB, ("R1", "R5"))),
    # SINS incomplete, but unstable whatever the missing answers.
    ("sins-incomplete-but-unstable",
     make(SOLID, m=sins.score(sins.Inputs(Level.T12, Pain.MECHANICAL, BoneLesion.LYTIC,
                                          Alignment.SUBLUXATION_TRANSLATION, None,
                                          Posterolateral.BILATERAL))),
     (STAB_CEBRT, CEBRT, NO_SURGERY, STAB, ("R2",))),
    # Radioresistant high grade, able: separation surgery with or without myelopathy.
    ("radioresistant-high-grade-myelopathy-unknown",
     make(RES, grade=Grade.G3, myelopathy=None),
     (SEPARATION_SRS, SRS, SEPARATION, NO_STAB, ("R7", "special-F"))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [row[1:] for row in DOES_NOT_MATTER],
    ids=[row[0] for row in DOES_NOT_MATTER],
)
def test_unknown_input_that_does_not_change_the_plan(inputs: noms.Inputs, expected: tuple):
    check(inputs, expected)


MATTERS = [
    # Radioresistant, ESCC unknown: SRS (low grade) or separation surgery then SRS (high grade).
    ("radioresistant-escc-unknown", make(RES, grade=None),
     (NEEDS, SRS, SURG_UNDET, NO_STAB, ("R3", "R7", "special-G"), (), ("escc-grade",))),
    # Below the conus ESCC 1b+ is left to a clinician (open item O-3).
    ("radioresistant-below-conus-1b", make(RES, grade=Grade.G1B, level=Level.L3),
     (NEEDS, SRS, SURG_UNDET, NO_STAB, ("R3", "R7", "special-G"))),
    # Solid tumour with high-grade ESCC: myelopathy decides between A and R5.
    # The flag of special case A holds only when myelopathy is known: not raised here.
    ("solid-high-grade-myelopathy-unknown", make(SOLID, grade=Grade.G2, myelopathy=None),
     (NEEDS, CEBRT, SURG_UNDET, NO_STAB, ("R5", "special-A", "special-F"), (),
      ("myelopathy",))),
    ("solid-high-grade-cauda-equina-unknown",
     make(SOLID, grade=Grade.G3, ces=None, level=Level.L1),
     (NEEDS, CEBRT, SURG_UNDET, NO_STAB, ("R5", "special-A", "special-F"), (),
      ("cauda-equina-syndrome",))),
    # Radioresistant high grade: S decides between R7 and R8.
    ("radioresistant-high-grade-surgical-candidacy-unknown",
     make(RES, grade=Grade.G3, s=None),
     (NEEDS, RAD_UNDET, SURG_UNDET, NO_STAB, ("R7", "R8", "special-F"), (),
      ("surgical-candidate",))),
    # Solid tumour with myelopathy: S decides between A and R5.
    ("solid-myelopathy-surgical-candidacy-unknown",
     make(SOLID, grade=Grade.G3, myelopathy=True, s=None),
     (NEEDS, CEBRT, SURG_UNDET, NO_STAB, ("R5", "special-A", "special-F"),
      (Flag.CONSIDER_UPFRONT_SURGERY,), ("surgical-candidate",))),
    # Unknown histology with myelopathy: C needs a patient able to tolerate surgery.
    # SINS unknown at a stable-or-not level: stability undetermined (could be 0–6), and no
    # SINS flag: surgical consultation is indicated only once SINS is known to be 7 or more.
    ("sins-unknown", make(SOLID, m="unknown"),
     (NEEDS, CEBRT, NO_SURGERY, STAB_UNDET, ("R1", "R2"), (),
      (*SINS_NAMES, "stability-assessment"))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "expected"), [row[1:] for row in MATTERS], ids=[row[0] for row in MATTERS]
)
def test_unknown_input_that_changes_the_plan(inputs: noms.Inputs, expected: tuple):
    rec = check(inputs, expected)
    depends = next(line for line in rec.rationale if line.startswith("The plan depends on "))
    assert all(name in depends for name in rec.missing if name not in {"histology"})


def test_sins_at_least_11_without_a_call_means_surgical_consultation():
    # docs/clinical-rules.md §0 rule 2: "SINS >= 11, therefore >= potentially unstable; surgical
    # consultation indicated" (SOSG binary form, §1.2: 7–18 = surgical consultation).
    at_least_11 = sins.score(
        sins.Inputs(Level.T9, Pain.MECHANICAL, BoneLesion.LYTIC, Alignment.DE_NOVO_DEFORMITY,
                    Collapse.AT_LEAST_50, None)
    )  # fmt: skip
    assert at_least_11.totals == (11, 12, 14)
    check(
        make(SOLID, m=at_least_11),
        (NEEDS, CEBRT, NO_SURGERY, CONSULT, ("R1", "R2"), (Flag.SINS_INDETERMINATE,),
         ("sins-posterolateral", "stability-assessment")),
    )  # fmt: skip


def test_below_conus_note_reaches_the_rationale():
    rec = noms.recommend(make(RES, grade=Grade.G2, level=Level.L4))
    assert any("O-3" in line for line in rec.rationale)


def test_nothing_known_but_the_class():
    # At T9 a cauda equina syndrome cannot arise (docs/clinical-rules.md §15.1): not an input.
    rec = noms.recommend(
        make(SOLID, grade=None, myelopathy=None, ces=None, m="unknown", s=None, prior=None)
    )
    assert rec.plan is NEEDS
    # §15.4: every defined completion of a radiosensitive solid tumour gives cEBRT (R1, R2, R5,
    # R6 and special case A).
    assert (rec.radiation, rec.surgery, rec.stabilization) == (CEBRT, SURG_UNDET, STAB_UNDET)
    assert rec.missing == (
        "escc-grade",
        "myelopathy",
        *SINS_NAMES,
        "stability-assessment",
        "surgical-candidate",
        "prior-radiation",  # the stated cEBRT would become SRS re-irradiation (special case H)
    )


# ---------------------------------------------------------------------------------------------
# Every fully specified situation against the algorithm of docs/clinical-rules.md §9.6 as
# amended by §15.

HIGH_GRADE = {Grade.G2, Grade.G3}
GRADE_CHOICES = [(grade, False) for grade in Grade] + [(None, True)]  # (grade, cord compression)
CORD = frozenset({Level.T9, Level.L1})  # myelopathy can arise here (§15.1)
CAUDA = frozenset({Level.L1})  # and cauda equina syndrome here


def explains(grade, level):
    """§15.1: grades 0 and 1a never explain myelopathy/CES; 1b does not at C1-T12."""
    if grade in (Grade.G0, Grade.G1A):
        return False
    return not (grade is Grade.G1B and level is Level.T9)


def reference(o, grade, cord, neuro, unstable, able, prior, level=Level.T9):
    """(plan, radiation, surgery, stabilization, rules, flags) per §9.2-9.4, §9.6 and §15."""
    high = grade in HIGH_GRADE or (grade is None and cord)
    stab = STAB if unstable else NO_STAB
    flags = {Flag.ESCC_1C} if grade is Grade.G1C else set()
    if neuro and not explains(grade, level):
        neuro = False
        flags.add(Flag.MYELOPATHY_UNEXPLAINED)
    if prior:
        flags.add(Flag.REIRRADIATION)  # docs/fhir-output.md: prior radiation at the level
    row = ("R6" if unstable else "R5") if high else ("R2" if unstable else "R1")
    if not high and neuro:
        return NEEDS, RAD_UNDET, SURG_UNDET, stab, ["undefined-low-grade-escc-myelopathy"], flags
    if o is HEM:
        radiation, surgery, rules = CEBRT, NO_SURGERY, [row] + (["special-B"] if neuro else [])
    elif o is SOLID:
        if high and neuro and able:
            radiation, surgery, rules = CEBRT, DECOMPRESSION, [row, "special-A", "special-F"]
            flags.add(Flag.CONSIDER_UPFRONT_SURGERY)
        else:
            radiation, surgery, rules = CEBRT, NO_SURGERY, [row]
    elif not high:
        radiation, surgery, rules = SRS, NO_SURGERY, ["R4" if unstable else "R3", "special-G"]
    else:
        option = grade is Grade.G2 and not neuro
        if option:
            flags.add(Flag.HYPOFRACTIONATED_SRS_OPTION)
        if able:
            radiation, surgery = SRS, SEPARATION
            # F: ESCC 3, or myelopathy from a solid tumour (radioresistant tumours are solid).
            f = grade is Grade.G3 or neuro
            rules = ["R9" if unstable else "R7"] + (["special-F"] if f else [])
        else:
            radiation, surgery, rules = CEBRT, NO_SURGERY, ["R10" if unstable else "R8"]
        rules += ["special-E"] if option else []
    if prior:
        radiation = REIRR
        rules.append("special-H")
    srs = radiation in (SRS, REIRR)
    if surgery is DECOMPRESSION:
        plan = URGENT
    elif surgery is SEPARATION:
        plan = SEPARATION_SRS
    elif unstable:
        plan = STAB_SRS if srs else STAB_CEBRT
    else:
        plan = SRS_PLAN if srs else CEBRT_PLAN
    return plan, radiation, surgery, stab, rules, flags


@pytest.mark.parametrize("level", sorted(CORD, key=lambda lv: lv.index), ids=lambda lv: lv.value)
def test_every_fully_specified_situation_follows_the_algorithm(level):
    stabilities = [("stable", None), ("unstable", None), ("potentially-unstable", STABLE_CALL),
                   ("potentially-unstable", UNSTABLE_CALL)]  # fmt: skip
    checked = 0
    for o, (grade, cord), myelopathy, ces, (band, call), able, prior in product(
        (HEM, SOLID, RES),
        GRADE_CHOICES,
        (False, True),
        (False, True),
        stabilities,
        (False, True),
        (False, True),
    ):
        unstable = band == "unstable" or call is UNSTABLE_CALL
        neuro = myelopathy or (ces and level in CAUDA)
        plan, radiation, surgery, stab, rules, flags = reference(
            o, grade, cord, neuro, unstable, able, prior, level
        )
        rec = noms.recommend(
            make(o, grade=grade, cord=cord, myelopathy=myelopathy, ces=ces, m=band, call=call,
                 s=able, prior=prior, level=level)
        )  # fmt: skip
        situation = (o, grade, cord, myelopathy, ces, band, call, able, prior)
        assert (rec.plan, rec.radiation, rec.surgery, rec.stabilization) == (
            plan,
            radiation,
            surgery,
            stab,
        ), situation
        assert set(rec.rules) == set(rules), situation
        assert set(rec.flags) == flags, situation
        assert rec.missing == (), situation
        checked += 1
    assert checked == 3 * 7 * 2 * 2 * 4 * 2 * 2


# ---------------------------------------------------------------------------------------------
# Property: with unknown inputs, the recommendation agrees with every completion of them.

MISSING_NAME = {
    "grade": "escc-grade",
    "myelopathy": "myelopathy",
    "ces": "cauda-equina-syndrome",
    "call": "stability-assessment",
    "s": "surgical-candidate",
}


@st.composite
def partial_situations(draw):
    return {
        "o": draw(st.sampled_from([HEM, SOLID, RES, UNKNOWN])),
        "grade": draw(st.sampled_from([None, *Grade])),
        "myelopathy": draw(st.sampled_from([None, True, False])),
        "ces": draw(st.sampled_from([None, True, False])),
        "level": draw(st.sampled_from([Level.T9, Level.L1])),
        "m": draw(st.sampled_from(["stable", "potentially-unstable", "unstable"])),
        "call": draw(st.sampled_from([None, STABLE_CALL, UNSTABLE_CALL])),
        "s": draw(st.sampled_from([None, True, False])),
        "prior": draw(st.sampled_from([None, True, False])),
    }


def build(situation: dict) -> noms.Inputs:
    args = dict(situation)
    return make(args.pop("o"), **args)


def completions(situation: dict) -> dict[tuple, dict]:
    """Every completion of the unknown inputs (prior radiation unknown is completed as "no")."""
    choices = {
        "grade": [situation["grade"]] if situation["grade"] else list(Grade),
        "myelopathy": [situation["myelopathy"]]
        if situation["myelopathy"] is not None
        else [True, False],
        "ces": [situation["ces"]] if situation["ces"] is not None else [True, False],
        "call": [situation["call"]]
        if situation["call"] or situation["m"] != "potentially-unstable"
        else [STABLE_CALL, UNSTABLE_CALL],
        # §15.3: for unknown histology an unrecorded S is a state of its own (special case C
        # proceeds and asks to confirm), not a choice between able and unable.
        "s": [situation["s"]]
        if situation["s"] is not None or situation["o"] is UNKNOWN
        else [True, False],
    }
    result = {}
    for combo in product(*choices.values()):
        completed = {**situation, **dict(zip(choices, combo, strict=True))}
        completed["prior"] = bool(situation["prior"])
        result[combo] = completed
    return result


@settings(max_examples=250, deadline=None)
@given(situation=partial_situations())
def test_unknown_inputs_are_tried_with_every_value(situation: dict):
    # Only stated bands and calls that agree with them: a contradiction is a conflict (above).
    if situation["call"] and situation["m"] != "potentially-unstable":
        situation["call"] = None
    rec = noms.recommend(build(situation))
    done = {key: noms.recommend(build(c)) for key, c in completions(situation).items()}
    cores = {core(r) for r in done.values()}
    if len(cores) == 1:
        assert core(rec) == cores.pop()
    elif len({c[:3] for c in cores}) == 1 and next(iter(cores))[0] is not NEEDS:
        # Only the stabilization differs (docs/clinical-rules.md §9.6): the plan stands.
        assert core(rec) == (*next(iter(cores))[:3], CONSULT)
    else:
        # §15.4: a part is stated when every defined completion agrees on it.
        assert rec.plan is NEEDS
        defined = {c for c in cores if c[0] is not NEEDS} or cores
        for index, undetermined in ((1, RAD_UNDET), (2, SURG_UNDET)):
            parts = {c[index] for c in defined}
            assert core(rec)[index] == (parts.pop() if len(parts) == 1 else undetermined)
    # Rules: the rows of every completion, and a special case where it holds in every completion
    # that leads to the same plan (special cases E and F need the sub-grade, so an unknown grade
    # does not cite them unless the plan itself depends on it).
    groups: dict[tuple, list] = {}
    for r in done.values():
        groups.setdefault(core(r), []).append(r)
    expected = set()
    for group in groups.values():
        common = set.intersection(*(set(r.rules) for r in group))
        expected |= {x for r in group for x in r.rules if x[1:].isdigit() or x in common}
    assert set(rec.rules) == expected
    # Missing: an unknown input is listed exactly when changing it alone changes the plan.
    keys = list(MISSING_NAME)
    unknown = [k for k in keys if len({combo[keys.index(k)] for combo in done}) > 1]
    for key in keys:
        i = keys.index(key)
        decisive = any(
            core(done[a]) != core(done[b])
            for a in done
            for b in done
            if a[i] != b[i] and all(a[j] == b[j] for j in range(len(keys)) if j != i)
        )
        assert (MISSING_NAME[key] in rec.missing) is (key in unknown and decisive), key
    # Prior radiation unknown: listed exactly when a radiation modality is recommended.
    if situation["prior"] is None:
        assert ("prior-radiation" in rec.missing) is (rec.radiation in (CEBRT, SRS))
    else:
        assert "prior-radiation" not in rec.missing
    # The SINS flag exactly when 7–12 is possible without the surgeon's call.
    assert (Flag.SINS_INDETERMINATE in rec.flags) is (
        situation["m"] == "potentially-unstable" and situation["call"] is None
    )


# docs/clinical-rules.md §15.9: radiotherapy whose site is not given may have covered the level:
# the plan stands, prior radiation is listed as missing where it would change the radiation, and
# the rationale says so whatever the plan (never dropped).
UNSITED_RADIATION = [
    # id, inputs, plan, missing prior radiation
    ("cebrt-plan", make(SOLID, prior=None, prior_radiation_possible=True), CEBRT_PLAN, True),
    ("srs-plan", make(RES, prior=None, prior_radiation_possible=True), SRS_PLAN, True),
    ("plan-for-a-clinician", make(UNCLASSIFIED, prior=None, prior_radiation_possible=True),
     NEEDS, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "plan", "missing"),
    [r[1:] for r in UNSITED_RADIATION],
    ids=[r[0] for r in UNSITED_RADIATION],
)
def test_radiotherapy_without_a_site_is_said_at_every_level(inputs, plan, missing):
    rec = noms.recommend(inputs)
    assert rec.plan is plan
    assert ("prior-radiation" in rec.missing) is missing
    assert sum("without a body site" in line for line in rec.rationale) == 1
    # Negative: without such a record nothing is said of it.
    plain = noms.recommend(replace(inputs, prior_radiation_possible=False))
    assert not any("without a body site" in line for line in plain.rationale)


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §9.6 and §15.4: when every completion agrees on the plan, its radiation
# and its surgery, and only the stabilization differs, the plan stands (the surgeon settles the
# stabilization). Not only for separation surgery: special cases C and A call for decompression
# whatever the stability.

STABILIZATION_ONLY = [
    # id, inputs (SINS unknown unless said), (plan, radiation, surgery, stabilization)
    ("special-c-sins-unknown", make(UNKNOWN, grade=Grade.G3, myelopathy=True, m="unknown"),
     (URGENT, RAD_UNDET, DECOMPRESSION, CONSULT)),
    ("special-c-sins-7-12", make(UNKNOWN, grade=Grade.G3, myelopathy=True,
                                 m="potentially-unstable"),
     (URGENT, RAD_UNDET, DECOMPRESSION, CONSULT)),
    ("special-c-s-not-recorded-sins-unknown",
     make(UNKNOWN, grade=Grade.G2, myelopathy=True, m="unknown", s=None),
     (URGENT, RAD_UNDET, DECOMPRESSION, CONSULT)),
    ("special-a-sins-unknown", make(SOLID, grade=Grade.G3, myelopathy=True, m="unknown"),
     (URGENT, CEBRT, DECOMPRESSION, CONSULT)),
    ("separation-sins-unknown", make(RES, grade=Grade.G3, m="unknown"),
     (SEPARATION_SRS, SRS, SEPARATION, CONSULT)),
    # Negatives: the plan itself differs with the stability (R5 vs R6), or surgery does (A with
    # S unknown): a clinician decides, the parts all completions agree on are stated.
    ("r5-or-r6", make(SOLID, grade=Grade.G3, m="unknown"), (NEEDS, CEBRT, NO_SURGERY, STAB_UNDET)),
    ("special-a-s-unknown", make(SOLID, grade=Grade.G3, myelopathy=True, s=None),
     (NEEDS, CEBRT, SURG_UNDET, NO_STAB)),
    ("special-c-s-unable", make(UNKNOWN, grade=Grade.G3, myelopathy=True, m="unknown", s=False),
     (NEEDS, RAD_UNDET, SURG_UNDET, STAB_UNDET)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [row[1:] for row in STABILIZATION_ONLY],
    ids=[row[0] for row in STABILIZATION_ONLY],
)
def test_a_plan_that_differs_only_in_stabilization_stands(inputs: noms.Inputs, expected: tuple):
    rec = noms.recommend(inputs)
    assert core(rec) == expected
    if rec.plan is not NEEDS:
        assert any("surgeon" in line and "stabiliz" in line for line in rec.rationale)


# ---------------------------------------------------------------------------------------------
# Judgement calls the clinical review settled (docs/clinical-rules.md §15.5), and one kept.


def test_special_case_a_flag_only_where_surgery_is_possible():
    # §15.5: flag-consider-upfront-surgery when S is able or unknown, not when recorded unable.
    unable = noms.recommend(make(SOLID, grade=Grade.G2, myelopathy=True, s=False))
    assert unable.plan is CEBRT_PLAN
    assert Flag.CONSIDER_UPFRONT_SURGERY not in unable.flags
    assert unable.rules == ("R5",)
    unknown = noms.recommend(make(SOLID, grade=Grade.G2, myelopathy=True, s=None))
    assert Flag.CONSIDER_UPFRONT_SURGERY in unknown.flags


def test_special_case_e_option_only_when_no_myelopathy_is_recorded():
    rec = noms.recommend(make(RES, grade=Grade.G2, myelopathy=None, ces=None))
    assert rec.plan is SEPARATION_SRS
    assert Flag.HYPOFRACTIONATED_SRS_OPTION not in rec.flags or "myelopathy" in rec.missing
    assert "special-E" not in rec.rules


@settings(max_examples=200, deadline=None)
@given(situation=partial_situations())
def test_the_rationale_never_contradicts_the_radiation_part(situation: dict):
    # docs/clinical-rules.md §15.12: no "SRS re-irradiation replaces cEBRT" on an SRS plan.
    rec = noms.recommend(build(situation))
    text = "\n".join(line for line in rec.rationale if not line.startswith("- "))
    cebrt_rows = {"R1", "R2", "R5", "R6", "R8", "R10"}
    if rec.radiation is SRS or (rec.radiation is REIRR and not cebrt_rows & set(rec.rules)):
        assert "replaces cEBRT" not in text
    if rec.radiation is CEBRT:
        assert "is a re-irradiation" not in text
        assert "becomes a re-irradiation" not in text
