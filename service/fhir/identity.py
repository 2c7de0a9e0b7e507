"""Result identity: a result's identifier depends on what it says, and on nothing else.

docs/fhir-output.md, "Result identity": the identifier value is ``<kind>-<level or patient>-`` and
24 hex digits of a SHA-256 over the patient, the result kind, the level, the result's content
without its prose, and the rule-set version. Not over the package version (``method.text`` shows
it), the notes, urgency reasons, RiskAssessment rationales and mitigation, coding displays, or the
time: a release that changes no rule writes no duplicate, a rule change (a new rule-set version)
writes new results.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from service.domain.levels import Level
from service.fhir import codes

# Parts of a result that are words, time or packaging: they never enter its identity.
_NOT_IDENTITY: Final = frozenset(
    {"meta", "identifier", "note", "method", "effectiveDateTime", "issued", "occurrenceDateTime",
     "mitigation"}
)  # fmt: skip
_PROSE_COMPONENTS: Final = frozenset({"urgency-reason"})


def identity_content(resource: dict[str, Any]) -> dict[str, Any]:
    """What a result says, without its prose: the content its identifier is computed over."""
    content: dict[str, Any] = {}
    for key, value in resource.items():
        if key in _NOT_IDENTITY:
            continue
        if key == "component":
            value = [c for c in value if not set(_so_codes(c["code"])) & _PROSE_COMPONENTS]
        elif key == "prediction":
            value = [{k: v for k, v in p.items() if k != "rationale"} for p in value]
        content[key] = _without_displays(value)
    return content


def result_identifier(
    patient_ref: str, kind: str, level: Level | None, resource: dict[str, Any], rule_set: str
) -> str:
    """The identifier value of one result."""
    where = level.value if level else None
    digest = hashlib.sha256(
        json.dumps(
            [patient_ref, kind, where, identity_content(resource), rule_set],
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    ).hexdigest()[:24]
    return f"{kind}-{where or 'patient'}-{digest}"


def _so_codes(concept: dict[str, Any]) -> list[str]:
    return [c["code"] for c in concept.get("coding", []) if c.get("system") == codes.SPINE_ONCOLOGY]


def _without_displays(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_displays(v) for k, v in value.items() if k != "display"}
    if isinstance(value, list):
        return [_without_displays(v) for v in value]
    return value
