"""Structured reports built from a demo patient's chart, for the round-trip tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain.levels import Level
from service.fhir import codes
from service.fhir.questionnaire import IMAGING_CODES, LevelReport, build_response

REPORT_FULL_URL = "urn:uuid:5b0e8f43-7a2c-4d19-9e61-3c8a2f7d4b10"


@dataclass(frozen=True)
class Replacement:
    """A chart whose per-level findings were replaced by one report.

    Attributes:
        bundle: The transaction Bundle with the report in place of the findings.
        response: The QuestionnaireResponse.
        replaced: (finding code, level) → ``Observation/<id>`` of the finding it replaces.
    """

    bundle: dict[str, Any]
    response: dict[str, Any]
    replaced: dict[tuple[str, Level], str]


def _code(resource: dict[str, Any]) -> str | None:
    for coding in resource.get("code", {}).get("coding", []):
        if coding.get("system") == codes.SPINE_ONCOLOGY:
            return coding.get("code")
    return None


def replace_findings(bundle: dict[str, Any], *, with_pain: bool) -> Replacement | None:
    """The chart with its imaging findings (and the pain findings, if asked) replaced by a
    completed report saying the same; None when the chart has no such finding."""
    wanted = IMAGING_CODES | ({"sins-pain"} if with_pain else set())
    levels: dict[Level, dict[str, str]] = {}
    replaced: dict[tuple[str, Level], str] = {}
    studies: set[str] = set()
    authored: set[str] = set()
    patients: set[str] = set()
    keep = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        code = _code(resource) if resource["resourceType"] == "Observation" else None
        sites = (resource.get("bodySite") or {}).get("coding", []) if code in wanted else []
        site = next((c["code"] for c in sites if c["code"] in codes.LEVEL_BY_SNOMED), None)
        if site is None:
            keep.append(entry)
            continue
        level = codes.LEVEL_BY_SNOMED[site]
        answer = resource["valueCodeableConcept"]["coding"][0]["code"]
        levels.setdefault(level, {})[code] = answer
        replaced[(code, level)] = f"Observation/{resource['id']}"
        studies |= {d["reference"] for d in resource.get("derivedFrom", [])}
        authored.add(resource["effectiveDateTime"])
        patients.add(resource["subject"]["reference"])
    if not levels:
        return None
    # One study, one reporting time, one patient: what one report can say.
    ((study,), (when,), (patient,)) = (studies, authored, patients)
    response = build_response(
        patient=patient,
        study=study,
        authored=when,
        levels=[LevelReport(level, answers) for level, answers in levels.items()],
        author="Practitioner/sandbox-radiologist",
        response_id="report-round-trip",
    )
    entry = {
        "fullUrl": REPORT_FULL_URL,
        "resource": response,
        "request": {"method": "POST", "url": "QuestionnaireResponse"},
    }
    return Replacement({**bundle, "entry": [*keep, entry]}, response, replaced)
