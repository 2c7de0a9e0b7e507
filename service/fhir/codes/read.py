"""Codes read: answers to domain values, standard codes, body sites, conditions, radiotherapy
(docs/fhir-input.md).

Part of ``service.fhir.codes`` (see its docstring).
"""

from __future__ import annotations

from typing import Final

from service.domain.escc import Grade
from service.domain.findings import StabilityCall
from service.domain.levels import Level, SpinalArea
from service.domain.metastases import Organ, OrganMetastases, VisceralMetastases
from service.domain.neurology import Ambulatory, Frankel
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral
from service.fhir.codes.systems import ICD10, ICD10CM, SNOMED, Code

# --- Answer codes read -> domain values -----------------------------------------------------

PAIN: Final = {
    "pain-mechanical": Pain.MECHANICAL,
    "pain-occasional-non-mechanical": Pain.OCCASIONAL_NON_MECHANICAL,
    "pain-free": Pain.PAIN_FREE,
}
BONE_LESION: Final = {
    "lesion-lytic": BoneLesion.LYTIC,
    "lesion-mixed": BoneLesion.MIXED,
    "lesion-blastic": BoneLesion.BLASTIC,
}
ALIGNMENT: Final = {
    "alignment-subluxation-translation": Alignment.SUBLUXATION_TRANSLATION,
    "alignment-de-novo-deformity": Alignment.DE_NOVO_DEFORMITY,
    "alignment-normal": Alignment.NORMAL,
}
COLLAPSE: Final = {
    "collapse-50-or-more": Collapse.AT_LEAST_50,
    "collapse-less-than-50": Collapse.LESS_THAN_50,
    "collapse-none-body-over-50": Collapse.NONE_BODY_OVER_50,
    "collapse-none": Collapse.NONE,
}
POSTEROLATERAL: Final = {
    "posterolateral-bilateral": Posterolateral.BILATERAL,
    "posterolateral-unilateral": Posterolateral.UNILATERAL,
    "posterolateral-none": Posterolateral.NONE,
}
ESCC_GRADE: Final = {
    "escc-0": Grade.G0,
    "escc-1a": Grade.G1A,
    "escc-1b": Grade.G1B,
    "escc-1c": Grade.G1C,
    "escc-2": Grade.G2,
    "escc-3": Grade.G3,
}
FRANKEL: Final = {f"frankel-{g.value.lower()}": g for g in Frankel}
AMBULATORY: Final = {
    "ambulatory-independent": Ambulatory.INDEPENDENT,
    "ambulatory-assisted": Ambulatory.ASSISTED,
    "non-ambulatory": Ambulatory.NON_AMBULATORY,
}
ORGAN_METASTASES: Final = {
    "organ-mets-none": OrganMetastases.NONE,
    "organ-mets-removable": OrganMetastases.REMOVABLE,
    "organ-mets-unremovable": OrganMetastases.UNREMOVABLE,
}
VISCERAL_METASTASES: Final = {
    "visceral-none": VisceralMetastases.NONE,
    "visceral-treatable": VisceralMetastases.TREATABLE,
    "visceral-untreatable": VisceralMetastases.UNTREATABLE,
}
STABILITY: Final = {"stable": StabilityCall.STABLE, "unstable": StabilityCall.UNSTABLE}

# Coded findings (Observation.code in our CodeSystem) whose value is one of the answer lists.
LESION_IMAGING_FINDINGS: Final = {
    "sins-bone-lesion": BONE_LESION,
    "sins-alignment": ALIGNMENT,
    "sins-collapse": COLLAPSE,
    "sins-posterolateral": POSTEROLATERAL,
    "escc-grade": ESCC_GRADE,
}

# --- Standard codes read ----------------------------------------------------------------------

LOINC_ECOG: Final = "89247-1"  # V-IG mCODE
LOINC_KARNOFSKY: Final = "89243-0"  # V-IG mCODE (a public sample mislabels it as ECOG)
LOINC_ASIA: Final = "97843-7"  # V-1: accepted, never emitted
LOINC_ALBUMIN: Final = frozenset({"1751-7", "61151-7", "61152-5"})
ECOG_ANSWERS: Final = {  # V-IG LOINC answer list LL529-9
    "LA9622-7": 0,
    "LA9623-5": 1,
    "LA9624-3": 2,
    "LA9625-0": 3,
    "LA9626-8": 4,
}
KARNOFSKY_ANSWERS: Final = {  # V-IG LOINC answer list LL4986-7
    "LA29175-9": 100,
    "LA29176-7": 90,
    "LA29177-5": 80,
    "LA29178-3": 70,
    "LA29179-1": 60,
    "LA29180-9": 50,
    "LA29181-7": 40,
    "LA29182-5": 30,
    "LA29183-3": 20,
    "LA29184-1": 10,
    "LA9627-6": 0,
}
ALBUMIN_UNITS_TO_G_PER_DL: Final = {"g/dL": 1.0, "g/L": 0.1}

# Vertebral body structures C1–S5 (docs/clinical-rules.md §11.3, V-IG eHDSI body site value set).
VERTEBRA: Final[dict[Level, Code]] = {
    level: Code(SNOMED, code, display)
    for level, code, display in (
        (Level.C1, "14806007", "Bone structure of atlas"),
        (Level.C2, "39976000", "Bone structure of axis"),
        (Level.C3, "91116008", "Structure of body of third cervical vertebra"),
        (Level.C4, "14705001", "Structure of body of fourth cervical vertebra"),
        (Level.C5, "67479001", "Structure of body of fifth cervical vertebra"),
        (Level.C6, "88298007", "Structure of body of sixth cervical vertebra"),
        (Level.C7, "16126006", "Structure of body of seventh cervical vertebra"),
        (Level.T1, "56094003", "Structure of body of first thoracic vertebra"),
        (Level.T2, "50060007", "Structure of body of second thoracic vertebra"),
        (Level.T3, "73138009", "Structure of body of third thoracic vertebra"),
        (Level.T4, "86197001", "Structure of body of fourth thoracic vertebra"),
        (Level.T5, "6105006", "Structure of body of fifth thoracic vertebra"),
        (Level.T6, "32430008", "Structure of body of sixth thoracic vertebra"),
        (Level.T7, "71737002", "Structure of body of seventh thoracic vertebra"),
        (Level.T8, "77435000", "Structure of body of eighth thoracic vertebra"),
        (Level.T9, "33766003", "Structure of body of ninth thoracic vertebra"),
        (Level.T10, "48405002", "Structure of body of tenth thoracic vertebra"),
        (Level.T11, "52120002", "Structure of body of eleventh thoracic vertebra"),
        (Level.T12, "280849005", "Entire body of twelfth thoracic vertebra"),
        (Level.L1, "61032001", "Structure of body of first lumbar vertebra"),
        (Level.L2, "53983007", "Structure of body of second lumbar vertebra"),
        (Level.L3, "55492004", "Structure of body of third lumbar vertebra"),
        (Level.L4, "71996003", "Structure of body of fourth lumbar vertebra"),
        (Level.L5, "21799000", "Structure of body of fifth lumbar vertebra"),
        (Level.S1, "65985001", "Structure of first sacral vertebra"),
        (Level.S2, "11808007", "Structure of second sacral vertebra"),
        (Level.S3, "49967005", "Structure of third sacral vertebra"),
        (Level.S4, "69950008", "Structure of fourth sacral vertebra"),
        (Level.S5, "21452006", "Structure of fifth sacral vertebra"),
        # Groupers of the same value set: a sacral lesion without its segment, and the coccyx
        # (docs/clinical-rules.md §15.10; displays as in DICOM CID 4).
        (Level.SACRUM, "54735007", "Sacrum"),
        (Level.COCCYX, "64688005", "Coccyx"),
    )
}
LEVEL_BY_SNOMED: Final = {code.code: level for level, code in VERTEBRA.items()}
# Spinal areas named by grouper body sites (V-IG, same eHDSI value set, docs/clinical-rules.md
# §11.3): a radiotherapy course coded to one covers every level of it (§15.9); a metastasis coded
# to one is spinal disease whose level is not given (§15.2). The sacrum (54735007) is the level
# "sacrum, segment not given", which covers every sacral segment. Body, pedicle and lamina of a
# vertebra without the level name one vertebra that may be any.
SPINAL_AREA_BY_SNOMED: Final = {
    "421060004": SpinalArea.VERTEBRAL_COLUMN,  # Structure of vertebral column
    "84667006": SpinalArea.CERVICAL,  # Bone structure of cervical vertebra
    "35769007": SpinalArea.THORACIC,  # Bone structure of thoracic vertebra
    "73903008": SpinalArea.LUMBAR,  # Bone structure of lumbar vertebra
    "1145011002": SpinalArea.CERVICOTHORACIC,  # Cervicothoracic junction of vertebral column
    "1145014005": SpinalArea.THORACOLUMBAR,  # Thoracolumbar junction of vertebral column
    "1145012009": SpinalArea.LUMBOSACRAL,  # Lumbosacral junction of vertebral column
    "3572006": SpinalArea.VERTEBRA,  # Vertebral body
    "78972004": SpinalArea.VERTEBRA,  # Pedicle of vertebra
    "89340005": SpinalArea.VERTEBRA,  # Lamina of vertebra
}
# Spinal cord structures (SCT 2748008 is [U] in the contract; regions V-IG mCODE TG-263 map).
SPINAL_CORD_SITES: Final = frozenset({"2748008", "54785003", "50800009", "60051002"})
# Organ body structures (V-2: DICOM CID 4 and FHIR examples).
ORGAN_BY_SNOMED: Final = {
    "12738006": Organ.BRAIN,
    "39607008": Organ.LUNG,
    "10200004": Organ.LIVER,
    "23451007": Organ.ADRENAL,
    "64033007": Organ.KIDNEY,
}

# Metastases (docs/fhir-input.md).
SCT_SECONDARY_MALIGNANT: Final = "128462008"  # V-IG mCODE
SCT_SECONDARY_BONE: Final = "94222008"  # V-1
SCT_SECONDARY_VERTEBRAL_COLUMN: Final = "94602001"  # V-1
SPINAL_METASTASIS_SNOMED: Final = frozenset(
    {SCT_SECONDARY_MALIGNANT, SCT_SECONDARY_BONE, SCT_SECONDARY_VERTEBRAL_COLUMN}
)
SECONDARY_ORGAN_SNOMED: Final = {"94225005": Organ.BRAIN}  # V-IG mCODE example
# ICD-10-CM, ICD-10; C7B.03 secondary carcinoid of bone (docs/clinical-rules.md §15.6).
ICD_SECONDARY_BONE: Final = frozenset({"C79.51", "C79.5", "C7B.03"})
ICD_INTRAMEDULLARY: Final = "C79.49"  # ICD-10-CM, with a spinal-cord bodySite
# ICD-10-CM secondary malignant neoplasm of cerebral meninges: leptomeningeal disease
# (docs/clinical-rules.md §15.11). C79.49 with a spinal-meninges body site would be too, but no
# SNOMED CT code for the spinal meninges is verified (O-9), so none is accepted.
ICD_LEPTOMENINGEAL: Final = "C79.32"

# Neurology and compression conditions.
# V-2; docs/clinical-rules.md §11
CORD_COMPRESSION: Final = frozenset({(SNOMED, "71286001"), (ICD10CM, "G95.20"), (ICD10, "G95.2")})
CAUDA_EQUINA_SYNDROME: Final = frozenset(
    {(SNOMED, "192970008"), (ICD10, "G83.4"), (ICD10CM, "G83.4")}
)
MYELOPATHY_CONDITION: Final = frozenset({(ICD10, "G99.2"), (ICD10CM, "G99.2")})

# Radiotherapy procedures (V-IG mCODE course summary; V-1 the others, from public mCODE tooling
# and Synthea data).
RADIOTHERAPY_PROCEDURES: Final = frozenset(
    {
        "1217123003",  # Radiotherapy course of treatment (mCODE)
        "108290001",  # Radiation oncology AND/OR radiotherapy
        "33195004",  # Teleradiotherapy procedure
        "703423002",  # Combined chemotherapy and radiation therapy
    }
)
