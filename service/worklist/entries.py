"""What the worklist keeps of one assessment, and how its pathway milestones are stored.

The words are the report view's (``service.views``): the patient's urgency headline as the
summary line, each level's plan text and the inputs the view names as missing. Nothing here
rebuilds them; the worklist only joins them with the level's label.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from service.domain.pathway import Event, Milestone, PathwayEvents
from service.storage.worklist import WorklistRecord
from service.views import ReportView


def events_json(events: PathwayEvents) -> dict[str, Any]:
    """The milestones as JSON: the events found and the milestones looked for."""
    return {
        "found": {
            milestone.value: {
                "on": event.on.isoformat(),
                "reference": event.reference,
                "kind": event.kind,
            }
            for milestone, event in sorted(events.found.items())
        },
        "looked_for": sorted(m.value for m in events.looked_for),
    }


def events_from_json(value: Any) -> PathwayEvents:
    """The milestones stored by :func:`events_json` (anything else: nothing looked for)."""
    if not isinstance(value, dict):
        return PathwayEvents()
    known = {m.value: m for m in Milestone}
    found: dict[Milestone, Event] = {}
    for name, event in (value.get("found") or {}).items():
        if name in known and isinstance(event, dict):
            found[known[name]] = Event(
                date.fromisoformat(event["on"]), event.get("reference"), event.get("kind")
            )
    looked_for = {known[name] for name in value.get("looked_for") or [] if name in known}
    return PathwayEvents(found, frozenset(looked_for | set(found)))


def record_for(
    view: ReportView,
    events: PathwayEvents,
    *,
    source: str,
    fhir_server: str | None,
    assessed_at: datetime,
) -> WorklistRecord:
    """The record of one assessment: the view's words, the urgency, the milestones."""
    levels = view.by_urgency()
    urgency = view.patient.urgency
    detail = {
        "summary": view.headline,
        "plan": [f"{level.level}: {level.plan.text}" for level in levels],
        "missing": list(
            dict.fromkeys(f"{level.level}: {name}" for level in levels for name in level.missing)
        ),
        # The view keys a level's input "T4/myelopathy"; shown like the plan's "T4: ...".
        "deciding": [key.replace("/", ": ", 1) for key in urgency.top_deciding or urgency.deciding],
        "certain": urgency.tier is not None,
        "events": events_json(events),
    }
    return WorklistRecord(
        patient_ref=f"Patient/{view.patient.id}",
        fhir_server=fhir_server,
        source=source,
        assessed_at=assessed_at,
        tier_at_most=urgency.at_most,
        tier_at_least=urgency.at_least,
        detail=detail,
    )
