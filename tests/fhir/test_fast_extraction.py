"""The fast path (validate only what the contract reads, decided on the plain JSON) gives the
same results as validating everything, for every demo patient and every Synthea patient; and
what it leaves unread is counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from service import __version__, demo
from service.domain.assessment import assess
from service.fhir import emit, extract, jsonio, models
from service.fhir.extract.extraction import read_by_contract
from tests.conftest import SYNTHEA

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SYNTHEA_FILES = sorted(SYNTHEA.glob("*.json"))


def both_ways(bundle: dict[str, Any]) -> tuple[extract.Extraction, extract.Extraction]:
    # Each path validates afresh: no verdict is carried over from the other through the cache.
    models.clear_validation_cache()
    contents = extract.read_bundle(bundle)
    fast = extract.extract(
        contents.resources, None, NOW.date(), contents.issues, local=contents.local
    )
    models.clear_validation_cache()
    resources, issues = extract.resources_from_bundle(bundle)  # every reference made local
    full = extract.extract(resources, None, NOW.date(), issues, screen=False)
    return fast, full


def results(extraction: extract.Extraction) -> list[dict[str, Any]]:
    emitted = emit.emit(assess(extraction.findings), extraction, NOW, __version__)
    return [e.resource for e in emitted]


def check_same(fast: extract.Extraction, full: extract.Extraction) -> None:
    assert replace(fast, unread={}) == replace(full, unread={})
    assert results(fast) == results(full)
    assert full.unread == {k: v for k, v in full.unread.items() if k not in extract.RELEVANT_TYPES}


@pytest.mark.parametrize("name", demo.patient_names())
def test_fast_path_equals_full_validation_for_every_demo_patient(name: str) -> None:
    fast, full = both_ways(demo.load_patient(name))
    check_same(fast, full)


@pytest.mark.parametrize("path", SYNTHEA_FILES, ids=lambda path: path.stem.split("_")[0])
def test_fast_path_equals_full_validation_for_every_synthea_patient(path: Path) -> None:
    fast, full = both_ways(jsonio.load_path(path))
    check_same(fast, full)
    # Most of a Synthea record is never validated: it is counted instead.
    unread = sum(fast.unread.values())
    read = len(extract.read_bundle(jsonio.load_path(path)).resources) - unread
    assert unread > 10 * read
    assert fast.unread["Claim"] == full.unread["Claim"] > 0


def test_there_is_more_than_one_synthea_patient_and_austin_is_the_largest() -> None:
    sizes = {p.stem.split("_")[0]: p.stat().st_size for p in SYNTHEA_FILES}
    assert len(sizes) >= 2 and max(sizes, key=sizes.get) == "Austin"


OBSERVATION = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "89247-1"}]},
}
PROCEDURE = {
    "resourceType": "Procedure",
    "status": "completed",
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "33195004"}]},
    "bodySite": [{"text": "T9"}],
}


@pytest.mark.parametrize(
    ("resource", "read"),
    [
        ({"resourceType": "Patient"}, True),
        ({"resourceType": "Condition", "code": {"text": "sinusitis"}}, False),
        (
            {
                "resourceType": "Condition",
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C50.9"}]
                },
            },
            True,
        ),
        (
            {
                "resourceType": "Condition",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "94222008"}]},
            },
            True,
        ),
        (
            {
                "resourceType": "Condition",
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "71286001"}]},
            },
            True,
        ),
        (
            {
                "resourceType": "Condition",
                "meta": {
                    "profile": [
                        "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"
                    ]
                },
                "code": {"text": "a cancer"},
            },
            True,
        ),
        (OBSERVATION, True),
        ({**OBSERVATION, "status": "entered-in-error"}, False),
        ({**OBSERVATION, "status": "preliminary"}, True),
        (
            {**OBSERVATION, "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}},
            False,
        ),
        (
            {
                **OBSERVATION,
                "code": {
                    "coding": [
                        {
                            "system": "http://noms-cds.org/fhir/CodeSystem/spine-oncology",
                            "code": "new",
                        }
                    ]
                },
            },
            True,
        ),
        (PROCEDURE, True),
        # docs/clinical-rules.md §15.9: a course without a site may have covered any level, and a
        # stopped one was started: both are read, never dropped.
        ({**PROCEDURE, "bodySite": []}, True),
        ({**PROCEDURE, "status": "stopped"}, True),
        ({**PROCEDURE, "status": "not-done"}, False),
        (
            {**PROCEDURE, "code": {"coding": [{"system": "http://snomed.info/sct", "code": "1"}]}},
            False,
        ),
        ({"resourceType": "ImagingStudy", "status": "available"}, True),
        ({"resourceType": "ImagingStudy", "status": "entered-in-error"}, False),
        ({**OBSERVATION, "code": {"coding": ["not an object"]}}, True),  # let validation say why
        ({**OBSERVATION, "code": "not a concept"}, True),
        # a status that is no code (or none) is read, so validation warns as on the full path
        ({**PROCEDURE, "status": 5}, True),
        ({k: v for k, v in PROCEDURE.items() if k != "status"}, True),
    ],
    ids=[
        "patient",
        "sinusitis",
        "icd-primary",
        "vertebral-metastasis",
        "cord-compression",
        "mcode-profile",
        "ecog",
        "entered-in-error",
        "preliminary",
        "heart-rate",
        "our-code",
        "radiotherapy",
        "no-body-site",
        "stopped",
        "not-done",
        "other-procedure",
        "imaging",
        "imaging-in-error",
        "malformed-coding",
        "malformed-code",
        "procedure-status-not-a-string",
        "procedure-without-status",
    ],
)
def test_what_the_contract_reads(resource: dict[str, Any], read: bool) -> None:
    assert read_by_contract(resource) is read


def test_a_radiotherapy_with_an_unreadable_status_warns_on_both_paths() -> None:
    bundle = demo.load_patient(demo.patient_names()[0])
    procedure = {**PROCEDURE, "id": "rt-odd-status", "status": 5}
    procedure["subject"] = {"reference": f"Patient/{bundle['entry'][0]['resource']['id']}"}
    bundle = {**bundle, "entry": [*bundle["entry"], {"resource": procedure}]}
    fast, full = both_ways(bundle)
    check_same(fast, full)
    assert any("rt-odd-status" in (issue.resource or "") for issue in fast.issues)


def test_an_unread_resource_of_another_patient_is_still_refused() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "a"}},
            {
                "resource": {
                    **OBSERVATION,
                    "id": "o",
                    "code": {"text": "heart rate"},
                    "subject": {"reference": "Patient/b"},
                }
            },
        ],
    }
    contents = extract.read_bundle(bundle)
    with pytest.raises(extract.InvalidInput, match="several patients"):
        extract.extract(contents.resources, local=contents.local)
