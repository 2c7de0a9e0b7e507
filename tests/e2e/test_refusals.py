"""Servers that refuse some writes (Oracle Health-like): every refusal is reported with its
reason, nothing is dropped silently, and whatever may be written is written, once."""

from __future__ import annotations

import io
from typing import Any

import pytest

from service.cli import main
from service.fhir.writeback import WriteReport
from service.workflow import assess_patient
from tests.e2e.helpers import NOW, Admin, make_client, per_type

STEM = "18-two-levels-nsclc"  # 14 result Observations (3 urgencies), 2 RiskAssessments
OBSERVATIONS = 14
NO_RISK_ASSESSMENT = {"resource_type": "RiskAssessment"}
LAB_AND_VITALS_ONLY = {
    "resource_type": "Observation",
    "allowed_categories": ["laboratory", "vital-signs"],
}
ORACLE_LIKE = [NO_RISK_ASSESSMENT, LAB_AND_VITALS_ONLY]
SURVEY_REFUSED = "only with category laboratory or vital-signs (got survey)"
NO_RISK_ASSESSMENT_API = "does not create RiskAssessment"


def outcomes_by_status(report: WriteReport) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for o in report.outcomes:
        out.setdefault(o.status, []).append(o.resource_type)
    return {status: sorted(types) for status, types in out.items()}


def every_result_is_accounted_for(report: WriteReport, identifiers: set[str]) -> None:
    reported = {o.identifier for o in report.outcomes}
    assert identifiers <= reported
    for o in report.outcomes:
        assert o.status in ("created", "existing", "refused")
        if o.status == "refused":
            assert o.message, f"{o.resource_type} {o.identifier} refused without a reason"


def test_oracle_like_server_refuses_everything_and_each_refusal_is_reported(
    admin: Admin,
) -> None:
    admin.settings(write_refusals=ORACLE_LIKE)
    before = admin.counts()
    client, _ = make_client(admin)
    live = assess_patient(client, admin.patient_id(STEM), write=True, now=NOW)
    report = live.write
    assert report is not None and not report.complete
    every_result_is_accounted_for(report, {e.identifier for e in live.report.results})
    assert outcomes_by_status(report) == {
        "refused": ["Observation"] * OBSERVATIONS + ["RiskAssessment"] * 2
    }
    for o in report.outcomes:
        expected = SURVEY_REFUSED if o.resource_type == "Observation" else NO_RISK_ASSESSMENT_API
        assert expected in o.message
    assert report.notes == ("no result was written, so no Provenance was written",)
    assert admin.counts() == before
    # RiskAssessment is absent from the CapabilityStatement, so no transaction was tried and no
    # RiskAssessment was sent: the posts are the gathering batch and one try per Observation.
    posts = [r["path"] for r in admin.log() if r["method"] == "POST"]
    assert posts == ["/fhir"] + ["/fhir/Observation"] * OBSERVATIONS


@pytest.mark.parametrize(
    ("refusals", "written", "refused", "message"),
    [
        (
            [NO_RISK_ASSESSMENT],
            {"Observation": OBSERVATIONS, "Provenance": 1},
            ["RiskAssessment"] * 2,
            NO_RISK_ASSESSMENT_API,
        ),
        (
            [LAB_AND_VITALS_ONLY],
            {"RiskAssessment": 2, "Provenance": 1},
            ["Observation"] * OBSERVATIONS,
            SURVEY_REFUSED,
        ),
    ],
    ids=["no-risk-assessment", "observations-lab-and-vitals-only"],
)
def test_what_may_be_written_is_written_once(
    admin: Admin,
    refusals: list[dict[str, Any]],
    written: dict[str, int],
    refused: list[str],
    message: str,
) -> None:
    admin.settings(write_refusals=refusals)
    patient_id = admin.patient_id(STEM)
    before = admin.counts()
    client, _ = make_client(admin)
    live = assess_patient(client, patient_id, write=True, now=NOW)
    report = live.write
    assert report is not None and report.mode == "individual" and not report.complete
    every_result_is_accounted_for(report, {e.identifier for e in live.report.results})
    assert outcomes_by_status(report) == {
        "created": sorted(t for t, n in written.items() for _ in range(n)),
        "refused": refused,
    }
    assert all(message in o.message for o in report.outcomes if o.status == "refused")
    if "RiskAssessment" in written:  # its basis names Observations that were refused
        assert all(
            "left out" in o.message for o in report.outcomes if o.resource_type == "RiskAssessment"
        )
    after = admin.counts()
    assert per_type(before, after) == written
    provenance = admin.search("Provenance", _tag="http://noms-cds.org/fhir/sid/result|")
    (target_types,) = [{t["reference"].split("/")[0] for t in p["target"]} for p in provenance]
    assert target_types == set(written) - {"Provenance"}  # only what was written

    again = assess_patient(client, patient_id, write=True, now=NOW).write
    assert again is not None
    assert outcomes_by_status(again) == {
        "existing": outcomes_by_status(report)["created"],
        "refused": refused,
    }
    assert admin.counts() == after


def test_cli_reports_every_refused_result_and_exits_3(admin: Admin) -> None:
    admin.settings(write_refusals=ORACLE_LIKE)
    out, err = io.StringIO(), io.StringIO()
    argv = ["assess", "--fhir-base", admin.base_url, "--patient", admin.patient_id(STEM)]
    status = main([*argv, "--write"], out, err)
    assert status == 3
    lines = err.getvalue().splitlines()
    assert lines[0] == ("write-back (individual): 0 created, 0 already there, 16 refused, 0 failed")
    refused = [line for line in lines if line.startswith("  refused: ")]
    assert len(refused) == OBSERVATIONS + 2
    assert sum(SURVEY_REFUSED in line for line in refused) == OBSERVATIONS
    assert sum(NO_RISK_ASSESSMENT_API in line for line in refused) == 2
    assert "  note: no result was written, so no Provenance was written" in lines
    assert '"resourceType": "Bundle"' in out.getvalue()  # the results are still printed
