"""The extraction: one patient's resources in, findings out, with the resource behind each value."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from service.domain.findings import PatientFindings
from service.domain.levels import Level
from service.fhir import models
from service.fhir.extract.assembly import assemble
from service.fhir.extract.collector import Collector
from service.fhir.extract.conditions import read_conditions
from service.fhir.extract.imaging import ImagingSummary, read_imaging
from service.fhir.extract.issues import InvalidInput, Issue
from service.fhir.extract.observations import read_observations
from service.fhir.extract.procedures import read_procedures
from service.fhir.extract.references import identity, reference_key

RELEVANT_TYPES = frozenset({"Patient", "Condition", "Observation", "Procedure", "ImagingStudy"})


@dataclass(frozen=True, slots=True)
class Extraction:
    """The findings of one patient and where each came from.

    Attributes:
        patient_id: The Patient's logical id.
        findings: The clinical core's input.
        sources: Input key → references of the resources whose value was used.
        focus: Level → references of the spinal metastasis Conditions at that level.
        imaging: Spine imaging studies, oldest first.
        issues: Conflicts, ignored resources, unusable values.
    """

    patient_id: str
    findings: PatientFindings
    sources: Mapping[str, tuple[str, ...]]
    focus: Mapping[Level, tuple[str, ...]]
    imaging: tuple[ImagingSummary, ...] = ()
    issues: tuple[Issue, ...] = ()

    def references(self, keys: Iterable[str]) -> tuple[str, ...]:
        """The resources behind these input keys, without repeats, in first-seen order."""
        return tuple(dict.fromkeys(ref for key in keys for ref in self.sources.get(key, ())))


def extract(
    resources: Iterable[dict[str, Any]],
    patient_id: str | None = None,
    today: date | None = None,
    issues: Iterable[Issue] = (),
) -> Extraction:
    """Read one patient's resources into findings.

    Args:
        resources: FHIR resources as JSON dicts (other resource types are ignored).
        patient_id: The patient's id when known (the Patient resource may be absent).
        today: Reference date for the age (defaults to today, UTC).
        issues: Issues already found upstream (e.g. while reading a Bundle).

    Raises:
        InvalidInput: when the resources belong to several patients or to none.
    """
    collector = Collector(issues=list(issues))
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        resource_type = resource.get("resourceType")
        if resource_type not in RELEVANT_TYPES:
            continue
        try:
            models.validate(resource)
        except models.InvalidResource as exc:
            collector.note(
                "warning", f"skipped: not a valid FHIR R4 resource ({exc})", identity(resource)
            )
            continue
        by_type[resource_type].append(resource)

    patient_id = _patient_id(by_type, patient_id)
    patient_ref = f"Patient/{patient_id}"
    for resource_type in ("Condition", "Observation", "Procedure", "ImagingStudy"):
        mine = []
        for resource in by_type[resource_type]:
            subject = (resource.get("subject") or resource.get("patient") or {}).get("reference")
            if subject and reference_key(subject) != patient_ref:
                raise InvalidInput("the input holds resources of several patients")
            mine.append(resource)
        by_type[resource_type] = mine

    patient = by_type["Patient"][0] if by_type["Patient"] else None
    conditions = read_conditions(by_type["Condition"], collector)
    read_observations(by_type["Observation"], collector, conditions.level_of_condition)
    read_procedures(by_type["Procedure"], collector)
    imaging = read_imaging(by_type["ImagingStudy"])
    findings = assemble(collector, conditions, patient, today or datetime.now(UTC).date())
    return Extraction(
        patient_id=patient_id,
        findings=findings,
        sources=dict(collector.sources),
        focus={level: tuple(refs) for level, refs in conditions.spinal_levels.items()},
        imaging=imaging,
        issues=tuple(collector.issues),
    )


def _patient_id(by_type: Mapping[str, list[dict[str, Any]]], given: str | None) -> str:
    ids = {p.get("id") for p in by_type["Patient"]}
    if len(ids) > 1:
        raise InvalidInput("the input holds several Patient resources")
    if ids and None in ids:
        raise InvalidInput("the Patient resource has no id")
    if ids:
        (found,) = ids
        if given and given != found:
            raise InvalidInput("the Patient resource is not the patient asked for")
        return str(found)
    if given:
        return given
    subjects = {
        reference_key(ref)
        for resources in by_type.values()
        for r in resources
        if (ref := (r.get("subject") or r.get("patient") or {}).get("reference"))
    }
    patients = {s for s in subjects if s.startswith("Patient/")}
    if len(patients) > 1:
        raise InvalidInput("the input holds resources of several patients")
    if not patients:
        raise InvalidInput("the input names no patient")
    return patients.pop().split("/", 1)[1]
