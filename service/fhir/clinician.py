"""Findings a clinician enters (the SMART app's form) → the contract's input Observations.

The chart may lack what NOMS needs (SINS elements, the ESCC grade, myelopathy, performance
status, the surgeon's judgements). What a clinician supplies is written as the same input
Observations the service reads (docs/smart-app.md, "What is saved"), with the clinician as
``performer``, so that the chart holds the finding itself and every later assessment, by any
surface, reads it like any other:

- SINS bone lesion, alignment, collapse, posterolateral involvement; ESCC grade: profile
  ``noms-lesion-imaging-finding``, category imaging, code ``SO#sins-...`` / ``SO#escc-grade``,
  value the contract's answer code;
- SINS pain: ``noms-lesion-pain``, category exam;
- the surgeon's stability call (SINS 7-12): ``noms-clinician-judgement``,
  ``SO#stability-assessment``, ``SO#stable`` / ``SO#unstable``;
- myelopathy, cauda equina syndrome: ``noms-neurology-finding``, boolean;
- able to tolerate surgery: ``noms-clinician-judgement``, ``SO#surgical-candidate``, boolean;
- ECOG, Karnofsky: mCODE's performance status profiles, category survey, ``LNC#89247-1`` /
  ``LNC#89243-0``, ``valueInteger`` with the LOINC answer as ``interpretation``.

Per-level findings carry the vertebra in ``bodySite``; neurology findings are entered for the
patient (no ``bodySite``: they apply by anatomy, docs/scores.md). Identifiers are in the result
identifier system and deterministic for (patient, finding, level, value, performer, entry), the
entry being the app session: pressing "Save" twice creates nothing new, a new launch records a
new finding.

Before saving, the findings take part in an assessment as if they were in the chart: they carry a
local ``id`` so that the results cite them; :func:`for_writing` then removes the ids and points
those citations at the findings' ``urn:uuid`` instead, so that one write stores both.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from service.domain.levels import Level
from service.fhir import codes
from service.fhir.codes import Code, so
from service.fhir.emit import Emitted

_URN_NAMESPACE: Final = uuid.UUID("3c9a6f0e-2b71-4f5e-9d1c-7e0a4b8f2d63")  # ours: entered findings
LOCAL_ID_PREFIX: Final = "entered-"

# Per-level coded findings: code -> (profile, category, the contract's answers).
LEVEL_FINDINGS: Final[dict[str, tuple[str, Code, Mapping[str, object]]]] = {
    "sins-pain": (codes.PROFILE_LESION_PAIN, codes.EXAM_CATEGORY, codes.PAIN),
    "sins-bone-lesion": (
        codes.PROFILE_LESION_IMAGING_FINDING,
        codes.IMAGING_CATEGORY,
        codes.BONE_LESION,
    ),
    "sins-alignment": (
        codes.PROFILE_LESION_IMAGING_FINDING,
        codes.IMAGING_CATEGORY,
        codes.ALIGNMENT,
    ),
    "sins-collapse": (codes.PROFILE_LESION_IMAGING_FINDING, codes.IMAGING_CATEGORY, codes.COLLAPSE),
    "sins-posterolateral": (
        codes.PROFILE_LESION_IMAGING_FINDING,
        codes.IMAGING_CATEGORY,
        codes.POSTEROLATERAL,
    ),
    "escc-grade": (
        codes.PROFILE_LESION_IMAGING_FINDING,
        codes.IMAGING_CATEGORY,
        codes.ESCC_GRADE,
    ),
    "stability-assessment": (
        codes.PROFILE_CLINICIAN_JUDGEMENT,
        codes.EXAM_CATEGORY,
        codes.STABILITY,
    ),
}
# Patient-level yes/no findings: code -> profile.
PATIENT_BOOLEANS: Final[dict[str, str]] = {
    "myelopathy": codes.PROFILE_NEUROLOGY_FINDING,
    "cauda-equina-syndrome": codes.PROFILE_NEUROLOGY_FINDING,
    "surgical-candidate": codes.PROFILE_CLINICIAN_JUDGEMENT,
}
ECOG_VALUES: Final = tuple(sorted(codes.ECOG_ANSWERS.values()))  # 0-4 (5 = dead, never entered)
KARNOFSKY_VALUES: Final = tuple(v for v in sorted(codes.KARNOFSKY_ANSWERS.values()) if v > 0)
_ECOG_ANSWER: Final = {value: code for code, value in codes.ECOG_ANSWERS.items()}
_KPS_ANSWER: Final = {value: code for code, value in codes.KARNOFSKY_ANSWERS.items()}


@dataclass(frozen=True, slots=True)
class LevelEntry:
    """What the clinician entered for one vertebral level: answer codes by finding code.

    Example: ``LevelEntry(Level("T9"), {"sins-pain": "pain-mechanical", "escc-grade": "escc-2"})``.
    """

    level: Level
    answers: Mapping[str, str]

    def __post_init__(self) -> None:
        for code, answer in self.answers.items():
            if code not in LEVEL_FINDINGS or answer not in LEVEL_FINDINGS[code][2]:
                raise ValueError(f"{self.level.value}: {code}={answer!r} is not a contract answer")


@dataclass(frozen=True, slots=True)
class ClinicianFindings:
    """Everything entered in one form; None means "not entered" (never "absent")."""

    levels: tuple[LevelEntry, ...] = ()
    booleans: Mapping[str, bool] = field(default_factory=dict)
    ecog: int | None = None
    karnofsky: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "booleans", dict(self.booleans))
        unknown = set(self.booleans) - PATIENT_BOOLEANS.keys()
        if unknown:
            raise ValueError(f"not a yes/no finding: {', '.join(sorted(unknown))}")
        if self.ecog is not None and self.ecog not in ECOG_VALUES:
            raise ValueError(f"ECOG must be one of {ECOG_VALUES}")
        if self.karnofsky is not None and self.karnofsky not in KARNOFSKY_VALUES:
            raise ValueError("Karnofsky must be 10-100 in steps of 10")

    @property
    def empty(self) -> bool:
        """Whether nothing was entered."""
        return not (
            any(entry.answers for entry in self.levels)
            or self.booleans
            or self.ecog is not None
            or self.karnofsky is not None
        )


class _Builder:
    def __init__(self, patient_id: str, performer: str | None, now: datetime, entry: str) -> None:
        self.patient_ref = f"Patient/{patient_id}"
        self.performer = performer
        self.instant = now.isoformat(timespec="seconds").replace("+00:00", "Z")
        self.entry = entry
        self.out: list[Emitted] = []

    def observation(
        self,
        profile: str,
        category: Code,
        code: Code,
        value: dict[str, Any],
        level: Level | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        digest = hashlib.sha256(
            json.dumps(
                [
                    self.patient_ref,
                    code.code,
                    level.value if level else None,
                    value,
                    self.performer,
                    self.entry,
                ],
                sort_keys=True,
                separators=(",", ":"),
            ).encode()
        ).hexdigest()[:24]
        identifier = f"clinician-{code.code}-{level.value if level else 'patient'}-{digest}"
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": LOCAL_ID_PREFIX + digest,
            "meta": {"profile": [profile]},
            "identifier": [{"system": codes.RESULT_IDENTIFIER_SYSTEM, "value": identifier}],
            "status": "final",
            "category": [category.concept()],
            "code": code.concept(),
            "subject": {"reference": self.patient_ref},
            "effectiveDateTime": self.instant,
            "issued": self.instant,
        }
        if self.performer:
            resource["performer"] = [{"reference": self.performer}]
        resource.update(value)
        resource.update(extra or {})
        if level is not None:
            resource["bodySite"] = codes.VERTEBRA[level].concept()
        self.out.append(Emitted(f"urn:uuid:{uuid.uuid5(_URN_NAMESPACE, identifier)}", resource))


def clinician_observations(
    findings: ClinicianFindings,
    patient_id: str,
    *,
    performer: str | None,
    now: datetime,
    entry: str,
) -> list[Emitted]:
    """The Observations of what a clinician entered, each with a local ``id`` (see module doc).

    Args:
        findings: What was entered.
        patient_id: The patient's id on the FHIR server.
        performer: The clinician's reference (``Practitioner/123``); None only for a preview
            that will not be saved.
        now: When it was entered (``effectiveDateTime``, ``issued``).
        entry: What makes one entry distinct from another (the app session's id): the same
            findings entered again in the same entry get the same identifiers.
    """
    b = _Builder(patient_id, performer, now, entry)
    for level_entry in findings.levels:
        for code, answer in level_entry.answers.items():
            profile, category, _ = LEVEL_FINDINGS[code]
            b.observation(
                profile,
                category,
                so(code),
                {"valueCodeableConcept": so(answer).concept()},
                level_entry.level,
            )
    for code, value in findings.booleans.items():
        b.observation(
            PATIENT_BOOLEANS[code], codes.EXAM_CATEGORY, so(code), {"valueBoolean": value}
        )
    performance = (
        (findings.ecog, codes.MCODE_ECOG_PROFILE, codes.ECOG_CODE, _ECOG_ANSWER),
        (
            findings.karnofsky,
            codes.MCODE_KARNOFSKY_PROFILE,
            codes.KARNOFSKY_CODE,
            _KPS_ANSWER,
        ),
    )
    for score, profile, code, answers in performance:
        if score is not None:
            answer = {"coding": [{"system": codes.LOINC, "code": answers[score]}]}
            b.observation(
                profile,
                codes.SURVEY_CATEGORY,
                code,
                {"valueInteger": score},
                extra={"interpretation": [answer]},
            )
    return b.out


def for_writing(
    entered: Sequence[Emitted], results: Sequence[Emitted]
) -> tuple[list[Emitted], list[Emitted]]:
    """The entered findings without their local ids, and the results citing their ``urn:uuid``.

    The write-back creates the findings first, in the same transaction (or before the results
    when writing one by one), so every citation resolves to the stored finding.
    """
    local = {f"Observation/{e.resource['id']}": e.full_url for e in entered}
    findings = [
        Emitted(e.full_url, {k: v for k, v in e.resource.items() if k != "id"}) for e in entered
    ]

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: rewrite(v) for k, v in node.items()}
            if isinstance(out.get("reference"), str) and out["reference"] in local:
                out["reference"] = local[out["reference"]]
            return out
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    return findings, [Emitted(r.full_url, rewrite(r.resource)) for r in results]
