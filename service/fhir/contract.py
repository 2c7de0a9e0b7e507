"""What the data contract reads, per resource type (docs/integration.md "What the service does
on the wire"): the codes the client searches by, and the extraction screens by.

One table for both, so that what is asked of a server and what is read from a file agree.
"""

from __future__ import annotations

from service.fhir import codes

# Observations are searched by code, never bare (Epic refuses patient-only searches): our
# CodeSystem's codes, and the LOINC codes of ECOG, Karnofsky, ASIA and albumin.
OBSERVATION_SO_CODES = (
    "sins-bone-lesion",
    "sins-alignment",
    "sins-collapse",
    "sins-posterolateral",
    "escc-grade",
    "sins-pain",
    "prior-radiation",
    "myelopathy",
    "cauda-equina-syndrome",
    "functional-radiculopathy",
    "frankel-grade",
    "ambulatory-status",
    "extraspinal-bone-metastases-count",
    "vertebral-metastases-count",
    "major-organ-metastases",
    "visceral-metastases",
    "surgical-candidate",
    "stability-assessment",
    "sois",
)
OBSERVATION_LOINC_CODES = frozenset(
    {codes.LOINC_ECOG, codes.LOINC_KARNOFSKY, codes.LOINC_ASIA, *codes.LOINC_ALBUMIN}
)
OBSERVATION_CODES = tuple(
    f"{codes.SPINE_ONCOLOGY}|{code}" for code in OBSERVATION_SO_CODES
) + tuple(
    f"{codes.LOINC}|{code}"
    for code in (
        codes.LOINC_ECOG,
        codes.LOINC_KARNOFSKY,
        codes.LOINC_ASIA,
        *sorted(codes.LOINC_ALBUMIN),
    )
)
RADIOTHERAPY_CODES = tuple(f"{codes.SNOMED}|{c}" for c in sorted(codes.RADIOTHERAPY_PROCEDURES))
