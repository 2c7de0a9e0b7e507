"""The card checker finds every broken rule (so the card tests that use it can fail)."""

from __future__ import annotations

import copy
import uuid

import pytest

from tests.cds.card_rules import problems


def good_card() -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": "T7: URGENT - stabilization then SRS",
        "detail": "**SINS** 13 (unstable)",
        "indicator": "warning",
        "source": {
            "label": "NOMS-CDS",
            "url": "https://doi.org/10.1634/theoncologist.2012-0293",
            "topic": {"system": "http://noms-cds.org/fhir/CodeSystem/spine-oncology", "code": "x"},
        },
        "suggestions": [
            {
                "label": "Spine surgery consultation",
                "uuid": str(uuid.uuid4()),
                "isRecommended": True,
                "actions": [
                    {
                        "type": "create",
                        "description": "Refer to spine surgery",
                        "resource": {"resourceType": "ServiceRequest", "status": "draft"},
                    }
                ],
            }
        ],
        "selectionBehavior": "any",
        "overrideReasons": [
            {"system": "http://cds-hooks.hl7.org/CodeSystem/x", "code": "c", "display": "Done"}
        ],
        "links": [
            {
                "label": "Open the assessment",
                "url": "https://cds.example.org/smart/launch",
                "type": "smart",
                "appContext": '{"level": "T7"}',
            }
        ],
    }


def test_a_good_response_has_no_problem():
    assert problems({"cards": [good_card()]}) == []
    assert problems({"cards": []}) == []


def broken(change) -> dict:
    card = copy.deepcopy(good_card())
    change(card)
    return {"cards": [card]}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.update(summary="x" * 140), "under 140 characters"),
        (lambda c: c.pop("summary"), "summary: is required"),
        (lambda c: c.update(indicator="urgent"), "indicator: must be one of"),
        (lambda c: c.pop("source"), "source: is required"),
        (lambda c: c["source"].pop("label"), "source.label: is required"),
        (lambda c: c["source"].update(url="/relative"), "must be an absolute URL"),
        (lambda c: c.pop("selectionBehavior"), "selectionBehavior: is required with suggestions"),
        (lambda c: c.update(selectionBehavior="all"), "selectionBehavior: is required with"),
        (lambda c: c["suggestions"][0]["actions"][0].update(type="post"), "type: must be one of"),
        (lambda c: c["suggestions"][0]["actions"][0].pop("resource"), "needs a FHIR resource"),
        (lambda c: c["suggestions"][0].update(uuid=c["uuid"]), "is not unique"),
        (lambda c: c.update(uuid="card-1"), "must be a UUID"),
        (lambda c: c.pop("uuid"), "uuid: is required"),
        (lambda c: c["overrideReasons"][0].pop("display"), "display: is required"),
        (lambda c: c["links"][0].update(type="launch"), "links[0].type: must be one of"),
        (lambda c: c["links"][0].update(type="absolute"), "only a smart link"),
        (lambda c: c.update(detail=""), "null or empty value"),
        (lambda c: c.update(links=[]), "null or empty value"),
        (lambda c: c.update(color="red"), "unknown member 'color'"),
        (lambda c: c.pop("suggestions"), "selectionBehavior: is only for cards with"),
    ],
)
def test_each_broken_rule_is_found(change, expected):
    found = problems(broken(change))
    assert any(expected in problem for problem in found), found


def test_a_response_without_cards_is_refused():
    assert problems({"card": []}) == ["response: must be an object with a cards array"]
    assert problems({"cards": [], "systemActions": []}) == [
        "systemActions: must be a non-empty array when present"
    ]
