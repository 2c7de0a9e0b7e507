"""The noms-cds command line: outputs, and clear errors (never a traceback) for bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from service import cli
from service.fhir import models
from tests.conftest import AUSTIN, DEMO, load


def run(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        old, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        code = cli.main(list(argv), out, err)
    finally:
        if stdin is not None:
            sys.stdin = old
    return code, out.getvalue(), err.getvalue()


def test_assess_prints_a_collection_bundle_of_results():
    code, out, _ = run("assess", "--bundle", str(DEMO / "07-r7-nsclc-high-grade-stable-fit.json"))
    assert code == 0
    bundle = json.loads(out)
    models.validate(bundle)
    assert bundle["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    # 8 results and 2 urgencies (the patient's, then T9's), the patient's leading the Bundle.
    assert kinds.count("RiskAssessment") == 1 and kinds.count("Observation") == 10
    assert bundle["entry"][0]["resource"]["code"]["coding"][0]["code"] == "spine-urgency"
    plan = [
        e["resource"]["valueCodeableConcept"]["coding"][0]["code"]
        for e in bundle["entry"]
        if e["resource"]["code"]["coding"][0]["code"] == "noms-recommendation"
    ]
    assert plan == ["plan-separation-surgery-then-srs"]


def test_assess_text_summary_per_level():
    code, out, _ = run(
        "assess", "--bundle", str(DEMO / "18-two-levels-nsclc.json"), "--format", "text"
    )
    assert code == 0
    # The patient and each level lead with the urgency tier (docs/clinical-rules.md §15.2).
    lines = out.splitlines()
    assert lines[1] == "  URGENT: SINS 12 with mechanical pain at L3"
    t4, l3 = lines.index("  T4: ROUTINE: spinal metastasis at T4 without an urgent criterion "
                         "(ESCC 1c (low-grade); SINS 1)"), lines.index(
        "  L3: URGENT: SINS 12 with mechanical pain at L3")  # fmt: skip
    assert lines[t4 + 1] == "    Plan: stereotactic radiosurgery (SRS)"
    assert lines[l3 + 1] == "    Plan: needs clinician input"
    assert "Rules: R3, special-G" in out


def test_assess_reads_standard_input_and_reports_warnings_on_stderr():
    code, out, err = run("assess", "--bundle", "-", stdin=AUSTIN.read_text())
    assert code == 0
    assert json.loads(out)["type"] == "collection"
    assert "error: the patient is recorded as deceased" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not valid JSON (line 1, column 1: Expecting value)"),
        ("[" * 100_000 + "]" * 100_000, "nests arrays and objects deeper than the 100 levels"),
        ('{"a":' * 500 + "1" + "}" * 500, "nests arrays and objects deeper than the 100 levels"),
        ('{"resourceType": "Bundle", "total": NaN}', "holds NaN, which JSON does not allow"),
        ('{"resourceType": "\xff"}', "is not UTF-8 text"),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": ["a"]}',
            "Bundle entry 0 is not an object",
        ),
        ('{"resourceType": "Patient", "id": "x"}', "the input is not a FHIR Bundle"),
        (
            '{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"a": 1}}]}',
            "entry 0 does not hold a FHIR resource",
        ),
        (
            json.dumps(
                {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [
                        {"resource": {"resourceType": "Patient", "id": "a"}},
                        {"resource": {"resourceType": "Patient", "id": "b"}},
                    ],
                }
            ),
            "several Patient",
        ),
        (
            json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}),
            "names no patient",
        ),
    ],
    ids=[
        "not-json",
        "100000-deep-array",
        "500-deep-object",
        "nan",
        "not-utf8",
        "entry-not-an-object",
        "not-bundle",
        "unknown-shape",
        "several-patients",
        "empty",
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(tmp_path: Path, content, message):
    path = tmp_path / "input.json"
    path.write_bytes(content.encode("latin-1" if "not UTF-8" in message else "utf-8"))
    code, out, err = run("assess", "--bundle", str(path))
    assert code == 2 and out == ""
    assert err.startswith("noms-cds: error: ") and message in err
    assert "Traceback" not in err and "Error" not in err and err.count("\n") == 1


def test_a_100000_deep_standard_input_is_one_line_and_exit_2():
    code, out, err = run("assess", "--bundle", "-", stdin="[" * 100_000 + "]" * 100_000)
    assert (code, out) == (2, "")
    assert err == (
        "noms-cds: error: standard input nests arrays and objects deeper than the 100 levels "
        "allowed\n"
    )


def test_missing_file():
    code, _, err = run("assess", "--bundle", "/nonexistent/x.json")
    assert code == 2 and "cannot read /nonexistent/x.json" in err


def test_demo_assesses_every_demo_patient():
    code, out, _ = run("demo")
    assert code == 0
    files = sorted(DEMO.glob("*.json"))
    assert out.count("\n== ") + out.startswith("== ") == len(files)
    assert f"{len(files)} demo patients assessed." in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "is not valid JSON (line 1, column 2: Expecting property name"),
        ("[" * 100_000 + "]" * 100_000, "nests arrays and objects deeper than the 100 levels"),
    ],
    ids=["truncated", "100000-deep"],
)
def test_console_script_runs_without_a_traceback(tmp_path: Path, content: str, message: str):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "assess", "--bundle", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"noms-cds: error: {bad} {message}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_collection_output_is_deterministic_apart_from_time():
    path = str(DEMO / "01-r1-breast-low-grade-stable.json")
    ids = []
    for _ in range(2):
        _, out, _ = run("assess", "--bundle", path)
        ids.append([e["fullUrl"] for e in json.loads(out)["entry"]])
    assert ids[0] == ids[1]
    assert load(Path(path))["type"] == "transaction"
