"""The CodeSystem, value sets and profile ids agree with docs/fhir-output.md."""

import re
from pathlib import Path

import pytest

from tests.profiles.validation import (
    CODE_SYSTEM,
    PROFILE_BASE,
    REPO,
    code_system_codes,
    definitions,
    profile_urls,
    value_set_codes,
)

FHIR_OUTPUT = Path(REPO, "docs", "fhir-output.md").read_text(encoding="utf-8")


def test_every_code_named_in_fhir_output_is_in_the_code_system():
    named = set(re.findall(r"SO#([a-z0-9-]*[a-z0-9])", FHIR_OUTPUT))
    additions = FHIR_OUTPUT[FHIR_OUTPUT.index("## Additions to and departures from the contract") :]
    named |= set(re.findall(r"^\| `([a-z0-9-]+)` \|", additions, re.MULTILINE))
    named -= {"code", "plan", "flag"}  # placeholders in the prose: SO#code, SO#plan-…, SO#flag-…
    assert named - code_system_codes() == set()


def test_every_concept_has_a_display_and_a_definition():
    concepts = definitions().code_systems[CODE_SYSTEM]["concept"]
    assert [c["code"] for c in concepts if not (c.get("display") and c.get("definition"))] == []
    assert len({c["code"] for c in concepts}) == len(concepts)


@pytest.mark.parametrize("url", sorted(definitions().value_sets))
def test_value_set_codes_exist(url):
    codes = value_set_codes(url)
    assert codes
    ours = {code for system, code in codes if system == CODE_SYSTEM}
    assert ours - code_system_codes() == set()


def test_vertebra_value_set_has_one_code_per_level_c1_to_s5_and_the_sacrum_and_coccyx():
    codes = value_set_codes("http://noms-cds.org/fhir/ValueSet/noms-vertebra-vs")
    assert len(codes) == 7 + 12 + 5 + 5 + 2  # docs/clinical-rules.md §15.10
    assert {system for system, _ in codes} == {"http://snomed.info/sct"}


def test_result_profile_ids_are_those_of_fhir_output():
    documented = set(re.findall(r"^\| `(noms-[a-z-]+)` \|", FHIR_OUTPUT, re.MULTILINE))
    documented |= set(re.findall(r"^## \w+ `(noms-[a-z-]+)`", FHIR_OUTPUT, re.MULTILINE))
    assert documented == {
        "noms-sins-score",
        "noms-escc-category",
        "noms-radiosensitivity",
        "noms-tokuhashi-revised-score",
        "noms-tomita-score",
        "noms-modified-bauer-score",
        "noms-nesms-score",
        "noms-recommendation",
        "noms-assessment",
        "noms-provenance",
        "noms-spine-urgency",
    }
    assert {PROFILE_BASE + profile_id for profile_id in documented} <= set(profile_urls())


def test_every_profile_id_has_the_project_prefix():
    assert [url for url in profile_urls() if not url.startswith(PROFILE_BASE + "noms-")] == []
