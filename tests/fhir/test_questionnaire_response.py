"""The spine-MRI report: the Questionnaire as compiled; extracting a response (untrusted input)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from service import workflow
from service.domain.levels import Level
from service.fhir import codes, models
from service.fhir.extract import InvalidInput
from service.fhir.questionnaire import (
    FINDING_ITEMS,
    QUESTIONNAIRE_URL,
    QUESTIONNAIRE_VERSION,
    SDC_EXTRACT,
    SDC_EXTRACT_CATEGORY,
    LevelReport,
    build_response,
)
from service.fhir.questionnaire_response import extract_report, read_report_input
from tests.profiles.validation import definitions, validate_claimed, value_set_codes

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T9 = Level.T9
FULL = {
    "sins-bone-lesion": "lesion-lytic",
    "sins-alignment": "alignment-normal",
    "sins-collapse": "collapse-less-than-50",
    "sins-posterolateral": "posterolateral-unilateral",
    "escc-grade": "escc-2",
    "sins-pain": "pain-mechanical",
}


def response(**changes: Any) -> dict[str, Any]:
    qr = build_response(
        patient="Patient/p1",
        study="ImagingStudy/mr1",
        authored="2026-10-20T11:00:00Z",
        levels=[LevelReport(T9, FULL)],
        author="Practitioner/sandbox-radiologist",
        response_id="qr1",
        based_on=["ServiceRequest/order-1"],
    )
    qr.update(changes)
    return qr


def level_items(qr: dict[str, Any]) -> list[dict[str, Any]]:
    return qr["item"][1]["item"]


def messages(report) -> list[str]:
    return [i.message for i in report.issues]


# --- The Questionnaire as compiled -----------------------------------------------------------


def test_compiled_questionnaire_matches_the_python_twin():
    questionnaire = definitions().questionnaires[QUESTIONNAIRE_URL]
    assert questionnaire["version"] == QUESTIONNAIRE_VERSION
    study, level = questionnaire["item"]
    assert (study["linkId"], study["type"], study["required"]) == (
        "imaging-study",
        "reference",
        True,
    )
    assert (level["linkId"], level["type"], level["repeats"]) == ("level", "group", True)
    vertebra, *questions = level["item"]
    assert vertebra["linkId"] == "level.vertebra" and vertebra["required"] is True
    assert {c for _, c in value_set_codes(vertebra["answerValueSet"])} == set(codes.LEVEL_BY_SNOMED)
    assert [q["linkId"] for q in questions] == [item.link_id for item in FINDING_ITEMS]
    for question, item in zip(questions, FINDING_ITEMS, strict=True):
        assert question["code"] == [codes.so(item.code).coding()]
        assert {c for _, c in value_set_codes(question["answerValueSet"])} == set(item.answers)
        extensions = {e["url"]: e for e in question["extension"]}
        assert extensions[SDC_EXTRACT]["valueBoolean"] is True
        category = extensions[SDC_EXTRACT_CATEGORY]["valueCodeableConcept"]["coding"][0]
        assert category["code"] == item.category.code
        assert not question.get("required")  # an unanswered finding stays missing


def test_built_response_is_valid_fhir():
    models.validate(response())


# --- Extraction --------------------------------------------------------------------------------


def test_each_answer_becomes_one_finding_as_sdc_says():
    report = extract_report(response())
    assert report.levels == (T9,) and report.issues == ()
    assert report.response == "QuestionnaireResponse/qr1"
    by_code = {e.resource["code"]["coding"][0]["code"]: e.resource for e in report.observations}
    assert set(by_code) == set(FULL)
    for code, obs in by_code.items():
        assert obs["valueCodeableConcept"]["coding"][0]["code"] == FULL[code]
        assert obs["bodySite"] == codes.VERTEBRA[T9].concept()
        assert obs["subject"] == {"reference": "Patient/p1"}
        assert obs["effectiveDateTime"] == obs["issued"] == "2026-10-20T11:00:00Z"
        assert obs["performer"] == [{"reference": "Practitioner/sandbox-radiologist"}]
        assert obs["basedOn"] == [{"reference": "ServiceRequest/order-1"}]
        assert obs["derivedFrom"] == [
            {"reference": "QuestionnaireResponse/qr1"},
            {"reference": "ImagingStudy/mr1"},
        ]
        assert obs["status"] == "final"
        assert validate_claimed(obs) == []
    assert by_code["sins-pain"]["category"][0]["coding"][0]["code"] == "exam"
    assert by_code["escc-grade"]["category"][0]["coding"][0]["code"] == "imaging"


def test_same_response_same_findings_and_amended_keeps_identity():
    first = extract_report(response())
    again = extract_report(response())
    assert [e.resource for e in first.observations] == [e.resource for e in again.observations]
    amended = response(status="amended")
    level_items(amended)[5]["answer"] = [{"valueCoding": codes.so("escc-3").coding()}]
    changed = extract_report(amended)
    assert [e.resource["identifier"] for e in changed.observations] == [
        e.resource["identifier"] for e in first.observations
    ]
    assert {e.resource["status"] for e in changed.observations} == {"amended"}
    # Sent in a Bundle, the same response gives the same findings (only the citation differs).
    bundled = extract_report(response(), full_url="urn:uuid:report")
    assert [e.full_url for e in bundled.observations] == [e.full_url for e in first.observations]


def test_date_only_authored_sets_no_issued():
    (obs, *_) = extract_report(response(authored="2026-10-20")).observations
    assert obs.resource["effectiveDateTime"] == "2026-10-20" and "issued" not in obs.resource


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"resourceType": "Observation"}, "send a QuestionnaireResponse"),
        ({"questionnaire": "http://example.org/Questionnaire/other"}, "does not answer"),
        ({"questionnaire": f"{QUESTIONNAIRE_URL}|9.9"}, "version '9.9'"),
        ({"questionnaire": 7}, "does not answer"),
        ({"status": "in-progress"}, "only a completed or amended"),
        ({"status": None}, "only a completed or amended"),
        ({"subject": None}, "subject"),
        ({"subject": {"reference": "Group/g"}}, "subject"),
        ({"authored": None}, "authored"),
        ({"authored": "yesterday"}, "authored"),
        ({"item": "everything"}, "item must be a list"),
        ({"item": [{"linkId": "level"}] * 65}, "more than 64"),
        ({"item": []}, "one ImagingStudy"),
    ],
)
def test_unusable_responses_are_refused_with_a_reason(change, message):
    with pytest.raises(InvalidInput, match=message):
        extract_report(response(**change))


@pytest.mark.parametrize(
    "study_answer",
    [
        [],
        [{"valueReference": {"reference": "Patient/p1"}}],
        [{"valueString": "ImagingStudy/mr1"}],
        [{"valueReference": {"reference": "ImagingStudy/a"}}, {"valueReference": {}}],
    ],
)
def test_the_study_must_be_one_imaging_study(study_answer):
    qr = response()
    qr["item"][0]["answer"] = study_answer
    with pytest.raises(InvalidInput, match="one ImagingStudy"):
        extract_report(qr)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ([{"valueCoding": {"system": codes.SPINE_ONCOLOGY, "code": "escc-4"}}], "contract's codes"),
        ([{"valueCoding": {"system": codes.SNOMED, "code": "escc-2"}}], "contract's codes"),
        ([{"valueCoding": codes.so("lesion-lytic").coding()}], "contract's codes"),
        ([{"valueString": "escc-2"}], "contract's codes"),
        ([{"valueInteger": 0}], "contract's codes"),
        ([{"valueCoding": codes.so("escc-2").coding()}] * 2, "more than one answer"),
        ("escc-2", "not a list of objects"),
    ],
)
def test_a_bad_answer_is_an_issue_and_the_grade_stays_missing(answer, message):
    qr = response()
    level_items(qr)[5]["answer"] = answer
    report = extract_report(qr)
    assert any(message in m for m in messages(report))
    found = {e.resource["code"]["coding"][0]["code"] for e in report.observations}
    assert found == set(FULL) - {"escc-grade"}
    result = workflow.assess_questionnaire_response(qr, now=NOW)
    (level,) = result.report.assessment.levels
    assert level.lesion.escc_grade is None and level.escc.grade is None and level.escc.missing
    assert level.lesion.bone_lesion is not None  # the other answers were used


def test_unanswered_questions_stay_missing_never_zero():
    qr = build_response(
        patient="Patient/p1",
        study="ImagingStudy/mr1",
        authored="2026-10-20T11:00:00Z",
        levels=[LevelReport(T9, {"escc-grade": "escc-1a"})],
    )
    report = extract_report(qr)
    assert [e.resource["code"]["coding"][0]["code"] for e in report.observations] == ["escc-grade"]
    result = workflow.assess_questionnaire_response(qr, now=NOW)
    sins = next(
        r.resource
        for r in result.report.results
        if r.resource["code"]["coding"][0]["code"] == "sins-score"
    )
    assert "valueInteger" not in sins and "valueRange" in sins
    absent = [c for c in sins["component"] if "dataAbsentReason" in c]
    assert len(absent) == 5  # pain and four imaging elements; location follows from T9


def test_group_problems_are_issues():
    qr = response()
    odd = copy.deepcopy(qr["item"][1])
    odd["item"][0]["answer"] = [{"valueCoding": {"system": codes.SNOMED, "code": "123"}}]
    no_level = {"linkId": "level", "item": [{"linkId": "level.bone-lesion"}]}
    twice = copy.deepcopy(qr["item"][1])
    twice["item"].append(copy.deepcopy(twice["item"][1]))
    qr["item"] += [odd, no_level, {"linkId": "remarks\x1b[31m"}, twice]
    level_items(qr).append({"linkId": "level.sois", "answer": [{"valueInteger": 3}]})
    report = extract_report(qr)
    text = " | ".join(messages(report))
    assert "level group 2: the level is not a vertebra" in text
    assert "level group 3: no single vertebral level" in text
    assert "'remarks [31m'" in text and "\x1b" not in text
    assert "level group 4: T9 is reported in more than one group" in text
    assert "level.bone-lesion: answered more than once" in text
    assert "item 'level.sois' is not a question" in text


def test_a_bundle_with_the_report_and_the_chart():
    qr = response()
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:pt", "resource": {"resourceType": "Patient", "id": "p1"}},
            {"fullUrl": "urn:uuid:qr", "resource": qr},
        ],
    }
    contents = read_report_input(bundle)
    (report,) = contents.reports
    assert report.response == "urn:uuid:qr"
    assert contents.local["urn:uuid:qr"] == "QuestionnaireResponse/qr1"
    assert len(contents.resources) == 1 + len(FULL)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"resourceType": "Patient"}, "send a QuestionnaireResponse, or a Bundle"),
        ([], "send a QuestionnaireResponse, or a Bundle"),
        ({"resourceType": "Bundle", "type": "collection", "entry": []}, "holds no Question"),
    ],
)
def test_bodies_without_a_report_are_refused(body, message):
    with pytest.raises(InvalidInput, match=message):
        read_report_input(body)


def test_too_many_reports_in_a_bundle_are_refused():
    entries = [{"resource": response(id=f"qr{i}")} for i in range(11)]
    with pytest.raises(InvalidInput, match="more than 10 reports"):
        read_report_input({"resourceType": "Bundle", "type": "collection", "entry": entries})
