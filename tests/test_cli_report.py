"""``noms-cds assess --questionnaire-response``: a structured report, alone or with the chart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service import demo
from tests.fhir.report_builders import replace_findings
from tests.test_cli import run

STEM = "07-r7-nsclc-high-grade-stable-fit"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    replacement = replace_findings(demo.load_patient(STEM), with_pain=False)
    assert replacement is not None
    chart = {**replacement.bundle, "entry": replacement.bundle["entry"][:-1]}  # without the report
    paths = {
        "chart": tmp_path / "chart.json",
        "report": tmp_path / "report.json",
        "both": tmp_path / "both.json",
    }
    paths["chart"].write_text(json.dumps(chart))
    paths["report"].write_text(json.dumps(replacement.response))
    paths["both"].write_text(json.dumps(replacement.bundle))
    return paths


def plans(out: str) -> list[str]:
    bundle = json.loads(out)
    return [
        e["resource"]["valueCodeableConcept"]["coding"][0]["code"]
        for e in bundle["entry"]
        if e["resource"]["code"]["coding"][0]["code"] == "noms-recommendation"
    ]


def test_report_with_the_chart_gives_the_charts_plan(files, tmp_path: Path):
    extracted = tmp_path / "extracted.json"
    code, out, _ = run(
        "assess",
        "--questionnaire-response",
        str(files["report"]),
        "--bundle",
        str(files["chart"]),
        "--extracted",
        str(extracted),
    )
    assert code == 0
    code_chart, out_chart, _ = run("assess", "--bundle", str(demo.patients_dir() / f"{STEM}.json"))
    assert code_chart == 0
    assert plans(out) == plans(out_chart) == ["plan-separation-surgery-then-srs"]
    findings = json.loads(extracted.read_text())
    assert findings["type"] == "collection" and len(findings["entry"]) == 5
    derived = findings["entry"][0]["resource"]["derivedFrom"][0]["reference"]
    assert derived == "QuestionnaireResponse/report-round-trip"


def test_a_bundle_holding_the_report_and_the_chart(files):
    code, out, _ = run("assess", "--questionnaire-response", str(files["both"]), "--format", "text")
    assert code == 0
    assert "URGENT" in out and "T9" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--fhir-base", "http://localhost:1/fhir"], "reads files"),
        (["--write"], "reads files"),
    ],
)
def test_report_options_that_do_not_go_together(files, extra, message):
    code, _, err = run("assess", "--questionnaire-response", str(files["report"]), *extra)
    assert code == 2 and message in err and "Traceback" not in err


def test_extracted_needs_a_report(files, tmp_path: Path):
    code, _, err = run(
        "assess", "--bundle", str(files["chart"]), "--extracted", str(tmp_path / "x")
    )
    assert code == 2 and "--extracted needs --questionnaire-response" in err


def test_an_unusable_report_is_one_line_and_exit_2(files, tmp_path: Path):
    draft = json.loads(files["report"].read_text()) | {"status": "in-progress"}
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(draft))
    code, out, err = run("assess", "--questionnaire-response", str(path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "only a completed or amended report" in err


def test_with_a_bundle_the_report_must_be_a_response(files):
    code, _, err = run(
        "assess", "--questionnaire-response", str(files["both"]), "--bundle", str(files["chart"])
    )
    assert code == 2 and "give the response alone" in err


def test_an_unwritable_extracted_file_is_one_line(files, tmp_path: Path):
    target = tmp_path / "missing-folder" / "extracted.json"
    code, _, err = run(
        "assess", "--questionnaire-response", str(files["both"]), "--extracted", str(target)
    )
    assert code == 2 and "cannot write" in err and "Traceback" not in err
