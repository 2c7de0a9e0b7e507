"""The use cases: gather → extract → assess → emit (→ write back, with a FHIR client)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.domain.assessment import Assessment, assess
from service.fhir import emit, extract
from service.fhir.client import FhirClient
from service.fhir.writeback import WriteReport, write_results
from service.version import __version__


@dataclass(frozen=True, slots=True)
class Report:
    """One patient's assessment with everything needed to show or write it."""

    extraction: extract.Extraction
    assessment: Assessment
    results: tuple[emit.Emitted, ...]
    assessed_at: datetime

    def collection_bundle(self) -> dict[str, Any]:
        """The results as a FHIR collection Bundle."""
        return emit.collection_bundle(self.results)


def assess_resources(
    resources: Iterable[dict[str, Any]],
    patient_id: str | None = None,
    issues: Iterable[extract.Issue] = (),
    now: datetime | None = None,
    *,
    local: Mapping[str, str] | None = None,
) -> Report:
    """Assess one patient's FHIR resources.

    ``local`` maps a Bundle's ``fullUrl`` values to ``Type/id`` (``extract.read_bundle``), for
    the references between its entries.

    Raises:
        extract.InvalidInput: when the resources cannot be assessed at all.
    """
    now = now or datetime.now(UTC)
    extraction = extract.extract(resources, patient_id, now.date(), issues, local=local)
    assessment = assess(extraction.findings)
    results = emit.emit(assessment, extraction, now, __version__)
    return Report(extraction, assessment, tuple(results), now)


def assess_bundle(bundle: object, now: datetime | None = None) -> Report:
    """Assess the one patient held in a collection, searchset or transaction Bundle."""
    contents = extract.read_bundle(bundle)
    return assess_resources(
        contents.resources, issues=contents.issues, now=now, local=contents.local
    )


@dataclass(frozen=True, slots=True)
class LiveReport:
    """An assessment of a patient read from a FHIR server, and what was written back."""

    report: Report
    write: WriteReport | None


def assess_patient(
    client: FhirClient,
    patient_id: str,
    *,
    write: bool = False,
    user: str | None = None,
    now: datetime | None = None,
) -> LiveReport:
    """Gather a patient's data from a FHIR server, assess it, and optionally write it back.

    Raises:
        FhirError: when the server cannot be read (or refuses everything).
        extract.InvalidInput: when the data cannot be assessed at all.
    """
    resources, issues = client.gather(patient_id)
    report = assess_resources(resources, patient_id, issues, now)
    if not write:
        return LiveReport(report, None)
    prov = emit.provenance(report.results, report.extraction, report.assessed_at, __version__, user)
    return LiveReport(report, write_results(client, report.results, prov))
