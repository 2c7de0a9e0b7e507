"""The extraction: one patient's resources in, findings out, with the resource behind each value.

Fast path: which resources the data contract reads is decided on the plain JSON, by type, code,
status and subject (:func:`read_by_contract`; the codes are those the client searches by, in
``service.fhir.contract``), and only those are validated against the R4B models; the rest is
counted (``Extraction.unread``), never parsed into models. Of a Synthea record's 705 entries
about ten are read. References between a Bundle's entries are made local for those alone.
``screen=False`` validates every resource of the five types instead: the full path, against
which the fast one is tested (tests/fhir/test_fast_extraction.py).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from service.domain.findings import PatientFindings
from service.domain.levels import Level
from service.fhir import codes, contract, models
from service.fhir.extract.assembly import assemble
from service.fhir.extract.collector import Collector
from service.fhir.extract.conditions import is_read as condition_is_read
from service.fhir.extract.conditions import read_conditions
from service.fhir.extract.imaging import ImagingSummary, read_imaging
from service.fhir.extract.issues import InvalidInput, Issue
from service.fhir.extract.observations import read_observations
from service.fhir.extract.procedures import USABLE_PROCEDURE_STATUS, read_procedures
from service.fhir.extract.references import (
    identity,
    reference_key,
    rewrite_references,
    subject_reference,
)

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
        unread: Resources the contract does not read, counted by type (never validated).
    """

    patient_id: str
    findings: PatientFindings
    sources: Mapping[str, tuple[str, ...]]
    focus: Mapping[Level, tuple[str, ...]]
    imaging: tuple[ImagingSummary, ...] = ()
    issues: tuple[Issue, ...] = ()
    unread: Mapping[str, int] = field(default_factory=dict)

    def references(self, keys: Iterable[str]) -> tuple[str, ...]:
        """The resources behind these input keys, without repeats, in first-seen order."""
        return tuple(dict.fromkeys(ref for key in keys for ref in self.sources.get(key, ())))


def read_by_contract(resource: dict[str, Any]) -> bool:
    """Whether the data contract reads this resource, decided on its plain JSON.

    - Patient: always;
    - Condition: those the reading of Conditions uses (its own test on the codes, so that the
      two cannot drift apart: a primary cancer, a metastasis, cord compression, cauda equina
      syndrome, myelopathy);
    - Observation: not entered in error, coded in our CodeSystem (any code: the reading reports
      codes it does not know) or with one of the contract's LOINC codes;
    - Procedure: given or started (completed, in progress, stopped, on hold), with a
      radiotherapy code, with or without a body site (docs/clinical-rules.md §15.9);
    - ImagingStudy: not entered in error.

    A resource too malformed to tell is read: validation then says why it is not usable.
    """
    try:
        kind = resource["resourceType"]
        if kind == "Patient":
            return True
        if kind == "Condition":
            return condition_is_read(resource)
        status = resource.get("status")
        if kind == "Observation":
            return status != "entered-in-error" and _observation_code_read(resource.get("code"))
        if kind == "Procedure":
            if not isinstance(status, str):  # none or no code: validation says why, as in full
                return _has_code(resource.get("code"), codes.SNOMED, codes.RADIOTHERAPY_PROCEDURES)
            return status in USABLE_PROCEDURE_STATUS and _has_code(
                resource.get("code"), codes.SNOMED, codes.RADIOTHERAPY_PROCEDURES
            )
        return kind == "ImagingStudy" and status != "entered-in-error"
    except (AttributeError, TypeError, KeyError, ValueError):
        return True


def _observation_code_read(concept: Any) -> bool:
    for coding in (concept or {}).get("coding") or ():
        system = coding.get("system")
        if system == codes.SPINE_ONCOLOGY:
            return True
        if system == codes.LOINC and coding.get("code") in contract.OBSERVATION_LOINC_CODES:
            return True
    return False


def _has_code(concept: Any, system: str, wanted: Iterable[str]) -> bool:
    return any(
        c.get("system") == system and c.get("code") in wanted
        for c in (concept or {}).get("coding") or ()
    )


def extract(
    resources: Iterable[dict[str, Any]],
    patient_id: str | None = None,
    today: date | None = None,
    issues: Iterable[Issue] = (),
    *,
    local: Mapping[str, str] | None = None,
    screen: bool = True,
) -> Extraction:
    """Read one patient's resources into findings.

    Args:
        resources: FHIR resources as JSON dicts (other resource types are ignored).
        patient_id: The patient's id when known (the Patient resource may be absent).
        today: Reference date for the age (defaults to today, UTC).
        issues: Issues already found upstream (e.g. while reading a Bundle).
        local: A Bundle's ``fullUrl`` → ``Type/id``, to make the references between its
            entries local in the resources read (``BundleContents.local``).
        screen: Validate only what the contract reads (:func:`read_by_contract`); False
            validates every resource of the types read (the full path).

    Raises:
        InvalidInput: when the resources belong to several patients or to none.
    """
    collector = Collector(issues=list(issues))
    local = local or {}
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unread: Counter[str] = Counter()
    unread_subjects: set[str] = set()  # as written: made local and compared once, below
    for resource in resources:
        kind = resource.get("resourceType")
        kind = kind if isinstance(kind, str) else "?"
        if kind not in RELEVANT_TYPES:
            unread[kind] += 1
            continue
        if screen and not read_by_contract(resource):
            unread[kind] += 1
            if reference := subject_reference(resource):
                unread_subjects.add(reference)
            continue
        if local:
            resource = rewrite_references(resource, local)
        try:
            models.validate(resource)
        except models.InvalidResource as exc:
            collector.note(
                "warning", f"skipped: not a valid FHIR R4 resource ({exc})", identity(resource)
            )
            continue
        by_type[kind].append(resource)
    others = {reference_key(local.get(ref, ref)) for ref in unread_subjects}

    patient_id = _patient_id(by_type, patient_id, others)
    patient_ref = f"Patient/{patient_id}"
    # A resource not read is still checked to be this patient's: two patients are refused.
    if any(key.startswith("Patient/") and key != patient_ref for key in others):
        raise InvalidInput("the input holds resources of several patients")
    for resource_type in ("Condition", "Observation", "Procedure", "ImagingStudy"):
        for resource in by_type[resource_type]:
            subject = (resource.get("subject") or resource.get("patient") or {}).get("reference")
            if subject and reference_key(subject) != patient_ref:
                raise InvalidInput("the input holds resources of several patients")

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
        unread=dict(unread),
    )


def _patient_id(
    by_type: Mapping[str, list[dict[str, Any]]], given: str | None, others: Iterable[str] = ()
) -> str:
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
    patients = {s for s in subjects | set(others) if s.startswith("Patient/")}
    if len(patients) > 1:
        raise InvalidInput("the input holds resources of several patients")
    if not patients:
        raise InvalidInput("the input names no patient")
    return patients.pop().split("/", 1)[1]
