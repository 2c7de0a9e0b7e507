"""Domain results to the codes written (docs/fhir-output.md).

Part of ``service.fhir.codes`` (see its docstring).
"""

from __future__ import annotations

from typing import Final

from service.domain.histology import (
    Radiosensitivity,
)
from service.domain.noms import Flag, Plan, Radiation, Stabilization, Surgery
from service.domain.urgency import Tier
from service.fhir.codes.read import ESCC_GRADE, LOINC_ECOG, LOINC_KARNOFSKY
from service.fhir.codes.systems import DATA_ABSENT_REASON, LOINC, OBSERVATION_CATEGORY, Code

# --- Domain results -> codes written ---------------------------------------------------------

RADIOSENSITIVITY: Final = {
    Radiosensitivity.HEMATOLOGIC: "radiosensitive-hematologic",
    Radiosensitivity.SOLID: "radiosensitive-solid",
    Radiosensitivity.RESISTANT: "radioresistant",
    Radiosensitivity.UNKNOWN: "histology-unknown",
    Radiosensitivity.UNCLASSIFIED: "histology-unclassified",
}
PLAN: Final = {
    Plan.CEBRT: "plan-cebrt",
    Plan.SRS: "plan-srs",
    Plan.STABILIZATION_THEN_CEBRT: "plan-stabilization-then-cebrt",
    Plan.STABILIZATION_THEN_SRS: "plan-stabilization-then-srs",
    Plan.SEPARATION_SURGERY_THEN_SRS: "plan-separation-surgery-then-srs",
    Plan.URGENT_DECOMPRESSION_THEN_RADIATION: "plan-urgent-decompression-then-radiation",
    Plan.NEEDS_CLINICIAN_INPUT: "plan-needs-clinician-input",
    Plan.OUT_OF_SCOPE: "plan-out-of-scope",
}
RADIATION: Final = {
    Radiation.CEBRT: "cebrt",
    Radiation.SRS: "srs",
    Radiation.SRS_REIRRADIATION: "srs-reirradiation",
    Radiation.UNDETERMINED: "radiation-undetermined",
}
SURGERY: Final = {
    Surgery.NONE: "surgery-none",
    Surgery.SEPARATION: "separation-surgery",
    Surgery.URGENT_DECOMPRESSION: "urgent-decompression",
    Surgery.UNDETERMINED: "surgery-undetermined",
}
STABILIZATION: Final = {
    Stabilization.NONE: "stabilization-none",
    Stabilization.REQUIRED: "stabilization-required",
    Stabilization.SURGICAL_CONSULTATION: "stabilization-surgical-consultation",
    Stabilization.UNDETERMINED: "stabilization-undetermined",
}
FLAG: Final = {
    Flag.ESCC_1C: "flag-escc-1c",
    Flag.SINS_INDETERMINATE: "flag-sins-indeterminate",
    Flag.CONSIDER_UPFRONT_SURGERY: "flag-consider-upfront-surgery",
    Flag.HYPOFRACTIONATED_SRS_OPTION: "flag-hypofractionated-srs-option",
    Flag.REIRRADIATION: "flag-reirradiation",
    Flag.OBTAIN_TISSUE_DIAGNOSIS: "flag-obtain-tissue-diagnosis",
    Flag.CONFLICTING_DATA: "flag-conflicting-data",
    Flag.PRELIMINARY_DATA: "flag-preliminary-data",
    Flag.MYELOPATHY_UNEXPLAINED: "flag-myelopathy-unexplained",
    Flag.CONFIRM_SURGICAL_CANDIDACY: "flag-confirm-surgical-candidacy",
    Flag.PRIOR_RADIATION_ADJACENT: "flag-prior-radiation-adjacent",
}
ESCC_GRADE_CODE: Final = {grade: code for code, grade in ESCC_GRADE.items()}
URGENCY_TIER: Final = {tier: f"urgency-{tier.value}" for tier in Tier}
SINS_BAND: Final = {
    "stable": "sins-stable",
    "potentially-unstable": "sins-potentially-unstable",
    "unstable": "sins-unstable",
}
# Item key of each domain score -> component code.
SCORE_ITEMS: Final[dict[str, dict[str, str]]] = {
    "sins": {
        "location": "sins-location",
        "pain": "sins-pain",
        "bone-lesion": "sins-bone-lesion",
        "alignment": "sins-alignment",
        "collapse": "sins-collapse",
        "posterolateral": "sins-posterolateral",
    },
    "tokuhashi": {
        "general-condition": "tokuhashi-general-condition",
        "extraspinal-bone-metastases": "tokuhashi-extraspinal-bone-metastases",
        "vertebral-metastases": "tokuhashi-vertebral-metastases",
        "major-organ-metastases": "tokuhashi-major-organ-metastases",
        "primary-site": "tokuhashi-primary-site",
        "palsy": "tokuhashi-palsy",
    },
    "tomita": {
        "primary-growth": "tomita-primary-growth",
        "visceral-metastases": "tomita-visceral-metastases",
        "bone-metastases": "tomita-bone-metastases",
    },
    "modified-bauer": {
        "no-visceral-metastases": "bauer-no-visceral-metastases",
        "not-lung-primary": "bauer-not-lung-primary",
        "favourable-primary": "bauer-favourable-primary",
        "solitary-skeletal-metastasis": "bauer-solitary-skeletal-metastasis",
    },
    "nesms": {
        "modified-bauer": "nesms-modified-bauer",
        "ambulatory": "nesms-ambulatory",
        "albumin": "nesms-albumin",
    },
}
DATA_ABSENT_UNKNOWN: Final = Code(DATA_ABSENT_REASON, "unknown", "Unknown")
SURVEY_CATEGORY: Final = Code(OBSERVATION_CATEGORY, "survey", "Survey")
IMAGING_CATEGORY: Final = Code(OBSERVATION_CATEGORY, "imaging", "Imaging")
EXAM_CATEGORY: Final = Code(OBSERVATION_CATEGORY, "exam", "Exam")
ECOG_CODE: Final = Code(LOINC, LOINC_ECOG, "ECOG Performance Status score")
KARNOFSKY_CODE: Final = Code(LOINC, LOINC_KARNOFSKY, "Karnofsky Performance Status score")
