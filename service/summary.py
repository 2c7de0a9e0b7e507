"""A readable text summary of an assessment, level by level (``noms-cds assess --format text``).

It reads the report view (``service/views``) like every other surface: the patient and every
level lead with their urgency headline (docs/clinical-rules.md §15.2).
"""

from __future__ import annotations

from service.views import LevelView, ReportView, report_view
from service.workflow import Report


def _level_lines(level: LevelView) -> list[str]:
    plan = level.plan
    lines = [f"  {level.level}: {level.urgency.headline}", f"    Plan: {plan.text}"]
    if level.sins is not None:
        lines.append(f"    {level.sins.line()}")
    if level.escc is not None:
        grade = level.escc.grade or "unknown"
        lines.append(f"    ESCC: grade {grade}, {level.escc.category or 'undetermined'}")
    lines.append(
        f"    Radiation: {plan.radiation}; surgery: {plan.surgery}; "
        f"stabilization: {plan.stabilization}"
    )
    lines.append(f"    Rules: {', '.join(level.rules)}")
    if level.flags:
        lines.append(f"    Flags: {'; '.join(flag.text for flag in level.flags)}")
    if level.missing:
        lines.append(f"    Missing: {', '.join(level.missing)}")
    lines.extend(f"    | {text}" for text in level.rationale)
    return lines


def render_view(view: ReportView) -> str:
    """The report view as plain text for a clinician or an integrator's terminal."""
    patient = view.patient
    lines = [
        f"Patient {patient.id}"
        + (f", {patient.age} y" if patient.age is not None else "")
        + (f", {patient.sex}" if patient.sex else ""),
        f"  {patient.urgency.headline}",
    ]
    lines.extend(f"    | {reason}" for reason in patient.urgency.reasons[1:])
    primaries = "; ".join(patient.primaries) or "none on record"
    lines.append(f"  Primary cancer: {primaries} -> {patient.radiosensitivity or 'unknown'}")
    if patient.other_cancers:
        listed = "; ".join(patient.other_cancers)
        lines.append(f"  Not candidate primaries (listed, not used): {listed}")
    lines.extend(f"  {score.line()}" for score in patient.prognostic)
    if not view.levels and patient.urgency.at_most == "none":
        lines.append("  No spinal metastasis on record: nothing to assess per level.")
    elif not view.levels:
        # Spinal disease without a level (docs/clinical-rules.md §15.2): the urgency above says
        # what is on record and what to record; never "no spinal metastasis".
        lines.append("  No vertebral level on record to assess: see the urgency above.")
    for level in view.levels:
        lines.extend(_level_lines(level))
    for issue in view.issues:
        lines.append(f"  {issue.severity}: {issue.message}{issue.where()}")
    return "\n".join(lines)


def render(report: Report) -> str:
    """The assessment as plain text (the view of ``report``, rendered)."""
    return render_view(report_view(report))
