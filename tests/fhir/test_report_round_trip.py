"""A completed spine-MRI report yields the same assessment as the Observations it replaces.

For every demo patient the per-level imaging findings (and, in a second variant, the pain
findings too) are taken out of the chart and replaced by one QuestionnaireResponse saying the
same; the report view (urgency, NOMS plan per level, scores, what is missing, rationale, the
resources it rests on), the clinical core's assessment and the urgency results must not change,
the cited resources being the extracted findings in place of the ones they replace.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from service import demo, workflow
from service.domain.levels import Level
from service.fhir import codes
from service.views import report_view
from tests.fhir.report_builders import REPORT_FULL_URL, replace_findings
from tests.profiles.validation import validate_claimed

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PATIENTS = demo.patient_names()
NO_IMAGING = {"19-chart-lacks-spine-findings"}


def _level(resource: dict) -> Level:
    return codes.LEVEL_BY_SNOMED[resource["bodySite"]["coding"][0]["code"]]


def test_every_demo_patient_is_covered():
    assert len(PATIENTS) == 25
    # The one chart without imaging has nothing a report could replace (it has no study).
    for name in NO_IMAGING:
        bundle = demo.load_patient(name)
        assert replace_findings(bundle, with_pain=True) is None
        assert not [e for e in bundle["entry"] if e["resource"]["resourceType"] == "ImagingStudy"]


@pytest.mark.parametrize("with_pain", [False, True], ids=["imaging", "imaging-and-pain"])
@pytest.mark.parametrize("name", [p for p in PATIENTS if p not in NO_IMAGING])
def test_report_gives_the_same_assessment(name: str, with_pain: bool):
    chart = demo.load_patient(name)
    replacement = replace_findings(chart, with_pain=with_pain)
    assert replacement is not None
    expected = workflow.assess_bundle(chart, now=NOW)
    got = workflow.assess_questionnaire_response(replacement.bundle, now=NOW)

    # Every replaced finding was extracted once, with the same value at the same level.
    extracted = {
        (e.resource["code"]["coding"][0]["code"], _level(e.resource)): e for e in got.extracted
    }
    assert extracted.keys() == replacement.replaced.keys()
    for emitted in got.extracted:
        resource = emitted.resource
        assert resource["derivedFrom"][0] == {"reference": REPORT_FULL_URL}
        assert resource["derivedFrom"][1]["reference"].startswith("urn:uuid:")
        assert resource["effectiveDateTime"] == replacement.response["authored"]
        assert validate_claimed(resource) == []

    # The clinical core's result is the same...
    assert got.report.assessment == expected.assessment
    assert got.report.extraction.findings == expected.extraction.findings
    # ...and so is the report every surface shows, citing the extracted findings instead.
    view = json.dumps(report_view(expected).to_json(), sort_keys=True)
    for key, original in replacement.replaced.items():
        view = view.replace(f'"{original}"', f'"Observation/{extracted[key].resource["id"]}"')
    assert json.loads(view) == json.loads(json.dumps(report_view(got.report).to_json()))
    # The urgency results written are the same too (per level and for the patient).
    assert _urgency(got.report.results) == _urgency(expected.results)


def _urgency(results) -> list[tuple]:
    return [
        (json.dumps(r.resource.get("bodySite"), sort_keys=True), r.resource["valueCodeableConcept"])
        for r in results
        if r.resource.get("code", {}).get("coding", [{}])[0].get("code") == "spine-urgency"
    ]
