"""The SMART app's routes (blueprint ``smart``, under ``/smart``).

=================================  ==============================================================
``GET  /smart/launch``             EHR launch (``iss`` + ``launch``) or standalone (``iss`` only,
                                   or nothing when one EHR is allowed): to the EHR's authorize
``GET  /smart/callback``           the EHR's answer: code → tokens → a session → 303 to its page
``GET  /smart/a/<id>/``            the assessment of the patient in context, with the form
``POST /smart/a/<id>/preview``     the assessment recomputed with what the form says (not saved)
``POST /smart/a/<id>/save``        write the entered findings and the results; say what happened
``GET  /smart/a/<id>/style.css``   the EHR's SMART style as CSS custom properties
``GET  /smart/jwks.json``          the app's public key (confidential-asymmetric clients)
=================================  ==============================================================

Every FHIR call goes through ``FhirClient`` to the session's own FHIR base with the session's
token (refreshed as needed). Errors are HTML pages with a status (``smart_app/errors.py``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException, NotFound

from service.domain.levels import Level
from service.errors import FhirAuthError, FhirError, FhirNotFound, ServiceError
from service.fhir.banner import patient_banner
from service.fhir.client import FhirClient
from service.fhir.clinician import ClinicianFindings, clinician_observations
from service.fhir.extract import InvalidInput as InvalidFhirInput
from service.storage.keyvalue import StoreUnavailable
from service.views import report_view
from service.web.runtime import runtime
from service.workflow import ChartAssessment, assess_with_findings, save_with_findings
from smart_app import launch as launch_flow
from smart_app import page
from smart_app.access import SessionAuth
from smart_app.errors import LaunchRequestError, SessionExpired, SmartError
from smart_app.form import FormInput, question_groups, read_form
from smart_app.identity import User
from smart_app.launch import SmartRuntime
from smart_app.security import (
    CSRF_FIELD,
    browser_for_launch,
    browser_id,
    check_form,
    check_owner,
    page_headers,
    set_browser_cookie,
)
from smart_app.sessions import SmartSession
from smart_app.style import style_css

log = logging.getLogger("noms_cds.smart")

EXTENSION = "noms-cds-smart"
bp = Blueprint(
    "smart",
    __name__,
    url_prefix="/smart",
    template_folder="templates",
    static_folder="static",
)


def smart_runtime() -> SmartRuntime:
    """The SMART runtime of the app handling the request."""
    return current_app.extensions[EXTENSION]


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status)
    return page_headers(response, runtime().settings)


# -- launch -----------------------------------------------------------------------------------


@bp.get("/launch")
def launch() -> Response:
    """Start an EHR or standalone launch."""
    rt = smart_runtime()
    iss = request.args.get("iss", "")
    launch_value = request.args.get("launch")
    if not iss.strip():
        if launch_value is not None:
            raise LaunchRequestError("The EHR launched the app without saying who it is (iss).")
        if len(rt.smart.issuers) != 1:
            return _page("smart/choose.html", issuers=rt.smart.issuers)
        iss = rt.smart.issuers[0]
    browser, new_cookie = browser_for_launch(request, rt.settings)
    url = launch_flow.start(rt, iss=iss, launch=launch_value, browser=browser)
    response = redirect(url, 302)
    if new_cookie:
        set_browser_cookie(response, rt.settings, browser)
    return response


@bp.get("/callback")
def callback() -> Response:
    """Finish the launch and go to the session's page."""
    rt = smart_runtime()
    session = launch_flow.finish(
        rt, args=request.args.to_dict(), browser=browser_id(request, rt.settings)
    )
    return redirect(url_for(".assessment", session_id=session.id), 303)


@bp.get("/jwks.json")
def jwks() -> Response:
    """The app's public signing key (confidential-asymmetric only), for EHRs that fetch it."""
    keys = smart_runtime().oauth.public_jwks()
    if keys is None:
        raise NotFound("This app signs nothing: it is not a confidential-asymmetric client.")
    response = jsonify(keys)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# -- the session's pages ----------------------------------------------------------------------


def _session(session_id: str) -> SmartSession:
    rt = smart_runtime()
    session = rt.sessions.load(session_id) if len(session_id) <= 64 else None
    if session is None:
        raise SessionExpired(
            "Your session has ended (it was left unused for a while, or never existed). "
            "Launch the app again from the patient's chart."
        )
    check_owner(request, rt.settings, session)
    rt.sessions.save(session)  # keeps it alive while used
    return session


def _client(session: SmartSession) -> tuple[FhirClient, SessionAuth]:
    rt = smart_runtime()
    auth = SessionAuth(session, rt.sessions, rt.oauth, clock=rt.clock)
    return rt.fhir.client(session.fhir_base, auth=auth), auth


def _assess(session: SmartSession, form: FormInput) -> tuple[FhirClient, ChartAssessment]:
    client, _ = _client(session)
    entered = clinician_observations(
        form.findings,
        session.patient,
        performer=session.fhir_user,
        now=_now(),
        entry=session.id,
    )
    return client, assess_with_findings(client, session.patient, entered)


def _author(session: SmartSession) -> str | None:
    """The user who may be written as the author of findings (a Person cannot perform)."""
    user = session.fhir_user
    return user if user and User(user).can_author else None


def _outside_the_assessment(form: FormInput, assessed: ChartAssessment) -> FormInput:
    """The form, with a problem for every level it names that the assessment does not have."""
    strays = [e.level.value for e in form.findings.levels if e.level not in assessed.chart_levels]
    if not strays:
        return form
    problem = f"{', '.join(strays)}: not a level of this assessment; nothing was used or saved"
    return FormInput(ClinicianFindings(), form.values, (*form.problems, problem))


def _now() -> datetime:
    return datetime.fromtimestamp(smart_runtime().clock(), UTC)


def _render_assessment(
    session: SmartSession,
    assessed: ChartAssessment,
    form: FormInput,
    *,
    status: int = 200,
) -> Response:
    started = time.perf_counter()
    view = report_view(assessed.report)
    levels = [la.level for la in assessed.report.assessment.levels]
    deciding = page.deciding_fields(view)
    geometry, marks, spine_summary = page.spine(view)
    response = _page(
        "smart/assessment.html",
        status=status,
        smart_session=session,
        banner=patient_banner(assessed.patient) if session.need_patient_banner else None,
        view=view,
        urgency=page.urgency_line(view.patient.urgency),
        level_urgency=[(lv.code, page.urgency_line(lv.urgency)) for lv in view.by_urgency()],
        geometry=geometry,
        marks=marks,
        spine_summary=spine_summary,
        questions=question_groups(levels, deciding),
        deciding=set(deciding),
        form=form,
        csrf_field=CSRF_FIELD,
        previewing=not form.findings.empty,
        can_save=_author(session) is not None,
    )
    rt = smart_runtime()
    timing = [f"render;dur={(time.perf_counter() - started) * 1000:.1f}"]
    if not session.rendered:
        since_token = (rt.clock() - session.token_received_at) * 1000
        timing.append(f'token;desc="token response to rendered page";dur={since_token:.1f}')
        log.info(
            "first assessment rendered",
            extra={"event": "smart-first-render", "duration_ms": round(since_token, 1)},
        )
        fresh = rt.sessions.load(session.id)
        if fresh is not None:
            rt.sessions.save(replace(fresh, rendered=True))
    response.headers["Server-Timing"] = ", ".join(timing)
    return response


@bp.get("/a/<session_id>/")
def assessment(session_id: str) -> Response:
    """The assessment of the patient in context, with the completion form."""
    session = _session(session_id)
    form = FormInput(ClinicianFindings())
    _, assessed = _assess(session, form)
    return _render_assessment(session, assessed, form)


@bp.post("/a/<session_id>/preview")
def preview(session_id: str) -> Response:
    """The assessment recomputed with the form's findings; nothing is written."""
    session = _session(session_id)
    check_form(request, smart_runtime().settings, session)
    form = read_form(request.form, Level)
    _, assessed = _assess(session, form)
    checked = _outside_the_assessment(form, assessed)
    if checked is not form:
        form, (_, assessed) = checked, _assess(session, checked)
    status = 422 if form.problems else 200
    return _render_assessment(session, assessed, form, status=status)


@bp.post("/a/<session_id>/save")
def save(session_id: str) -> Response:
    """Write the entered findings and the results to the chart; show what happened."""
    session = _session(session_id)
    check_form(request, smart_runtime().settings, session)
    form = read_form(request.form, Level)
    client, assessed = _assess(session, form)
    checked = _outside_the_assessment(form, assessed)
    author = _author(session)
    if checked.problems or author is None:
        if checked is not form:
            client, assessed = _assess(session, checked)
        return _render_assessment(session, assessed, checked, status=422)
    sessions = smart_runtime().sessions
    claim = sessions.claim_save(session.id, form.values)
    if claim is None:
        return _page(
            "smart/saved.html",
            smart_session=session,
            banner=patient_banner(assessed.patient) if session.need_patient_banner else None,
            written=None,
            entered=len(assessed.entered),
        )
    try:
        written = save_with_findings(client, assessed, author)
    except Exception:
        sessions.release(claim)
        raise
    if written.count("failed"):
        sessions.release(claim)  # a temporary failure: saving again may complete it
    log.info(
        "saved to the chart", extra={"event": "smart-save", "status": written.count("created")}
    )
    return _page(
        "smart/saved.html",
        smart_session=session,
        banner=patient_banner(assessed.patient) if session.need_patient_banner else None,
        written=written,
        entered=len(assessed.entered),
    )


@bp.get("/a/<session_id>/style.css")
def style(session_id: str) -> Response:
    """The EHR's style as CSS custom properties (empty when it sent none)."""
    session = _session(session_id)
    response = Response(style_css(session.style), mimetype="text/css")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# -- errors as pages --------------------------------------------------------------------------


def _error_page(status: int, title: str, message: str) -> Response:
    return _page(
        "smart/error.html",
        status=status,
        title=title,
        message=message,
        request_id=getattr(g, "request_id", "-"),
    )


@bp.errorhandler(SmartError)
def smart_error(error: SmartError) -> Response:
    """A launch or session problem: its own page and status."""
    log.info("smart request refused", extra={"error": error.code, "status": error.status})
    return _error_page(error.status, error.title, str(error))


@bp.errorhandler(FhirError)
def fhir_error(error: FhirError) -> Response:
    """The EHR's FHIR server failed or refused."""
    log.warning("FHIR server error", extra={"error": error.code, "status": error.status})
    if isinstance(error, FhirAuthError):
        message = (
            "The EHR refused the app access to this patient's data"
            + (f" (HTTP {error.status})" if error.status else "")
            + ". The app may lack a permission (scope) it needs; launch it again or ask your "
            "EHR administrator."
        )
    elif isinstance(error, FhirNotFound):
        message = "The EHR does not have this patient's record (or it was removed)."
    else:
        message = "The EHR's FHIR server did not answer properly; try again in a moment."
    return _error_page(502, "The EHR's data could not be read", message)


@bp.errorhandler(InvalidFhirInput)
def unusable_record(error: InvalidFhirInput) -> Response:
    """The record cannot be assessed at all."""
    return _error_page(422, "This record cannot be assessed", str(error))


@bp.errorhandler(StoreUnavailable)
def store_down(_error: StoreUnavailable) -> Response:
    """The shared store is down: nothing can be remembered."""
    return _error_page(503, "The app is unavailable", "The app cannot reach its session store.")


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Werkzeug's errors (405, 413...) as pages."""
    return _error_page(error.code or 500, f"{error.code} {error.name}", error.description or "")


@bp.errorhandler(ServiceError)
@bp.errorhandler(Exception)
def unexpected(error: Exception) -> Response:
    """Anything else: a page naming only the request id; the log has the stack."""
    log.error("smart app error", extra={"error": type(error).__name__}, exc_info=error)
    return _error_page(
        500, "Something went wrong", "The app hit an internal error. Nothing was saved."
    )
