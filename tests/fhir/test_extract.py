"""Extraction: real Synthea charts, the status, recency and conflict rules, contract corners."""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.escc import Grade
from service.domain.findings import OutOfScope, StabilityCall
from service.domain.histology import Radiosensitivity, TokuhashiSite, TomitaGrowth
from service.domain.levels import Level
from service.domain.metastases import Count, Organ, VisceralMetastases
from service.domain.neurology import Ambulatory, Frankel
from service.domain.sins import BoneLesion, Pain
from service.fhir import codes
from service.fhir.extract import (
    InvalidInput,
    extract,
    parse_when,
    reference_key,
    resources_from_bundle,
)
from tests.fhir.builders import PATIENT, bundle, condition, loinc_obs, so_obs, spine_met


def run(*resources: dict[str, Any]):
    return extract([PATIENT, *resources])


# --- Synthea: real data nobody here wrote -----------------------------------------------------


def test_synthea_lung_cancer_patient_is_read_and_classified(austin):
    resources, issues = resources_from_bundle(austin)
    x = extract(resources, issues=issues)
    (primary,) = x.findings.primaries
    # "Non-small cell lung cancer" (SNOMED 254637007): NSCLC is radioresistant
    # (docs/clinical-rules.md §3), lung for Tokuhashi (0 points) and Tomita (rapid growth), and lung
    # cancer for Bauer.
    assert primary.radiosensitivity is Radiosensitivity.RESISTANT
    assert primary.tokuhashi == {TokuhashiSite.LUNG_STOMACH_GROUP}
    assert primary.tomita is TomitaGrowth.RAPID
    assert primary.lung is True and primary.bauer_favourable is False
    # Exactly the two Conditions coding the cancer (NSCLC, and NSCLC TNM stage 1); "Suspected
    # lung cancer (situation)" (162573006) is not a diagnosis and must not be among them.
    code_of = {
        f"Condition/{r['id']}": r["code"]["coding"][0]["code"]
        for r in resources
        if r["resourceType"] == "Condition"
    }
    assert sorted(code_of[ref] for ref in x.sources["primary-cancer"]) == ["254637007", "424132000"]


def test_synthea_invents_nothing_spine_specific(austin):
    resources, issues = resources_from_bundle(austin)
    x = extract(resources, issues=issues)
    f = x.findings
    # 48 "combined chemotherapy and radiation therapy" procedures carry no body site: no level
    # gets prior radiation, and no lesion, neurology or performance status appears.
    assert f.lesions == ()
    assert (f.myelopathy, f.cauda_equina, f.surgical_candidate) == (None, None, None)
    assert (f.performance.ecog, f.performance.kps, f.frankel, f.ambulatory) == (None,) * 4
    assert f.albumin_g_per_dl is None
    assert f.metastases.organ_sites == frozenset()
    assert f.metastases.extraspinal_bone == Count.at_least(0)
    assert not [k for k in x.sources if "/" in k]


def test_synthea_deceased_patient_is_reported_and_aged_at_death(austin):
    resources, issues = resources_from_bundle(austin)
    x = extract(resources, issues=issues)
    assert any(i.severity == "error" and "deceased" in i.message for i in x.issues)
    assert x.findings.age == 69


def test_synthea_resolved_colon_cancer_is_classified_but_not_used(darin):
    resources, issues = resources_from_bundle(darin)
    x = extract(resources, issues=issues)
    assert x.findings.primaries == ()
    notes = [i for i in x.issues if "primary cancer (colon)" in i.message]
    assert len(notes) == 1 and "resolved" in notes[0].message
    # The code itself maps to colon: radioresistant (colorectal), Tokuhashi "others".
    code = codes.PRIMARY_SNOMED["93761005"]
    assert code.site.radiosensitivity is Radiosensitivity.RESISTANT
    assert code.site.tokuhashi == {TokuhashiSite.OTHERS}


def test_synthea_references_are_made_local(austin):
    resources, _ = resources_from_bundle(austin)
    condition_subjects = {
        r["subject"]["reference"] for r in resources if r["resourceType"] == "Condition"
    }
    assert condition_subjects == {"Patient/84afbe27-2a55-4f53-b1de-3513e21dae68"}


# --- Bundles that cannot be assessed ----------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a FHIR Bundle"),
        ({"resourceType": "Patient", "id": "x"}, "not a FHIR Bundle"),
        ({"resourceType": "Bundle", "type": "batch", "entry": []}, "not one of"),
        (
            {"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "x"}]},
            "entry 0 does not hold a FHIR resource",
        ),
        (
            {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": {"resourceType": "Widget"}}],
            },
            "entry 0",
        ),
        ({"resourceType": "Bundle", "type": "collection", "entry": "nope"}, "not a list"),
    ],
    ids=["list", "not-bundle", "batch", "no-resource", "unknown-type", "entry-not-list"],
)
def test_unreadable_bundles_are_refused(document, message):
    with pytest.raises(InvalidInput, match=message):
        resources_from_bundle(document)


def test_several_patients_are_refused():
    other = {**PATIENT, "id": "p2"}
    with pytest.raises(InvalidInput, match="several Patient"):
        extract([PATIENT, other])
    stray = spine_met("m1", "T9")
    stray["subject"] = {"reference": "Patient/p2"}
    with pytest.raises(InvalidInput, match="several patients"):
        extract([PATIENT, stray])


def test_no_patient_at_all_is_refused():
    with pytest.raises(InvalidInput, match="names no patient"):
        extract(
            [{"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"}}]
        )


def test_invalid_resource_is_skipped_and_reported():
    broken = so_obs("o1", "myelopathy", boolean=True)
    broken["valueBoolean"] = "yes"
    broken["unexpected"] = 1
    x = run(broken, so_obs("o2", "surgical-candidate", boolean=True))
    assert x.findings.myelopathy is None
    assert x.findings.surgical_candidate is True
    assert any(i.resource == "Observation/o1" and "not a valid FHIR" in i.message for i in x.issues)


def test_operation_outcome_entries_become_issues():
    outcome = {
        "resourceType": "OperationOutcome",
        "id": "oo",
        "issue": [
            {"severity": "warning", "code": "incomplete", "diagnostics": "results truncated"}
        ],
    }
    _, issues = resources_from_bundle(bundle(PATIENT, outcome, kind="searchset"))
    assert [i.message for i in issues] == ["server reported: results truncated"]


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("Patient/1", "Patient/1"),
        ("https://ehr.test/fhir/Patient/1", "Patient/1"),
        ("Observation/9/_history/3", "Observation/9"),
        ("urn:uuid:abc", "urn:uuid:abc"),
    ],
)
def test_reference_key(reference, key):
    assert reference_key(reference) == key


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024", "2024-01-01T00:00:00+00:00"),
        ("2024-03", "2024-03-01T00:00:00+00:00"),
        ("2024-03-05", "2024-03-05T00:00:00+00:00"),
        ("2024-03-05T10:00:00+02:00", "2024-03-05T08:00:00+00:00"),
        ("2024-03-05T10:00:00Z", "2024-03-05T10:00:00+00:00"),
    ],
)
def test_fhir_dates_are_compared_in_utc(text, iso):
    assert parse_when(text).isoformat() == iso


# --- Status, recency, conflicts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "used", "preliminary"),
    [
        ("final", True, False),
        ("amended", True, False),
        ("corrected", True, False),
        ("preliminary", True, True),
        ("registered", False, False),
        ("cancelled", False, False),
        ("entered-in-error", False, False),
    ],
)
def test_observation_status_rules(status, used, preliminary):
    x = run(
        spine_met("m", "T9"), so_obs("o", "escc-grade", answer="escc-2", level="T9", status=status)
    )
    (lesion,) = x.findings.lesions
    assert (lesion.escc_grade is Grade.G2) is used
    assert ("T9/escc-grade" in x.findings.preliminary) is preliminary


@pytest.mark.parametrize(
    ("clinical", "verification", "used"),
    [
        ("active", "confirmed", True),
        ("recurrence", "confirmed", True),
        ("relapse", None, True),
        (None, None, True),
        ("resolved", "confirmed", False),
        ("remission", "confirmed", False),
        ("active", "refuted", False),
        ("active", "entered-in-error", False),
    ],
)
def test_condition_status_rules(clinical, verification, used):
    breast = condition(
        "c", (codes.ICD10CM, "C50.911"), clinical=clinical, verification=verification
    )
    x = run(breast)
    assert bool(x.findings.primaries) is used


def test_newest_value_wins_and_the_conflict_is_reported():
    x = run(
        spine_met("m", "T9"),
        so_obs("old", "sins-bone-lesion", answer="lesion-blastic", level="T9", when="2026-01-01"),
        so_obs("new", "sins-bone-lesion", answer="lesion-lytic", level="T9", when="2026-09-01"),
    )
    (lesion,) = x.findings.lesions
    assert lesion.bone_lesion is BoneLesion.LYTIC
    assert "T9/sins-bone-lesion" in x.findings.conflicting
    assert x.sources["T9/sins-bone-lesion"] == ("Observation/new",)
    assert any("conflicting" in i.message and i.resource == "Observation/new" for i in x.issues)


def test_conflict_without_a_newest_value_leaves_the_finding_unknown():
    x = run(
        spine_met("m", "T9"),
        so_obs("a", "sins-pain", answer="pain-mechanical", level="T9", when=None),
        so_obs("b", "sins-pain", answer="pain-free", level="T9", when=None),
    )
    (lesion,) = x.findings.lesions
    assert lesion.pain is None
    assert "T9/sins-pain" in x.findings.conflicting


def test_agreeing_values_are_no_conflict():
    x = run(
        spine_met("m", "T9"),
        so_obs("a", "sins-pain", answer="pain-mechanical", level="T9", when="2026-01-01"),
        so_obs("b", "sins-pain", answer="pain-mechanical", level="T9", when="2026-02-01"),
    )
    assert x.findings.lesions[0].pain is Pain.MECHANICAL
    assert not x.findings.conflicting


def test_data_absent_reason_is_not_a_value():
    obs = so_obs("o", "myelopathy", dataAbsentReason={"text": "not examined"})
    assert run(obs).findings.myelopathy is None


# --- Levels, lesions and metastases -----------------------------------------------------------


def test_level_comes_from_the_focus_when_body_site_is_missing():
    obs = so_obs("o", "escc-grade", answer="escc-3", focus=[{"reference": "Condition/m"}])
    x = run(spine_met("m", "L1"), obs)
    assert x.findings.lesions[0].level is Level.L1
    assert x.findings.lesions[0].escc_grade is Grade.G3
    assert x.focus[Level.L1] == ("Condition/m",)


def test_finding_without_level_is_reported_not_guessed():
    x = run(spine_met("m", "T9"), so_obs("o", "sins-collapse", answer="collapse-none"))
    assert x.findings.lesions[0].collapse is None
    assert any("without a vertebral bodySite" in i.message for i in x.issues)


def test_imaging_finding_alone_establishes_a_lesion():
    x = run(so_obs("o", "escc-grade", answer="escc-1b", level="C5"))
    assert [lesion.level for lesion in x.findings.lesions] == [Level.C5]


def test_finding_at_a_level_without_a_lesion_is_not_used():
    x = run(spine_met("m", "T9"), so_obs("o", "sins-pain", answer="pain-free", level="T3"))
    assert [lesion.level for lesion in x.findings.lesions] == [Level.T9]
    assert any("T3" in i.message and "not used" in i.message for i in x.issues)


def test_cord_compression_condition_marks_the_level():
    x = run(spine_met("m", "T6"), condition("cc", (codes.SNOMED, "71286001"), levels=("T6",)))
    lesion = x.findings.lesions[0]
    assert lesion.cord_compression_reported and lesion.escc_grade is None
    assert x.sources["T6/cord-compression"] == ("Condition/cc",)


def test_intramedullary_metastasis_puts_the_level_out_of_scope():
    intramedullary = condition("im", (codes.ICD10CM, "C79.49"), levels=("T4",), sites=("2748008",))
    x = run(intramedullary)
    assert x.findings.lesions[0].out_of_scope is OutOfScope.INTRAMEDULLARY


@pytest.mark.parametrize(
    ("coding", "sites", "organ"),
    [
        ((codes.ICD10CM, "C78.01"), (), Organ.LUNG),
        ((codes.ICD10CM, "C78.7"), (), Organ.LIVER),
        ((codes.ICD10CM, "C79.31"), (), Organ.BRAIN),
        ((codes.ICD10, "C79.3"), (), Organ.BRAIN),
        ((codes.ICD10CM, "C79.71"), (), Organ.ADRENAL),
        ((codes.ICD10CM, "C79.01"), (), Organ.KIDNEY),
        ((codes.SNOMED, "94225005"), (), Organ.BRAIN),
        ((codes.SNOMED, "128462008"), ("10200004",), Organ.LIVER),
    ],
)
def test_organ_metastases_from_conditions(coding, sites, organ):
    x = run(spine_met("m", "T9"), condition("v", coding, sites=sites))
    assert x.findings.metastases.organ_sites == {organ}
    assert x.sources["major-organ-metastases"] == ("Condition/v",)


def test_counts_from_conditions_are_lower_bounds_and_explicit_counts_win():
    femur = condition("f", (codes.ICD10CM, "C79.51"), sites=("71341001",))
    derived = run(spine_met("a", "T9"), spine_met("b", "L2"), femur).findings.metastases
    assert derived.vertebral == Count.at_least(2)
    assert derived.extraspinal_bone == Count.at_least(1)
    explicit = run(
        spine_met("a", "T9"),
        spine_met("b", "L2"),
        femur,
        so_obs("v", "vertebral-metastases-count", integer=4),
        so_obs("e", "extraspinal-bone-metastases-count", integer=3),
    ).findings
    assert explicit.metastases.vertebral == Count.exact(4)
    assert explicit.metastases.extraspinal_bone == Count.exact(3)


def test_explicit_count_below_the_record_is_a_reported_conflict():
    x = run(
        spine_met("a", "T9"),
        spine_met("b", "L2"),
        so_obs("v", "vertebral-metastases-count", integer=1),
    )
    assert x.findings.metastases.vertebral == Count.exact(1)
    assert "vertebral-metastases-count" in x.findings.conflicting


def test_visceral_none_contradicted_by_a_diagnosis():
    x = run(
        spine_met("m", "T9"),
        condition("liver", (codes.ICD10CM, "C78.7")),
        so_obs("v", "visceral-metastases", answer="visceral-none"),
    )
    assert x.findings.metastases.visceral_answer is VisceralMetastases.NONE
    assert "visceral-metastases" in x.findings.conflicting


def test_prior_radiation_from_a_procedure_and_a_denial_is_assumed_with_a_conflict():
    rt = {
        "resourceType": "Procedure",
        "id": "rt",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "performedDateTime": "2025-01-01",
        "code": {"coding": [{"system": codes.SNOMED, "code": "1217123003"}]},
        "bodySite": [{"coding": [{"system": codes.SNOMED, "code": "33766003"}]}],
    }
    denial = so_obs("no", "prior-radiation", boolean=False, level="T9", when="2026-01-01")
    x = run(spine_met("m", "T9"), rt, denial)
    assert x.findings.lesions[0].prior_radiation is True
    assert "T9/prior-radiation" in x.findings.conflicting
    assert x.sources["T9/prior-radiation"] == ("Procedure/rt",)


def test_radiotherapy_without_body_site_sets_no_level():
    rt = {
        "resourceType": "Procedure",
        "id": "rt",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": codes.SNOMED, "code": "703423002"}]},
    }
    assert run(spine_met("m", "T9"), rt).findings.lesions[0].prior_radiation is None


# --- Patient-level findings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obs", "ecog", "kps"),
    [
        (loinc_obs("e", "89247-1", valueInteger=2), 2, None),
        (
            loinc_obs(
                "e",
                "89247-1",
                valueCodeableConcept={"coding": [{"system": codes.LOINC, "code": "LA9625-0"}]},
            ),
            3,
            None,
        ),
        (loinc_obs("k", "89243-0", valueInteger=70), None, 70),
        (
            loinc_obs(
                "k",
                "89243-0",
                valueCodeableConcept={"coding": [{"system": codes.LOINC, "code": "LA29181-7"}]},
            ),
            None,
            40,
        ),
        (loinc_obs("k", "89243-0", valueInteger=75), None, None),
        (loinc_obs("e", "89247-1", valueInteger=5), None, None),
    ],
    ids=["ecog-int", "ecog-answer", "kps-int", "kps-answer", "kps-not-a-step", "ecog-dead"],
)
def test_performance_status_native_scales(obs, ecog, kps):
    performance = run(obs).findings.performance
    assert (performance.ecog, performance.kps) == (ecog, kps)


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [(3.6, "g/dL", 3.6), (34, "g/L", 3.4), (3.5, "mg/dL", None), (3.5, "g/dl", None)],
)
def test_albumin_units(value, unit, expected):
    obs = loinc_obs(
        "a",
        "1751-7",
        valueQuantity={"value": value, "unit": unit, "system": codes.UCUM, "code": unit},
    )
    x = run(obs)
    assert x.findings.albumin_g_per_dl == expected
    if expected is None:
        assert any("albumin" in i.message and i.severity == "error" for i in x.issues)


def test_neurology_and_judgements():
    x = run(
        spine_met("m", "T9"),
        so_obs("my", "myelopathy", boolean=False),
        condition("ces", (codes.SNOMED, "192970008")),
        so_obs("fr", "frankel-grade", answer="frankel-c"),
        so_obs("amb", "ambulatory-status", answer="ambulatory-assisted"),
        so_obs("sc", "surgical-candidate", boolean=False),
        so_obs("st", "stability-assessment", answer="unstable", level="T9"),
        loinc_obs("asia", "97843-7", valueString="B"),
    )
    f = x.findings
    assert (f.myelopathy, f.cauda_equina, f.myelopathy_or_ces) == (False, True, True)
    # The Frankel grade (10:00) is newer than the AIS grade (that day, 00:00): the newest wins
    # across both scales (docs/clinical-rules.md §15.7); C and B correspond, so no conflict.
    assert f.frankel is Frankel.C and f.asia is None
    assert "asia" not in f.conflicting
    assert f.ambulatory is Ambulatory.ASSISTED and f.surgical_candidate is False
    assert f.lesions[0].surgeon_stability is StabilityCall.UNSTABLE
    assert x.sources["cauda-equina-syndrome"] == ("Condition/ces",)


def test_morphology_settles_lung_histology():
    lung = condition("c", (codes.ICD10CM, "C34.90"))
    plain = run(lung).findings.primaries[0]
    assert plain.radiosensitivity is Radiosensitivity.UNCLASSIFIED  # lung needs histology
    lung["extension"] = [
        {
            "url": codes.MCODE_HISTOLOGY_EXTENSION,
            "valueCodeableConcept": {"coding": [{"system": codes.ICDO3, "code": "8041/3"}]},
        }
    ]
    small_cell = run(lung).findings.primaries[0]
    assert small_cell.radiosensitivity is Radiosensitivity.SOLID


def test_several_primaries_with_different_classes_are_a_conflict():
    x = run(condition("b", (codes.ICD10CM, "C50.911")), condition("k", (codes.SNOMED, "363518003")))
    assert len(x.findings.primaries) == 2
    assert x.findings.radiosensitivity is None
    assert "primary-cancer" in x.findings.conflicting


DICOM = "http://dicom.nema.org/resources/ontology/DCM"


def test_imaging_study_series_body_site_is_a_coding_in_r4():
    # R4 ImagingStudy.series.bodySite is a Coding, not a CodeableConcept (FHIR R4
    # imagingstudy.html); the level must still be read from it.
    study = {
        "resourceType": "ImagingStudy",
        "id": "mri-1",
        "status": "available",
        "subject": {"reference": "Patient/p1"},
        "started": "2026-10-20T09:00:00Z",
        "modality": [{"system": DICOM, "code": "MR"}],
        "series": [
            {
                "uid": "1.2.3",
                "modality": {"system": DICOM, "code": "MR"},
                "bodySite": {"system": codes.SNOMED, "code": "33766003"},
            }
        ],
    }
    (summary,) = run(study).imaging
    assert summary.levels == (Level.T9,)
    assert summary.modalities == ("MR",)
