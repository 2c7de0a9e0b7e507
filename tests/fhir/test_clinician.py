"""Findings a clinician enters become the contract's input Observations, read back the same way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.domain.levels import Level
from service.fhir import codes
from service.fhir.clinician import (
    ClinicianFindings,
    LevelEntry,
    clinician_observations,
    for_writing,
)
from service.fhir.extract import resources_from_bundle
from service.fhir.provenance import provenance
from service.fhir.writeback import transaction_bundle
from service.workflow import assess_resources
from tests.conftest import DEMO, load
from tests.profiles.validation import validate_claimed

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
USER = "Practitioner/sandbox-clinician"
T9 = Level("T9")
EVERYTHING = ClinicianFindings(
    levels=(
        LevelEntry(
            T9,
            {
                "sins-pain": "pain-mechanical",
                "sins-bone-lesion": "lesion-lytic",
                "sins-alignment": "alignment-normal",
                "sins-collapse": "collapse-less-than-50",
                "sins-posterolateral": "posterolateral-unilateral",
                "escc-grade": "escc-2",
                "stability-assessment": "unstable",
            },
        ),
    ),
    booleans={"myelopathy": False, "cauda-equina-syndrome": False, "surgical-candidate": True},
    ecog=1,
    karnofsky=80,
)


def observations(findings=EVERYTHING, **kw):
    options = {"performer": USER, "now": NOW, "entry": "session-1", **kw}
    return clinician_observations(findings, "p1", **options)


def by_code(emitted):
    return {e.resource["code"]["coding"][0]["code"]: e.resource for e in emitted}


# (code, profile, category, value key) per finding (module docstring of service/fhir/clinician.py)
SHAPES = [
    ("sins-pain", codes.PROFILE_LESION_PAIN, "exam", "valueCodeableConcept"),
    ("sins-bone-lesion", codes.PROFILE_LESION_IMAGING_FINDING, "imaging", "valueCodeableConcept"),
    ("escc-grade", codes.PROFILE_LESION_IMAGING_FINDING, "imaging", "valueCodeableConcept"),
    ("stability-assessment", codes.PROFILE_CLINICIAN_JUDGEMENT, "exam", "valueCodeableConcept"),
    ("myelopathy", codes.PROFILE_NEUROLOGY_FINDING, "exam", "valueBoolean"),
    ("surgical-candidate", codes.PROFILE_CLINICIAN_JUDGEMENT, "exam", "valueBoolean"),
    (codes.LOINC_ECOG, codes.MCODE_ECOG_PROFILE, "survey", "valueInteger"),
    (codes.LOINC_KARNOFSKY, codes.MCODE_KARNOFSKY_PROFILE, "survey", "valueInteger"),
]


@pytest.mark.parametrize(("code", "profile", "category", "value"), SHAPES, ids=lambda x: str(x))
def test_each_finding_has_the_contract_shape(code, profile, category, value):
    resource = by_code(observations())[code]
    assert resource["meta"]["profile"] == [profile]
    assert resource["category"][0]["coding"][0]["code"] == category
    assert value in resource
    assert resource["status"] == "final"
    assert resource["subject"] == {"reference": "Patient/p1"}
    assert resource["performer"] == [{"reference": USER}]
    assert resource["effectiveDateTime"] == "2026-11-01T09:00:00Z"
    assert resource["identifier"][0]["system"] == codes.RESULT_IDENTIFIER_SYSTEM


def test_level_findings_carry_the_vertebra_and_patient_findings_do_not():
    found = by_code(observations())
    assert found["escc-grade"]["bodySite"] == codes.VERTEBRA[T9].concept()
    assert found["escc-grade"]["valueCodeableConcept"]["coding"][0]["code"] == "escc-2"
    assert "bodySite" not in found["myelopathy"]
    assert found["myelopathy"]["valueBoolean"] is False  # entered "no" is a real "absent"


def test_performance_status_keeps_its_native_scale_with_the_loinc_answer():
    found = by_code(observations())
    ecog, kps = found[codes.LOINC_ECOG], found[codes.LOINC_KARNOFSKY]
    assert ecog["valueInteger"] == 1
    assert ecog["interpretation"][0]["coding"] == [{"system": codes.LOINC, "code": "LA9623-5"}]
    assert kps["valueInteger"] == 80
    assert kps["interpretation"][0]["coding"][0]["code"] == "LA29177-5"


def test_every_entered_finding_validates_against_its_profile():
    # The performance status Observations claim mCODE's profiles, which are not in profiles/:
    # their shape is checked above (code, valueInteger, interpretation from the LOINC list).
    ours = [
        e for e in observations() if e.resource["meta"]["profile"][0].startswith(codes.CANONICAL)
    ]
    assert len(ours) == 10
    problems = {e.identifier: p for e in ours if (p := validate_claimed(e.resource))}
    assert problems == {}


def test_identifiers_are_the_same_for_the_same_entry_and_new_for_a_new_one():
    first = [e.identifier for e in observations()]
    assert first == [e.identifier for e in observations(now=datetime(2027, 1, 1, tzinfo=UTC))]
    assert set(first).isdisjoint(e.identifier for e in observations(entry="session-2"))
    assert set(first).isdisjoint(e.identifier for e in observations(performer="Practitioner/x"))
    assert len(set(first)) == len(first)


def test_nothing_entered_gives_nothing():
    assert ClinicianFindings().empty
    assert observations(ClinicianFindings()) == []


@pytest.mark.parametrize(
    "build",
    [
        lambda: LevelEntry(T9, {"sins-pain": "pain-severe"}),
        lambda: LevelEntry(T9, {"sins-score": "3"}),
        lambda: ClinicianFindings(booleans={"paraplegia": True}),
        lambda: ClinicianFindings(ecog=5),  # 5 = dead: never entered as a performance status
        lambda: ClinicianFindings(karnofsky=0),
        lambda: ClinicianFindings(karnofsky=75),
    ],
)
def test_values_outside_the_contract_are_refused(build):
    with pytest.raises(ValueError):
        build()


def _demo(name: str):
    resources, issues = resources_from_bundle(load(DEMO / f"{name}.json"))
    return resources, issues


def test_entered_findings_are_read_back_as_the_newest_values():
    resources, issues = _demo("16-sins-indeterminate-no-surgeon-call")
    before = assess_resources(resources, issues=issues, now=NOW)
    patient_id = before.extraction.patient_id
    level = before.assessment.levels[0].level
    assert before.assessment.levels[0].lesion.surgeon_stability is None
    entered = clinician_observations(
        ClinicianFindings(levels=(LevelEntry(level, {"stability-assessment": "unstable"}),)),
        patient_id,
        performer=USER,
        now=NOW,
        entry="s",
    )
    after = assess_resources([*resources, *(e.resource for e in entered)], issues=issues, now=NOW)
    assert after.assessment.levels[0].lesion.surgeon_stability.value == "unstable"
    assert f"Observation/{entered[0].resource['id']}" in after.extraction.references(
        after.assessment.levels[0].noms_inputs
    )


def test_for_writing_drops_local_ids_and_points_results_at_the_findings():
    resources, issues = _demo("19-chart-lacks-spine-findings")
    first = assess_resources(resources, issues=issues, now=NOW)
    level = first.assessment.levels[0].level
    entered = clinician_observations(
        ClinicianFindings(levels=(LevelEntry(level, {"escc-grade": "escc-3"}),)),
        first.extraction.patient_id,
        performer=USER,
        now=NOW,
        entry="s",
    )
    report = assess_resources([*resources, *(e.resource for e in entered)], issues=issues, now=NOW)
    findings, results = for_writing(entered, report.results)
    assert all("id" not in f.resource for f in findings)
    local = f"Observation/{entered[0].resource['id']}"
    text = str([r.resource for r in results])
    assert local not in text and entered[0].full_url in text
    prov = provenance([*findings, *results], report.extraction, NOW, "test", USER)
    bundle = transaction_bundle([*findings, *results], prov)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    cited = {
        ref["reference"]
        for entry in bundle["entry"]
        for ref in entry["resource"].get("derivedFrom", [])
        if ref["reference"].startswith("urn:uuid:")
    }
    assert cited and cited <= full_urls  # every citation resolves inside the transaction
    assert prov.resource["agent"][1]["who"] == {"reference": USER}
