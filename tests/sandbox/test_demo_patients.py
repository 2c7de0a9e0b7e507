"""The demo patients: rebuilt faithfully, valid FHIR, and each lands where its name says."""

from __future__ import annotations

import pytest

from sandbox import build_patients
from service.domain.histology import Radiosensitivity
from service.domain.noms import Flag, Plan, Radiation, Stabilization, Surgery
from service.domain.urgency import Tier, headline
from service.fhir import models
from service.summary import render
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


EXPECTED.update(
    {
        # docs/clinical-rules.md §15: the review's examples.
        "20-emergent-nsclc-c5-cord-compression-myelopathy": {
            # Special case F with R7: myelopathy from a solid tumour requires surgery (§9.4).
            "C5": (P.NEEDS_CLINICIAN_INPUT, R.UNDETERMINED, S.UNDETERMINED, St.NONE,
                   ("R7", "R8", "special-F"), ())
        },
        "21-myelopathy-no-level-explains": {
            "T5": (P.CEBRT, R.CEBRT, S.NONE, St.NONE, ("R1",), (F.MYELOPATHY_UNEXPLAINED,)),
            "L3": (P.CEBRT, R.CEBRT, S.NONE, St.NONE, ("R1",), ()),
        },
        "22-sacrum-segment-not-given": {
            "sacrum": (P.NEEDS_CLINICIAN_INPUT, R.CEBRT, S.NONE, St.UNDETERMINED, ("R1", "R2"), ())
        },
        "23-radiotherapy-to-the-thoracic-spine": {
            "T11": (P.SRS, R.SRS_REIRRADIATION, S.NONE, St.NONE, ("R1", "special-H"),
                    (F.REIRRADIATION,)),
            "L1": (P.CEBRT, R.CEBRT, S.NONE, St.NONE, ("R1",), (F.PRIOR_RADIATION_ADJACENT,)),
        },
        "24-resolved-colon-primary-active-spine": {
            "T8": (P.SEPARATION_SURGERY_THEN_SRS, R.SRS, S.SEPARATION, St.NONE, ("R7", "special-E"),
                   (F.HYPOFRACTIONATED_SRS_OPTION,))
        },
        "25-unknown-primary-adenocarcinoma": {
            "T10": (P.NEEDS_CLINICIAN_INPUT, R.UNDETERMINED, S.UNDETERMINED, St.NONE,
                    ("undefined-histology-unclassified",), ())
        },
    }
)  # fmt: skip

# slug -> the patient's (at least, at most) and, where it differs, each level's (§15.2).
T = Tier
TIERS = {
    "01-r1-breast-low-grade-stable": (T.ROUTINE, T.ROUTINE),
    "02-r2-prostate-low-grade-unstable": (T.URGENT, T.URGENT),  # SINS 16
    "03-r3-renal-low-grade-stable": (T.ROUTINE, T.ROUTINE),
    "04-r4-thyroid-low-grade-unstable": (T.URGENT, T.URGENT),
    "05-r5-breast-high-grade-stable": (T.URGENT, T.URGENT),  # ESCC 2, no myelopathy
    "06-r6-lymphoma-high-grade-unstable": (T.URGENT, T.URGENT),
    "07-r7-nsclc-high-grade-stable-fit": (T.URGENT, T.URGENT),
    "08-r8-melanoma-high-grade-stable-unfit": (T.URGENT, T.URGENT),
    "09-r9-hcc-high-grade-unstable-fit": (T.URGENT, T.URGENT),
    "10-r10-colon-high-grade-unstable-unfit": (T.URGENT, T.URGENT),
    "11-special-a-breast-myelopathy": (T.EMERGENT, T.EMERGENT),  # ESCC 3 with myelopathy
    "12-special-b-myeloma-myelopathy": (T.EMERGENT, T.EMERGENT),
    "13-special-c-unknown-primary-myelopathy": (T.EMERGENT, T.EMERGENT),
    "14-special-e-renal-escc2-no-myelopathy": (T.URGENT, T.URGENT),
    "15-special-h-prostate-prior-radiation": (T.ROUTINE, T.ROUTINE),
    "16-sins-indeterminate-no-surgeon-call": (T.URGENT, T.URGENT),  # SINS 9, mechanical pain
    "17-sins-indeterminate-surgeon-unstable": (T.URGENT, T.URGENT),
    "18-two-levels-nsclc": (T.URGENT, T.URGENT, {"T4": (T.ROUTINE, T.ROUTINE)}),
    "19-chart-lacks-spine-findings": (T.ROUTINE, T.EMERGENT),  # nothing recorded at T8
    "20-emergent-nsclc-c5-cord-compression-myelopathy": (T.EMERGENT, T.EMERGENT),
    # Every level routine, but a myelopathy no level explains keeps emergent possible.
    "21-myelopathy-no-level-explains": (T.ROUTINE, T.EMERGENT, {"T5": (T.ROUTINE, T.ROUTINE),
                                                               "L3": (T.ROUTINE, T.ROUTINE)}),
    # SINS 6 (S2-S5) or 9 (S1) with mechanical pain: urgent only if the segment is S1.
    "22-sacrum-segment-not-given": (T.ROUTINE, T.URGENT),
    "23-radiotherapy-to-the-thoracic-spine": (T.ROUTINE, T.ROUTINE),
    "24-resolved-colon-primary-active-spine": (T.URGENT, T.URGENT),
    "25-unknown-primary-adenocarcinoma": (T.ROUTINE, T.ROUTINE),
}  # fmt: skip
HEADLINES = {
    "20-emergent-nsclc-c5-cord-compression-myelopathy": (
        "EMERGENT: high-grade compression (cord compression without a grade) with myelopathy at C5"
    ),
    "21-myelopathy-no-level-explains": (
        "POSSIBLY EMERGENT: myelopathy is present and not explained by the compression at T5, L3: "
        "look for another level or cause"
    ),
    "22-sacrum-segment-not-given": "POSSIBLY URGENT: record the segment of the sacral lesion",
    "19-chart-lacks-spine-findings": (
        "POSSIBLY EMERGENT: record the ESCC grade and myelopathy at T8"
    ),
}


def test_committed_files_match_the_builder():
    committed = sorted(p.name for p in DEMO.glob("*.json"))
    assert committed == sorted(f"{s.slug}.json" for s in build_patients.SCENARIOS)
    for scenario in build_patients.SCENARIOS:
        assert (DEMO / f"{scenario.slug}.json").read_text() == build_patients.render(scenario), (
            f"{scenario.slug}: run python -m sandbox.build_patients"
        )


def test_there_are_enough_demo_patients_and_every_one_is_expected():
    assert len(build_patients.SCENARIOS) >= 25
    assert set(EXPECTED) == set(TIERS) == {s.slug for s in build_patients.SCENARIOS}


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


@pytest.mark.parametrize("slug", sorted(TIERS))
def test_demo_patient_has_its_urgency(slug):
    report = assess_bundle(load(DEMO / f"{slug}.json"))
    patient = TIERS[slug][:2]
    levels = TIERS[slug][2] if len(TIERS[slug]) > 2 else {}
    u = report.assessment.urgency
    assert (u.at_least, u.at_most) == patient
    for la in report.assessment.levels:
        expected = levels.get(la.level.value, patient)
        assert (la.urgency.at_least, la.urgency.at_most) == expected, la.level
    if slug in HEADLINES:
        assert headline(u) == HEADLINES[slug]
    # The text summary leads with the patient's headline, and each level with its own.
    text = render(report)
    assert text.splitlines()[1] == f"  {headline(u)}"
    for la in report.assessment.levels:
        assert f"  {la.level.label}: {headline(la.urgency)}" in text


def test_the_demo_covers_the_new_behaviour():
    # docs/clinical-rules.md §15 and issue 7: an emergent patient, an unexplained myelopathy, a
    # sacral lesion without a segment, regional radiotherapy, a resolved primary, an unknown
    # primary with a tissue diagnosis.
    tiers = {slug: t[:2] for slug, t in TIERS.items()}
    assert (T.EMERGENT, T.EMERGENT) in tiers.values()
    flags = {f for levels in EXPECTED.values() for (*_, fs) in levels.values() for f in fs}
    assert {F.MYELOPATHY_UNEXPLAINED, F.PRIOR_RADIATION_ADJACENT, F.REIRRADIATION} <= flags
    assert any("sacrum" in levels for levels in EXPECTED.values())
    report = assess_bundle(load(DEMO / "24-resolved-colon-primary-active-spine.json"))
    assert report.assessment.findings.primaries[0].description == "colon (recorded as resolved)"
    report = assess_bundle(load(DEMO / "25-unknown-primary-adenocarcinoma.json"))
    assert report.assessment.radiosensitivity is Radiosensitivity.UNCLASSIFIED
