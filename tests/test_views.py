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


# One issue per severity and message, with every resource it is about: the reader of a Synthea
# record (48 radiotherapy courses without a body site) gets one warning, not 48.
@pytest.mark.parametrize(
    ("issues", "expected"),
    [
        ([], []),
        (
            [("warning", "m", "Procedure/a"), ("warning", "m", "Procedure/b")],
            [("warning", "m", "Procedure/a", ("Procedure/a", "Procedure/b"))],
        ),
        (  # another severity or message is another issue; errors first, else first-met order
            [
                ("information", "i", "P/d"),
                ("warning", "m", "P/a"),
                ("error", "m", "P/b"),
                ("warning", "n", "P/c"),
            ],
            [
                ("error", "m", "P/b", ("P/b",)),
                ("warning", "m", "P/a", ("P/a",)),
                ("warning", "n", "P/c", ("P/c",)),
                ("information", "i", "P/d", ("P/d",)),
            ],
        ),
        (  # a resource named twice is listed once; an issue about no resource joins the rest
            [("warning", "m", None), ("warning", "m", "P/a"), ("warning", "m", "P/a")],
            [("warning", "m", "P/a", ("P/a",))],
        ),
        ([("information", "x", None)], [("information", "x", None, ())]),
    ],
)
def test_issues_are_grouped_by_severity_and_message(issues, expected):
    from service.fhir.extract import Issue
    from service.views.report import issue_views

    found = issue_views(Issue(*i) for i in issues)
    assert [(v.severity, v.message, v.resource, v.resources) for v in found] == expected


def test_a_synthea_record_shows_its_48_unsited_radiotherapy_courses_as_one_warning():
    view = report_view(workflow.assess_bundle(load(AUSTIN)))
    (unsited,) = [i for i in view.issues if "radiotherapy without a body site" in i.message]
    assert len(unsited.resources) == 48 and unsited.resource == unsited.resources[0]
    assert unsited.where().startswith(f" [48 resources: {unsited.resources[0]}, ")
    assert unsited.where().endswith(" and 45 more]")
    text = render_view(view)
    assert text.count("radiotherapy without a body site") == 1
    # the error (the patient is recorded as deceased) leads the issues
    assert text.index("error: the patient is recorded as deceased") < text.index("warning:")
    assert resolving(schema_of("Assessment")).is_valid(json.loads(json.dumps(view.to_json())))


def test_one_resource_is_named_as_before():
    from service.views.report import IssueView

    assert IssueView("warning", "m", "P/a").resources == ("P/a",)
    assert IssueView("warning", "m", "P/a", ("P/a",)).where() == " [P/a]"
    assert IssueView("warning", "m", None).where() == ""
    assert IssueView("warning", "m", "P/a", ("P/a", "P/b")).where() == " [2 resources: P/a, P/b]"
    assert IssueView("warning", "m", "P/a", ("P/a", "P/b")).count() == " (2 records)"
    assert IssueView("warning", "m", "P/a").count() == IssueView("warning", "m", None).count() == ""
    with pytest.raises(ValueError, match="first of its resources"):
        IssueView("warning", "m", "P/b", ("P/a", "P/b"))
    with pytest.raises(ValueError, match="first of its resources"):
        IssueView("warning", "m", None, ("P/a",))
