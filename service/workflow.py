"""The use cases: gather → extract → assess → emit (→ write back, with a FHIR client)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.domain.assessment import Assessment, assess
from service.domain.levels import Level
from service.fhir import clinician, emit, extract, provenance, questionnaire_response
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
        return provenance.collection_bundle(self.results)


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
    prov = provenance.provenance(
        report.results, report.extraction, report.assessed_at, __version__, user
    )
    return LiveReport(report, write_results(client, report.results, prov))


@dataclass(frozen=True, slots=True)
class ChartAssessment:
    """A patient read from a FHIR server and assessed, with what a clinician entered.

    Attributes:
        report: The assessment of the chart plus the entered findings (nothing saved yet).
        patient: The Patient resource as the server sent it (for a patient banner).
        entered: The entered findings, as the Observations they would be saved as.
        chart_levels: The levels the chart itself has a spinal metastasis at (entered findings
            belong there: a finding at another level would make a lesion of its own).
    """

    report: Report
    patient: dict[str, Any]
    entered: tuple[emit.Emitted, ...] = ()
    chart_levels: tuple[Level, ...] = ()


def assess_with_findings(
    client: FhirClient,
    patient_id: str,
    entered: Sequence[emit.Emitted] = (),
    *,
    now: datetime | None = None,
) -> ChartAssessment:
    """Gather a patient's data and assess it together with findings a clinician entered.

    The entered findings (``service.fhir.clinician.clinician_observations``) count as the newest
    values in the chart; nothing is written.

    Raises:
        FhirError: when the server cannot be read.
        extract.InvalidInput: when the data cannot be assessed at all.
    """
    resources, issues = client.gather(patient_id)
    patient = next((r for r in resources if r.get("resourceType") == "Patient"), {})
    report = assess_resources([*resources, *(e.resource for e in entered)], patient_id, issues, now)
    chart = assess_resources(resources, patient_id, issues, now) if entered else report
    levels = tuple(la.level for la in chart.assessment.levels)
    return ChartAssessment(report, patient, tuple(entered), levels)


def save_with_findings(client: FhirClient, assessed: ChartAssessment, user: str) -> WriteReport:
    """Write the entered findings and the results in one write, with ``user`` as their author.

    The findings come first (the results cite them); one Provenance names the service and the
    user. What the server refuses is in the report, never dropped silently.
    """
    report = assessed.report
    findings, results = clinician.for_writing(assessed.entered, report.results)
    written = [*findings, *results]
    prov = provenance.provenance(written, report.extraction, report.assessed_at, __version__, user)
    return write_results(client, written, prov)


@dataclass(frozen=True, slots=True)
class ReportAssessment:
    """An assessment from a structured spine-MRI report (a QuestionnaireResponse).

    Attributes:
        report: The assessment of the patient's resources with the report's findings.
        extracted: The findings extracted from the report (the contract's Observations).
    """

    report: Report
    extracted: tuple[emit.Emitted, ...]


def assess_questionnaire_response(body: object, now: datetime | None = None) -> ReportAssessment:
    """Extract a completed spine-MRI report (alone, or in a Bundle with the patient's other
    resources) and assess the patient from it, through the same path as any Observations.

    Raises:
        extract.InvalidInput: when the report cannot be extracted or the whole not assessed.
    """
    contents = questionnaire_response.read_report_input(body)
    report = assess_resources(
        contents.resources, issues=contents.issues, now=now, local=contents.local
    )
    return ReportAssessment(report, contents.extracted)
