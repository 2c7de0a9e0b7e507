"""CDS Hooks 2.0 cards from the report view: one per level, the most urgent first.

The words are the view's (``service/views``); here they are only arranged as the spec asks
(CDS Hooks 2.0 §Card): a summary under 140 characters naming the level, the urgency and the
plan; the indicator from the urgency; a Markdown detail with the scores, what is missing, the
flags, the rules and the reasons; the source; a ``smart`` link opening the SMART app on the level;
referral suggestions where the plan calls for a surgeon or a radiation oncologist; the override
reasons of the CDS Hooks CodeSystem. Indicator (docs/cds-hooks.md):

- ``critical``: the tier is emergent (certain);
- ``warning``: urgent or possibly emergent (or possibly urgent), stability indeterminate
  (SINS 7-12 without the surgeon's call), or data missing on a known spinal metastasis;
- ``info``: otherwise.

Text taken from the chart (a primary cancer's display) is escaped before it enters Markdown.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from service.domain.urgency import INPUT_WORDS, Tier
from service.fhir import codes
from service.views import LevelView, ReportView, UrgencyView

SUMMARY_LIMIT: Final = 139  # "fewer than 140 characters" (CDS Hooks 2.0 §Card)
SOURCE_LABEL: Final = "NOMS-CDS (NOMS framework)"
TOPIC: Final = codes.Code(codes.SPINE_ONCOLOGY, "noms-recommendation", "NOMS recommendation")
SURGERY_CODES: Final = frozenset({"separation-surgery", "urgent-decompression"})
STABILIZATION_CODES: Final = frozenset(
    {"stabilization-required", "stabilization-surgical-consultation"}
)
RADIATION_CODES: Final = frozenset({"cebrt", "srs", "srs-reirradiation"})
INDETERMINATE_FLAG: Final = "flag-sins-indeterminate"
# Characters that would start Markdown or HTML in a line of text (CommonMark backslash escapes).
_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>|~])")
WHY_LINES: Final = 4  # sentences of the rationale a card shows; the SMART app shows them all


@dataclass(frozen=True, slots=True)
class CardSettings:
    """What the cards link to (from the service's settings)."""

    smart_launch_url: str
    source_url: str


def _md(text: str) -> str:
    """Text for Markdown: special characters escaped, line breaks folded."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def tier_label(urgency: UrgencyView) -> str:
    """``EMERGENT``, or ``POSSIBLY EMERGENT`` when it is only the highest tier still possible."""
    top = urgency.at_most.upper()
    return top if urgency.tier is not None else f"POSSIBLY {top}"


def indicator(level: LevelView) -> str:
    """The card's indicator for a level (module docstring)."""
    urgency = level.urgency
    if urgency.tier == Tier.EMERGENT.value:
        return "critical"
    if urgency.at_most in (Tier.EMERGENT.value, Tier.URGENT.value):
        return "warning"
    flags = {flag.code for flag in level.flags}
    if INDETERMINATE_FLAG in flags or level.missing:
        return "warning"
    return "info"


def _asked(urgency: UrgencyView) -> str:
    words = [INPUT_WORDS.get(name.rpartition("/")[2], name) for name in urgency.top_deciding]
    return " and ".join(dict.fromkeys(words))


def summary(level: LevelView) -> str:
    """``T4: EMERGENT - urgent decompression/stabilization, then radiation`` (under 140)."""
    base = f"{level.level}: {tier_label(level.urgency)} - {level.plan.text}"
    asked = _asked(level.urgency) if level.urgency.tier is None else ""
    if asked and len(base) + len(asked) + 10 <= SUMMARY_LIMIT:
        return f"{base} (record {asked})"
    return base if len(base) <= SUMMARY_LIMIT else base[: SUMMARY_LIMIT - 1] + "…"


def _level_detail(level: LevelView, report: ReportView, ordered: Sequence[str]) -> str:
    lines = [f"**{_md(level.urgency.headline)}**", ""]
    if ordered:
        lines += [f"Ordered: {_md('; '.join(ordered))}", ""]
    plan = level.plan
    lines += [
        f"**Plan:** {_md(plan.text)} (radiation: {_md(plan.radiation)}; surgery: "
        f"{_md(plan.surgery)}; stabilization: {_md(plan.stabilization)})",
        "",
    ]
    if level.out_of_scope:
        lines += [f"Outside SINS and ESCC: {_md(level.out_of_scope)}.", ""]
    rows = []
    if level.sins is not None:
        rows.append(("SINS", level.sins.described()))
    if level.escc is not None:
        rows.append(("ESCC", level.escc.text))
    rows.append(("Neurology", level.neurology))
    if rows:
        lines += ["| | |", "|---|---|", *(f"| {name} | {_md(text)} |" for name, text in rows), ""]
    if level.missing:
        lines += [f"**Missing:** {_md(', '.join(level.missing))}", ""]
    if level.flags:
        lines += ["**Flags:**", *(f"- {_md(flag.text)}" for flag in level.flags), ""]
    lines += [f"**Rules:** {_md(', '.join(level.rules))} ({_md(report.rule_set)})", ""]
    if level.rationale:
        lines += ["**Why:**", *_why(level.rationale), ""]
    lines += [_patient_lines(report), "", "Decision support: the spine oncology team decides."]
    return "\n".join(lines)


def _why(rationale: Sequence[str]) -> list[str]:
    """The reasons as bullets: the sentences first; the plans still possible are counted, since
    the SMART app lists them all (an open plan can have a dozen)."""
    sentences = [text for text in rationale if not text.startswith("- ")]
    options = len(rationale) - len(sentences)
    lines = [f"- {_md(text)}" for text in sentences[:WHY_LINES]]
    if options:
        lines.append(f"- {options} plans possible, depending on what is missing (see the app)")
    return lines


def _patient_lines(report: ReportView) -> str:
    patient = report.patient
    said = [
        f"radiosensitivity: {patient.radiosensitivity or 'not determined'}",
        f"performance status: {patient.performance}",
        *(score.line() for score in patient.prognostic),
    ]
    return "**Patient:** " + "; ".join(_md(text) for text in said)


def _priority(urgency: UrgencyView) -> str:
    if urgency.tier == Tier.EMERGENT.value:
        return "stat"
    if Tier(urgency.at_most).rank >= Tier.URGENT.rank:
        return "urgent"
    return "routine"


def _referral(label: str, performer: str, level: LevelView, report: ReportView) -> dict[str, Any]:
    subject = {"reference": f"Patient/{report.patient.id}"}
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "priority": _priority(level.urgency),
        "code": {"coding": [codes.PATIENT_REFERRAL.coding()], "text": label},
        "subject": subject,
        "performerType": {"text": performer},
        "note": [{"text": f"NOMS-CDS, {level.level}: {level.urgency.headline}"}],
    }
    vertebra = _vertebra(level)
    if vertebra is not None:
        request["bodySite"] = [vertebra]
    conditions = [ref for ref in level.sources if ref.startswith("Condition/")]
    if conditions:
        request["reasonReference"] = [{"reference": ref} for ref in conditions[:1]]
    return {
        "label": label,
        "uuid": str(uuid.uuid4()),
        "isRecommended": True,
        "actions": [
            {
                "type": "create",
                "description": f"Propose a {label.lower()} for {level.level}",
                "resource": request,
            }
        ],
    }


def _vertebra(level: LevelView) -> dict[str, Any] | None:
    for known, code in codes.VERTEBRA.items():
        if known.value == level.code:
            return {"coding": [code.coding()]}
    return None


def suggestions(level: LevelView, report: ReportView) -> list[dict[str, Any]]:
    """Referrals the plan calls for: a spine surgeon, a radiation oncologist (defined parts)."""
    plan = level.plan
    found = []
    flags = {flag.code for flag in level.flags}
    if (
        plan.surgery_code in SURGERY_CODES
        or plan.stabilization_code in STABILIZATION_CODES
        or INDETERMINATE_FLAG in flags
    ):
        found.append(_referral("Spine surgery consultation", "Spine surgeon", level, report))
    if plan.radiation_code in RADIATION_CODES:
        found.append(
            _referral("Radiation oncology consultation", "Radiation oncologist", level, report)
        )
    return found


def _common(settings: CardSettings, level_code: str | None) -> dict[str, Any]:
    context = {"level": level_code} if level_code else {}
    return {
        "source": {"label": SOURCE_LABEL, "url": settings.source_url, "topic": TOPIC.coding()},
        "overrideReasons": [reason.coding() for reason in codes.OVERRIDE_REASONS],
        "links": [
            {
                "label": "Open the spine assessment",
                "url": settings.smart_launch_url,
                "type": "smart",
                **({"appContext": json.dumps(context)} if context else {}),
            }
        ],
    }


def level_card(
    level: LevelView, report: ReportView, settings: CardSettings, ordered: Sequence[str] = ()
) -> dict[str, Any]:
    """The card of one level."""
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary(level),
        "detail": _level_detail(level, report, ordered),
        "indicator": indicator(level),
        **_common(settings, level.code),
    }
    proposed = suggestions(level, report)
    if proposed:
        card["suggestions"] = proposed
        card["selectionBehavior"] = "any"
    return card


def _unaccounted(report: ReportView) -> bool:
    """Whether the patient's urgency rises above every level's (a metastasis without a level,
    a myelopathy no level explains): then the patient gets a card of its own."""
    patient = report.patient.urgency
    if patient.at_most == Tier.NONE.value:
        return False
    top = max((Tier(v.urgency.at_most).rank for v in report.levels), default=-1)
    return Tier(patient.at_most).rank > top


def patient_card(report: ReportView, settings: CardSettings) -> dict[str, Any]:
    """The card of what no level accounts for."""
    urgency = report.patient.urgency
    label = tier_label(urgency)
    text = urgency.headline
    reason = urgency.reasons[0] if urgency.reasons else ""
    summary_text = f"Spine: {label} - {reason}"
    if len(summary_text) > SUMMARY_LIMIT:
        summary_text = summary_text[: SUMMARY_LIMIT - 1] + "…"
    detail = [f"**{_md(text)}**", "", *(f"- {_md(r)}" for r in urgency.reasons), ""]
    detail += [_patient_lines(report), "", "Decision support: the spine oncology team decides."]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary_text,
        "detail": "\n".join(detail),
        "indicator": "critical" if urgency.tier == Tier.EMERGENT.value else "warning",
        **_common(settings, None),
    }


def patient_view_cards(report: ReportView, settings: CardSettings) -> list[dict[str, Any]]:
    """patient-view: every level with a spinal metastasis, the most urgent first; none when the
    patient has no spinal metastasis."""
    cards = [patient_card(report, settings)] if _unaccounted(report) else []
    return cards + [level_card(level, report, settings) for level in report.by_urgency()]


def order_cards(
    report: ReportView, settings: CardSettings, orders: Iterable[tuple[str, frozenset[str]]]
) -> list[dict[str, Any]]:
    """order-select/order-sign: the levels the spine orders concern, and any level (of this
    patient) where an emergency is still possible, whatever is being ordered.

    Args:
        orders: Per spine order, its description (``"spine imaging (ServiceRequest/x)"``) and
            the codes of the levels it concerns.
    """
    concerned: dict[str, list[str]] = {}
    for description, level_codes in orders:
        for code in level_codes:
            concerned.setdefault(code, []).append(description)
    cards = [patient_card(report, settings)] if _unaccounted(report) else []
    for level in report.by_urgency():
        ordered = concerned.get(level.code, [])
        if ordered or level.urgency.emergent_possible:
            cards.append(level_card(level, report, settings, ordered))
    return cards
