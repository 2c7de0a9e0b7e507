"""Extraction of what the clinical review changed (docs/clinical-rules.md §15), table by table.

Resources are built here (tests/fhir/builders.py); each table has rows where the rule applies
and rows where it must not.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.domain.levels import Level
from service.fhir import codes
from service.fhir.extract import extract
from tests.fhir.builders import PATIENT, condition, so_obs, spine_met


def run(*resources: dict[str, Any]):
    return extract([PATIENT, *resources])


def lesion(x, level: str):
    (found,) = [le for le in x.findings.lesions if le.level is Level(level)]
    return found


# --- §15.1 neurology with a vertebral body site applies to that level only -------------------

NEURO_SITES = [
    # id, resources, expected per level {level: (myelopathy, cauda_equina)}, patient (m, ces)
    ("myelopathy-observation-at-T4",
     (so_obs("my", "myelopathy", boolean=True, level="T4"),),
     {"T4": (True, None), "T9": (None, None)}, (None, None)),
    ("myelopathy-observation-without-site",
     (so_obs("my", "myelopathy", boolean=True),),
     {"T4": (None, None), "T9": (None, None)}, (True, None)),
    ("ces-condition-at-L3",
     (condition("ces", (codes.SNOMED, "192970008"), levels=("L3",)),),
     {"T4": (None, None), "L3": (None, True)}, (None, None)),
    ("ces-condition-without-site",
     (condition("ces", (codes.ICD10, "G83.4")),),
     {"T4": (None, None), "T9": (None, None)}, (None, True)),
    # The level's own record competes by date with the patient's: the newest wins.
    ("newer-patient-record-wins-at-the-level",
     (so_obs("old", "myelopathy", boolean=True, level="T4", when="2026-01-01"),
      so_obs("new", "myelopathy", boolean=False, when="2026-09-01")),
     {"T4": (False, None), "T9": (None, None)}, (False, None)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("resources", "per_level", "patient"),
    [row[1:] for row in NEURO_SITES],
    ids=[row[0] for row in NEURO_SITES],
)
def test_15_1_neurology_body_sites(resources, per_level, patient):
    mets = [spine_met(f"m-{level}", level) for level in per_level]
    x = run(*mets, *resources)
    for level, (myelopathy, ces) in per_level.items():
        found = lesion(x, level)
        assert (found.myelopathy, found.cauda_equina) == (myelopathy, ces), level
    assert (x.findings.myelopathy, x.findings.cauda_equina) == patient


def test_15_1_the_level_record_is_the_source_and_a_disagreement_is_a_conflict():
    x = run(
        spine_met("m", "T4"),
        so_obs("old", "myelopathy", boolean=True, level="T4", when="2026-01-01"),
        so_obs("new", "myelopathy", boolean=False, when="2026-09-01"),
    )
    assert x.sources["T4/myelopathy"] == ("Observation/new",)
    assert "T4/myelopathy" in x.findings.conflicting


def test_15_1_a_finding_recorded_where_it_cannot_arise_is_reported_not_used():
    x = run(spine_met("m", "L3"), so_obs("my", "myelopathy", boolean=True, level="L3"))
    assert lesion(x, "L3").myelopathy is None
    assert any("cannot arise" in i.message and i.resource == "Observation/my" for i in x.issues)
