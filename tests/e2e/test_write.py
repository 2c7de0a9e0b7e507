"""Writing results back over HTTP: everything lands once, however often and however the server
is configured (transactions, batch and conditional create each on or off)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from service.workflow import assess_patient
from tests.e2e.helpers import (
    DEMO_STEMS,
    EPIC_LIKE_SEARCH_RULES,
    NOW,
    RESULT_SYSTEM,
    Admin,
    expected_types,
    make_client,
    per_type,
)

STEM = "18-two-levels-nsclc"  # two levels: 16 results (3 urgencies) and a Provenance

SERVERS = {
    "full": ({}, "transaction"),
    "no-batch": ({"batch": False}, "transaction"),
    "no-transactions": ({"transactions": False}, "individual"),
    "no-conditional-create": ({"conditional_create": False}, "individual"),
    "no-transactions-no-conditional-create": (
        {"transactions": False, "conditional_create": False},
        "individual",
    ),
    "none-of-them": (
        {"transactions": False, "batch": False, "conditional_create": False},
        "individual",
    ),
    # Looking a result up before creating it must meet Epic's Observation search rules too.
    "epic-like-search-rules-no-conditional-create": (
        {"conditional_create": False, "search_requirements": EPIC_LIKE_SEARCH_RULES},
        "individual",
    ),
}


def result_key(resource: dict[str, Any]) -> str:
    """The identifier value of a result (the tag code of a Provenance)."""
    if resource["resourceType"] == "Provenance":
        return next(t["code"] for t in resource["meta"]["tag"] if t["system"] == RESULT_SYSTEM)
    return next(i["value"] for i in resource["identifier"] if i["system"] == RESULT_SYSTEM)


def check_written_once(admin: Admin, expected_keys: set[str]) -> None:
    """Each result is on the store exactly once, and the references between them resolve."""
    written = admin.written_results()
    keys = Counter(result_key(r) for r in written)
    assert set(keys) == expected_keys
    assert max(keys.values()) == 1, f"duplicates: {[k for k, n in keys.items() if n > 1]}"
    on_store = {f"{r['resourceType']}/{r['id']}" for r in written}
    for resource in written:
        if resource["resourceType"] == "RiskAssessment":
            assert {b["reference"] for b in resource["basis"]} <= on_store
        if resource["resourceType"] == "Provenance":
            assert {t["reference"] for t in resource["target"]} == on_store - {
                f"Provenance/{resource['id']}"
            }


@pytest.mark.parametrize(("settings", "mode"), SERVERS.values(), ids=SERVERS.keys())
def test_write_then_write_again_creates_nothing_new(
    admin: Admin, settings: dict[str, bool], mode: str
) -> None:
    admin.settings(**settings)
    patient_id = admin.patient_id(STEM)
    before = admin.counts()

    client, _ = make_client(admin)
    first = assess_patient(client, patient_id, write=True, now=NOW)
    assert first.write is not None
    assert first.write.mode == mode and first.write.complete
    assert first.write.count("created") == len(first.report.results) + 1
    after_first = admin.counts()
    assert per_type(before, after_first) == expected_types(first.report)
    keys = {e.identifier for e in first.report.results}
    assert len(keys) == len(first.report.results)
    keys.add(first.write.outcomes[-1].identifier)  # the Provenance's tag
    check_written_once(admin, keys)

    # Again, from a new client, a day later: the same identifiers, so nothing new.
    client, _ = make_client(admin)
    second = assess_patient(client, patient_id, write=True, now=NOW + timedelta(days=1))
    assert second.write is not None and second.write.complete
    assert second.write.count("created") == 0
    assert second.write.count("existing") == len(second.report.results) + 1
    assert admin.counts() == after_first
    check_written_once(admin, keys)


def test_writing_every_demo_patient_twice_duplicates_nothing(admin: Admin) -> None:
    before = admin.counts()
    client, _ = make_client(admin)
    ids = [admin.patient_id(stem) for stem in DEMO_STEMS]
    expected: Counter[str] = Counter()
    for patient_id in ids:
        live = assess_patient(client, patient_id, write=True, now=NOW)
        assert live.write is not None and live.write.complete
        expected.update(expected_types(live.report))
    after = admin.counts()
    assert per_type(before, after) == dict(expected)
    for patient_id in ids:
        again = assess_patient(client, patient_id, write=True, now=NOW)
        assert again.write is not None and again.write.count("created") == 0
    assert admin.counts() == after
    keys = Counter(result_key(r) for r in admin.written_results())
    assert max(keys.values()) == 1
