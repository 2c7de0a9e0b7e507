"""Input that is valid R4B on the surface but odd underneath never ends in a traceback: each
problem is an issue, or a refusal of the service's own (InvalidInput)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from service import demo
from service.domain.errors import InvalidInput as InvalidClinicalInput
from service.errors import ServiceError
from service.workflow import assess_bundle

ODD_STRINGS = ["C²³", "٨١٤٠/3", "", " ", "\x00", "9" * 50, "Patient/", "urn:uuid:", "²", "\u202e"]
ODD_VALUES = [None, "yes", 1, -1, 10**30, 0.5, "3", [], [None], ["x"], {}, "x"]


def mutate(node: Any, rate: float, rng: random.Random) -> None:
    """Replace some values, anywhere, by odd ones of another or the same type."""
    if isinstance(node, dict):
        for key in list(node):
            if rng.random() < rate:
                node[key] = rng.choice(ODD_STRINGS if isinstance(node[key], str) else ODD_VALUES)
            else:
                mutate(node[key], rate, rng)
    elif isinstance(node, list):
        for item in node:
            mutate(item, rate, rng)


def test_odd_values_the_models_accept_are_read_as_sent() -> None:
    bundle = demo.load_patient("07-r7-nsclc-high-grade-stable-fit")
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if "valueBoolean" in resource:
            resource["valueBoolean"] = "yes"  # pydantic's lax mode accepts it as true
        for coding in (resource.get("code") or {}).get("coding", []):
            if coding.get("system", "").endswith("icd-10-cm"):
                coding["code"] = "C²³"  # "²".isdigit() is true, int("²") fails
    report = assess_bundle(bundle)
    assert report.assessment.findings.surgical_candidate is None


@pytest.mark.parametrize("seed", range(6))
def test_mutated_demo_patients_never_crash(seed: int) -> None:
    rng = random.Random(seed)
    names = demo.patient_names()
    for _ in range(50):
        bundle = demo.load_patient(rng.choice(names))
        mutate(bundle, rng.choice([0.01, 0.05, 0.15]), rng)
        try:
            assess_bundle(bundle)
        except (ServiceError, InvalidClinicalInput):
            pass  # a refusal in one line: what the CLI and the API show
