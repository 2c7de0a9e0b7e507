"""Result identity: an identifier depends on what the result says, never on the version or prose.

docs/fhir-output.md ("Result identity"): SHA-256 over the patient, the result kind, the level, the
result's codes and values and the resources it rests on, and the rule-set version. The golden file
pins every identifier of every demo patient; regenerate it after a deliberate rule change (which
bumps the rule-set version) with ``python -m tests.fhir.test_identity``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import service
from service import workflow
from service.fhir import emit
from service.workflow import assess_bundle
from tests.conftest import DATA, DEMO, load

GOLDEN = DATA / "expected" / "result-identifiers.json"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
DEMO_FILES = sorted(DEMO.glob("*.json"))


def identifiers() -> dict[str, list[str]]:
    """Every demo patient's result identifiers, in the order they are emitted."""
    return {
        path.stem: [e.identifier for e in assess_bundle(load(path), now=NOW).results]
        for path in DEMO_FILES
    }


def test_identifiers_of_the_demo_patients_are_those_of_the_golden_file():
    assert identifiers() == load(GOLDEN)


def test_a_version_bump_changes_no_identifier(monkeypatch):
    monkeypatch.setattr(service, "__version__", "99.0.0")
    monkeypatch.setattr(workflow, "__version__", "99.0.0")
    bumped = identifiers()
    assert bumped == load(GOLDEN)
    # And the version really reached the results (so the test can fail).
    report = assess_bundle(load(DEMO_FILES[0]), now=NOW)
    assert "99.0.0" in report.results[0].resource["method"]["text"]


def test_the_version_passed_to_emit_changes_no_identifier():
    report = assess_bundle(load(DEMO / "18-two-levels-nsclc.json"), now=NOW)
    old = emit.emit(report.assessment, report.extraction, NOW, "0.1.0")
    new = emit.emit(report.assessment, report.extraction, NOW, "2.0.0")
    assert [e.identifier for e in old] == [e.identifier for e in new]
    assert old[0].resource["method"] != new[0].resource["method"]


def test_the_rule_set_version_changes_every_identifier():
    report = assess_bundle(load(DEMO / "18-two-levels-nsclc.json"), now=NOW)
    other = replace(report.assessment, rule_set="NOMS-CDS rule set 99")
    old = {e.identifier for e in report.results}
    new = {e.identifier for e in emit.emit(other, report.extraction, NOW, "0.1.0")}
    assert old.isdisjoint(new)


def test_prose_is_not_identity_but_values_are():
    report = assess_bundle(load(DEMO / "13-special-c-unknown-primary-myelopathy.json"), now=NOW)
    for result in report.results:
        resource = result.resource
        reworded = copy.deepcopy(resource)
        reworded.setdefault("note", [{"text": ""}])[0]["text"] = "other words"
        for part in reworded.get("component", []):
            if part["code"]["coding"][0]["code"] == "urgency-reason":
                part["valueString"] = "other words"
            for coding in part.get("valueCodeableConcept", {}).get("coding", []):
                coding["display"] = "Another display"
        if "mitigation" in reworded:
            reworded["mitigation"] = "other words"
        for prediction in reworded.get("prediction", []):
            prediction["rationale"] = "other words"
        assert emit.identity_content(reworded) == emit.identity_content(resource)
        changed = copy.deepcopy(resource)
        changed["status"] = "preliminary"
        assert emit.identity_content(changed) != emit.identity_content(resource)


def write_golden(path: Path = GOLDEN) -> None:
    """Rewrite the golden file (after a deliberate change of the rules)."""
    path.write_text(json.dumps(identifiers(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_golden()
