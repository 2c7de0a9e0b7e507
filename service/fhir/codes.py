"""Every FHIR system, code and canonical the service reads or writes.

What is read: docs/fhir-input.md; what is written: docs/fhir-output.md.

The Python twin of the FSH alias and CodeSystem files in ``profiles/``: a test compares the
``spine-oncology`` codes here with the generated CodeSystem. Standard codes are used only where the
clinical rules (docs/clinical-rules.md §11) or a published artefact verify them; each external code
below carries its verification level (V-IG published IG; V-2 two independent public artefacts; V-1
one artefact, open item O-9). Codes outside these tables are never guessed: an unknown
primary-cancer code is "unclassified".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from service.domain.escc import Grade
from service.domain.findings import StabilityCall
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
    Radiosensitivity,
    SiteProfile,
)
from service.domain.levels import Level, Region, SpinalArea
from service.domain.metastases import Organ, OrganMetastases, VisceralMetastases
from service.domain.neurology import Ambulatory, Frankel
from service.domain.noms import Flag, Plan, Radiation, Stabilization, Surgery
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral
from service.domain.urgency import Tier

# --- Systems and canonicals ------------------------------------------------------------------

CANONICAL: Final = "http://noms-cds.org/fhir"
SPINE_ONCOLOGY: Final = f"{CANONICAL}/CodeSystem/spine-oncology"
RESULT_IDENTIFIER_SYSTEM: Final = f"{CANONICAL}/sid/result"
SNOMED: Final = "http://snomed.info/sct"
LOINC: Final = "http://loinc.org"
ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
ICDO3: Final = "http://terminology.hl7.org/CodeSystem/icd-o-3"
UCUM: Final = "http://unitsofmeasure.org"
DICOM: Final = "http://dicom.nema.org/resources/ontology/DCM"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
DATA_ABSENT_REASON: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
RISK_PROBABILITY: Final = "http://terminology.hl7.org/CodeSystem/risk-probability"
PROVENANCE_PARTICIPANT_TYPE: Final = (
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
)
DATA_OPERATION: Final = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
MCODE_HISTOLOGY_EXTENSION: Final = (
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
)
MCODE_PRIMARY_CANCER_PROFILE: Final = (
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"
)
CONDITION_RELATED_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/condition-related"
# R4 Observation.derivedFrom may only reference these types; other inputs (Conditions,
# Procedures) are cited with the core extension below instead.
DERIVED_FROM_TYPES: Final = frozenset(
    {
        "DocumentReference",
        "ImagingStudy",
        "Media",
        "QuestionnaireResponse",
        "Observation",
        "MolecularSequence",
    }
)
SUPPORTING_INFO_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo"


def profile_url(profile_id: str) -> str:
    """Canonical URL of one of our StructureDefinitions."""
    return f"{CANONICAL}/StructureDefinition/{profile_id}"


# Profiles of the written resources (docs/fhir-output.md).
PROFILE_SINS: Final = profile_url("noms-sins-score")
PROFILE_ESCC: Final = profile_url("noms-escc-category")
PROFILE_RADIOSENSITIVITY: Final = profile_url("noms-radiosensitivity")
PROFILE_TOKUHASHI: Final = profile_url("noms-tokuhashi-revised-score")
PROFILE_TOMITA: Final = profile_url("noms-tomita-score")
PROFILE_BAUER: Final = profile_url("noms-modified-bauer-score")
PROFILE_NESMS: Final = profile_url("noms-nesms-score")
PROFILE_RECOMMENDATION: Final = profile_url("noms-recommendation")
PROFILE_ASSESSMENT: Final = profile_url("noms-assessment")
PROFILE_PROVENANCE: Final = profile_url("noms-provenance")
PROFILE_URGENCY: Final = profile_url("noms-spine-urgency")

# Profiles of the findings a clinician enters in the SMART app (service/fhir/clinician.py): the
# input profiles of profiles/input/fsh/SD_Findings.fsh, and mCODE's for performance status
# (mcode-ecog-performance-status, mcode-karnofsky-performance-status; docs/smart-app.md).
PROFILE_LESION_IMAGING_FINDING: Final = profile_url("noms-lesion-imaging-finding")
PROFILE_LESION_PAIN: Final = profile_url("noms-lesion-pain")
PROFILE_NEUROLOGY_FINDING: Final = profile_url("noms-neurology-finding")
PROFILE_CLINICIAN_JUDGEMENT: Final = profile_url("noms-clinician-judgement")
MCODE_PROFILE_BASE: Final = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
MCODE_ECOG_PROFILE: Final = MCODE_PROFILE_BASE + "mcode-ecog-performance-status"
MCODE_KARNOFSKY_PROFILE: Final = MCODE_PROFILE_BASE + "mcode-karnofsky-performance-status"


@dataclass(frozen=True, slots=True)
class Code:
    """One coded concept."""

    system: str
    code: str
    display: str

    def coding(self) -> dict[str, str]:
        """The FHIR Coding."""
        return {"system": self.system, "code": self.code, "display": self.display}

    def concept(self) -> dict[str, list[dict[str, str]]]:
        """A CodeableConcept holding this one coding."""
        return {"coding": [self.coding()]}


# --- Our CodeSystem: code -> display (definitions live in profiles/input/fsh) ----------------

SPINE_ONCOLOGY_CONCEPTS: Final[dict[str, str]] = {
    # Findings read (docs/fhir-input.md)
    "sins-bone-lesion": "SINS bone lesion quality",
    "sins-alignment": "SINS radiographic spinal alignment",
    "sins-collapse": "SINS vertebral body collapse",
    "sins-posterolateral": "SINS posterolateral involvement",
    "sins-pain": "SINS pain",
    "sins-location": "SINS location",
    "escc-grade": "ESCC grade",
    "prior-radiation": "Prior radiation to the level",
    "myelopathy": "Myelopathy",
    "cauda-equina-syndrome": "Cauda equina syndrome",
    "functional-radiculopathy": "Functional radiculopathy",
    "frankel-grade": "Frankel grade",
    "ambulatory-status": "Ambulatory status",
    "extraspinal-bone-metastases-count": "Number of extraspinal bone metastases",
    "vertebral-metastases-count": "Number of vertebral metastases",
    "major-organ-metastases": "Metastases to the major internal organs",
    "visceral-metastases": "Visceral metastases",
    "surgical-candidate": "Able to tolerate surgery",
    "stability-assessment": "Spine surgeon's stability assessment",
    "sois": "Spine Oncology Imaging Score",
    # Answers
    "pain-mechanical": "Mechanical pain",
    "pain-occasional-non-mechanical": "Occasional non-mechanical pain",
    "pain-free": "Pain-free lesion",
    "lesion-lytic": "Lytic lesion",
    "lesion-mixed": "Mixed lytic/blastic lesion",
    "lesion-blastic": "Blastic lesion",
    "alignment-subluxation-translation": "Subluxation or translation",
    "alignment-de-novo-deformity": "De novo deformity",
    "alignment-normal": "Normal alignment",
    "collapse-50-or-more": "Collapse of 50 % or more",
    "collapse-less-than-50": "Collapse under 50 %",
    "collapse-none-body-over-50": "No collapse, over 50 % of body involved",
    "collapse-none": "No collapse",
    "posterolateral-bilateral": "Bilateral posterolateral involvement",
    "posterolateral-unilateral": "Unilateral posterolateral involvement",
    "posterolateral-none": "No posterolateral involvement",
    "escc-0": "ESCC grade 0",
    "escc-1a": "ESCC grade 1a",
    "escc-1b": "ESCC grade 1b",
    "escc-1c": "ESCC grade 1c",
    "escc-2": "ESCC grade 2",
    "escc-3": "ESCC grade 3",
    "frankel-a": "Frankel A",
    "frankel-b": "Frankel B",
    "frankel-c": "Frankel C",
    "frankel-d": "Frankel D",
    "frankel-e": "Frankel E",
    "ambulatory-independent": "Independently ambulatory",
    "ambulatory-assisted": "Ambulatory with assistance",
    "non-ambulatory": "Non-ambulatory",
    "organ-mets-none": "No major organ metastases",
    "organ-mets-removable": "Removable major organ metastases",
    "organ-mets-unremovable": "Unremovable major organ metastases",
    "visceral-none": "No visceral metastases",
    "visceral-treatable": "Treatable visceral metastases",
    "visceral-untreatable": "Untreatable visceral metastases",
    "stable": "Stable",
    "unstable": "Unstable",
    # Results (docs/fhir-output.md)
    "sins-score": "SINS total score",
    "sins-stable": "SINS stable (0-6)",
    "sins-potentially-unstable": "SINS potentially unstable (7-12)",
    "sins-unstable": "SINS unstable (13-18)",
    "escc-category": "ESCC category",
    "escc-low-grade": "Low-grade ESCC (0-1c)",
    "escc-high-grade": "High-grade ESCC (2-3)",
    "radiosensitivity": "Radiosensitivity to conventional radiotherapy",
    "radiosensitive-hematologic": "Radiosensitive, haematological",
    "radiosensitive-solid": "Radiosensitive, solid tumour",
    "radioresistant": "Radioresistant",
    "histology-unknown": "Histology unknown",
    "histology-unclassified": "Histology unclassified",
    "tokuhashi-revised-score": "Revised Tokuhashi score",
    "survival-lt-6-months": "Predicted survival under 6 months",
    "survival-6-months-or-more": "Predicted survival 6 months or more",
    "survival-12-months-or-more": "Predicted survival 12 months or more",
    "tomita-score": "Tomita score",
    "tomita-long-term-control": "Tomita long-term local control (2-3)",
    "tomita-middle-term-control": "Tomita middle-term local control (4-5)",
    "tomita-short-term-palliation": "Tomita short-term palliation (6-7)",
    "tomita-terminal-care": "Tomita terminal care (8-10)",
    "modified-bauer-score": "Modified Bauer score",
    "nesms-score": "NESMS",
    "noms-recommendation": "NOMS recommendation",
    "noms-radiation": "NOMS radiation",
    "cebrt": "cEBRT",
    "srs": "SRS",
    "srs-reirradiation": "SRS re-irradiation",
    "radiation-undetermined": "Radiation undetermined",
    "noms-surgery": "NOMS surgery",
    "surgery-none": "No decompressive surgery",
    "separation-surgery": "Separation surgery",
    "urgent-decompression": "Urgent decompression",
    "surgery-undetermined": "Surgery undetermined",
    "noms-stabilization": "NOMS stabilization",
    "stabilization-none": "No stabilization",
    "stabilization-required": "Stabilization required",
    "stabilization-surgical-consultation": "Surgical consultation for stability",
    "stabilization-undetermined": "Stabilization undetermined",
    "noms-rule": "NOMS rule applied",
    "noms-flag": "NOMS flag",
    "noms-missing": "NOMS missing input",
    "noms-assessment": "NOMS assessment",
    "neurologic-deterioration": "Neurologic deterioration",
    "mechanical-failure": "Mechanical failure",
    "plan-cebrt": "Conventional external beam radiotherapy",
    "plan-srs": "Stereotactic radiosurgery",
    "plan-stabilization-then-cebrt": "Stabilization, then cEBRT",
    "plan-stabilization-then-srs": "Stabilization, then SRS",
    "plan-separation-surgery-then-srs": "Separation surgery, then SRS",
    "plan-urgent-decompression-then-radiation": "Urgent decompression, then radiation",
    "plan-needs-clinician-input": "Needs clinician input",
    "plan-out-of-scope": "Out of scope of NOMS",
    "flag-escc-1c": "ESCC 1c: management debated",
    "flag-sins-indeterminate": "SINS indeterminate: surgical consultation",
    "flag-consider-upfront-surgery": "Consider upfront surgery",
    "flag-hypofractionated-srs-option": "Hypofractionated SRS is an option",
    "flag-reirradiation": "Re-irradiation",
    "flag-obtain-tissue-diagnosis": "Obtain a tissue diagnosis",
    "flag-conflicting-data": "Conflicting data",
    "flag-preliminary-data": "Preliminary data",
    "flag-myelopathy-unexplained": "Myelopathy not explained by this level",
    "flag-confirm-surgical-candidacy": "Confirm surgical candidacy",
    "flag-prior-radiation-adjacent": "Prior radiation at an adjacent level",
    # Urgency (docs/clinical-rules.md §15.2)
    "spine-urgency": "Spine urgency",
    "urgency-emergent": "Emergent",
    "urgency-urgent": "Urgent",
    "urgency-routine": "Routine",
    "urgency-none": "None",
    "urgency-undetermined": "Undetermined",
    "urgency-at-least": "Urgency at least",
    "urgency-at-most": "Urgency at most",
    "urgency-reason": "Urgency reason",
    # Item codes added to the contract (docs/fhir-output.md)
    "tokuhashi-general-condition": "Tokuhashi general condition",
    "tokuhashi-extraspinal-bone-metastases": "Tokuhashi extraspinal bone metastases",
    "tokuhashi-vertebral-metastases": "Tokuhashi vertebral metastases",
    "tokuhashi-major-organ-metastases": "Tokuhashi major organ metastases",
    "tokuhashi-primary-site": "Tokuhashi primary site",
    "tokuhashi-palsy": "Tokuhashi palsy",
    "tomita-primary-growth": "Tomita primary tumour growth",
    "tomita-visceral-metastases": "Tomita visceral metastases",
    "tomita-bone-metastases": "Tomita bone metastases",
    "bauer-no-visceral-metastases": "Bauer: no visceral metastases",
    "bauer-not-lung-primary": "Bauer: primary not lung cancer",
    "bauer-favourable-primary": "Bauer: favourable primary",
    "bauer-solitary-skeletal-metastasis": "Bauer: solitary skeletal metastasis",
    "nesms-modified-bauer": "NESMS modified Bauer item",
    "nesms-ambulatory": "NESMS ambulatory item",
    "nesms-albumin": "NESMS albumin item",
}


def so(code: str) -> Code:
    """A code of our CodeSystem; a typo fails loudly instead of writing an unknown code."""
    return Code(SPINE_ONCOLOGY, code, SPINE_ONCOLOGY_CONCEPTS[code])


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

# --- Orders the CDS order hooks react to, and what the cards propose (docs/cds-hooks.md) -----
# ServiceRequests in a hook's draftOrders are recognized by code; each code names the spinal
# regions it covers (an empty tuple: the whole spine). Verification as above; every source is
# listed in docs/cds-hooks.md ("Codes the order service recognizes").

CPT: Final = "http://www.ama-assn.org/go/cpt"  # as the CDS Hooks sandbox sends it
REQUEST_PRIORITY: Final = "http://hl7.org/fhir/request-priority"  # FHIR R4 core (required)
CDS_OVERRIDE_REASON: Final = "http://cds-hooks.hl7.org/CodeSystem/non-adherence-reason"

_C, _T, _L, _S = Region.CERVICAL, Region.THORACIC, Region.LUMBAR, Region.SACRAL

# Spine MR and CT. LOINC: V-2, the LOINC/RSNA playbook names in the HL7 FHIR DSTU2 value set
# c80-doc-typecodes and in Microsoft's Radiology Insights procedure list. CPT: V-2, the CDS Hooks
# sandbox's PAMA imaging codes (cds-hooks/sandbox src/assets/pama-procedure-codes.json) and
# public billing lists. SNOMED CT: V-IG, the Belgian eHealth eReferral IG value set
# be-vs-diagnostic-imaging-procedure.
SPINE_IMAGING_ORDERS: Final[dict[tuple[str, str], tuple[Region, ...]]] = {
    **{
        (LOINC, code): regions
        for regions, codes_ in (
            ((_C,), ("24932-6", "24933-4", "24934-2", "24935-9", "24936-7", "24937-5", "24938-3")),
            ((_T,), ("24978-9", "24979-7", "24980-5", "24981-3", "24982-1")),
            ((_L,), ("24963-1", "24964-9", "24965-6", "24967-2", "24968-0", "24977-1")),
            ((), ("24987-0",)),  # CT Spine W contrast IV
        )
        for code in codes_
    },
    **{
        (CPT, code): regions
        for regions, codes_ in (
            ((_C,), ("72125", "72126", "72127", "72141", "72142", "72156")),
            ((_T,), ("72128", "72129", "72130", "72146", "72147", "72157")),
            ((_L,), ("72131", "72132", "72133", "72148", "72149", "72158")),
        )
        for code in codes_
    },
    **{
        (SNOMED, code): regions
        for regions, codes_ in (
            ((_C,), ("762008", "572061000119104", "60443006", "571891000119109", "241590005")),
            ((_T,), ("113105001", "572081000119108", "91333005", "396171000119100", "241591009")),
            ((_L,), ("90523008", "572091000119106", "41333006", "394451000119106", "241592002")),
            ((_S,), ("430452007", "241581003", "388321000119101", "709527009")),
            ((_L, _S), ("723646000", "711224009", "433141005", "433140006", "709698004")),
            ((_L, _S), ("702523007", "726546000", "709653005")),
            ((_T, _L), ("702488002", "702487007", "411571000119106", "448641007")),
            ((_C, _T, _L), ("495741000119105", "411611000119102")),
            ((), ("241577003", "429859008", "429875006", "241589001", "241645008", "431985004")),
            ((), ("713206003",)),  # MR myelography
        )
        for code in codes_
    },
}
# Radiotherapy: the radiotherapy procedures the extraction already reads (above).
RADIOTHERAPY_ORDERS: Final = frozenset((SNOMED, code) for code in RADIOTHERAPY_PROCEDURES)
# Spine surgery (CPT, the whole spine: the bodySite narrows it). V-1: the spinal surgery codes of
# QualChoice's spine surgery policy (excision of vertebral lesions, corpectomy, arthrodesis,
# laminectomy with decompression); 22100-22114 and 63047 also V-2 (other public listings).
SPINE_SURGERY_ORDERS: Final = frozenset(
    (CPT, code)
    for code in (
        *("22100", "22101", "22102", "22110", "22112", "22114"),
        *("22206", "22207", "22210", "22212", "22214", "22220", "22222", "22224"),
        *("22532", "22533", "22554", "22556", "22558", "22600", "22610", "22612"),
        *("22630", "22633", "63003", "63005", "63012", "63016", "63017", "63020"),
        *("63030", "63040", "63042", "63045", "63046", "63047", "63055", "63056"),
        *("63064", "63075", "63077", "63081", "63085", "63087", "63090", "63101", "63102"),
        *("63300", "63301", "63302", "63303", "63304", "63305", "63306", "63307"),
    )
)
# ServiceRequest.category (FHIR R4 core value set servicerequest-category, V-IG): an imaging or
# surgical order whose bodySite names a vertebra is a spine order even when its code is unknown.
CATEGORY_IMAGING: Final = Code(SNOMED, "363679005", "Imaging")
CATEGORY_SURGICAL: Final = Code(SNOMED, "387713003", "Surgical procedure")

# What a card proposes: a referral (SNOMED CT 3457005, V-2: FHIR core Provenance example and
# the Dutch BgZ referral profile), its performer in words and its reason by reference.
PATIENT_REFERRAL: Final = Code(SNOMED, "3457005", "Patient referral")

# Why a clinician may set a card aside: the override reasons of the CDS Hooks specification's
# own CodeSystem (HL7/cds-hooks input/vocabulary/CodeSystem-non-adherence-reason.json,
# trial use, from the AHRQ CDSiC override taxonomy; V-IG).
OVERRIDE_REASONS: Final[tuple[Code, ...]] = tuple(
    Code(CDS_OVERRIDE_REASON, code, display)
    for code, display in (
        ("action-completed", "Recommended action was already completed"),
        (
            "need-more-info",
            "Could not address recommended action due to need for more information/pending "
            "results/pending consult",
        ),
        ("expert-contradicts", "Advice from expert contradicts the recommended action"),
        ("risk-benefit-ratio", "Recipient assessment of risk/benefit ratio"),
        (
            "does-not-align-preferences",
            "Recommendation does not align with patient preferences or values",
        ),
    )
)
