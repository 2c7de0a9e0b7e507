"""What the chart holds that no assessed level accounts for, read at the FHIR boundary.

Defects of the second clinical review: spinal disease coded to a region, bone metastases without
a site, neurology and cord compression without an assessed level, radiotherapy to a region, a
junction, without a site or stopped, SNOMED-only cancers outside the mapping table. Each table has
rows where the rule applies and rows where it must not; the rules are docs/clinical-rules.md
§15.1, §15.2, §15.6, §15.9 and §15.12 (and docs/fhir-input.md for the codes).
"""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.assessment import assess
from service.domain.histology import Radiosensitivity
from service.domain.levels import Level, SpinalArea
from service.domain.urgency import Tier, headline
from service.fhir import codes
from service.fhir.extract import extract
from tests.fhir.builders import PATIENT, condition, so_obs, spine_met

BREAST = condition("b", (codes.ICD10CM, "C50.911"))
VERTEBRAL_COLUMN, CERVICAL, THORACIC, LUMBAR = "421060004", "84667006", "35769007", "73903008"
THORACOLUMBAR, BODY_OF_VERTEBRA, FEMUR = "1145014005", "3572006", "71341001"
T4, T9, L3 = "86197001", "33766003", "55492004"


def run(*resources: dict[str, Any]):
    x = extract([PATIENT, *resources])
    return x, assess(x.findings)


def quiet_level(rid: str, level: str) -> list[dict[str, Any]]:
    """A metastasis at the level whose own urgency is certainly routine (ESCC 1a, SINS low)."""
    answers = {
        "sins-pain": "pain-free",
        "sins-bone-lesion": "lesion-blastic",
        "sins-alignment": "alignment-normal",
        "sins-collapse": "collapse-none",
        "sins-posterolateral": "posterolateral-none",
        "escc-grade": "escc-1a",
    }
    return [spine_met(rid, level)] + [
        so_obs(f"{rid}-{name}", name, answer=value, level=level) for name, value in answers.items()
    ]


# --- Defect 1: a metastasis coded to a spinal region or grouper is spinal disease (§15.2)

REGION_METASTASES = [
    # id, codings, body sites, areas without a level, extraspinal bone sites counted
    ("c79-51-thoracic-spine", (codes.ICD10CM, "C79.51"), (THORACIC,), (SpinalArea.THORACIC,), 0),
    ("c79-51-lumbar-spine", (codes.ICD10CM, "C79.51"), (LUMBAR,), (SpinalArea.LUMBAR,), 0),
    ("c79-51-cervical-spine", (codes.ICD10CM, "C79.51"), (CERVICAL,), (SpinalArea.CERVICAL,), 0),
    ("c79-51-vertebral-column", (codes.ICD10CM, "C79.51"), (VERTEBRAL_COLUMN,),
     (SpinalArea.VERTEBRAL_COLUMN,), 0),
    ("snomed-bone-thoracolumbar-junction", (codes.SNOMED, "94222008"), (THORACOLUMBAR,),
     (SpinalArea.THORACOLUMBAR,), 0),
    ("generic-secondary-body-of-vertebra", (codes.SNOMED, "128462008"), (BODY_OF_VERTEBRA,),
     (SpinalArea.VERTEBRA,), 0),
    ("vertebral-column-code-names-its-region", (codes.SNOMED, "94602001"), (LUMBAR,),
     (SpinalArea.LUMBAR,), 0),
    # Negative: a femur metastasis stays extraspinal bone.
    ("femur-is-extraspinal", (codes.ICD10CM, "C79.51"), (FEMUR,), (), 1),
    # Both: a region and a femur on one Condition.
    ("thoracic-spine-and-femur", (codes.ICD10CM, "C79.51"), (THORACIC, FEMUR),
     (SpinalArea.THORACIC,), 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("coding", "sites", "areas", "extraspinal"),
    [r[1:] for r in REGION_METASTASES],
    ids=[r[0] for r in REGION_METASTASES],
)
def test_a_metastasis_coded_to_a_spinal_region_is_spinal_disease(coding, sites, areas, extraspinal):
    x, a = run(BREAST, condition("m", coding, sites=sites))
    assert x.findings.unlocated_spinal_metastases == areas
    assert x.findings.metastases.extraspinal_bone.low == extraspinal
    assert x.findings.lesions == ()
    if areas:
        assert (a.urgency.at_least, a.urgency.at_most) == (Tier.ROUTINE, Tier.EMERGENT)
        line = headline(a.urgency)
        assert line == "POSSIBLY EMERGENT: record the level of the spinal metastasis"
        assert areas[0].label in a.urgency.reasons[0]
        assert "metastasis-level" in a.urgency.deciding
        assert "Condition/m" in x.references(a.urgency_inputs)
    else:
        assert a.urgency.at_most is Tier.NONE


# --- Defect 2: a bone metastasis without a body site may be spinal (§15.2)

BONE_WITHOUT_SITE = [
    # id, resources, (at least, at most), asks for the site
    ("c79-51-without-site", (condition("m", (codes.ICD10CM, "C79.51")),),
     (Tier.NONE, Tier.EMERGENT), True),
    ("snomed-bone-without-site", (condition("m", (codes.SNOMED, "94222008")),),
     (Tier.NONE, Tier.EMERGENT), True),
    # With a routine level the range starts at routine; the site still decides emergent.
    ("beside-a-routine-level", (condition("m", (codes.ICD10CM, "C79.51")),
                                *quiet_level("t9", "T9")), (Tier.ROUTINE, Tier.EMERGENT), True),
    # Negatives: a routine level alone; a femur metastasis is no spinal disease.
    ("routine-level-alone", tuple(quiet_level("t9", "T9")), (Tier.ROUTINE, Tier.ROUTINE), False),
    ("femur", (condition("m", (codes.ICD10CM, "C79.51"), sites=(FEMUR,)),),
     (Tier.NONE, Tier.NONE), False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("resources", "tiers", "asks"),
    [r[1:] for r in BONE_WITHOUT_SITE],
    ids=[r[0] for r in BONE_WITHOUT_SITE],
)
def test_a_bone_metastasis_without_a_site_is_possible_spinal_involvement(resources, tiers, asks):
    x, a = run(BREAST, *resources)
    assert (a.urgency.at_least, a.urgency.at_most) == tiers
    assert ("bone-metastasis-site" in a.urgency.deciding) is asks
    if asks:
        assert headline(a.urgency).startswith(
            "POSSIBLY EMERGENT: record the body site of the bone metastasis"
        )
        assert "Condition/m" in x.references(a.urgency_inputs)


# --- Defect 3: myelopathy or CES that no assessed level explains (§15.1, §15.2)

ELSEWHERE = [
    # id, neurology resources, lesions (quiet unless named), T4 tier, patient (at least, at most)
    ("ces-at-L3-with-a-T4-lesion",
     (condition("ces", (codes.SNOMED, "192970008"), levels=("L3",)),), ("T4",),
     Tier.ROUTINE, (Tier.ROUTINE, Tier.EMERGENT)),
    ("ces-observation-at-L3-with-a-T4-lesion",
     (so_obs("ces", "cauda-equina-syndrome", boolean=True, level="L3"),), ("T4",),
     Tier.ROUTINE, (Tier.ROUTINE, Tier.EMERGENT)),
    ("myelopathy-at-T9-without-a-lesion-there",
     (so_obs("my", "myelopathy", boolean=True, level="T9"),), ("T4",),
     Tier.ROUTINE, (Tier.ROUTINE, Tier.EMERGENT)),
    ("myelopathy-at-L3-where-it-cannot-arise",
     (so_obs("my", "myelopathy", boolean=True, level="L3"),), ("T4", "L3"),
     Tier.ROUTINE, (Tier.ROUTINE, Tier.EMERGENT)),
    # Negatives: recorded absent at L3; CES recorded at T4 cannot arise there but absent.
    ("ces-absent-at-L3", (so_obs("ces", "cauda-equina-syndrome", boolean=False, level="L3"),),
     ("T4",), Tier.ROUTINE, (Tier.ROUTINE, Tier.ROUTINE)),
    ("nothing-recorded", (), ("T4",), Tier.ROUTINE, (Tier.ROUTINE, Tier.ROUTINE)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("neuro", "lesions", "t4", "patient"),
    [r[1:] for r in ELSEWHERE],
    ids=[r[0] for r in ELSEWHERE],
)
def test_neurology_no_assessed_level_explains_raises_the_patient_not_the_level(
    neuro, lesions, t4, patient
):
    mets = [r for level in lesions for r in quiet_level(f"m-{level}", level)]
    x, a = run(BREAST, *mets, *neuro)
    (t4_level,) = [la for la in a.levels if la.level is Level.T4]
    # The finding belongs to its own level: it never makes T4 urgent or emergent.
    assert t4_level.urgency.tier is t4
    assert (a.urgency.at_least, a.urgency.at_most) == patient
    if patient[1] is Tier.EMERGENT:
        line = headline(a.urgency)
        assert line.startswith("POSSIBLY EMERGENT: ")
        assert "look for another level or cause" in line
        assert neuro[0]["resourceType"] + "/" + neuro[0]["id"] in x.references(a.urgency_inputs)


def test_ces_recorded_at_a_level_with_high_grade_compression_there_is_emergent_there():
    # Positive control: the record explained by its own level (L1, the conus, where ESCC keeps
    # its meaning; below it the category is a clinician's judgement, O-3).
    mets = quiet_level("m", "L1")
    mets[-1] = so_obs("m-escc", "escc-grade", answer="escc-3", level="L1")
    ces = condition("ces", (codes.SNOMED, "192970008"), levels=("L1",))
    _, a = run(BREAST, *mets, ces)
    (l1,) = a.levels
    assert l1.urgency.tier is Tier.EMERGENT
    assert a.urgency.tier is Tier.EMERGENT


# --- Defect 4: cord compression without a level feeds the patient's urgency (§15.2)

COMPRESSION_WITHOUT_LEVEL = [
    # id, neurology, (at least, at most)
    ("myelopathy-unknown", (), (Tier.URGENT, Tier.EMERGENT)),
    ("with-myelopathy", (so_obs("my", "myelopathy", boolean=True),), (Tier.EMERGENT,) * 2),
    ("without-myelopathy-or-ces", (so_obs("my", "myelopathy", boolean=False),
                                   so_obs("ces", "cauda-equina-syndrome", boolean=False)),
     (Tier.URGENT, Tier.URGENT)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("neuro", "tiers"),
    [r[1:] for r in COMPRESSION_WITHOUT_LEVEL],
    ids=[r[0] for r in COMPRESSION_WITHOUT_LEVEL],
)
def test_cord_compression_without_a_level_feeds_the_patient(neuro, tiers):
    cc = condition("cc", (codes.SNOMED, "71286001"))
    x, a = run(BREAST, *quiet_level("m", "T9"), cc, *neuro)
    assert x.findings.unlocated_cord_compressions == 1
    assert (a.urgency.at_least, a.urgency.at_most) == tiers
    assert "Condition/cc" in x.references(a.urgency_inputs)
    assert "spinal cord compression" in a.urgency.reasons[0]


def test_cord_compression_with_a_level_is_not_counted_twice():
    cc = condition("cc", (codes.SNOMED, "71286001"), levels=("T9",))
    x, _ = run(BREAST, spine_met("m", "T9"), cc)
    assert x.findings.unlocated_cord_compressions == 0


# --- Defect 6: radiotherapy to a region, junction, the column, without a site, stopped (§15.9)


def radiotherapy(rid: str, *sites: str, status: str = "completed") -> dict[str, Any]:
    proc: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": rid,
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "performedDateTime": "2025-01-01",
        "code": {"coding": [{"system": codes.SNOMED, "code": "1217123003"}]},
    }
    if sites:
        proc["bodySite"] = [{"coding": [{"system": codes.SNOMED, "code": c}]} for c in sites]
    return proc


RADIATION = [
    # id, lesion levels, procedure, {level: (prior radiation, possible, adjacent)}, note word
    ("vertebral-column-covers-every-level", ("T4", "L3"), radiotherapy("rt", VERTEBRAL_COLUMN),
     {"T4": (True, False, ()), "L3": (True, False, ())}, None),
    ("thoracolumbar-junction-covers-T12", ("T12", "T4"), radiotherapy("rt", THORACOLUMBAR),
     {"T12": (True, False, ()), "T4": (None, False, ())}, None),
    ("thoracolumbar-junction-is-adjacent-to-T10", ("T10",), radiotherapy("rt", THORACOLUMBAR),
     {"T10": (None, False, ("T11",))}, None),
    ("no-body-site-is-possible-everywhere", ("T4", "L3"), radiotherapy("rt"),
     {"T4": (None, True, ()), "L3": (None, True, ())}, "may have covered any spinal level"),
    ("a-vertebra-without-its-level-is-possible", ("T4",), radiotherapy("rt", BODY_OF_VERTEBRA),
     {"T4": (None, True, ())}, "at a vertebra without its level"),
    ("stopped-counts-as-started", ("T9",), radiotherapy("rt", T9, status="stopped"),
     {"T9": (True, False, ())}, "stopped"),
    # Negatives: not done and entered in error are no radiation.
    ("not-done-is-nothing", ("T9",), radiotherapy("rt", T9, status="not-done"),
     {"T9": (None, False, ())}, None),
    ("entered-in-error-is-nothing", ("T9",), radiotherapy("rt", T9, status="entered-in-error"),
     {"T9": (None, False, ())}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lesions", "procedure", "expected", "note"),
    [r[1:] for r in RADIATION],
    ids=[r[0] for r in RADIATION],
)
def test_radiotherapy_to_a_region_a_junction_without_a_site_or_stopped(
    lesions, procedure, expected, note
):
    x, a = run(BREAST, *(spine_met(f"m{i}", lv) for i, lv in enumerate(lesions)), procedure)
    for level, (prior, possible, adjacent) in expected.items():
        (found,) = [le for le in x.findings.lesions if le.level is Level(level)]
        assert found.prior_radiation is prior, level
        assert found.prior_radiation_possible is possible, level
        assert tuple(lv.value for lv in found.prior_radiation_adjacent) == adjacent, level
        (la,) = [la for la in a.levels if la.level is Level(level)]
        if possible:
            # Shown as such: never silently dropped, and the plan says what would change.
            assert "prior-radiation" in la.recommendation.missing
            assert any("without a body site" in line for line in la.recommendation.rationale)
            assert f"{level}/prior-radiation" in la.noms_inputs
            assert "Procedure/rt" in x.references(la.noms_inputs)
    if note:
        assert any(note in i.message and i.resource == "Procedure/rt" for i in x.issues)


# --- Defect 7: a SNOMED-only cancer outside the mapping table is shown, never "missing" (§15.6)

SNOMED_ONLY = [
    # id, coding, extra, read as a primary
    ("disorder-display-names-a-malignancy",
     {"system": codes.SNOMED, "code": "93870000",
      "display": "Malignant neoplasm of liver (disorder)"}, {}, True),
    ("profile-with-a-version",
     {"system": codes.SNOMED, "code": "363346000", "display": "Malignant neoplastic disease"},
     {"meta": {"profile": [codes.MCODE_PRIMARY_CANCER_PROFILE + "|4.0.0"]}}, True),
    ("female-breast-outside-the-table",
     {"system": codes.SNOMED, "code": "372064008",
      "display": "Malignant neoplasm of female breast"},
     {}, True),
    # Negatives: a suspicion, a history, a benign neoplasm are not a cancer on record.
    ("suspected-cancer-is-no-primary",
     {"system": codes.SNOMED, "code": "162573006", "display": "Suspected lung cancer (situation)"},
     {}, False),
    ("benign-neoplasm-is-no-primary",
     {"system": codes.SNOMED, "code": "92384009", "display": "Benign neoplasm of skin (disorder)"},
     {}, False),
    ("no-display-no-marker",
     {"system": codes.SNOMED, "code": "93870000"}, {}, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("coding", "extra", "primary"),
    [r[1:] for r in SNOMED_ONLY],
    ids=[r[0] for r in SNOMED_ONLY],
)
def test_a_snomed_only_cancer_outside_the_table_is_shown_not_missing(coding, extra, primary):
    cancer = condition("p", **extra)
    cancer["code"] = {"coding": [coding]}
    x, a = run(cancer, spine_met("m", "T9"))
    (level,) = a.levels
    if primary:
        (found,) = x.findings.primaries
        assert found.radiosensitivity is Radiosensitivity.UNCLASSIFIED
        assert coding["code"] in found.description
        assert "primary-cancer" not in level.recommendation.missing
        assert "primary-cancer" not in a.tomita.missing
        assert any(i.resource == "Condition/p" and "mapping table" in i.message for i in x.issues)
    else:
        assert x.findings.primaries == ()


# --- Every output leads with the patient's urgency, never "no spinal metastasis" (§15.2, §15.12)

SURFACES = [
    ("region-coded-metastasis", condition("m", (codes.ICD10CM, "C79.51"), sites=(THORACIC,))),
    ("bone-metastasis-without-a-site", condition("m", (codes.ICD10CM, "C79.51"))),
    ("cord-compression-without-a-level", condition("cc", (codes.SNOMED, "71286001"))),
]


@pytest.mark.parametrize("resource", [r[1] for r in SURFACES], ids=[r[0] for r in SURFACES])
def test_the_text_summary_leads_with_what_no_level_accounts_for(resource):
    from service.summary import render
    from service.workflow import assess_resources

    text = render(assess_resources([PATIENT, BREAST, resource]))
    second = text.splitlines()[1].strip()
    assert second.startswith("POSSIBLY EMERGENT: ")
    assert "NO SPINAL METASTASIS" not in text
    assert "No spinal metastasis on record" not in text


def test_a_prior_radiation_observation_at_a_vertebra_without_its_level_is_possible_radiation():
    # §15.9: the same for an Observation: yes at "a vertebra" may be any level; no covers none.
    site = {"coding": [{"system": codes.SNOMED, "code": BODY_OF_VERTEBRA}]}
    for value, possible in ((True, True), (False, False)):
        obs = so_obs("pr", "prior-radiation", boolean=value, bodySite=site)
        x, _ = run(BREAST, spine_met("m", "T4"), obs)
        (found,) = x.findings.lesions
        assert (found.prior_radiation, found.prior_radiation_possible) == (None, possible)
