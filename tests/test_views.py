"""The report view: one view of a report for every surface, urgency first, JSON as documented."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from service import demo, workflow
from service.summary import render, render_view
from service.views import report_view
from tests.conftest import AUSTIN, load

ROOT = Path(__file__).resolve().parents[1]


def schema_of(name: str) -> dict:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return {**spec["components"]["schemas"][name], "components": spec["components"]}


@pytest.fixture(scope="module")
def views():
    return {
        name: report_view(workflow.assess_bundle(demo.load_patient(name)))
        for name in demo.patient_names()
    }


def resolving(schema: dict) -> jsonschema.Draft202012Validator:
    # openapi.yaml's $refs point into #/components; the schema carries them along.
    return jsonschema.Draft202012Validator(schema)


def test_every_view_is_json_as_openapi_documents_it(views):
    validator = resolving(schema_of("Assessment"))
    for name, view in views.items():
        as_json = json.loads(json.dumps(view.to_json()))
        errors = [e.message for e in validator.iter_errors(as_json)]
        assert errors == [], name
    broken = json.loads(json.dumps(views["18-two-levels-nsclc"].to_json()))
    broken["levels"][0]["urgency"]["at_most"] = "soon"
    assert list(validator.iter_errors(broken))  # the check can fail


def test_the_patient_leads_with_the_urgency(views):
    emergent = views["11-special-a-breast-myelopathy"]
    assert emergent.headline == "EMERGENT: high-grade compression (ESCC 3) with myelopathy at T6"
    assert emergent.patient.urgency.tier == "emergent"
    [level] = emergent.levels
    assert (level.level, level.code, level.escc.text) == ("T6", "T6", "grade 3 (high-grade)")
    assert level.plan.code == "plan-urgent-decompression-then-radiation"
    assert level.sources and level.sources[0].startswith("Condition/")  # the metastasis first
    open_chart = views["19-chart-lacks-spine-findings"]
    urgency = open_chart.levels[0].urgency
    assert (urgency.tier, urgency.at_least, urgency.at_most) == (None, "routine", "emergent")
    assert urgency.headline.startswith("POSSIBLY EMERGENT: record")
    assert open_chart.levels[0].sins.text == "1–16" and open_chart.levels[0].sins.total is None
    assert "escc-grade" in open_chart.levels[0].missing


def test_levels_by_urgency_put_the_most_urgent_first(views):
    two = views["18-two-levels-nsclc"]
    assert [v.level for v in two.levels] == ["T4", "L3"]  # cranial to caudal
    assert [v.level for v in two.by_urgency()] == ["L3", "T4"]  # urgent before routine


def test_stability_is_the_band_code_only_when_certain(views):
    assert views["02-r2-prostate-low-grade-unstable"].levels[0].stability == "sins-unstable"
    assert views["19-chart-lacks-spine-findings"].levels[0].stability is None


def test_no_spinal_metastasis():
    view = report_view(workflow.assess_bundle(load(AUSTIN)))
    assert view.levels == () and view.headline == "NO SPINAL METASTASIS"
    assert view.patient.urgency.tier == "none"
    assert [s.name for s in view.patient.prognostic] == [
        "Revised Tokuhashi",
        "Tomita",
        "Modified Bauer",
        "NESMS",
    ]


def test_the_text_summary_reads_the_view(views):
    report = workflow.assess_bundle(demo.load_patient("18-two-levels-nsclc"))
    text = render(report)
    assert text == render_view(report_view(report))
    lines = text.splitlines()
    assert lines[1] == "  " + report_view(report).headline
    assert "  L3: URGENT: SINS 12 with mechanical pain at L3" in lines
