"""The demo patients: rebuilt faithfully, valid FHIR, and each lands where its name says."""

from __future__ import annotations

import pytest

from sandbox import build_patients
from service.domain.noms import Flag, Plan, Radiation, Stabilization, Surgery
from service.fhir import models
from service.workflow import assess_bundle
from tests.conftest import DEMO, load

# slug -> per level: (plan, radiation, surgery, stabilization, rules, flags)
P, R, S, St, F = Plan, Radiation, Surgery, Stabilization, Flag
EXPECTED = {
    "01-r1-breast-low-grade-stable": {"T7": (P.CEBRT, R.CEBRT, S.NONE, St.NONE, ("R1",), ())},
    "02-r2-prostate-low-grade-unstable": {
        "T11": (P.STABILIZATION_THEN_CEBRT, R.CEBRT, S.NONE, St.REQUIRED, ("R2",), ())
    },
    "03-r3-renal-low-grade-stable": {
        "T6": (P.SRS, R.SRS, S.NONE, St.NONE, ("R3", "special-G"), ())
    },
    "04-r4-thyroid-low-grade-unstable": {
        "T12": (P.STABILIZATION_THEN_SRS, R.SRS, S.NONE, St.REQUIRED, ("R4", "special-G"), ())
    },
    "05-r5-breast-high-grade-stable": {"T8": (P.CEBRT, R.CEBRT, S.NONE, St.NONE, ("R5",), ())},
    "06-r6-lymphoma-high-grade-unstable": {
        "T10": (P.STABILIZATION_THEN_CEBRT, R.CEBRT, S.NONE, St.REQUIRED, ("R6",), ())
    },
    "07-r7-nsclc-high-grade-stable-fit": {
        "T9": (P.SEPARATION_SURGERY_THEN_SRS, R.SRS, S.SEPARATION, St.NONE, ("R7", "special-F"), ())
    },
    "08-r8-melanoma-high-grade-stable-unfit": {
        "T4": (P.CEBRT, R.CEBRT, S.NONE, St.NONE, ("R8",), ())
    },
    "09-r9-hcc-high-grade-unstable-fit": {
        "L1": (
            P.SEPARATION_SURGERY_THEN_SRS,
            R.SRS,
            S.SEPARATION,
            St.REQUIRED,
            ("R9", "special-F"),
            (),
        )
    },
    "10-r10-colon-high-grade-unstable-unfit": {
        "T12": (P.STABILIZATION_THEN_CEBRT, R.CEBRT, S.NONE, St.REQUIRED, ("R10",), ())
    },
    "11-special-a-breast-myelopathy": {
        "T6": (
            P.URGENT_DECOMPRESSION_THEN_RADIATION,
            R.CEBRT,
            S.URGENT_DECOMPRESSION,
            St.NONE,
            ("R5", "special-A", "special-F"),
            (F.CONSIDER_UPFRONT_SURGERY,),
        )
    },
    "12-special-b-myeloma-myelopathy": {
        "T9": (P.CEBRT, R.CEBRT, S.NONE, St.NONE, ("R5", "special-B"), ())
    },
    "13-special-c-unknown-primary-myelopathy": {
        "T10": (
            P.URGENT_DECOMPRESSION_THEN_RADIATION,
            R.UNDETERMINED,
            S.URGENT_DECOMPRESSION,
            St.REQUIRED,
            ("special-C",),
            (F.OBTAIN_TISSUE_DIAGNOSIS,),
        )
    },
    "14-special-e-renal-escc2-no-myelopathy": {
        "T8": (
            P.SEPARATION_SURGERY_THEN_SRS,
            R.SRS,
            S.SEPARATION,
            St.NONE,
            ("R7", "special-E"),
            (F.HYPOFRACTIONATED_SRS_OPTION,),
        )
    },
    "15-special-h-prostate-prior-radiation": {
        "T10": (
            P.SRS,
            R.SRS_REIRRADIATION,
            S.NONE,
            St.NONE,
            ("R1", "special-H"),
            (F.REIRRADIATION,),
        )
    },
    "16-sins-indeterminate-no-surgeon-call": {
        "T9": (
            P.NEEDS_CLINICIAN_INPUT,
            R.CEBRT,
            S.NONE,
            St.SURGICAL_CONSULTATION,
            ("R1", "R2"),
            (F.SINS_INDETERMINATE,),
        )
    },
    "17-sins-indeterminate-surgeon-unstable": {
        "T9": (P.STABILIZATION_THEN_CEBRT, R.CEBRT, S.NONE, St.REQUIRED, ("R2",), ())
    },
    "18-two-levels-nsclc": {
        "T4": (P.SRS, R.SRS, S.NONE, St.NONE, ("R3", "special-G"), (F.ESCC_1C,)),
        "L3": (
            P.NEEDS_CLINICIAN_INPUT,
            R.SRS,
            S.NONE,
            St.SURGICAL_CONSULTATION,
            ("R3", "R4", "special-G"),
            (F.SINS_INDETERMINATE,),
        ),
    },
    "19-chart-lacks-spine-findings": {
        "T8": (
            P.NEEDS_CLINICIAN_INPUT,
            R.CEBRT,  # every defined branch for breast cancer gives cEBRT (§15.4)
            S.UNDETERMINED,
            St.UNDETERMINED,
            (
                "R1",
                "R2",
                "R5",
                "R6",
                "special-A",
                "special-F",
                "undefined-low-grade-escc-myelopathy",
            ),
            (),
        )
    },
}


def test_committed_files_match_the_builder():
    committed = sorted(p.name for p in DEMO.glob("*.json"))
    assert committed == sorted(f"{s.slug}.json" for s in build_patients.SCENARIOS)
    for scenario in build_patients.SCENARIOS:
        assert (DEMO / f"{scenario.slug}.json").read_text() == build_patients.render(scenario), (
            f"{scenario.slug}: run python -m sandbox.build_patients"
        )


def test_there_are_enough_demo_patients_and_every_one_is_expected():
    assert len(build_patients.SCENARIOS) >= 12
    assert set(EXPECTED) == {s.slug for s in build_patients.SCENARIOS}


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_demo_patient_is_valid_fhir(slug):
    bundle = load(DEMO / f"{slug}.json")
    models.validate(bundle)
    assert bundle["type"] == "transaction"
    assert all(e["request"]["method"] == "POST" for e in bundle["entry"])


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_demo_patient_lands_on_its_row(slug):
    report = assess_bundle(load(DEMO / f"{slug}.json"))
    got = {la.level.value: la.recommendation for la in report.assessment.levels}
    assert set(got) == set(EXPECTED[slug])
    for level, (plan, radiation, surgery, stabilization, rules, flags) in EXPECTED[slug].items():
        rec = got[level]
        assert (rec.plan, rec.radiation, rec.surgery, rec.stabilization) == (
            plan,
            radiation,
            surgery,
            stabilization,
        )
        assert rec.rules == rules
        assert rec.flags == flags


def test_together_the_demo_covers_every_row_and_the_required_special_cases():
    rules = {r for levels in EXPECTED.values() for (*_, rs, _) in levels.values() for r in rs}
    assert {f"R{i}" for i in range(1, 11)} <= rules
    assert {"special-A", "special-B", "special-C", "special-E", "special-H"} <= rules
