"""Tiny builders of FHIR resources for boundary tests (data we write ourselves).

Real data from others lives in tests/data/; these builders cover the corners it lacks.
"""

from __future__ import annotations

from typing import Any

from service.fhir import codes

PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-05-01"}
SUBJECT = {"reference": "Patient/p1"}


def vertebra(level: str) -> dict[str, Any]:
    """A bodySite CodeableConcept for a level such as "T9"."""
    from service.domain.levels import Level

    return codes.VERTEBRA[Level(level)].concept()


def so_obs(
    rid: str,
    code: str,
    *,
    answer: str | None = None,
    boolean: bool | None = None,
    integer: int | None = None,
    level: str | None = None,
    status: str = "final",
    when: str | None = "2026-10-01T10:00:00Z",
    **extra: Any,
) -> dict[str, Any]:
    """An Observation coded in our CodeSystem."""
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": status,
        "code": {"coding": [{"system": codes.SPINE_ONCOLOGY, "code": code}]},
        "subject": SUBJECT,
    }
    if when:
        obs["effectiveDateTime"] = when
    if level:
        obs["bodySite"] = vertebra(level)
    if answer is not None:
        obs["valueCodeableConcept"] = {"coding": [{"system": codes.SPINE_ONCOLOGY, "code": answer}]}
    if boolean is not None:
        obs["valueBoolean"] = boolean
    if integer is not None:
        obs["valueInteger"] = integer
    obs.update(extra)
    return obs


def loinc_obs(rid: str, code: str, when: str = "2026-10-01", **value: Any) -> dict[str, Any]:
    """A final Observation coded in LOINC, with its value."""
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": SUBJECT,
        "effectiveDateTime": when,
        "code": {"coding": [{"system": codes.LOINC, "code": code}]},
        **value,
    }


def condition(
    rid: str,
    *codings: tuple[str, str],
    levels: tuple[str, ...] = (),
    sites: tuple[str, ...] = (),
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    **extra: Any,
) -> dict[str, Any]:
    """A Condition with codings (system, code) and optional vertebral or other body sites."""
    cond: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "subject": SUBJECT,
        "code": {"coding": [{"system": s, "code": c} for s, c in codings]},
    }
    if clinical:
        cond["clinicalStatus"] = {
            "coding": [{"system": codes.CONDITION_CLINICAL, "code": clinical}]
        }
    if verification:
        cond["verificationStatus"] = {
            "coding": [{"system": codes.CONDITION_VERIFICATION, "code": verification}]
        }
    body = [vertebra(level) for level in levels]
    body += [{"coding": [{"system": codes.SNOMED, "code": s}]} for s in sites]
    if body:
        cond["bodySite"] = body
    cond.update(extra)
    return cond


def spine_met(rid: str, *levels: str) -> dict[str, Any]:
    """A spinal metastasis (ICD-10-CM C79.51) at the given levels."""
    return condition(rid, (codes.ICD10CM, "C79.51"), levels=levels)


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    """A Bundle of the resources."""
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"http://ehr.test/fhir/{r['resourceType']}/{r['id']}", "resource": r}
            for r in resources
        ],
    }
