"""The demo patients the sandbox EHR is seeded with, and how its pages list patients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.fhir_store import FhirStore
from sandbox.smart_auth import PatientCard
from service.demo import patients_dir

#: Identifier system of the demo patients (built by ``sandbox/build_patients.py``).
DEMO_ID_SYSTEM = "http://noms-cds.org/fhir/sid/demo-patient"


def demo_patients_dir() -> Path:
    """Return the folder of demo patient transaction Bundles the EHR seeds its store with.

    They are the service's package data (``service/demo/patients/``), found through its loader.
    """
    return patients_dir()


def _name(patient: dict[str, Any]) -> str:
    for name in patient.get("name") or []:
        if name.get("text"):
            return str(name["text"])
        parts = [*(name.get("given") or []), name.get("family") or ""]
        text = " ".join(p for p in parts if p)
        if text:
            return text
    return f"Patient/{patient.get('id')}"


def _label(patient: dict[str, Any]) -> str:
    identifiers = patient.get("identifier") or []
    for identifier in identifiers:
        if identifier.get("system") == DEMO_ID_SYSTEM and identifier.get("value"):
            return str(identifier["value"])
    for identifier in identifiers:
        if identifier.get("value"):
            return str(identifier["value"])
    return f"Patient/{patient.get('id')}"


def patient_card(patient: dict[str, Any]) -> PatientCard:
    """Summarise a Patient resource for a list or a banner."""
    return PatientCard(
        id=str(patient.get("id")),
        name=_name(patient),
        gender=str(patient.get("gender") or "unknown gender"),
        birth_date=str(patient.get("birthDate") or "unknown"),
        label=_label(patient),
    )


class StoreDirectory:
    """The patients of a FHIR store, read in-process (no token needed: it is the EHR itself)."""

    def __init__(self, store: FhirStore) -> None:
        self.store = store

    def patients(self) -> list[PatientCard]:
        """Every current Patient, ordered by demo label."""
        cards = [patient_card(v.resource) for v in self.store.data.all_current("Patient")]
        return sorted(cards, key=lambda card: (card.label, card.name))

    def patient(self, patient_id: str) -> PatientCard | None:
        """One patient by id, or ``None``."""
        version = self.store.data.current("Patient", patient_id)
        return patient_card(version.resource) if version is not None else None
