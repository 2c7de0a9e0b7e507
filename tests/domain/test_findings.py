"""Patient findings: myelopathy or cauda equina syndrome, agreed radiosensitivity, input keys."""

from __future__ import annotations

import pytest

from service.domain import histology as h
from service.domain.findings import PatientFindings, input_key
from service.domain.histology import Histology, Radiosensitivity, classify
from service.domain.levels import Level


@pytest.mark.parametrize(
    ("myelopathy", "cauda_equina", "expected"),
    [
        (True, True, True),
        (True, False, True),
        (True, None, True),
        (False, True, True),
        (None, True, True),
        (False, False, False),
        (False, None, None),
        (None, False, None),
        (None, None, None),
    ],
    ids=["both", "myelopathy", "myelopathy-ces-unknown", "ces", "ces-myelopathy-unknown",
         "neither", "ces-unknown", "myelopathy-unknown", "nothing-known"],
)  # fmt: skip
def test_cauda_equina_syndrome_counts_as_myelopathy(myelopathy, cauda_equina, expected):
    # docs/clinical-rules.md §9.1: treat CES as equivalent to myelopathy.
    findings = PatientFindings(myelopathy=myelopathy, cauda_equina=cauda_equina)
    assert findings.myelopathy_or_ces is expected


@pytest.mark.parametrize(
    ("primaries", "expected"),
    [
        ((), None),
        ((classify(h.BREAST),), Radiosensitivity.SOLID),
        ((classify(h.BREAST), classify(h.PROSTATE)), Radiosensitivity.SOLID),
        ((classify(h.BREAST), classify(h.KIDNEY)), None),
        ((classify(h.LUNG),), Radiosensitivity.UNCLASSIFIED),
        ((classify(h.UNKNOWN_PRIMARY),), Radiosensitivity.UNKNOWN),
        (
            (classify(h.LYMPHOMA), classify(h.STOMACH, Histology.LYMPHOMA)),
            Radiosensitivity.HEMATOLOGIC,
        ),
    ],
    ids=["none", "breast", "breast-prostate", "breast-kidney", "lung", "unknown", "two-lymphomas"],
)  # fmt: skip
def test_radiosensitivity_only_when_every_primary_agrees(primaries, expected):
    assert PatientFindings(primaries=primaries).radiosensitivity is expected


def test_input_keys():
    assert input_key("myelopathy") == "myelopathy"
    assert input_key("sins-pain", Level.T9) == "T9/sins-pain"


def test_nothing_is_filled_in_by_default():
    findings = PatientFindings()
    assert (findings.myelopathy, findings.cauda_equina, findings.surgical_candidate) == (
        None,
        None,
        None,
    )
    assert (findings.performance.ecog, findings.performance.kps) == (None, None)
    assert (findings.frankel, findings.asia, findings.ambulatory) == (None, None, None)
    assert findings.lesions == ()
