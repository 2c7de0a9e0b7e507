"""Emission: every written resource parses as R4B, follows docs/fhir-output.md, and is stable."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from service.fhir import codes, models
from service.fhir.provenance import input_references, provenance
from service.fhir.writeback import transaction_bundle
from service.workflow import assess_bundle
from tests.conftest import DEMO, load

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 2, 17, 30, tzinfo=UTC)
DEMO_FILES = sorted(DEMO.glob("*.json"))


def so_codes(concept: dict) -> list[str]:
    return [c["code"] for c in concept.get("coding", []) if c["system"] == codes.SPINE_ONCOLOGY]


@pytest.fixture(scope="module", params=DEMO_FILES, ids=[p.stem for p in DEMO_FILES])
def demo(request):
    return request.param, assess_bundle(load(request.param), now=NOW)


@pytest.fixture
def report(demo):
    return demo[1]


def test_every_result_parses_as_an_r4b_model(report):
    for emitted in report.results:
        models.validate(emitted.resource)
    models.validate(report.collection_bundle())


def test_same_assessment_twice_gives_the_same_identifiers(demo):
    path, report = demo
    first = [e.identifier for e in report.results]
    second = [e.identifier for e in assess_bundle(load(path), now=LATER).results]
    assert first == second
    assert len(set(first)) == len(first)


def test_common_elements(report):
    patient = f"Patient/{report.extraction.patient_id}"
    for emitted in report.results:
        r = emitted.resource
        assert r["subject"] == {"reference": patient}
        (profile,) = r["meta"]["profile"]
        assert profile.startswith(f"{codes.CANONICAL}/StructureDefinition/noms-")
        (identifier,) = r["identifier"]
        assert identifier["system"] == codes.RESULT_IDENTIFIER_SYSTEM
        assert r["method"]["text"].startswith("NOMS-CDS rule set 3")
        if r["resourceType"] == "Observation":
            assert (
                so_codes(r["category"][0]) == []
                and r["category"][0]["coding"][0]["code"] == "survey"
            )
            # obs-6: never a value and a dataAbsentReason together
            has_value = any(k.startswith("value") for k in r)
            assert has_value != ("dataAbsentReason" in r)
            for component in r.get("component", []):
                has_value = any(k.startswith("value") for k in component)
                assert has_value != ("dataAbsentReason" in component)


def test_per_level_results_carry_the_vertebra(report):
    for emitted in report.results:
        r = emitted.resource
        code = so_codes(r["code"])[0]
        per_level = code in ("sins-score", "escc-category", "noms-recommendation")
        if code == "spine-urgency":  # per level, or the patient's without a bodySite
            per_level = "bodySite" in r
        if per_level:
            (coding,) = r["bodySite"]["coding"]
            assert coding["system"] == codes.SNOMED
            assert coding["code"] in codes.LEVEL_BY_SNOMED
            assert r["focus"][0]["reference"].startswith("Condition/")
        elif r["resourceType"] == "Observation":
            assert "bodySite" not in r


def test_components_per_profile(report):
    expected = {
        "sins-score": 6,
        "tokuhashi-revised-score": 6,
        "tomita-score": 3,
        "modified-bauer-score": 4,
        "nesms-score": 3,
    }
    for emitted in report.results:
        r = emitted.resource
        code = so_codes(r["code"])[0]
        if code in expected:
            assert len(r["component"]) == expected[code]
        if code == "noms-recommendation":
            parts = [so_codes(c["code"])[0] for c in r["component"]]
            for part in ("noms-radiation", "noms-surgery", "noms-stabilization"):
                assert parts.count(part) == 1
            assert parts.count("noms-rule") >= 1


def test_references_resolve(demo):
    path, report = demo
    inputs = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in load(path)["entry"]}
    urns = {e.full_url for e in report.results}
    for emitted in report.results:
        r = emitted.resource
        for ref in r.get("derivedFrom", []):
            assert ref["reference"].split("/")[0] in codes.DERIVED_FROM_TYPES
        for ref in input_references(r) + [f["reference"] for f in r.get("focus", [])]:
            assert ref in inputs
        for ref in r.get("basis", []):
            assert ref["reference"] in urns
        # Every result rests on some input, except an ESCC category about which nothing is known.
        rests_on_nothing = r["resourceType"] == "RiskAssessment" or (
            "dataAbsentReason" in r and so_codes(r["code"]) == ["escc-category"]
        )
        assert bool(input_references(r)) != rests_on_nothing


def test_risk_assessment_predictions(report):
    assessments = [
        e.resource for e in report.results if e.resource["resourceType"] == "RiskAssessment"
    ]
    assert len(assessments) == len(report.assessment.levels)
    for r in assessments:
        outcomes = [so_codes(p["outcome"])[0] for p in r["prediction"]]
        assert outcomes == ["neurologic-deterioration", "mechanical-failure"]
        for p in r["prediction"]:
            assert p["rationale"]
            if "qualitativeRisk" in p:
                assert p["qualitativeRisk"]["coding"][0]["system"] == codes.RISK_PROBABILITY


def test_provenance_and_transaction(report):
    prov = provenance(report.results, report.extraction, NOW, "0.1.0", user="Practitioner/dr-1")
    models.validate(prov.resource)
    assert [t["reference"] for t in prov.resource["target"]] == [e.full_url for e in report.results]
    assert {a["type"]["coding"][0]["code"] for a in prov.resource["agent"]} == {
        "assembler",
        "enterer",
    }
    transaction = transaction_bundle(report.results, prov)
    models.validate(transaction)
    for entry, emitted in zip(transaction["entry"], report.results, strict=False):
        assert entry["request"]["ifNoneExist"] == (
            f"identifier={codes.RESULT_IDENTIFIER_SYSTEM}|{emitted.identifier}"
        )
    assert transaction["entry"][-1]["request"]["ifNoneExist"].startswith("_tag=")
    again = provenance(report.results, report.extraction, LATER, "0.1.0")
    assert again.resource["meta"]["tag"] == prov.resource["meta"]["tag"]


def test_a_changed_input_changes_only_the_results_that_use_it():
    path = DEMO / "07-r7-nsclc-high-grade-stable-fit.json"
    before = {e.identifier for e in assess_bundle(load(path), now=NOW).results}
    bundle = copy.deepcopy(load(path))
    for entry in bundle["entry"]:
        r = entry["resource"]
        if r["resourceType"] == "Observation" and so_codes(r["code"]) == ["sins-collapse"]:
            r["valueCodeableConcept"]["coding"][0]["code"] = "collapse-less-than-50"
    after = {e.identifier for e in assess_bundle(bundle, now=NOW).results}
    changed = {i.split("-")[0] for i in before - after}
    assert changed == {"sins", "noms"}  # SINS, and the RiskAssessment whose basis changed
    assert {i for i in before & after if i.startswith("tokuhashi")}


def test_missing_components_become_ranges_and_data_absent():
    report = assess_bundle(load(DEMO / "19-chart-lacks-spine-findings.json"), now=NOW)
    sins = next(
        e.resource for e in report.results if so_codes(e.resource["code"]) == ["sins-score"]
    )
    assert "valueInteger" not in sins and "interpretation" not in sins
    assert sins["valueRange"]["low"]["value"] == 1
    assert sins["valueRange"]["high"]["value"] == 16
    location, *others = sins["component"]
    assert location["valueInteger"] == 1  # T8 is semirigid: known from the level alone
    assert all("dataAbsentReason" in c for c in others)
    escc = next(
        e.resource for e in report.results if so_codes(e.resource["code"]) == ["escc-category"]
    )
    assert "dataAbsentReason" in escc and "dataAbsentReason" in escc["component"][0]
