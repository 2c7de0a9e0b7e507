"""Alert findings and their idempotency keys."""

from __future__ import annotations

import pytest

from service.alerts.keys import (
    ALERT_IDENTIFIER_SYSTEM,
    AlertFinding,
    alert_identifier,
    if_none_exist,
    is_alert_key,
)


def test_the_same_finding_always_has_the_same_key():
    first = AlertFinding("Patient/123", "T9", "urgent")
    assert first.key == AlertFinding("Patient/123", "t9", "urgent").key
    assert first.key.startswith("alert-T9-urgent-")
    assert is_alert_key(first.key)
    # Pinned: a change of the key scheme would send every alert ever sent once more.
    assert first.key == "alert-T9-urgent-a48863854502d538ad3b2258e3ab8b1e"


@pytest.mark.parametrize(
    "other",
    [
        AlertFinding("Patient/124", "T9", "urgent"),
        AlertFinding("Patient/123", "T10", "urgent"),
        AlertFinding("Patient/123", "T9", "emergent"),
        AlertFinding("Patient/123", "patient", "urgent"),
        AlertFinding("https://ehr.example.org/fhir/Patient/123", "T9", "urgent"),
    ],
    ids=["patient", "level", "tier", "scope-patient", "absolute-reference"],
)
def test_any_difference_gives_another_key(other: AlertFinding):
    assert other.key != AlertFinding("Patient/123", "T9", "urgent").key


def test_the_key_does_not_contain_the_patient():
    finding = AlertFinding("Patient/8675309", "L2", "emergent")
    assert "8675309" not in finding.key


def test_scopes_are_normalised():
    assert AlertFinding("Patient/1", " l2 ", "urgent").scope == "L2"
    assert AlertFinding("Patient/1", "PATIENT", "urgent").scope == "patient"


def test_ranks_order_the_tiers():
    ranks = [
        AlertFinding("Patient/1", "T1", tier).rank for tier in ("routine", "urgent", "emergent")
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == 3


@pytest.mark.parametrize(
    ("patient", "scope", "tier", "message"),
    [
        ("123", "T9", "urgent", "reference"),
        ("Patient/", "T9", "urgent", "reference"),
        ("Observation/1", "T9", "urgent", "reference"),
        ("Patient/1 2", "T9", "urgent", "reference"),
        ("Patient/1", "T13", "urgent", "vertebral level"),
        ("Patient/1", "", "urgent", "vertebral level"),
        ("Patient/1", "T9", "none", "not an alert"),
        ("Patient/1", "T9", "URGENT", "tier must be"),
        ("Patient/1", "T9", "high", "tier must be"),
    ],
)
def test_bad_findings_are_refused(patient: str, scope: str, tier: str, message: str):
    with pytest.raises(ValueError, match=message):
        AlertFinding(patient, scope, tier)


def test_identifier_and_conditional_create_search():
    key = AlertFinding("Patient/1", "C2", "emergent").key
    assert alert_identifier(key) == {"system": ALERT_IDENTIFIER_SYSTEM, "value": key}
    assert if_none_exist(key) == f"identifier={ALERT_IDENTIFIER_SYSTEM}|{key}"
    with pytest.raises(ValueError):
        alert_identifier("alert-T9-urgent-not-hex")
