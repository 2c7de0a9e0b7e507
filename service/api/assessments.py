"""The assessment routes of the JSON API: a Bundle assessed as sent, or a patient read live.

- ``POST /api/assessments``: a FHIR Bundle (collection, searchset or transaction) of one patient
  in; the assessment (the report view, ``service/views``) and the FHIR results (a collection
  Bundle) out.
- ``POST /api/patients/{id}/assessment``: the patient is read from the EHR configured with
  ``NOMS_FHIR_BASE_URL`` (SMART Backend Services credentials from ``NOMS_FHIR_BACKEND_CONFIG``),
  assessed, and written back when ``?write=true`` or the body ``{"write": true}`` asks; the
  write report is in the answer.

Bodies are read through ``service/web/body.py`` (size and depth bounded); every error is a FHIR
OperationOutcome (``service/web/errors.py``). Documented in ``openapi.yaml``.
"""

from __future__ import annotations

import re
from typing import Any, Final

from flask import Response, jsonify, request

from service import workflow
from service.alerts import triggers as alert_triggers
from service.api.blueprint import bp
from service.errors import RequestError
from service.fhir.client import FhirClient
from service.fhir.write_report import WriteReport
from service.views import report_view, write_view
from service.web.body import read_json
from service.web.runtime import ehr_client
from service.worklist import recording as worklist

BODY_TYPES: Final = ("application/fhir+json", "application/json")
FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 datatypes: id
TRUE_WORDS: Final = frozenset({"true", "1", "yes"})
FALSE_WORDS: Final = frozenset({"false", "0", "no"})


def _ehr_client() -> FhirClient:
    return ehr_client("live assessments")


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise RequestError("write must be true or false")


def _write_requested() -> bool:
    asked = [_flag(request.args["write"])] if "write" in request.args else []
    if request.content_length or request.headers.get("Transfer-Encoding"):
        body = read_json(BODY_TYPES)
        if not isinstance(body, dict) or body.keys() - {"write"}:
            raise RequestError('the body, when given, must be {"write": true or false}')
        if "write" in body:
            if not isinstance(body["write"], bool):
                raise RequestError("write must be true or false")
            asked.append(body["write"])
    if len(set(asked)) > 1:
        raise RequestError("the query and the body disagree on write")
    return bool(asked and asked[0])


def _answer(report: workflow.Report, write: WriteReport | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "assessment": alert_triggers.api_assessed(report_view(report)).to_json(),
        "results": report.collection_bundle(),
    }
    if write is not None:
        body["write"] = write_view(write)
    return body


def _bundle(body: Any) -> dict[str, Any]:
    """The body, checked to have the envelope openapi.yaml documents (the rest is extraction's)."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise RequestError("send a FHIR Bundle (resourceType Bundle)")
    if not isinstance(body.get("type"), str):
        raise RequestError("Bundle.type must be a string: collection, searchset or transaction")
    entries = body.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RequestError("Bundle.entry must be a list of objects")
    return body


@bp.post("/api/assessments")
def assess_bundle() -> Response:
    """Assess the patient in the Bundle sent."""
    body = _bundle(read_json(BODY_TYPES))
    report = workflow.assess_bundle(body)
    worklist.note_bundle(body, report)
    return jsonify(_answer(report))


@bp.post("/api/patients/<patient_id>/assessment")
def assess_patient(patient_id: str) -> Response:
    """Assess a patient read from the configured EHR, writing the results back if asked."""
    if not FHIR_ID.fullmatch(patient_id):
        raise RequestError("the patient id is not a FHIR id (1-64 letters, digits, '-', '.')")
    write = _write_requested()
    live = workflow.assess_patient(_ehr_client(), patient_id, write=write)
    worklist.note_patient(_ehr_client(), patient_id, live.report)
    return jsonify(_answer(live.report, live.write))
