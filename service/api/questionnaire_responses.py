"""The structured-report route of the JSON API: a completed spine-MRI report in, its assessment out.

``POST /api/questionnaire-responses/assessment``: a QuestionnaireResponse to the spine-MRI report
(docs/structured-report.md), alone or in a Bundle with the patient's other resources; the answer
is that of ``POST /api/assessments`` (the report view and the FHIR results) plus the findings
extracted from the report (a collection Bundle), which the caller may store with the response.

Bodies are read through ``service/web/body.py`` (size and depth bounded); every error is a FHIR
OperationOutcome. Documented in ``openapi.yaml``.
"""

from __future__ import annotations

from flask import Response, jsonify

from service import workflow
from service.api.assessments import BODY_TYPES
from service.api.blueprint import bp
from service.fhir.provenance import collection_bundle
from service.views import report_view
from service.web.body import read_json


@bp.post("/api/questionnaire-responses/assessment")
def assess_questionnaire_response() -> Response:
    """Extract the report sent and assess the patient from it."""
    assessed = workflow.assess_questionnaire_response(read_json(BODY_TYPES))
    report = assessed.report
    return jsonify(
        {
            "assessment": report_view(report).to_json(),
            "results": report.collection_bundle(),
            "extracted": collection_bundle(assessed.extracted),
        }
    )
