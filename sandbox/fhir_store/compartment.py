"""The patient compartment: which resources belong to one patient's record.

A SMART ``patient/`` scope grants access only inside the launch patient's compartment. The table
follows the R4 CompartmentDefinition "patient"
(https://hl7.org/fhir/R4/compartmentdefinition-patient.html) for the resource types the sandbox
is likely to hold; a type that is not listed is outside every patient's compartment, so a
``patient/`` scope never reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from .search import normalize_reference

#: Elements whose ``Patient`` reference puts a resource into that patient's compartment
#: (R4 CompartmentDefinition "patient", its search parameters resolved to elements).
PATIENT_COMPARTMENT: dict[str, tuple[str, ...]] = {
    "AllergyIntolerance": ("patient", "recorder", "asserter"),
    "CarePlan": ("subject",),
    "Condition": ("subject", "asserter"),
    "DiagnosticReport": ("subject",),
    "DocumentReference": ("subject", "author"),
    "Encounter": ("subject",),
    "ImagingStudy": ("subject",),
    "Immunization": ("patient",),
    "MedicationRequest": ("subject",),
    "Observation": ("subject", "performer"),
    "Procedure": ("subject", "performer.actor"),
    "Provenance": ("target",),
    "RiskAssessment": ("subject",),
    "ServiceRequest": ("subject", "performer"),
    "Specimen": ("subject",),
}

#: Looks up the current content of ``(type, id)`` in the store, ``None`` when unknown.
Resolver = Callable[[str, str], "dict[str, Any] | None"]


def _references_at(node: Any, path: tuple[str, ...]) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _references_at(item, path)
        return
    if not isinstance(node, dict):
        return
    if not path:
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        return
    yield from _references_at(node.get(path[0]), path[1:])


def references(resource: dict[str, Any], element_path: str) -> list[tuple[str, str]]:
    """Return the ``(type, id)`` targets of the literal references at a dotted element path."""
    found = []
    for text in _references_at(resource, tuple(element_path.split("."))):
        target = normalize_reference(text)
        if target is not None:
            found.append(target)
    return found


def in_patient_compartment(
    resource: dict[str, Any], patient_id: str, resolve: Resolver | None = None
) -> bool:
    """Tell whether a resource belongs to the compartment of ``Patient/<patient_id>``.

    A Provenance counts when one of its targets is the patient (the R4 definition) and also when
    every target it names is itself in the compartment: the Provenance the service writes points
    at the Observations and RiskAssessments it made, not at the Patient, and a patient-scoped
    app must be able to record it. Targets are looked up with ``resolve``.
    """
    resource_type = resource.get("resourceType")
    if resource_type == "Patient":
        return resource.get("id") == patient_id
    paths = PATIENT_COMPARTMENT.get(str(resource_type))
    if paths is None:
        return False
    targets = [t for path in paths for t in references(resource, path)]
    if ("Patient", patient_id) in targets:
        return True
    if resource_type != "Provenance" or not targets or resolve is None:
        return False
    for target_type, target_id in targets:
        if target_type == "Provenance":  # one level only: no chains of Provenance
            return False
        target = resolve(target_type, target_id)
        if target is None or not in_patient_compartment(target, patient_id):
            return False
    return True
