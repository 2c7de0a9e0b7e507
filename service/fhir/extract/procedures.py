"""Procedures: radiotherapy, as prior radiation at the levels (or spinal regions) it treated."""

from __future__ import annotations

from typing import Any

from service.domain.findings import input_key
from service.fhir import codes
from service.fhir.extract.collector import Candidate, Collector
from service.fhir.extract.elements import (
    has_code,
    procedure_when,
    spinal_regions,
    vertebral_levels,
)
from service.fhir.extract.references import identity

USABLE_PROCEDURE_STATUS = frozenset({"completed", "in-progress"})


def read_procedures(procedures: list[dict[str, Any]], c: Collector) -> None:
    for proc in procedures:
        if proc.get("status") not in USABLE_PROCEDURE_STATUS:
            continue
        if not has_code(proc.get("code"), codes.SNOMED, codes.RADIOTHERAPY_PROCEDURES):
            continue
        when, ref = procedure_when(proc), identity(proc)
        for level in vertebral_levels(proc.get("bodySite")):
            c.add(input_key("prior-radiation", level), True, when, ref)
        for region in spinal_regions(proc.get("bodySite")):
            c.region_radiation[region].append(Candidate(True, when, ref))
