"""A completed spine-MRI report (a QuestionnaireResponse) → the contract's imaging findings.

Observation-based extraction as SDC defines it (HL7 SDC STU3, "Form Data Extraction"): every
answered question whose Questionnaire item carries ``sdc-questionnaire-observationExtract`` becomes
one Observation with

- ``code``: the item's code; ``value[x]``: the answer (a Coding → ``valueCodeableConcept``);
- ``category``: from ``sdc-questionnaire-observation-extract-category`` (imaging; exam for pain);
- ``subject``: ``QuestionnaireResponse.subject``; ``effectiveDateTime`` and ``issued``:
  ``authored``; ``performer``: ``author``; ``basedOn``: ``basedOn`` (the imaging order);
  ``partOf``: the Procedures of ``partOf``; ``status``: final (amended for an amended response);
- ``derivedFrom``: the QuestionnaireResponse, and the ImagingStudy the ``imaging-study`` item
  names. R4 lets a QuestionnaireResponse's ``basedOn``/``partOf`` name only orders, procedures and
  observations, never an ImagingStudy, so the study is a question of the form.

One rule goes beyond SDC, which has no body site: the level group's ``level.vertebra`` answer is
the ``bodySite`` of every finding extracted from that group (docs/structured-report.md).

The response is untrusted input. What makes it unusable as a whole (not a response to this
Questionnaire, not completed, no patient, no date, no study) raises :class:`InvalidInput`; a
problem with one answer (a code outside the contract's answers, a wrong type, two answers to one
question) becomes an :class:`Issue` and that finding stays missing: nothing is guessed, and an
unanswered question is never "normal" or zero. Sizes are bounded before anything is read.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from service.domain.levels import Level
from service.fhir import codes
from service.fhir.codes import so
from service.fhir.emit import Emitted
from service.fhir.extract import InvalidInput, Issue, parse_when, read_bundle, reference_key
from service.fhir.questionnaire import (
    ITEM_BY_LINK,
    LINK_LEVEL,
    LINK_STUDY,
    LINK_VERTEBRA,
    QUESTIONNAIRE_URL,
    QUESTIONNAIRE_VERSION,
)
from service.fhir.untrusted import clean_text

# Ours: the fullUrls of the extracted findings.
_URN_NAMESPACE: Final = uuid.UUID("0b6a2f4e-5c1d-4e8a-9f37-2d4c6e8a1b53")
FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
USABLE_STATUS: Final = {"completed": "final", "amended": "amended"}
MAX_RESPONSES: Final = 10  # reports in one Bundle
MAX_ITEMS: Final = 64  # top-level items of one response (the study and the level groups)
MAX_GROUP_ITEMS: Final = 16  # questions in one level group
MAX_REFERENCES: Final = 10  # basedOn / partOf copied
_INSTANT: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


@dataclass(frozen=True, slots=True)
class ExtractedReport:
    """The findings of one report and what was wrong with it.

    Attributes:
        response: The reference the findings cite for the response (``derivedFrom``).
        study: The ImagingStudy's reference.
        patient: The patient's reference, as the response gives it.
        levels: The levels reported, in the response's order.
        observations: The extracted findings (each with a local ``id`` and a ``urn:uuid``).
        issues: Problems with single answers (those findings stay missing).
    """

    response: str
    study: str
    patient: str
    levels: tuple[Level, ...]
    observations: tuple[Emitted, ...]
    issues: tuple[Issue, ...] = ()


def is_report_response(resource: Any) -> bool:
    """Whether a resource is a QuestionnaireResponse to the spine-MRI report (any status)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        return False
    questionnaire = resource.get("questionnaire")
    return isinstance(questionnaire, str) and questionnaire.split("|")[0] == QUESTIONNAIRE_URL


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _shown(value: Any, limit: int = 40) -> str:
    """A value from the response as an issue may quote it (bounded, controls removed)."""
    return "'" + clean_text(value if isinstance(value, str) else repr(value), limit=limit) + "'"


def _coded(coding: Any, system: str, allowed: Mapping[str, object]) -> bool:
    """Whether an answer's Coding is in ``system`` with one of the ``allowed`` codes."""
    if not isinstance(coding, dict) or coding.get("system") != system:
        return False
    code = coding.get("code")
    return isinstance(code, str) and code in allowed


def _reference(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        reference = value["reference"].strip()
        return reference if 0 < len(reference) <= 512 else None
    return None


def _typed(reference: str, kind: str) -> bool:
    """Whether a reference names a resource of this type (a ``urn:`` entry is taken as such)."""
    return reference.startswith("urn:") or reference_key(reference).startswith(f"{kind}/")


def _answers(item: dict[str, Any], where: str, issues: list[Issue], ref: str) -> Any:
    """The one answer of a question, or None (unanswered, or an issue is noted)."""
    answers = item.get("answer")
    if answers is None or answers == []:
        return None
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        issues.append(Issue("warning", f"{where}: answer is not a list of objects: not used", ref))
        return None
    if len(answers) > 1:
        issues.append(Issue("warning", f"{where}: more than one answer: not used", ref))
        return None
    return answers[0]


def _check_envelope(response: Any) -> tuple[str, str, str]:
    """The patient reference, authored and Observation status; raises when unusable."""
    if not isinstance(response, dict) or response.get("resourceType") != "QuestionnaireResponse":
        raise InvalidInput("send a QuestionnaireResponse (or a Bundle holding one)")
    questionnaire = response.get("questionnaire")
    if not isinstance(questionnaire, str) or questionnaire.split("|")[0] != QUESTIONNAIRE_URL:
        raise InvalidInput(f"the QuestionnaireResponse does not answer {QUESTIONNAIRE_URL}")
    _, bar, version = questionnaire.partition("|")
    if bar and version != QUESTIONNAIRE_VERSION:
        raise InvalidInput(f"version {_shown(version, 20)} of the spine-MRI report is not known")
    status = response.get("status")
    if not isinstance(status, str) or status not in USABLE_STATUS:
        raise InvalidInput(
            f"the QuestionnaireResponse status is {_shown(status, 30)}: only a completed or "
            "amended report is extracted"
        )
    patient = _reference(response.get("subject"))
    if patient is None or not _typed(patient, "Patient"):
        raise InvalidInput("QuestionnaireResponse.subject must reference the Patient")
    authored = response.get("authored")
    if not isinstance(authored, str) or parse_when(authored) is None:
        raise InvalidInput("QuestionnaireResponse.authored must be a FHIR dateTime")
    return patient, authored, USABLE_STATUS[status]


def _references(values: Any, kinds: tuple[str, ...]) -> list[dict[str, str]]:
    if not isinstance(values, list):
        return []
    found = [_reference(v) for v in values[:MAX_REFERENCES]]
    return [
        {"reference": r} for r in found if r and any(reference_key(r).startswith(k) for k in kinds)
    ]


@dataclass
class _Reader:
    """Builds the findings of one response."""

    response: dict[str, Any]
    response_ref: str
    patient: str
    authored: str
    status: str
    key: str
    shown: str  # how issues name the response
    issues: list[Issue] = field(default_factory=list)
    out: list[Emitted] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.issues.append(Issue("warning", message, self.shown))

    def level_of(self, group: dict[str, Any], where: str) -> Level | None:
        items = group.get("item")
        vertebra = [i for i in items if i.get("linkId") == LINK_VERTEBRA]
        if len(vertebra) != 1:
            self.note(f"{where}: no single vertebral level: its findings are not used")
            return None
        answer = _answers(vertebra[0], f"{where} {LINK_VERTEBRA}", self.issues, self.shown)
        coding = answer.get("valueCoding") if answer else None
        if not _coded(coding, codes.SNOMED, codes.LEVEL_BY_SNOMED):
            self.note(f"{where}: the level is not a vertebra of the value set: findings not used")
            return None
        return codes.LEVEL_BY_SNOMED[coding["code"]]

    def group(self, group: dict[str, Any], where: str, study: str) -> None:
        items = group.get("item")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.note(f"{where}: item is not a list of objects: not used")
            return
        if len(items) > MAX_GROUP_ITEMS:
            self.note(f"{where}: more than {MAX_GROUP_ITEMS} items: not used")
            return
        level = self.level_of(group, where)
        if level is None:
            return
        if level in self.levels:
            self.note(f"{where}: {level.label} is reported in more than one group")
        self.levels.append(level)
        seen: dict[str, int] = {}
        for item in items:
            link = item.get("linkId")
            key = link if isinstance(link, str) else "?"
            seen[key] = seen.get(key, 0) + 1
        for item in items:
            link = item.get("linkId")
            if link == LINK_VERTEBRA:
                continue
            if not isinstance(link, str) or link not in ITEM_BY_LINK:
                self.note(f"{where}: item {_shown(link)} is not a question of the report: ignored")
                continue
            if seen[link] > 1:
                self.note(f"{where} {level.label} {link}: answered more than once: not used")
                continue
            self.finding(item, link, level, study, where)

    def finding(
        self, item: dict[str, Any], link: str, level: Level, study: str, where: str
    ) -> None:
        question = ITEM_BY_LINK[link]
        label = f"{where} {level.label} {link}"
        answer = _answers(item, label, self.issues, self.shown)
        if answer is None:
            return  # not answered: the finding stays missing
        coding = answer.get("valueCoding")
        if not _coded(coding, codes.SPINE_ONCOLOGY, question.answers):
            self.note(f"{label}: the answer is not one of the contract's codes: not used")
            return
        identifier = (
            f"report-{question.code}-{level.value}-{_digest([self.key, link, level.value])[:24]}"
        )
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"report-{_digest(identifier)[:32]}",
            "meta": {"profile": [question.profile]},
            "identifier": [{"system": codes.RESULT_IDENTIFIER_SYSTEM, "value": identifier}],
            "status": self.status,
            "category": [question.category.concept()],
            "code": so(question.code).concept(),
            "subject": {"reference": self.patient},
            "effectiveDateTime": self.authored,
        }
        if _INSTANT.fullmatch(self.authored):
            resource["issued"] = self.authored
        if (author := _reference(self.response.get("author"))) is not None:
            resource["performer"] = [{"reference": author}]
        based_on = _references(self.response.get("basedOn"), ("ServiceRequest/", "CarePlan/"))
        if based_on:
            resource["basedOn"] = based_on
        part_of = _references(self.response.get("partOf"), ("Procedure/",))
        if part_of:
            resource["partOf"] = part_of
        resource["bodySite"] = codes.VERTEBRA[level].concept()
        resource["valueCodeableConcept"] = so(coding["code"]).concept()
        resource["derivedFrom"] = [{"reference": self.response_ref}, {"reference": study}]
        self.out.append(Emitted(f"urn:uuid:{uuid.uuid5(_URN_NAMESPACE, identifier)}", resource))


def extract_report(response: Any, *, full_url: str | None = None) -> ExtractedReport:
    """The findings of one completed spine-MRI report.

    Args:
        response: The QuestionnaireResponse as sent (untrusted JSON).
        full_url: Its ``fullUrl`` when it came in a Bundle: the findings cite it (a Bundle's
            references are made local afterwards).

    Raises:
        InvalidInput: when the response cannot be extracted at all (see the module doc).
    """
    patient, authored, status = _check_envelope(response)
    response_id = response.get("id")
    has_id = isinstance(response_id, str) and FHIR_ID.fullmatch(response_id) is not None
    content_key = _digest(response)
    if full_url and isinstance(full_url, str) and len(full_url) <= 512:
        response_ref = full_url
    elif has_id:
        response_ref = f"QuestionnaireResponse/{response_id}"
    else:
        response_ref = f"urn:uuid:{uuid.uuid5(_URN_NAMESPACE, content_key)}"
    shown = f"QuestionnaireResponse/{response_id if has_id else '?'}"
    items = response.get("item")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput("QuestionnaireResponse.item must be a list of objects")
    if len(items) > MAX_ITEMS:
        raise InvalidInput(f"the report has more than {MAX_ITEMS} items")
    studies = [i for i in items if i.get("linkId") == LINK_STUDY]
    issues: list[Issue] = []
    answer = _answers(studies[0], LINK_STUDY, issues, shown) if len(studies) == 1 else None
    study = _reference(answer.get("valueReference")) if answer else None
    if study is None or not _typed(study, "ImagingStudy"):
        raise InvalidInput("the report must name one ImagingStudy (item imaging-study)")
    # Identity of the report for the findings' identifiers: the response's own id when it has
    # one (an amended response updates its findings, however it is sent), else its fullUrl in
    # the Bundle, else its content.
    key = (
        f"QuestionnaireResponse/{response_id}"
        if has_id
        else (response_ref if full_url else content_key)
    )
    reader = _Reader(response, response_ref, patient, authored, status, key, shown, issues)
    groups = 0
    for index, item in enumerate(items):
        link = item.get("linkId")
        if link == LINK_STUDY:
            continue
        if link != LINK_LEVEL:
            reader.note(f"item {index} ({_shown(link)}) is not a question of the report: ignored")
            continue
        groups += 1
        reader.group(item, f"level group {groups}", study)
    if groups == 0:
        reader.note("the report names no vertebral level: no finding was extracted")
    return ExtractedReport(
        response_ref,
        study,
        patient,
        tuple(reader.levels),
        tuple(reader.out),
        tuple(reader.issues),
    )


@dataclass(frozen=True, slots=True)
class ReportInput:
    """What a report request holds: the patient's other resources, the reports' findings.

    Attributes:
        resources: The resources sent besides the reports, then the extracted findings.
        local: A Bundle's ``fullUrl`` → ``Type/id`` (``BundleContents.local``).
        issues: The Bundle's and the reports' issues.
        reports: Each report's extraction.
    """

    resources: list[dict[str, Any]]
    local: dict[str, str]
    issues: list[Issue]
    reports: tuple[ExtractedReport, ...]

    @property
    def extracted(self) -> tuple[Emitted, ...]:
        """Every extracted finding, report by report."""
        return tuple(e for report in self.reports for e in report.observations)


def read_report_input(body: Any) -> ReportInput:
    """A QuestionnaireResponse alone, or a Bundle with one or more and the patient's resources.

    Raises:
        InvalidInput: neither of those, no report in the Bundle, too many reports, or a report
            that cannot be extracted.
    """
    if isinstance(body, dict) and body.get("resourceType") == "QuestionnaireResponse":
        report = extract_report(body)
        resources = [e.resource for e in report.observations]
        return ReportInput(resources, {}, list(report.issues), (report,))
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise InvalidInput("send a QuestionnaireResponse, or a Bundle holding one")
    if not isinstance(body.get("type"), str):
        raise InvalidInput("Bundle.type must be a string: collection, searchset or transaction")
    contents = read_bundle(body)
    full_urls = {
        id(entry.get("resource")): entry.get("fullUrl")
        for entry in body.get("entry") or []
        if isinstance(entry, dict)
    }
    others: list[dict[str, Any]] = []
    reports: list[ExtractedReport] = []
    for resource in contents.resources:
        if not is_report_response(resource):
            others.append(resource)
            continue
        if len(reports) == MAX_RESPONSES:
            raise InvalidInput(f"the Bundle holds more than {MAX_RESPONSES} reports")
        full_url = full_urls.get(id(resource))
        reports.append(extract_report(resource, full_url=full_url if full_url else None))
    if not reports:
        raise InvalidInput("the Bundle holds no QuestionnaireResponse to the spine-MRI report")
    issues = [*contents.issues, *(i for r in reports for i in r.issues)]
    extracted = [e.resource for r in reports for e in r.observations]
    return ReportInput([*others, *extracted], dict(contents.local), issues, tuple(reports))
