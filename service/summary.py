"""A readable text summary of an assessment, level by level (``noms-cds assess --format text``).

The patient and every level lead with their urgency headline (docs/clinical-rules.md §15.2).
"""

from __future__ import annotations

from service.domain.scoring import ScoreResult
from service.domain.urgency import headline
from service.workflow import Report


def _score_line(name: str, result: ScoreResult) -> str:
    line = f"  {name}: {result.describe_total()}"
    if result.band:
        line += f" ({result.band.label})"
    elif result.possible_bands:
        line += " (band open: " + " / ".join(b.label for b in result.possible_bands) + ")"
    if result.missing:
        line += f"; missing: {', '.join(result.missing)}"
    # A known value the score does not classify is said as such (docs/clinical-rules.md §15.12).
    said = [i.answer for i in result.items if i.points is None and not i.missing and i.inputs]
    if said:
        line += "; " + "; ".join(said)
    return line


def render(report: Report) -> str:
    """The assessment as plain text for a clinician or an integrator's terminal."""
    a, x = report.assessment, report.extraction
    f = a.findings
    lines = [
        f"Patient {x.patient_id}"
        + (f", {f.age} y" if f.age is not None else "")
        + (f", {f.sex}" if f.sex else ""),
        f"  {headline(a.urgency)}",
    ]
    lines.extend(f"    | {reason}" for reason in a.urgency.reasons[1:])
    primaries = "; ".join(p.description for p in f.primaries) or "none on record"
    radio = a.radiosensitivity.value if a.radiosensitivity else "unknown"
    lines.append(f"  Primary cancer: {primaries} -> {radio}")
    if f.other_cancers:
        lines.append(f"  Not candidate primaries (listed, not used): {'; '.join(f.other_cancers)}")
    lines.append(_score_line("Revised Tokuhashi", a.tokuhashi))
    lines.append(_score_line("Tomita", a.tomita))
    lines.append(_score_line("Modified Bauer", a.modified_bauer))
    lines.append(_score_line("NESMS", a.nesms))
    if not a.levels:
        lines.append("  No spinal metastasis on record: nothing to assess per level.")
    for la in a.levels:
        rec = la.recommendation
        lines.append(f"  {la.level.label}: {headline(la.urgency)}")
        lines.append(f"    Plan: {rec.plan.value}")
        if la.lesion.out_of_scope is None:
            lines.append("    " + _score_line("SINS", la.sins).strip())
            escc = la.escc
            grade = escc.grade.value if escc.grade else "unknown"
            category = escc.category.value if escc.category else "undetermined"
            lines.append(f"    ESCC: grade {grade}, {category}")
        lines.append(
            f"    Radiation: {rec.radiation.value}; surgery: {rec.surgery.value}; "
            f"stabilization: {rec.stabilization.value}"
        )
        lines.append(f"    Rules: {', '.join(rec.rules)}")
        if rec.flags:
            lines.append(f"    Flags: {'; '.join(flag.value for flag in rec.flags)}")
        if rec.missing:
            lines.append(f"    Missing: {', '.join(rec.missing)}")
        lines.extend(f"    | {text}" for text in rec.rationale)
    for issue in x.issues:
        where = f" [{issue.resource}]" if issue.resource else ""
        lines.append(f"  {issue.severity}: {issue.message}{where}")
    return "\n".join(lines)
