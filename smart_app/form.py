"""The completion form: what a clinician may enter, and its fields read back into findings.

Field names: ``<level>:<finding>`` for a level (``T9:sins-pain`` = ``pain-mechanical``),
``myelopathy`` / ``cauda-equina-syndrome`` / ``surgical-candidate`` = ``yes`` or ``no``,
``ecog`` = 0-4, ``kps`` = 10-100. An empty field means "not entered": never "absent" or "normal".
Every value must be one the form offers; anything else is reported and nothing is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from service.domain.levels import Level
from service.fhir.clinician import (
    ECOG_VALUES,
    KARNOFSKY_VALUES,
    LEVEL_FINDINGS,
    PATIENT_BOOLEANS,
    ClinicianFindings,
    LevelEntry,
)
from service.fhir.codes import so

YES_NO: Final = {"yes": True, "no": False}
PATIENT_FIELDS: Final = (*PATIENT_BOOLEANS, "ecog", "kps")


def level_field(level: Level, finding: str) -> str:
    """The form field of one finding at one level."""
    return f"{level.value}:{finding}"


@dataclass(frozen=True, slots=True)
class FormInput:
    """What the form sent: the findings, the raw values (to show them again), the problems."""

    findings: ClinicianFindings
    values: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def read_form(form: Mapping[str, str], levels: Iterable[Level]) -> FormInput:
    """Read the completion form for the levels of the assessment."""
    values: dict[str, str] = {}
    problems: list[str] = []
    entries: list[LevelEntry] = []
    for level in levels:
        answers: dict[str, str] = {}
        for finding, (_, _, allowed) in LEVEL_FINDINGS.items():
            name = level_field(level, finding)
            value = form.get(name, "").strip()
            if not value:
                continue
            values[name] = value
            if value in allowed:
                answers[finding] = value
            else:
                problems.append(f"{level.value}: {finding} {value!r} is not a value offered")
        if answers:
            entries.append(LevelEntry(level, answers))
    booleans: dict[str, bool] = {}
    for name in PATIENT_BOOLEANS:
        value = form.get(name, "").strip()
        if value:
            values[name] = value
            if value in YES_NO:
                booleans[name] = YES_NO[value]
            else:
                problems.append(f"{name}: {value!r} is not yes or no")
    scores: dict[str, int | None] = {}
    for name, allowed in (("ecog", ECOG_VALUES), ("kps", KARNOFSKY_VALUES)):
        value = form.get(name, "").strip()
        scores[name] = None
        if value:
            values[name] = value
            if value.isdigit() and int(value) in allowed:
                scores[name] = int(value)
            else:
                problems.append(f"{name.upper()}: {value!r} is not a value offered")
    if problems:
        return FormInput(ClinicianFindings(), values, tuple(problems))
    findings = ClinicianFindings(tuple(entries), booleans, scores["ecog"], scores["kps"])
    return FormInput(findings, values)


@dataclass(frozen=True, slots=True)
class Question:
    """One field of the form: its name, label and the answers offered (value, words)."""

    name: str
    finding: str
    label: str
    options: tuple[tuple[str, str], ...]


# The order in which a level's findings are asked: neurologic (ESCC), then mechanical.
LEVEL_ORDER: Final = (
    "escc-grade",
    "stability-assessment",
    "sins-bone-lesion",
    "sins-alignment",
    "sins-collapse",
    "sins-posterolateral",
    "sins-pain",
)
# Short forms of the published definitions (ECOG: Oken 1982; KPS: Karnofsky 1949; docs/scores.md).
ECOG_WORDS: Final = {
    0: "0 — fully active, no restriction",
    1: "1 — restricted in strenuous activity; ambulatory, light work",
    2: "2 — ambulatory, all self-care, no work; up over 50 % of waking hours",
    3: "3 — limited self-care; in bed or chair over 50 % of waking hours",
    4: "4 — completely disabled; no self-care",
}
KPS_WORDS: Final = {
    100: "normal, no complaints",
    90: "normal activity, minor symptoms",
    80: "normal activity with effort",
    70: "cares for self, cannot work",
    60: "needs occasional assistance",
    50: "needs considerable assistance",
    40: "disabled",
    30: "severely disabled",
    20: "very sick",
    10: "moribund",
}


def level_questions(level: Level) -> list[Question]:
    """The questions of one level, in the order asked."""
    return [
        Question(
            level_field(level, finding),
            finding,
            so(finding).display,
            tuple((answer, so(answer).display) for answer in LEVEL_FINDINGS[finding][2]),
        )
        for finding in LEVEL_ORDER
    ]


def patient_questions() -> list[Question]:
    """The questions about the patient as a whole."""
    yes_no = (("yes", "Yes"), ("no", "No"))
    questions = [Question(name, name, so(name).display, yes_no) for name in PATIENT_BOOLEANS]
    questions.append(
        Question(
            "ecog",
            "ecog",
            "ECOG performance status",
            tuple((str(v), ECOG_WORDS[v]) for v in ECOG_VALUES),
        )
    )
    questions.append(
        Question(
            "kps",
            "kps",
            "Karnofsky performance status (%)",
            tuple((str(v), f"{v} % — {KPS_WORDS[v]}") for v in reversed(KARNOFSKY_VALUES)),
        )
    )
    return questions


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """The questions of one fieldset (a level, or the patient)."""

    title: str
    questions: tuple[Question, ...]


def question_groups(levels: Iterable[Level], deciding: Iterable[str] = ()) -> list[QuestionGroup]:
    """The form's fieldsets: first what decides a plan or an urgency, then per level, then the
    patient; each question is asked once."""
    levels = list(levels)
    per_level = [(level, level_questions(level)) for level in levels]
    patient = patient_questions()
    by_name = {q.name: (level.value, q) for level, qs in per_level for q in qs}
    by_name.update({q.name: (None, q) for q in patient})
    first = [name for name in deciding if name in by_name]
    asked = set(first)
    groups = []
    if first:
        questions = []
        for name in first:
            place, question = by_name[name]
            label = f"{place}: {question.label}" if place else question.label
            questions.append(Question(question.name, question.finding, label, question.options))
        groups.append(QuestionGroup("These decide the plan or the urgency", tuple(questions)))
    for level, questions in per_level:
        rest = tuple(q for q in questions if q.name not in asked)
        if rest:
            groups.append(QuestionGroup(f"Level {level.value}", rest))
    rest = tuple(q for q in patient if q.name not in asked)
    if rest:
        groups.append(QuestionGroup("The patient", rest))
    return groups
