"""Resolutions of the first clinical review: one table per section of docs/clinical-rules.md §15.

Each row is a constructed chart or a published vignette adapted to the rule (the source is named
where there is one); every table has rows where the rule applies and rows where it must not.
"""

from __future__ import annotations

import pytest

from service.domain import histology as h
from service.domain import noms
from service.domain.assessment import assess
from service.domain.escc import Grade
from service.domain.findings import LesionFindings, OutOfScope, PatientFindings
from service.domain.histology import Histology, classify
from service.domain.levels import Level
from service.domain.noms import Flag, Plan, Radiation, Stabilization, Surgery
from tests.domain.test_noms import HEM, RES, SOLID, UNCLASSIFIED, UNKNOWN, make

# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.1 Neurology belongs to a level, and only where the anatomy allows it.
# Sources: the ESCC definitions (Bilsky MH et al. J Neurosurg Spine 2010;13(3):324-328): 0 and 1a do
# not deform the thecal sac, 1b does not touch the cord; "myelopathy ... due to ESCC" (Newman WC et
# al. 2023).

NEURO_BY_LEVEL = [
    # id, inputs, plan, rules, flags (subset that must be there), must-not flags
    ("1a-myelopathy-not-explained-T5",
     make(SOLID, grade=Grade.G1A, myelopathy=True, level=Level.T5),
     Plan.CEBRT, ("R1",), {Flag.MYELOPATHY_UNEXPLAINED}),
    ("1b-myelopathy-not-explained-T9",
     make(SOLID, grade=Grade.G1B, myelopathy=True),
     Plan.CEBRT, ("R1",), {Flag.MYELOPATHY_UNEXPLAINED}),
    ("0-ces-not-explained-L3", make(HEM, grade=Grade.G0, ces=True, level=Level.L3),
     Plan.CEBRT, ("R1",), {Flag.MYELOPATHY_UNEXPLAINED}),
    ("0-radioresistant-myelopathy-T9", make(RES, grade=Grade.G0, myelopathy=True),
     Plan.SRS, ("R3", "special-G"), {Flag.MYELOPATHY_UNEXPLAINED}),
    # CES cannot arise at T4: a high-grade T4 lesion follows R5, not special case A.
    ("ces-not-applicable-T4",
     make(SOLID, grade=Grade.G3, myelopathy=False, ces=True, level=Level.T4),
     Plan.CEBRT, ("R5",), set()),
    # Negative rows: compression that can cause the finding.
    ("2-myelopathy-explained-T9", make(SOLID, grade=Grade.G2, myelopathy=True),
     Plan.URGENT_DECOMPRESSION_THEN_RADIATION, ("R5", "special-A", "special-F"),
     {Flag.CONSIDER_UPFRONT_SURGERY}),
    ("1b-myelopathy-at-the-conus-L1", make(SOLID, grade=Grade.G1B, myelopathy=True,
                                            level=Level.L1),
     Plan.NEEDS_CLINICIAN_INPUT, ("undefined-low-grade-escc-myelopathy",), set()),
    ("1c-myelopathy-stays-human-T9", make(SOLID, grade=Grade.G1C, myelopathy=True),
     Plan.NEEDS_CLINICIAN_INPUT, ("undefined-low-grade-escc-myelopathy",), {Flag.ESCC_1C}),
    ("3-ces-explained-L1", make(SOLID, grade=Grade.G3, ces=True, level=Level.L1),
     Plan.URGENT_DECOMPRESSION_THEN_RADIATION, ("R5", "special-A", "special-F"),
     {Flag.CONSIDER_UPFRONT_SURGERY}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "plan", "rules", "flags"),
    [row[1:] for row in NEURO_BY_LEVEL],
    ids=[row[0] for row in NEURO_BY_LEVEL],
)
def test_15_1_neurology_by_level(inputs, plan, rules, flags):
    rec = noms.recommend(inputs)
    assert (rec.plan, rec.rules) == (plan, rules)
    assert flags <= set(rec.flags)
    if Flag.MYELOPATHY_UNEXPLAINED not in flags:
        assert Flag.MYELOPATHY_UNEXPLAINED not in rec.flags


NOT_AN_INPUT = [
    # id, inputs, name that must not be missing
    ("ces-unknown-at-C2", make(RES, grade=Grade.G3, ces=None, level=Level.C2),
     "cauda-equina-syndrome"),
    ("myelopathy-unknown-at-L3", make(RES, grade=Grade.G0, myelopathy=None, level=Level.L3),
     "myelopathy"),
    # Where the compression cannot explain it, an unknown myelopathy does not decide.
    ("myelopathy-unknown-with-1a", make(SOLID, grade=Grade.G1A, myelopathy=None), "myelopathy"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "name"), [row[1:] for row in NOT_AN_INPUT], ids=[row[0] for row in NOT_AN_INPUT]
)
def test_15_1_a_finding_that_cannot_arise_or_decide_is_never_missing(inputs, name):
    rec = noms.recommend(inputs)
    assert name not in rec.missing
    assert rec.plan is not Plan.NEEDS_CLINICIAN_INPUT


def test_15_1_a_finding_that_can_decide_is_missing():
    # Negative of the table above: high-grade at T9, myelopathy unknown decides R5 vs A.
    rec = noms.recommend(make(SOLID, grade=Grade.G3, myelopathy=None))
    assert "myelopathy" in rec.missing


def test_15_1_the_neurological_sentence_states_each_finding_as_recorded():
    rec = noms.recommend(make(SOLID, grade=Grade.G1A, myelopathy=False, ces=None, level=Level.T5))
    assert (
        "myelopathy absent; cauda equina syndrome not recorded (not applicable at T5)"
        in rec.rationale[0]
    )


def _patient(lesions, **changes) -> PatientFindings:
    base = {
        "primaries": (classify(h.BREAST),),
        "surgical_candidate": True,
        "lesions": lesions,
    }
    return PatientFindings(**{**base, **changes})


def test_15_1_a_cauda_equina_syndrome_at_l3_does_not_send_a_t4_lesion_to_surgery():
    # The review's example: CES recorded at L3 (a body site), high-grade compression at T4.
    t4 = LesionFindings(Level.T4, escc_grade=Grade.G3, myelopathy=False)
    l3 = LesionFindings(Level.L3, escc_grade=Grade.G0, cauda_equina=True)
    levels = assess(_patient((t4, l3))).levels
    plans = {la.level: la.recommendation for la in levels}
    # SINS is unknown here, so stability is open (R5 or R6): cEBRT, no decompressive surgery.
    assert (plans[Level.T4].radiation, plans[Level.T4].surgery) == (Radiation.CEBRT, Surgery.NONE)
    assert Flag.CONSIDER_UPFRONT_SURGERY not in plans[Level.T4].flags
    assert Flag.MYELOPATHY_UNEXPLAINED in plans[Level.L3].flags


def test_15_1_a_level_record_wins_over_the_patient_record_only_at_its_level():
    t4 = LesionFindings(Level.T4, escc_grade=Grade.G3, myelopathy=True)
    t9 = LesionFindings(Level.T9, escc_grade=Grade.G3)
    levels = assess(_patient((t4, t9), myelopathy=False)).levels
    assert levels[0].neurology.myelopathy.recorded is True
    assert levels[0].neurology.myelopathy.at_level
    assert levels[1].neurology.myelopathy.recorded is False


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.3 Special case C does not wait for "surgical candidate" (Newman WC et
# al. 2023: myelopathy from an unknown primary is decompressed "urgently or emergently").

SPECIAL_C = [
    # id, surgical candidate, plan, flags
    ("able", True, Plan.URGENT_DECOMPRESSION_THEN_RADIATION, {Flag.OBTAIN_TISSUE_DIAGNOSIS}),
    ("not-recorded", None, Plan.URGENT_DECOMPRESSION_THEN_RADIATION,
     {Flag.OBTAIN_TISSUE_DIAGNOSIS, Flag.CONFIRM_SURGICAL_CANDIDACY}),
    ("recorded-unable", False, Plan.NEEDS_CLINICIAN_INPUT, {Flag.OBTAIN_TISSUE_DIAGNOSIS}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("s", "plan", "flags"), [row[1:] for row in SPECIAL_C], ids=[row[0] for row in SPECIAL_C]
)
def test_15_3_special_case_c(s, plan, flags):
    rec = noms.recommend(make(UNKNOWN, grade=Grade.G3, myelopathy=True, s=s))
    assert rec.plan is plan
    assert set(rec.flags) == flags
    assert rec.rules == ("special-C",)
    assert "surgical-candidate" not in rec.missing


def test_15_3_does_not_apply_without_high_grade_compression():
    rec = noms.recommend(make(UNKNOWN, grade=Grade.G1C, myelopathy=True, s=None))
    assert rec.plan is Plan.NEEDS_CLINICIAN_INPUT
    assert Flag.CONFIRM_SURGICAL_CANDIDACY not in rec.flags


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.4 Parts that every defined branch agrees on are stated (rows of
# Laufer 2013 / Barzilai 2017, special case A of Newman 2023).

AGREED_PARTS = [
    # id, inputs, (radiation, surgery, stabilization)
    # Radiosensitive solid tumour, ESCC and myelopathy unknown: R1/R5/special A all say cEBRT.
    ("solid-escc-and-myelopathy-unknown",
     make(SOLID, grade=None, myelopathy=None, prior=False),
     (Radiation.CEBRT, Surgery.UNDETERMINED, Stabilization.NONE)),
    # Grade unknown with myelopathy: 0-1b follow R1 (unexplained), 1c is a human decision, 2-3
    # special case A: the defined ones agree on cEBRT.
    ("solid-grade-unknown-myelopathy", make(SOLID, grade=None, myelopathy=True, prior=False),
     (Radiation.CEBRT, Surgery.UNDETERMINED, Stabilization.NONE)),
    # Negative: radioresistant, S unknown, high grade: R7 (SRS) and R8 (cEBRT) disagree.
    ("radioresistant-s-unknown", make(RES, grade=Grade.G3, s=None, prior=False),
     (Radiation.UNDETERMINED, Surgery.UNDETERMINED, Stabilization.NONE)),
    # Negative: no defined branch at all (histology unclassified): nothing is stated.
    ("unclassified", make(UNCLASSIFIED, grade=None, prior=False),
     (Radiation.UNDETERMINED, Surgery.UNDETERMINED, Stabilization.NONE)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "parts"), [row[1:] for row in AGREED_PARTS], ids=[row[0] for row in AGREED_PARTS]
)
def test_15_4_agreed_parts(inputs, parts):
    rec = noms.recommend(inputs)
    assert rec.plan is Plan.NEEDS_CLINICIAN_INPUT
    assert (rec.radiation, rec.surgery, rec.stabilization) == parts


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.5 Special case A's flag only where surgery is possible (Newman 2023:
# myelopathic patients with radiosensitive solid tumours are usually considered for upfront
# surgery).

SPECIAL_A_FLAG = [
    # id, surgical candidate, flag raised
    ("able", True, True),
    ("not-recorded", None, True),
    ("recorded-unable", False, False),
]


@pytest.mark.parametrize(
    ("s", "raised"), [row[1:] for row in SPECIAL_A_FLAG], ids=[row[0] for row in SPECIAL_A_FLAG]
)
def test_15_5_special_case_a_flag(s, raised):
    rec = noms.recommend(make(SOLID, grade=Grade.G3, myelopathy=True, s=s))
    assert (Flag.CONSIDER_UPFRONT_SURGERY in rec.flags) is raised
    assert rec.radiation is Radiation.CEBRT


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.6 Primary cancer: a morphology is a tissue diagnosis, and names a cell
# type, not a site.

UNKNOWN_PRIMARY = [
    # id, histology, morphology, radiosensitivity, description
    ("adenocarcinoma", Histology.NON_SMALL_CELL_TYPE, "Adenocarcinoma, NOS",
     h.Radiosensitivity.UNCLASSIFIED, "Adenocarcinoma, NOS (unknown primary site)"),
    ("morphology-outside-the-table", None, "ICD-O-3 8010/3", h.Radiosensitivity.UNCLASSIFIED,
     "ICD-O-3 8010/3 (unknown primary site)"),
    # A morphology the sources classify on its own still decides (docs/clinical-rules.md §3).
    ("small-cell", Histology.SMALL_CELL, None, h.Radiosensitivity.SOLID,
     "small cell carcinoma (unknown primary site)"),
    # Negative: no morphology, no tissue diagnosis.
    ("no-morphology", None, None, h.Radiosensitivity.UNKNOWN, "unknown primary site"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("histology", "morphology", "radiosensitivity", "description"),
    [row[1:] for row in UNKNOWN_PRIMARY],
    ids=[row[0] for row in UNKNOWN_PRIMARY],
)
def test_15_6_unknown_primary_with_a_morphology(
    histology, morphology, radiosensitivity, description
):
    primary = classify(h.UNKNOWN_PRIMARY, histology, morphology=morphology)
    assert (primary.radiosensitivity, primary.description) == (radiosensitivity, description)


@pytest.mark.parametrize(
    ("o", "tissue_flag"), [(UNCLASSIFIED, False), (UNKNOWN, True)], ids=["tissue", "no-tissue"]
)
def test_15_6_no_biopsy_flag_once_there_is_a_tissue_diagnosis(o, tissue_flag):
    rec = noms.recommend(make(o, grade=Grade.G1A))
    assert (Flag.OBTAIN_TISSUE_DIAGNOSIS in rec.flags) is tissue_flag


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.7 A conflict that left a finding unknown still flags the levels that
# read it.

CONFLICT_FLAGS = [
    # id, conflicting keys, flag at T9, flag at L3
    ("myelopathy-unknown-after-a-tie", {"myelopathy"}, True, False),
    ("ces-unknown-after-a-tie", {"cauda-equina-syndrome"}, False, True),
    ("tokuhashi-only-input", {"kps"}, False, False),
]


@pytest.mark.parametrize(
    ("keys", "t9", "l3"), [r[1:] for r in CONFLICT_FLAGS], ids=[r[0] for r in CONFLICT_FLAGS]
)
def test_15_7_conflict_flags(keys, t9, l3):
    lesions = (LesionFindings(Level.T9, escc_grade=Grade.G2), LesionFindings(Level.L3))
    levels = assess(_patient(lesions, conflicting=frozenset(keys))).levels
    flagged = [Flag.CONFLICTING_DATA in la.recommendation.flags for la in levels]
    assert flagged == [t9, l3]


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.9 Prior radiation next to the level: a flag for radiation oncology;
# the level itself: special case H (Badve 2021: cEBRT is contraindicated after prior radiation).

ADJACENT = [
    # id, prior radiation at the level, adjacent levels, flag, special case H
    ("adjacent-only", False, (Level.T8,), True, False),
    ("adjacent-level-unknown-at-the-level", None, (Level.T8,), True, False),
    ("same-level", True, (), False, True),
    ("same-level-and-adjacent", True, (Level.T8,), False, True),
    ("none", False, (), False, False),
]


@pytest.mark.parametrize(
    ("prior", "adjacent", "flag", "special_h"),
    [r[1:] for r in ADJACENT],
    ids=[r[0] for r in ADJACENT],
)
def test_15_9_adjacent_radiation(prior, adjacent, flag, special_h):
    rec = noms.recommend(make(SOLID, prior=prior, prior_radiation_adjacent=adjacent))
    assert (Flag.PRIOR_RADIATION_ADJACENT in rec.flags) is flag
    assert ("special-H" in rec.rules) is special_h
    if flag:
        assert any("adjacent level T8" in line for line in rec.rationale)


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.10 sacrum without a segment, coccyx; §15.11 leptomeningeal disease
# (ICD-10-CM C79.32; Laufer 2013 leaves leptomeningeal disease out of the framework).


def test_15_10_the_unsegmented_sacrum_is_assessed_and_the_coccyx_is_out_of_scope():
    sacrum = LesionFindings(Level.SACRUM, escc_grade=Grade.G0)
    coccyx = LesionFindings(Level.COCCYX, out_of_scope=OutOfScope.COCCYGEAL)
    s_rec, c_rec = (la.recommendation for la in assess(_patient((sacrum, coccyx))).levels)
    assert s_rec.plan is not Plan.OUT_OF_SCOPE
    assert "sacral-segment" in assess(_patient((sacrum,))).levels[0].sins.missing
    assert c_rec.plan is Plan.OUT_OF_SCOPE
    assert c_rec.rationale[0].startswith("Coccygeal metastasis at coccyx")


@pytest.mark.parametrize("leptomeningeal", [True, False], ids=["recorded", "not-recorded"])
def test_15_11_leptomeningeal_disease_hands_every_level_to_a_clinician(leptomeningeal):
    lesions = (LesionFindings(Level.T9, escc_grade=Grade.G1A), LesionFindings(Level.L3))
    result = assess(_patient(lesions, leptomeningeal=leptomeningeal, myelopathy=False))
    for la in result.levels:
        rec = la.recommendation
        assert (
            rec.plan is Plan.NEEDS_CLINICIAN_INPUT and rec.rules == ("undefined-leptomeningeal",)
        ) is leptomeningeal
        if leptomeningeal:
            assert any("leptomeningeal" in line for line in rec.rationale)
            assert "leptomeningeal" in la.noms_inputs
            # Only the mechanical part can still be settled by the chart (SINS, surgeon's call).
            assert all(m.startswith("sins-") or m == "stability-assessment" for m in rec.missing)


# ---------------------------------------------------------------------------------------------
# docs/clinical-rules.md §15.12 Words: "missing" lists only what the chart could still supply; a
# known value a score does not classify is said as such; the rationale never contradicts the plan.


def test_15_12_a_known_primary_tomita_does_not_name_is_said_not_missing():
    prostate = assess(_patient((LesionFindings(Level.T9),), primaries=(classify(h.PROSTATE),)))
    item = prostate.tomita.item("primary-growth")
    assert "primary-cancer" not in prostate.tomita.missing
    assert item.answer == "prostate: not in Tomita's growth groups (a clinician classifies it)"
    # Negative: with no primary on record the chart could still supply one.
    nothing = assess(_patient((LesionFindings(Level.T9),), primaries=()))
    assert "primary-cancer" in nothing.tomita.missing
    assert "primary-cancer" in nothing.levels[0].recommendation.missing


SUPPLIABLE = [
    # id, inputs, never missing, depends-on text
    ("unclassified-histology", make(UNCLASSIFIED), "radiosensitivity", None),
    ("below-the-conus-judgement", make(RES, grade=Grade.G1B, level=Level.L3), "escc-category",
     "escc-category (a clinician's judgement below the conus)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "name", "depends"), [r[1:] for r in SUPPLIABLE], ids=[r[0] for r in SUPPLIABLE]
)
def test_15_12_judgements_are_named_but_never_missing(inputs, name, depends):
    rec = noms.recommend(inputs)
    assert name not in rec.missing
    if depends:
        assert any(depends in line for line in rec.rationale)


def test_15_12_nesms_lists_the_modified_bauer_inputs_not_the_score():
    result = assess(_patient((LesionFindings(Level.T9),)))
    assert "modified-bauer-score" not in result.nesms.missing
    assert set(result.modified_bauer.missing) <= set(result.nesms.missing)


NOT_CONTRADICTING = [
    # id, inputs, must not appear, must appear
    ("srs-plan-irradiated-before", make(RES, prior=True), "replaces cEBRT", "is a re-irradiation"),
    ("srs-plan-prior-unknown", make(RES, prior=None), "replaces cEBRT", "becomes a re-irradiation"),
    ("cebrt-plan-irradiated-before", make(SOLID, prior=True), "is a re-irradiation",
     "replaces cEBRT"),
    ("cebrt-plan-prior-unknown", make(SOLID, prior=None), "becomes a re-irradiation",
     "replaces cEBRT"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inputs", "absent", "present"),
    [r[1:] for r in NOT_CONTRADICTING],
    ids=[r[0] for r in NOT_CONTRADICTING],
)
def test_15_12_the_rationale_never_contradicts_the_plan(inputs, absent, present):
    text = "\n".join(noms.recommend(inputs).rationale)
    assert absent not in text
    assert present in text
