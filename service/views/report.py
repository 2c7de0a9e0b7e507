"""One view of a report: what every surface (text, API, CDS cards, SMART pages, alerts) shows.

Built once from a ``workflow.Report`` by :func:`report_view`; the surfaces format it and never
rebuild its words. The patient leads with the urgency headline (docs/clinical-rules.md §15.2,
the domain's ``urgency.headline``); each level carries its tier, SINS (total or range, and what is
missing), ESCC, the plan and its parts, flags, rules, missing inputs, rationale and the resources
it rests on. Every field is a plain value (strings, numbers, tuples), so ``to_json`` is the API's
``assessment`` as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from service.domain import performance
from service.domain.assessment import Assessment, LevelAssessment
from service.domain.escc import EsccResult
from service.domain.findings import PatientFindings
from service.domain.urgency import Tier, Urgency, headline
from service.fhir import codes
from service.fhir.extract import Extraction, Issue
from service.views.scores import ScoreView, score_view
from service.workflow import Report


@dataclass(frozen=True, slots=True)
class UrgencyView:
    """The urgency of a level or of the patient.

    Attributes:
        tier: ``emergent``, ``urgent``, ``routine`` or ``none`` when certain, else None.
        at_least: The lowest tier that is certain.
        at_most: The highest tier still possible.
        headline: The line every surface leads with ("POSSIBLY EMERGENT: record myelopathy at
            T4 (at least urgent)").
        reasons: Why, in words (the first explains the highest possible tier).
        deciding: The inputs the chart could still supply that decide between the tiers.
        top_deciding: Those that decide whether the highest possible tier holds.
    """

    tier: str | None
    at_least: str
    at_most: str
    headline: str
    reasons: tuple[str, ...]
    deciding: tuple[str, ...]
    top_deciding: tuple[str, ...]

    @property
    def emergent_possible(self) -> bool:
        """Whether the highest tier still possible is emergent."""
        return self.at_most == Tier.EMERGENT.value


@dataclass(frozen=True, slots=True)
class EsccView:
    """Epidural spinal cord compression at a level.

    Attributes:
        grade: ``0``, ``1a``… ``3``, or None when not recorded.
        category: ``low-grade`` or ``high-grade`` when known, else None.
        text: In words ("grade 2 (high-grade)", "grade unknown").
        cord_compression: Cord compression is on record without a grade.
        missing: What the chart could still supply.
        notes: Conflicts and judgements (e.g. below the conus).
    """

    grade: str | None
    category: str | None
    text: str
    cord_compression: bool
    missing: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanView:
    """The NOMS plan of a level and its parts, in words and as the codes written to FHIR."""

    text: str
    code: str
    radiation: str
    radiation_code: str
    surgery: str
    surgery_code: str
    stabilization: str
    stabilization_code: str


@dataclass(frozen=True, slots=True)
class FlagView:
    """Something a clinician must look at, in words and as its code."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class LevelView:
    """Everything shown for one vertebral level.

    Attributes:
        level: The level in words: ``T4``, ``sacrum (segment not given)``, ``coccyx``.
        code: The level's code (``T4``), as orders and FHIR body sites name it.
        urgency: Its urgency (tier first).
        out_of_scope: Why NOMS, SINS and ESCC do not apply here, when they do not.
        sins: SINS, unless out of scope.
        stability: The SINS band code (``sins-stable``…) when certain, else None.
        escc: ESCC, unless out of scope.
        neurology: Myelopathy and cauda equina syndrome as they stand at this level.
        plan: The recommendation.
        flags: What to look at.
        rules: The rule ids applied (``R7``, ``special-C``).
        missing: The inputs that would change the plan.
        rationale: Why, sentence by sentence.
        sources: The resources (``Type/id``) the plan rests on, the metastasis first.
        neurologic_risk, mechanical_risk: ``low``/``moderate``/``high``, or None.
    """

    level: str
    code: str
    urgency: UrgencyView
    out_of_scope: str | None
    sins: ScoreView | None
    stability: str | None
    escc: EsccView | None
    neurology: str
    plan: PlanView
    flags: tuple[FlagView, ...]
    rules: tuple[str, ...]
    missing: tuple[str, ...]
    rationale: tuple[str, ...]
    sources: tuple[str, ...]
    neurologic_risk: str | None
    mechanical_risk: str | None


@dataclass(frozen=True, slots=True)
class IssueView:
    """Something about the input the reader must know (never a patient identifier).

    The same message about several resources is one issue (a Synthea record holds 48
    radiotherapy courses without a body site: one warning, not 48 that bury the others).

    Attributes:
        severity: ``error``, ``warning`` or ``information``.
        message: What to know, in words.
        resource: The first resource it is about (``Type/id``), or None.
        resources: Every resource it is about, in the order the extraction met them.
    """

    severity: str
    message: str
    resource: str | None
    resources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # ``resource`` is the first of ``resources`` (kept for the API's readers): given one,
        # the other follows; given both, they must agree.
        if not self.resources and self.resource is not None:
            object.__setattr__(self, "resources", (self.resource,))
        if (self.resources[0] if self.resources else None) != self.resource:
            raise ValueError("IssueView.resource must be the first of its resources")

    def where(self, shown: int = 3) -> str:
        """The resources for a line of text: `` [Procedure/a]``, or for many
        `` [48 resources: Procedure/a, Procedure/b, Procedure/c and 45 more]``; empty for none."""
        if len(self.resources) <= 1:
            return f" [{self.resource}]" if self.resource else ""
        named = ", ".join(self.resources[:shown])
        rest = len(self.resources) - shown
        more = f" and {rest} more" if rest > 0 else ""
        return f" [{len(self.resources)} resources: {named}{more}]"

    def count(self) -> str:
        """How many records it concerns, for a page that does not name them: `` (48 records)``,
        empty for one or none."""
        return f" ({len(self.resources)} records)" if len(self.resources) > 1 else ""


_SEVERITY_ORDER = {"error": 0, "warning": 1, "information": 2}


def issue_views(issues: Iterable[Issue]) -> tuple[IssueView, ...]:
    """The extraction's issues as the reader sees them: one per severity and message, with
    every resource each is about (each named once); errors first, then warnings, then
    information, each in the order first met (a deceased patient is not read after 48 notes)."""
    grouped: dict[tuple[str, str], list[str | None]] = {}
    for issue in issues:
        about = grouped.setdefault((issue.severity, issue.message), [])
        if issue.resource not in about:
            about.append(issue.resource)
    views = []
    for (severity, message), about in grouped.items():
        named = tuple(r for r in about if r is not None)
        views.append(IssueView(severity, message, named[0] if named else None, named))
    return tuple(sorted(views, key=lambda v: _SEVERITY_ORDER.get(v.severity, len(_SEVERITY_ORDER))))


@dataclass(frozen=True, slots=True)
class PatientView:
    """The patient-level part of the report.

    Attributes:
        id: The Patient's id on its server.
        age, sex: As recorded (None when not).
        urgency: The patient's urgency: the most urgent level, plus what no level accounts for.
        primaries: The primary cancers that count, in words.
        other_cancers: Cancers listed but never used (non-melanoma skin, in situ).
        radiosensitivity: The NOMS oncologic class in words, or None when primaries disagree
            or none is on record.
        radiosensitivity_code: Its code (``radioresistant``…), or None.
        performance: ECOG and/or Karnofsky as recorded, in words.
        prognostic: Revised Tokuhashi, Tomita, modified Bauer and NESMS.
    """

    id: str
    age: int | None
    sex: str | None
    urgency: UrgencyView
    primaries: tuple[str, ...]
    other_cancers: tuple[str, ...]
    radiosensitivity: str | None
    radiosensitivity_code: str | None
    performance: str
    prognostic: tuple[ScoreView, ...]


@dataclass(frozen=True, slots=True)
class ReportView:
    """The whole report as every surface shows it.

    Attributes:
        patient: The patient, urgency first.
        levels: One entry per level with a spinal metastasis, cranial to caudal.
        issues: What the reader must know about the input.
        rule_set: The rule set and its version.
        assessed_at: When (ISO 8601, UTC).
    """

    patient: PatientView
    levels: tuple[LevelView, ...]
    issues: tuple[IssueView, ...]
    rule_set: str
    assessed_at: str

    @property
    def headline(self) -> str:
        """The patient's headline."""
        return self.patient.urgency.headline

    def by_urgency(self) -> tuple[LevelView, ...]:
        """The levels, the most urgent first (highest possible, then lowest certain tier)."""
        return tuple(
            sorted(
                self.levels, key=lambda v: (-_rank(v.urgency.at_most), -_rank(v.urgency.at_least))
            )
        )

    def to_json(self) -> dict[str, Any]:
        """The view as JSON (the API's ``assessment``)."""
        return asdict(self)


def _rank(tier: str) -> int:
    return Tier(tier).rank


def urgency_view(urgency: Urgency) -> UrgencyView:
    """The view of a domain urgency."""
    return UrgencyView(
        tier=urgency.tier.value if urgency.tier else None,
        at_least=urgency.at_least.value,
        at_most=urgency.at_most.value,
        headline=headline(urgency),
        reasons=urgency.reasons,
        deciding=urgency.deciding,
        top_deciding=urgency.top_deciding,
    )


def _escc(result: EsccResult) -> EsccView:
    grade = result.grade.value if result.grade else None
    category = result.category.value if result.category else None
    if grade is not None:
        text = f"grade {grade}" + (f" ({category})" if category else "")
    elif category is not None:
        text = f"cord compression without a grade ({category})"
    else:
        text = "grade unknown"
    return EsccView(grade, category, text, result.cord_compression, result.missing, result.notes)


def _plan(la: LevelAssessment) -> PlanView:
    rec = la.recommendation
    return PlanView(
        text=rec.plan.value,
        code=codes.PLAN[rec.plan],
        radiation=rec.radiation.value,
        radiation_code=codes.RADIATION[rec.radiation],
        surgery=rec.surgery.value,
        surgery_code=codes.SURGERY[rec.surgery],
        stabilization=rec.stabilization.value,
        stabilization_code=codes.STABILIZATION[rec.stabilization],
    )


def _level(la: LevelAssessment, extraction: Extraction) -> LevelView:
    rec = la.recommendation
    in_scope = la.lesion.out_of_scope is None
    sins = score_view("SINS", la.sins) if in_scope else None
    focus = extraction.focus.get(la.level, ())
    sources = tuple(dict.fromkeys((*focus, *extraction.references(la.noms_inputs))))
    return LevelView(
        level=la.level.label,
        code=la.level.value,
        urgency=urgency_view(la.urgency),
        out_of_scope=None if in_scope else la.lesion.out_of_scope.value,
        sins=sins,
        stability=codes.SINS_BAND.get(sins.band_code) if sins and sins.band_code else None,
        escc=_escc(la.escc) if in_scope else None,
        neurology=la.neurology.sentence(),
        plan=_plan(la),
        flags=tuple(FlagView(codes.FLAG[flag], flag.value) for flag in rec.flags),
        rules=tuple(str(rule) for rule in rec.rules),
        missing=rec.missing,
        rationale=rec.rationale,
        sources=sources,
        neurologic_risk=la.neurologic_risk.risk.value if la.neurologic_risk.risk else None,
        mechanical_risk=la.mechanical_risk.risk.value if la.mechanical_risk.risk else None,
    )


def _performance(findings: PatientFindings) -> str:
    status = findings.performance
    said = []
    if status.ecog is not None:
        said.append(f"ECOG {status.ecog} ({performance.ECOG_TEXT[status.ecog]})")
    if status.kps is not None:
        said.append(f"Karnofsky {status.kps}")
    return "; ".join(said) or "not recorded"


def _patient(assessment: Assessment, extraction: Extraction) -> PatientView:
    findings = assessment.findings
    radio = assessment.radiosensitivity
    return PatientView(
        id=extraction.patient_id,
        age=findings.age,
        sex=findings.sex,
        urgency=urgency_view(assessment.urgency),
        primaries=tuple(p.description for p in findings.primaries),
        other_cancers=findings.other_cancers,
        radiosensitivity=radio.value if radio else None,
        radiosensitivity_code=codes.RADIOSENSITIVITY[radio] if radio else None,
        performance=_performance(findings),
        prognostic=(
            score_view("Revised Tokuhashi", assessment.tokuhashi),
            score_view("Tomita", assessment.tomita),
            score_view("Modified Bauer", assessment.modified_bauer),
            score_view("NESMS", assessment.nesms),
        ),
    )


def assessment_view(
    extraction: Extraction, assessment: Assessment, assessed_at: datetime
) -> ReportView:
    """The view of an assessment and the extraction it came from (no FHIR results needed:
    the CDS services show the view without writing anything)."""
    return ReportView(
        patient=_patient(assessment, extraction),
        levels=tuple(_level(la, extraction) for la in assessment.levels),
        issues=issue_views(extraction.issues),
        rule_set=assessment.rule_set,
        assessed_at=assessed_at.isoformat(),
    )


def report_view(report: Report) -> ReportView:
    """The one view of ``report`` that every surface reads."""
    return assessment_view(report.extraction, report.assessment, report.assessed_at)
