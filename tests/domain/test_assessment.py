"""assess(): every score and the NOMS recommendation per level, and the inputs behind each."""

from __future__ import annotations

from service.domain import histology as h
from service.domain.assessment import RULE_SET, assess
from service.domain.escc import Category, Grade
from service.domain.findings import LesionFindings, OutOfScope, PatientFindings, StabilityCall
from service.domain.histology import Histology, Radiosensitivity, classify
from service.domain.levels import Level
from service.domain.metastases import Count, Metastases, OrganMetastases, VisceralMetastases
from service.domain.neurology import Ambulatory, Frankel
from service.domain.noms import Flag, Plan, Radiation, Stabilization, Surgery
from service.domain.performance import PerformanceStatus
from service.domain.risk import Risk
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral

# A T9 lesion with every SINS answer: 1 + 3 + 2 + 0 + 2 + 1 = 9 (potentially unstable).
T9 = LesionFindings(
    level=Level.T9,
    pain=Pain.MECHANICAL,
    bone_lesion=BoneLesion.LYTIC,
    alignment=Alignment.NORMAL,
    collapse=Collapse.LESS_THAN_50,
    posterolateral=Posterolateral.UNILATERAL,
    escc_grade=Grade.G2,
    prior_radiation=False,
    surgeon_stability=StabilityCall.STABLE,
)
# An L3 lesion, pain-free and blastic: 2 + 0 + 0 + 0 + 0 + 0 = 2 (stable), bone only.
L3 = LesionFindings(
    level=Level.L3,
    pain=Pain.PAIN_FREE,
    bone_lesion=BoneLesion.BLASTIC,
    alignment=Alignment.NORMAL,
    collapse=Collapse.NONE,
    posterolateral=Posterolateral.NONE,
    escc_grade=Grade.G0,
    prior_radiation=False,
)


def breast_patient(**changes) -> PatientFindings:
    """Breast cancer, two spinal levels, everything the scores need recorded."""
    base = {
        "age": 61,
        "sex": "female",
        "primaries": (classify(h.BREAST),),
        "myelopathy": False,
        "cauda_equina": False,
        "performance": PerformanceStatus(kps=80),
        "frankel": Frankel.E,
        "ambulatory": Ambulatory.INDEPENDENT,
        "albumin_g_per_dl": 3.9,
        "metastases": Metastases(
            extraspinal_bone=Count.exact(0),
            vertebral=Count.exact(2),
            organ_answer=OrganMetastases.NONE,
            visceral_answer=VisceralMetastases.NONE,
        ),
        "surgical_candidate": True,
        "lesions": (L3, T9),  # given caudal first: the assessment orders them
    }
    return PatientFindings(**{**base, **changes})


def test_whole_assessment_of_a_documented_patient():
    result = assess(breast_patient())
    assert result.rule_set == RULE_SET == "NOMS-CDS rule set 3"
    assert result.radiosensitivity is Radiosensitivity.SOLID
    # Tokuhashi: KPS 80 (2) + 0 extraspinal (2) + 2 vertebrae (1) + no organ mets (2)
    # + breast (5) + Frankel E (2) = 14.
    assert (result.tokuhashi.total, result.tokuhashi.band.code) == (
        14,
        "survival-12-months-or-more",
    )
    # Tomita: breast slow (1) + no visceral (0) + multiple (2) = 3.
    assert (result.tomita.total, result.tomita.band.code) == (3, "tomita-long-term-control")
    # Modified Bauer: no visceral, not lung, breast, not solitary = 3; NESMS 2 + 1 + 1 -> 3.
    assert result.modified_bauer.total == 3
    assert (result.nesms.total, len(result.nesms.notes)) == (3, 1)
    assert [level.level for level in result.levels] == [Level.T9, Level.L3]

    t9, l3 = result.levels
    assert (t9.sins.total, t9.sins.band.code) == (9, "potentially-unstable")
    assert (t9.escc.category, l3.escc.category) == (Category.HIGH, Category.LOW)
    # T9: ESCC 2, solid, no myelopathy; the surgeon calls the spine stable -> R5 cEBRT.
    assert (t9.recommendation.plan, t9.recommendation.rules) == (Plan.CEBRT, ("R5",))
    assert (t9.recommendation.flags, t9.recommendation.missing) == ((), ())
    assert (t9.neurologic_risk.risk, t9.mechanical_risk.risk) == (Risk.HIGH, Risk.LOW)
    # L3: bone only, stable -> R1 cEBRT.
    assert (l3.recommendation.plan, l3.recommendation.rules) == (Plan.CEBRT, ("R1",))
    assert (l3.neurologic_risk.risk, l3.mechanical_risk.risk) == (Risk.LOW, Risk.LOW)


def test_inputs_are_keyed_by_level():
    t9 = assess(breast_patient()).levels[0]
    assert t9.sins_inputs == (
        "T9/level",
        "T9/sins-pain",
        "T9/sins-bone-lesion",
        "T9/sins-alignment",
        "T9/sins-collapse",
        "T9/sins-posterolateral",
    )
    assert t9.escc_inputs == ("T9/escc-grade",)
    assert t9.noms_inputs == (
        *t9.sins_inputs,
        "T9/escc-grade",
        "myelopathy",  # cauda equina syndrome cannot arise at T9 (docs/clinical-rules.md §15.1)
        "surgical-candidate",
        "primary-cancer",
        "T9/stability-assessment",
        "T9/prior-radiation",
    )


def test_unknown_inputs_are_not_cited():
    lesion = LesionFindings(level=Level.T9, escc_grade=Grade.G1A)
    findings = PatientFindings(primaries=(), lesions=(lesion,))
    level = assess(findings).levels[0]
    assert level.sins_inputs == ("T9/level",)
    assert level.noms_inputs == ("T9/level", "T9/escc-grade")


def test_conflicting_and_preliminary_inputs_flag_only_the_levels_that_use_them():
    findings = breast_patient(
        conflicting=frozenset({"T9/escc-grade", "albumin"}),
        preliminary=frozenset({"myelopathy"}),
    )
    t9, l3 = assess(findings).levels
    assert t9.recommendation.flags == (Flag.CONFLICTING_DATA, Flag.PRELIMINARY_DATA)
    # Myelopathy cannot arise at L3 (docs/clinical-rules.md §15.1): L3 does not use it.
    assert l3.recommendation.flags == ()
    ces = assess(breast_patient(preliminary=frozenset({"cauda-equina-syndrome"}))).levels
    assert [la.recommendation.flags for la in ces] == [(), (Flag.PRELIMINARY_DATA,)]


def test_a_conflict_in_an_input_the_level_does_not_use_raises_no_flag():
    findings = breast_patient(conflicting=frozenset({"L3/sins-pain", "albumin"}))
    t9, l3 = assess(findings).levels
    assert t9.recommendation.flags == ()
    assert l3.recommendation.flags == (Flag.CONFLICTING_DATA,)


def test_no_primary_on_record():
    result = assess(breast_patient(primaries=()))
    assert result.radiosensitivity is None
    t9 = result.levels[0].recommendation
    assert (t9.plan, t9.rules, t9.missing) == (
        Plan.NEEDS_CLINICIAN_INPUT,
        ("undefined-missing-input",),
        ("primary-cancer",),
    )
    assert result.tokuhashi.item("primary-site").possible == (0, 1, 2, 3, 4, 5)
    assert result.tokuhashi.band is None


def test_primaries_that_disagree():
    findings = breast_patient(primaries=(classify(h.BREAST), classify(h.KIDNEY)))
    result = assess(findings)
    assert result.radiosensitivity is None
    t9 = result.levels[0].recommendation
    assert t9.rules == ("undefined-conflicting-primaries",)
    assert Flag.CONFLICTING_DATA in t9.flags
    assert result.tokuhashi.item("primary-site").possible == (3, 5)


def test_chordoma_reaches_special_case_j():
    lesion = LesionFindings(level=Level.T9, escc_grade=Grade.G3, prior_radiation=False)
    findings = PatientFindings(
        primaries=(classify(h.BONE, Histology.CHORDOMA),), myelopathy=True, lesions=(lesion,)
    )
    assert assess(findings).levels[0].recommendation.rules == ("special-J",)


def test_out_of_scope_level_next_to_an_assessed_level():
    findings = breast_patient(
        lesions=(L3, LesionFindings(level=Level.T4, out_of_scope=OutOfScope.INTRAMEDULLARY))
    )
    t4, l3 = assess(findings).levels
    assert t4.recommendation.plan is Plan.OUT_OF_SCOPE
    assert l3.recommendation.plan is Plan.CEBRT


def test_cauda_equina_syndrome_and_prior_radiation_at_one_level():
    # Solid tumour, ESCC 3 at L1 (above the conus), cauda equina syndrome, irradiated before.
    lesion = LesionFindings(
        level=Level.L1,
        pain=Pain.MECHANICAL,
        bone_lesion=BoneLesion.LYTIC,
        alignment=Alignment.SUBLUXATION_TRANSLATION,
        collapse=Collapse.AT_LEAST_50,
        posterolateral=Posterolateral.BILATERAL,
        escc_grade=Grade.G3,
        prior_radiation=True,
    )
    level = assess(breast_patient(cauda_equina=True, lesions=(lesion,))).levels[0]
    rec = level.recommendation
    assert (rec.plan, rec.radiation, rec.surgery, rec.stabilization) == (
        Plan.URGENT_DECOMPRESSION_THEN_RADIATION,
        Radiation.SRS_REIRRADIATION,
        Surgery.URGENT_DECOMPRESSION,
        Stabilization.REQUIRED,
    )
    assert rec.rules == ("R6", "special-A", "special-F", "special-H")
    assert rec.flags == (Flag.CONSIDER_UPFRONT_SURGERY, Flag.REIRRADIATION)
    assert (level.neurologic_risk.risk, level.mechanical_risk.risk) == (Risk.HIGH, Risk.HIGH)


def test_an_undocumented_patient_is_assessed_without_guessing():
    findings = PatientFindings(lesions=(LesionFindings(level=Level.T9),))
    result = assess(findings)
    assert result.tokuhashi.totals == tuple(range(16))
    assert result.tomita.totals == tuple(range(2, 11))
    assert result.modified_bauer.totals == (0, 1, 2, 3, 4)
    assert result.nesms.totals == (0, 1, 2, 3)
    level = result.levels[0]
    assert level.recommendation.plan is Plan.NEEDS_CLINICIAN_INPUT
    assert (level.neurologic_risk.risk, level.mechanical_risk.risk) == (None, None)
