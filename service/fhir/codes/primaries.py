"""Primary cancer codes (ICD-10, ICD-10-CM, SNOMED CT, ICD-O-3) to the domain's classification
(docs/fhir-input.md: one table, in code).

Part of ``service.fhir.codes`` (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain.histology import (
    BLADDER,
    BONE,
    BREAST,
    CARCINOID,
    CERVIX,
    COLON,
    GALLBLADDER,
    HEAD_AND_NECK,
    KIDNEY,
    LEUKAEMIA,
    LIVER,
    LUNG,
    LYMPHOMA,
    MELANOMA_OF_SKIN,
    MULTIPLE_MYELOMA,
    OESOPHAGUS,
    OVARY,
    PANCREAS,
    PLASMACYTOMA,
    PROSTATE,
    RECTOSIGMOID,
    RECTUM,
    SOFT_TISSUE,
    STOMACH,
    TESTIS,
    THYROID,
    UNKNOWN_PRIMARY,
    UNSPECIFIED_SITE,
    UTERUS,
    Histology,
    SiteProfile,
)

# --- Primary cancer -> classification (docs/fhir-input.md: one table, in code) -----------------


@dataclass(frozen=True, slots=True)
class PrimaryCode:
    """What one primary-cancer code says: the site profile and, if pre-coordinated, histology."""

    site: SiteProfile
    histology: Histology | None = None


# ICD-10 / ICD-10-CM categories C00–C96 (both systems share the 3-character categories used).
_ICD_CATEGORY: Final[dict[str, PrimaryCode]] = {
    **{f"C{n:02d}": PrimaryCode(HEAD_AND_NECK) for n in range(0, 15)},
    "C15": PrimaryCode(OESOPHAGUS),
    "C16": PrimaryCode(STOMACH),
    "C18": PrimaryCode(COLON),
    "C19": PrimaryCode(RECTOSIGMOID),
    "C20": PrimaryCode(RECTUM),
    "C22": PrimaryCode(LIVER),
    "C23": PrimaryCode(GALLBLADDER),
    "C25": PrimaryCode(PANCREAS),
    "C30": PrimaryCode(HEAD_AND_NECK),
    "C31": PrimaryCode(HEAD_AND_NECK),
    "C32": PrimaryCode(HEAD_AND_NECK),
    "C34": PrimaryCode(LUNG),
    "C40": PrimaryCode(BONE),
    "C41": PrimaryCode(BONE),
    "C43": PrimaryCode(MELANOMA_OF_SKIN),
    "C49": PrimaryCode(SOFT_TISSUE),
    "C50": PrimaryCode(BREAST),
    "C53": PrimaryCode(CERVIX),
    "C54": PrimaryCode(UTERUS),
    "C55": PrimaryCode(UTERUS),
    "C56": PrimaryCode(OVARY),
    "C61": PrimaryCode(PROSTATE),
    "C62": PrimaryCode(TESTIS),
    "C64": PrimaryCode(KIDNEY),
    "C67": PrimaryCode(BLADDER),
    "C73": PrimaryCode(THYROID),
    "C80": PrimaryCode(UNKNOWN_PRIMARY),
    **{f"C{n}": PrimaryCode(LYMPHOMA) for n in range(81, 87)},
    **{f"C{n}": PrimaryCode(LEUKAEMIA) for n in range(91, 96)},
}
# Four-character refinements that change the classification.
_ICD_SUBCATEGORY: Final[dict[str, PrimaryCode]] = {
    "C22.0": PrimaryCode(LIVER, Histology.HEPATOCELLULAR),  # liver cell carcinoma
    "C7A.0": PrimaryCode(CARCINOID, Histology.CARCINOID),  # ICD-10-CM malignant carcinoid
    "C7A.1": PrimaryCode(UNSPECIFIED_SITE, Histology.NEUROENDOCRINE_CARCINOMA),
    "C90.0": PrimaryCode(MULTIPLE_MYELOMA),
    "C90.1": PrimaryCode(LEUKAEMIA),  # plasma cell leukaemia
    "C90.2": PrimaryCode(PLASMACYTOMA),  # extramedullary plasmacytoma
    "C90.3": PrimaryCode(PLASMACYTOMA),  # solitary plasmacytoma
}

PRIMARY_SNOMED: Final[dict[str, PrimaryCode]] = {
    "254837009": PrimaryCode(BREAST),  # Malignant neoplasm of breast, V-2
    "399068003": PrimaryCode(PROSTATE),  # Malignant tumor of prostate, V-2
    # Metastasis from malignant tumor of prostate: a primary prostate cancer that has spread
    # (V-1, Synthea's prostate cancer code).
    "314994000": PrimaryCode(PROSTATE),
    "363406005": PrimaryCode(COLON),  # Malignant tumor of colon, V-2
    "93761005": PrimaryCode(COLON),  # Primary malignant neoplasm of colon, V-2
    "109838007": PrimaryCode(COLON),  # Overlapping malignant neoplasm of colon, V-1
    "363358000": PrimaryCode(LUNG),  # Malignant tumor of lung, V-1
    "254637007": PrimaryCode(LUNG, Histology.NON_SMALL_CELL_TYPE),  # NSCLC, V-2
    "424132000": PrimaryCode(LUNG, Histology.NON_SMALL_CELL_TYPE),  # NSCLC TNM 1, V-2
    "425048006": PrimaryCode(LUNG, Histology.NON_SMALL_CELL_TYPE),  # NSCLC TNM 2, V-2
    "422968005": PrimaryCode(LUNG, Histology.NON_SMALL_CELL_TYPE),  # NSCLC TNM 3, V-2
    "423121009": PrimaryCode(LUNG, Histology.NON_SMALL_CELL_TYPE),  # NSCLC TNM 4, V-2
    "254632001": PrimaryCode(LUNG, Histology.SMALL_CELL),  # Small cell carcinoma of lung, V-2
    "67811000119102": PrimaryCode(LUNG, Histology.SMALL_CELL),  # SCLC TNM 1, V-2
    "67821000119109": PrimaryCode(LUNG, Histology.SMALL_CELL),  # SCLC TNM 2, V-2
    "67831000119107": PrimaryCode(LUNG, Histology.SMALL_CELL),  # SCLC TNM 3, V-2
    "67841000119103": PrimaryCode(LUNG, Histology.SMALL_CELL),  # SCLC TNM 4, V-2
    "363518003": PrimaryCode(KIDNEY),  # Malignant tumor of kidney, V-2
    "372244006": PrimaryCode(MELANOMA_OF_SKIN, Histology.MELANOMA),  # Malignant melanoma, V-2
    "109989006": PrimaryCode(MULTIPLE_MYELOMA),  # Multiple myeloma, V-2
    "118600007": PrimaryCode(LYMPHOMA),  # Malignant lymphoma, V-2
    "93143009": PrimaryCode(LEUKAEMIA),  # Leukemia, V-2
    "363418001": PrimaryCode(PANCREAS),  # Malignant tumor of pancreas, V-2
    "363478007": PrimaryCode(THYROID),  # Malignant tumor of thyroid gland, V-1
    "363443007": PrimaryCode(OVARY),  # Malignant tumor of ovary, V-1
    "363349007": PrimaryCode(STOMACH),  # Malignant tumor of stomach, V-1
    "363402007": PrimaryCode(OESOPHAGUS),  # Malignant tumor of esophagus, V-1
    "25370001": PrimaryCode(LIVER, Histology.HEPATOCELLULAR),  # Hepatocellular carcinoma, V-1
    "399326009": PrimaryCode(BLADDER),  # Malignant neoplasm of urinary bladder, V-1
}

# ICD-O-3 morphology (histology codes, behaviour /3 malignant or /6 metastatic site).
_MORPHOLOGY_RANGES: Final[tuple[tuple[int, int, Histology], ...]] = (
    (8041, 8045, Histology.SMALL_CELL),
    (8012, 8012, Histology.NON_SMALL_CELL_TYPE),  # large cell carcinoma
    (8014, 8014, Histology.NON_SMALL_CELL_TYPE),
    (8046, 8046, Histology.NON_SMALL_CELL_TYPE),  # non-small cell carcinoma
    (8070, 8078, Histology.NON_SMALL_CELL_TYPE),  # squamous cell carcinomas
    (8140, 8140, Histology.NON_SMALL_CELL_TYPE),  # adenocarcinoma NOS (lung only)
    (8250, 8255, Histology.NON_SMALL_CELL_TYPE),
    (8260, 8260, Histology.NON_SMALL_CELL_TYPE),
    (8480, 8481, Histology.NON_SMALL_CELL_TYPE),
    (8550, 8550, Histology.NON_SMALL_CELL_TYPE),
    (8560, 8560, Histology.NON_SMALL_CELL_TYPE),
    (8170, 8175, Histology.HEPATOCELLULAR),
    (8240, 8241, Histology.CARCINOID),
    (8249, 8249, Histology.CARCINOID),
    (8246, 8246, Histology.NEUROENDOCRINE_CARCINOMA),
    (8312, 8312, Histology.RENAL_CELL),
    (8316, 8319, Histology.RENAL_CELL),
    (8720, 8790, Histology.MELANOMA),
    (8800, 8811, Histology.SARCOMA),
    (8830, 8830, Histology.SARCOMA),
    (8850, 8858, Histology.SARCOMA),
    (8890, 8896, Histology.SARCOMA),
    (9040, 9043, Histology.SARCOMA),
    (9061, 9063, Histology.SEMINOMA),
    (9120, 9120, Histology.SARCOMA),
    (9180, 9195, Histology.OSTEOSARCOMA),
    (9220, 9243, Histology.SARCOMA),
    (9370, 9372, Histology.CHORDOMA),
    (9590, 9729, Histology.LYMPHOMA),
    (9731, 9731, Histology.PLASMACYTOMA),
    (9732, 9732, Histology.MYELOMA),
    (9734, 9734, Histology.PLASMACYTOMA),
    (9800, 9948, Histology.LEUKAEMIA),
)


def primary_from_icd(code: str) -> PrimaryCode | None:
    """Classification of an ICD-10(-CM) primary-cancer code, or None when not in the table."""
    code = code.strip().upper()
    return _ICD_SUBCATEGORY.get(code[:5]) or _ICD_CATEGORY.get(code[:3])


def is_primary_malignant_icd(code: str) -> bool:
    """True for C00–C76 (but C44), C4A and C7A (ICD-10-CM) and C80–C96: primary malignancies.

    C44 (non-melanoma skin cancer) is a malignancy but never the primary of a bone metastasis
    (docs/clinical-rules.md §15.6): see :func:`not_candidate_primary_icd`.
    """
    code = code.strip().upper()
    if code.startswith(("C4A", "C7A")):
        return True
    if len(code) < 3 or code[0] != "C" or not (code[1:3].isascii() and code[1:3].isdigit()):
        return False
    category = int(code[1:3])
    return (category <= 76 and category != 44) or 80 <= category <= 96


def not_candidate_primary_icd(code: str) -> str | None:
    """Why an ICD-10(-CM) cancer code cannot be the primary of a bone metastasis, else None.

    docs/clinical-rules.md §15.6: non-melanoma skin cancer (C44) and in-situ neoplasms (D00–D09)
    are listed but not used.
    """
    code = code.strip().upper()
    if code.startswith("C44"):
        return "non-melanoma skin cancer, not a candidate primary"
    if len(code) >= 3 and code[0] == "D" and code[1:3].isdigit() and int(code[1:3]) <= 9:
        return "in-situ neoplasm, not a candidate primary"
    return None


# ICD-O-3 basal cell carcinomas (8090-8098): skin cancers whatever the site code says.
_BASAL_CELL: Final = range(8090, 8099)


def not_candidate_morphology(code: str, *, site_named: bool = False) -> str | None:
    """Why an ICD-O-3 morphology rules a cancer out as primary (in situ /2, basal cell), or None.

    A basal cell morphology means a skin cancer only where the site is skin or not named
    (docs/clinical-rules.md §15.6): with another site (``site_named``) it is that site's cancer.
    """
    morphology, _, behaviour = code.strip().partition("/")
    if behaviour == "2":
        return "in-situ neoplasm, not a candidate primary"
    if site_named:
        return None
    if morphology.isdigit() and int(morphology) in _BASAL_CELL:
        return "basal cell carcinoma (non-melanoma skin cancer), not a candidate primary"
    return None


def histology_from_icdo3(code: str) -> Histology | None:
    """Histology group of an ICD-O-3 morphology code such as ``8140/3``, or None."""
    morphology, _, behaviour = code.strip().partition("/")
    if not (morphology.isascii() and morphology.isdigit()) or behaviour not in ("3", "6"):
        return None
    number = int(morphology)
    for low, high, histology in _MORPHOLOGY_RANGES:
        if low <= number <= high:
            return histology
    return None
