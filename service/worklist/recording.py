"""Assessments become worklist entries: the one-line calls of the API and the CDS service.

Each call builds the record (``entries.record_for``) and stores it in the service's database
(``NOMS_DATABASE_URL``, opened and migrated on first use, once per process and app). A patient
with no spinal metastasis on record makes no entry (nothing for the board). A worklist that
cannot be written never costs the caller its assessment: the failure is logged (its class
only: no patient data) and the answer goes out as it would have.

Where the milestones come from, per call:

- ``POST /api/assessments``: the Bundle sent, read in full (every milestone looked for);
- ``POST /api/patients/{id}/assessment``: the patient's Conditions, ImagingStudies, Encounters
  and Procedures searched on the EHR (a search that fails or is cut short leaves its milestones
  "not read");
- CDS ``patient-view``: none (the prefetch carries no Encounters and only radiotherapy
  Procedures): the entry's milestones come from the patient's latest API assessment in range.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from flask import current_app

from service.domain.pathway import PathwayEvents
from service.errors import FhirError
from service.fhir import extract
from service.fhir.client import FhirClient
from service.fhir.extract.pathway_events import ALL_TYPES, pathway_events
from service.storage.database import Database, open_database
from service.storage.worklist import add_entry, entries_between
from service.views import ReportView, report_view
from service.web.runtime import runtime
from service.workflow import Report
from service.worklist.entries import record_for
from service.worklist.listing import Worklist, build_worklist

log = logging.getLogger("noms_cds.worklist")

EXTENSION: Final = "noms-cds.worklist.database"
_lock = threading.Lock()


def database() -> Database:
    """The app's database for the worklist, opened (and migrated) on first use."""
    with _lock:
        found = current_app.extensions.get(EXTENSION)
        if found is None:
            found = open_database(runtime().settings.database_url)
            current_app.extensions[EXTENSION] = found
    return found


def _now() -> datetime:
    return datetime.fromtimestamp(runtime().clock(), UTC)


def _store(view: ReportView, events: PathwayEvents, source: str, server: str | None) -> None:
    if not view.levels:
        return  # no spinal metastasis on record: nothing for the spine tumour board
    try:
        record = record_for(view, events, source=source, fhir_server=server, assessed_at=_now())
        add_entry(database(), record)
    except Exception as exc:  # the worklist must never cost the caller its assessment
        log.error(
            "worklist entry not stored",
            extra={"event": "worklist-store-failed", "error": type(exc).__name__},
        )


def _unread(exc: Exception) -> PathwayEvents:
    """No milestone read (they stay unknown, never "none"): the reason is logged by class."""
    log.error(
        "worklist milestones not read",
        extra={"event": "worklist-milestones-failed", "error": type(exc).__name__},
    )
    return PathwayEvents()


def note_bundle(bundle: Any, report: Report) -> None:
    """An assessment of a Bundle sent to the API (every milestone read from the Bundle)."""
    try:
        contents = extract.read_bundle(bundle)
        events = pathway_events(contents.resources, local=contents.local)
    except Exception as exc:  # the worklist must never cost the caller its assessment
        events = _unread(exc)
    _store(report_view(report), events, "api-bundle", None)


def _patient_events(client: FhirClient, patient_id: str) -> PathwayEvents:
    resources: list[dict[str, Any]] = []
    read: set[str] = set()
    for kind in sorted(ALL_TYPES):
        try:
            found, issues = client.search(kind, {"patient": patient_id})
        except FhirError:
            continue  # this kind's milestones stay "not read"
        resources.extend(found)
        if not issues:  # a search cut short (page cap) or partly refused was not read in full
            read.add(kind)
    return pathway_events(resources, read_types=read)


def note_patient(client: FhirClient, patient_id: str, report: Report) -> None:
    """An assessment of a patient read from the EHR: its milestones searched there too."""
    try:
        events = _patient_events(client, patient_id)
    except Exception as exc:  # the worklist must never cost the caller its assessment
        events = _unread(exc)
    _store(report_view(report), events, "api-patient", client.base_url)


def note_view(view: ReportView, source: str, fhir_server: str | None) -> None:
    """An assessment shown without the pathway's resources (a CDS call)."""
    _store(view, PathwayEvents(), source, fhir_server)


def load_worklist(start: date, end: date, target_days: int | None = None) -> Worklist:
    """The worklist of the assessments made from ``start`` to ``end`` (days, UTC, inclusive),
    checked against ``target_days`` (default: ``NOMS_PATHWAY_TARGET_DAYS``)."""
    begin = datetime.combine(start, time.min, UTC)
    stop = datetime.combine(end + timedelta(days=1), time.min, UTC)
    entries = entries_between(database(), begin, stop)
    target = target_days or runtime().settings.pathway_target_days
    return build_worklist(entries, start, end, _now().date(), target)
