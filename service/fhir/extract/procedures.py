"""Procedures: radiotherapy, as prior radiation at the levels (or spinal areas) it treated.

docs/clinical-rules.md §15.9: a course coded to a spinal area (a region, a junction, the
vertebral column) covers every level of it; one without a body site, or at a vertebra without its
level, may have covered any level and is said so at every level; a course that was stopped was
started, so it counts as prior radiation, with a note. Nothing coded as radiotherapy is dropped
without a word.
"""

from __future__ import annotations

from typing import Any

from service.domain.findings import input_key
from service.fhir import codes
from service.fhir.extract.collector import Candidate, Collector
from service.fhir.extract.elements import (
    has_code,
    procedure_when,
    site_codes,
    spinal_areas,
    vertebral_levels,
)
from service.fhir.extract.references import identity

# In progress and completed courses were given; stopped and on-hold ones were started (FHIR R4
# event status: "stopped" = started and ended early, "on-hold" = started and paused).
GIVEN_PROCEDURE_STATUS = frozenset({"completed", "in-progress"})
STARTED_PROCEDURE_STATUS = frozenset({"stopped", "on-hold"})
USABLE_PROCEDURE_STATUS = GIVEN_PROCEDURE_STATUS | STARTED_PROCEDURE_STATUS


def read_procedures(procedures: list[dict[str, Any]], c: Collector) -> None:
    for proc in procedures:
        if proc.get("status") not in USABLE_PROCEDURE_STATUS:
            continue
        if not has_code(proc.get("code"), codes.SNOMED, codes.RADIOTHERAPY_PROCEDURES):
            continue
        when, ref = procedure_when(proc), identity(proc)
        if proc.get("status") in STARTED_PROCEDURE_STATUS:
            c.note(
                "information",
                f"radiotherapy recorded as {proc['status']}: it was started, so it counts as "
                "prior radiation at the levels it treated",
                ref,
            )
        sites = proc.get("bodySite")
        levels = vertebral_levels(sites)
        for level in levels:
            c.add(input_key("prior-radiation", level), True, when, ref)
        areas = spinal_areas(sites)
        for area in areas:
            if area.covers_every_level:
                c.region_radiation[area].append(Candidate(True, when, ref))
        if levels or any(a.covers_every_level for a in areas):
            continue
        if areas or not site_codes(sites):
            # No coded site, or one vertebra without its level: any level may have been treated.
            # A coded site elsewhere (breast, femur) is no spinal radiation.
            c.unsited_radiation.append(Candidate(True, when, ref))
            what = "at a vertebra without its level" if areas else "without a body site"
            c.note(
                "warning",
                f"radiotherapy {what}: it may have covered any spinal level, so prior radiation "
                "is possible at every level; record the treated levels",
                ref,
            )
