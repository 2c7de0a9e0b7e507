"""What a patient banner shows, read from a FHIR Patient: name, birth date, sex, an identifier.

SMART apps show a banner when the EHR asks for one (``need_patient_banner``, SMART App Launch
2.2 scopes-and-launch-context.md), so the clinician can check that the app shows the patient
the chart is open at. Values are shown as the server sent them; nothing is inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True, slots=True)
class PatientBanner:
    """The lines of a patient banner (None where the record does not say)."""

    name: str | None
    birth_date: str | None
    gender: str | None
    identifier: str | None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _name(patient: dict[str, Any]) -> str | None:
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    names.sort(key=lambda n: n.get("use") != "official")  # the official name first
    for name in names:
        if _text(name.get("text")):
            return _text(name["text"])
        given = " ".join(g for g in name.get("given") or [] if isinstance(g, str))
        family = _text(name.get("family"))
        if family or given:
            return f"{family}, {given}".strip(", ") if family else given
    return None


def _is_record_number(identifier: dict[str, Any]) -> bool:
    concept = identifier.get("type")
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return any(isinstance(c, dict) and c.get("code") == "MR" for c in codings or [])


def patient_banner(patient: dict[str, Any]) -> PatientBanner:
    """The banner of a Patient resource."""
    identifiers = [i for i in patient.get("identifier") or [] if isinstance(i, dict)]
    identifiers.sort(key=lambda i: not _is_record_number(i))  # a medical record number first
    birth = _text(patient.get("birthDate"))
    return PatientBanner(
        name=_name(patient),
        birth_date=birth if birth and _DATE.fullmatch(birth) else None,
        gender=_text(patient.get("gender")),
        identifier=next(
            (_text(i.get("value")) for i in identifiers if _text(i.get("value"))), None
        ),
    )
