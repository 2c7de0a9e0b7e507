"""The radiologist's structured spine-MRI report in the sandbox EHR (docs/structured-report.md).

==================================================  ================================================
``GET /patients/<patient>/imaging``                 the patient's ImagingStudies, each with a link
                                                    to its report form
``GET /patients/<patient>/imaging/<study>/report``  the form: per vertebral level the SINS imaging
                                                    elements, the ESCC grade and (optional) pain
``POST`` (same path)                                the completed QuestionnaireResponse, stored in
                                                    the FHIR store with the findings extracted from
                                                    it, in one transaction
==================================================  ================================================

Only a radiologist (a sandbox user whose role says so) is offered the form and may send it; the
user is chosen with ``?user=`` as on the patient list. The form is plain HTML. Against cross-site
requests it carries a one-time token bound to the user, patient and study, and a POST whose
``Origin`` is not this server's is refused. The EHR acts as the SDC form filler: it extracts the
response with the service's own extraction (``service.fhir.questionnaire_response``), so the
chart then holds the imaging findings any assessment reads, each deriving from the response and
the study.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from flask import Blueprint, Flask, Response, render_template, request

from sandbox.fhir_store import FhirError, FhirStore
from sandbox.fhir_store.bundles import process_bundle
from service.domain.levels import Level
from service.fhir import codes
from service.fhir.extract import InvalidInput
from service.fhir.questionnaire import FINDING_ITEMS, LevelReport, build_response
from service.fhir.questionnaire_response import extract_report

from .pages import _headers

if TYPE_CHECKING:
    from sandbox.smart_auth import SandboxUser, SmartAuthServer

TOKEN_LIFETIME: Final = 3600.0  # seconds a form may stay open
MAX_TOKENS: Final = 1000  # open forms kept; the oldest go first
FORM_ROWS: Final = 4  # level rows beyond the levels the study names
LEVEL_CHOICES: Final = tuple(codes.VERTEBRA)
FIELD_PREFIX: Final = "row"


def is_radiologist(user: SandboxUser | None) -> bool:
    """Whether a sandbox user reports imaging (their role names them a radiologist)."""
    return user is not None and "radiologist" in user.role.lower()


@dataclass(frozen=True, slots=True)
class _Form:
    user: str
    patient: str
    study: str
    expires: float


class FormTokens:
    """One-time tokens of the open report forms (the sandbox's CSRF protection)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._open: dict[str, _Form] = {}

    def issue(self, user: str, patient: str, study: str) -> str:
        """A new token for this user's form about this patient's study."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            now = self.clock()
            self._open = {k: v for k, v in self._open.items() if v.expires > now}
            while len(self._open) >= MAX_TOKENS:
                self._open.pop(next(iter(self._open)))
            self._open[token] = _Form(user, patient, study, now + TOKEN_LIFETIME)
        return token

    def redeem(self, token: str, user: str, patient: str, study: str) -> bool:
        """Whether the token was issued for exactly this form and is still open (used once)."""
        with self._lock:
            form = self._open.pop(token, None)
        if form is None:
            return False
        return (form.user, form.patient, form.study) == (user, patient, study) and (
            form.expires > self.clock()
        )


def _patient_studies(store: FhirStore, patient_id: str) -> list[dict[str, Any]]:
    reference = f"Patient/{patient_id}"
    return [
        v.resource
        for v in store.data.all_current("ImagingStudy")
        if (v.resource.get("subject") or {}).get("reference") == reference
    ]


def _study_levels(study: dict[str, Any]) -> list[Level]:
    levels = []
    for series in study.get("series") or []:
        site = series.get("bodySite") or {}
        if site.get("system") == codes.SNOMED and site.get("code") in codes.LEVEL_BY_SNOMED:
            levels.append(codes.LEVEL_BY_SNOMED[site["code"]])
    return list(dict.fromkeys(levels))


def _choices() -> list[dict[str, Any]]:
    """The form's questions with the contract's answers, in the Questionnaire's order."""
    return [
        {
            "name": item.code,
            "label": codes.SPINE_ONCOLOGY_CONCEPTS[item.code],
            "answers": [(a, codes.SPINE_ONCOLOGY_CONCEPTS[a]) for a in item.answers],
            "clinical": item.code == "sins-pain",
        }
        for item in FINDING_ITEMS
    ]


class FormProblem(ValueError):
    """A form field that is not one of the offered choices."""


def levels_from_form(form: Any, rows: int) -> list[LevelReport]:
    """The reported levels: rows with a level chosen, answers left empty staying missing.

    Raises:
        FormProblem: a level or an answer that was not offered, or a level given twice.
    """
    by_value = {level.value: level for level in LEVEL_CHOICES}
    found: list[LevelReport] = []
    for row in range(rows):
        chosen = form.get(f"{FIELD_PREFIX}{row}-level", "")
        if not chosen:
            continue
        if chosen not in by_value:
            raise FormProblem(f"row {row + 1}: not a vertebral level")
        answers = {}
        for item in FINDING_ITEMS:
            answer = form.get(f"{FIELD_PREFIX}{row}-{item.code}", "")
            if answer and answer not in item.answers:
                raise FormProblem(f"row {row + 1}: not an answer to {item.code}")
            if answer:
                answers[item.code] = answer
        found.append(LevelReport(by_value[chosen], answers))
    levels = [r.level for r in found]
    if len(set(levels)) != len(levels):
        raise FormProblem("a level is given in more than one row")
    return found


def _same_origin() -> bool:
    """Whether a POST comes from this server's own page (as the SMART app checks it).

    The pages are served with ``Referrer-Policy: no-referrer``, so browsers send ``Origin: null``
    even on a same-origin form post; that passes only when ``Sec-Fetch-Site``, which no page can
    forge, says same-origin.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    origin = request.headers.get("Origin")
    if origin is None or (origin == "null" and fetch_site == "same-origin"):
        return True
    return origin.lower() == request.host_url.rstrip("/").lower()


def _instant() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def register_report_pages(app: Flask, smart: SmartAuthServer, store: FhirStore) -> None:
    """Add the radiologist's report pages to ``app``."""
    # The EHR pages' own headers (CSP with form-action 'self', no framing, no caching).
    headers = _headers([])
    bp = Blueprint("ehr_reports", __name__, template_folder="templates")
    tokens = FormTokens()
    app.extensions["ehr_report_tokens"] = tokens

    def page(template: str, status: int = 200, **ctx: Any) -> Response:
        response = Response(render_template(template, **ctx), status=status)
        response.headers.update(headers)
        return response

    def refuse(status: int, title: str, message: str) -> Response:
        return page("ehr/message.html", status, title=title, message=message)

    def context(patient_id: str, study_id: str | None = None):
        user = smart.users.get(request.values.get("user", ""))
        patient = smart.directory.patient(patient_id)
        studies = _patient_studies(store, patient_id) if patient else []
        study = next((s for s in studies if s.get("id") == study_id), None)
        return user, patient, studies, study

    @bp.get("/patients/<patient_id>/imaging")
    def imaging(patient_id: str) -> Response:
        """The patient's imaging studies, with report links for a radiologist."""
        user, patient, studies, _ = context(patient_id)
        if patient is None:
            return refuse(404, "No such patient", "The patient is not in the FHIR store.")
        return page(
            "ehr/imaging.html",
            user=user,
            patient=patient,
            studies=studies,
            reporter=is_radiologist(user),
        )

    def form_page(user, patient, study, rows, problem: str = "", status: int = 200):
        token = tokens.issue(user.id, patient.id, study["id"])
        return page(
            "ehr/report_form.html",
            status,
            user=user,
            patient=patient,
            study=study,
            rows=rows,
            choices=_choices(),
            levels=[(level.value, level.label) for level in LEVEL_CHOICES],
            token=token,
            problem=problem,
        )

    @bp.get("/patients/<patient_id>/imaging/<study_id>/report")
    def report_form(patient_id: str, study_id: str) -> Response:
        """The structured report form for one study."""
        user, patient, _, study = context(patient_id, study_id)
        if patient is None or study is None:
            return refuse(404, "No such study", "This patient has no such ImagingStudy.")
        if not is_radiologist(user):
            return refuse(403, "Radiologists only", "Sign in as a radiologist to report a study.")
        named = _study_levels(study)
        rows = [level.value for level in named] + [""] * FORM_ROWS
        return form_page(user, patient, study, rows)

    @bp.post("/patients/<patient_id>/imaging/<study_id>/report")
    def submit_report(patient_id: str, study_id: str) -> Response:
        """Store the completed report and its extracted findings."""
        if not _same_origin():
            return refuse(403, "Refused", "The form was sent from another site; nothing was saved.")
        user, patient, _, study = context(patient_id, study_id)
        if patient is None or study is None:
            return refuse(404, "No such study", "This patient has no such ImagingStudy.")
        if not is_radiologist(user):
            return refuse(403, "Radiologists only", "Sign in as a radiologist to report a study.")
        token = request.form.get("csrf_token", "")
        if not tokens.redeem(token, user.id, patient.id, study["id"]):
            return refuse(
                403, "Refused", "The form has expired or was already sent: open it again."
            )
        rows_sent = request.form.get("rows", "")
        rows = min(int(rows_sent), len(LEVEL_CHOICES)) if rows_sent.isdigit() else 0
        try:
            levels = levels_from_form(request.form, rows)
        except (FormProblem, ValueError) as exc:
            return form_page(user, patient, study, [""] * FORM_ROWS, str(exc), 400)
        if not levels:
            message = "Choose at least one level."
            return form_page(user, patient, study, [""] * FORM_ROWS, message, 400)
        response_id = str(uuid.uuid4())
        qr = build_response(
            patient=f"Patient/{patient.id}",
            study=f"ImagingStudy/{study['id']}",
            authored=_instant(),
            levels=levels,
            author=user.fhir_user,
            response_id=response_id,
        )
        try:
            extracted = extract_report(qr)
        except InvalidInput as exc:  # our own form: a bug, shown rather than hidden
            return refuse(500, "Not saved", str(exc))
        entries = [qr, *(e.resource for e in extracted.observations)]
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "resource": r,
                    "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
                }
                for r in entries
            ],
        }
        try:
            process_bundle(store, bundle, "", enforce_rules=False)
        except FhirError as exc:
            return refuse(502, "Not saved", f"The FHIR store refused the report: {exc}")
        return page(
            "ehr/report_saved.html",
            201,
            user=user,
            patient=patient,
            study=study,
            response_id=response_id,
            findings=[
                (
                    codes.LEVEL_BY_SNOMED[o.resource["bodySite"]["coding"][0]["code"]].label,
                    o.resource["code"]["coding"][0]["display"],
                    o.resource["valueCodeableConcept"]["coding"][0]["display"],
                    o.resource["id"],
                )
                for o in extracted.observations
            ],
            issues=[i.message for i in extracted.issues],
        )

    app.register_blueprint(bp)
