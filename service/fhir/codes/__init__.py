"""Every FHIR system, code and canonical the service reads or writes.

What is read: docs/fhir-input.md; what is written: docs/fhir-output.md.

The Python twin of the FSH alias and CodeSystem files in ``profiles/``: a test compares the
``spine-oncology`` codes here with the generated CodeSystem. Standard codes are used only where the
clinical rules (docs/clinical-rules.md §11) or a published artefact verify them; each external code
below carries its verification level (V-IG published IG; V-2 two independent public artefacts; V-1
one artefact, open item O-9). Codes outside these tables are never guessed: an unknown
primary-cancer code is "unclassified".
"""

from service.fhir.codes.concepts import (
    SPINE_ONCOLOGY_CONCEPTS as SPINE_ONCOLOGY_CONCEPTS,
)
from service.fhir.codes.concepts import (
    so as so,
)
from service.fhir.codes.orders import (
    CATEGORY_IMAGING as CATEGORY_IMAGING,
)
from service.fhir.codes.orders import (
    CATEGORY_SURGICAL as CATEGORY_SURGICAL,
)
from service.fhir.codes.orders import (
    CDS_OVERRIDE_REASON as CDS_OVERRIDE_REASON,
)
from service.fhir.codes.orders import (
    CPT as CPT,
)
from service.fhir.codes.orders import (
    OVERRIDE_REASONS as OVERRIDE_REASONS,
)
from service.fhir.codes.orders import (
    PATIENT_REFERRAL as PATIENT_REFERRAL,
)
from service.fhir.codes.orders import (
    RADIOTHERAPY_ORDERS as RADIOTHERAPY_ORDERS,
)
from service.fhir.codes.orders import (
    REQUEST_PRIORITY as REQUEST_PRIORITY,
)
from service.fhir.codes.orders import (
    SPINE_IMAGING_ORDERS as SPINE_IMAGING_ORDERS,
)
from service.fhir.codes.orders import (
    SPINE_SURGERY_ORDERS as SPINE_SURGERY_ORDERS,
)
from service.fhir.codes.primaries import (
    PRIMARY_SNOMED as PRIMARY_SNOMED,
)
from service.fhir.codes.primaries import (
    PrimaryCode as PrimaryCode,
)
from service.fhir.codes.primaries import (
    histology_from_icdo3 as histology_from_icdo3,
)
from service.fhir.codes.primaries import (
    is_primary_malignant_icd as is_primary_malignant_icd,
)
from service.fhir.codes.primaries import (
    not_candidate_morphology as not_candidate_morphology,
)
from service.fhir.codes.primaries import (
    not_candidate_primary_icd as not_candidate_primary_icd,
)
from service.fhir.codes.primaries import (
    primary_from_icd as primary_from_icd,
)
from service.fhir.codes.read import (
    ALBUMIN_UNITS_TO_G_PER_DL as ALBUMIN_UNITS_TO_G_PER_DL,
)
from service.fhir.codes.read import (
    ALIGNMENT as ALIGNMENT,
)
from service.fhir.codes.read import (
    AMBULATORY as AMBULATORY,
)
from service.fhir.codes.read import (
    BONE_LESION as BONE_LESION,
)
from service.fhir.codes.read import (
    CAUDA_EQUINA_SYNDROME as CAUDA_EQUINA_SYNDROME,
)
from service.fhir.codes.read import (
    COLLAPSE as COLLAPSE,
)
from service.fhir.codes.read import (
    CORD_COMPRESSION as CORD_COMPRESSION,
)
from service.fhir.codes.read import (
    ECOG_ANSWERS as ECOG_ANSWERS,
)
from service.fhir.codes.read import (
    ESCC_GRADE as ESCC_GRADE,
)
from service.fhir.codes.read import (
    FRANKEL as FRANKEL,
)
from service.fhir.codes.read import (
    ICD_INTRAMEDULLARY as ICD_INTRAMEDULLARY,
)
from service.fhir.codes.read import (
    ICD_LEPTOMENINGEAL as ICD_LEPTOMENINGEAL,
)
from service.fhir.codes.read import (
    ICD_SECONDARY_BONE as ICD_SECONDARY_BONE,
)
from service.fhir.codes.read import (
    KARNOFSKY_ANSWERS as KARNOFSKY_ANSWERS,
)
from service.fhir.codes.read import (
    LESION_IMAGING_FINDINGS as LESION_IMAGING_FINDINGS,
)
from service.fhir.codes.read import (
    LEVEL_BY_SNOMED as LEVEL_BY_SNOMED,
)
from service.fhir.codes.read import (
    LOINC_ALBUMIN as LOINC_ALBUMIN,
)
from service.fhir.codes.read import (
    LOINC_ASIA as LOINC_ASIA,
)
from service.fhir.codes.read import (
    LOINC_ECOG as LOINC_ECOG,
)
from service.fhir.codes.read import (
    LOINC_KARNOFSKY as LOINC_KARNOFSKY,
)
from service.fhir.codes.read import (
    MYELOPATHY_CONDITION as MYELOPATHY_CONDITION,
)
from service.fhir.codes.read import (
    ORGAN_BY_SNOMED as ORGAN_BY_SNOMED,
)
from service.fhir.codes.read import (
    ORGAN_METASTASES as ORGAN_METASTASES,
)
from service.fhir.codes.read import (
    PAIN as PAIN,
)
from service.fhir.codes.read import (
    POSTEROLATERAL as POSTEROLATERAL,
)
from service.fhir.codes.read import (
    RADIOTHERAPY_PROCEDURES as RADIOTHERAPY_PROCEDURES,
)
from service.fhir.codes.read import (
    SCT_SECONDARY_BONE as SCT_SECONDARY_BONE,
)
from service.fhir.codes.read import (
    SCT_SECONDARY_MALIGNANT as SCT_SECONDARY_MALIGNANT,
)
from service.fhir.codes.read import (
    SCT_SECONDARY_VERTEBRAL_COLUMN as SCT_SECONDARY_VERTEBRAL_COLUMN,
)
from service.fhir.codes.read import (
    SECONDARY_ORGAN_SNOMED as SECONDARY_ORGAN_SNOMED,
)
from service.fhir.codes.read import (
    SPINAL_AREA_BY_SNOMED as SPINAL_AREA_BY_SNOMED,
)
from service.fhir.codes.read import (
    SPINAL_CORD_SITES as SPINAL_CORD_SITES,
)
from service.fhir.codes.read import (
    SPINAL_METASTASIS_SNOMED as SPINAL_METASTASIS_SNOMED,
)
from service.fhir.codes.read import (
    STABILITY as STABILITY,
)
from service.fhir.codes.read import (
    VERTEBRA as VERTEBRA,
)
from service.fhir.codes.read import (
    VISCERAL_METASTASES as VISCERAL_METASTASES,
)
from service.fhir.codes.systems import (
    CANONICAL as CANONICAL,
)
from service.fhir.codes.systems import (
    CONDITION_CLINICAL as CONDITION_CLINICAL,
)
from service.fhir.codes.systems import (
    CONDITION_RELATED_EXTENSION as CONDITION_RELATED_EXTENSION,
)
from service.fhir.codes.systems import (
    CONDITION_VERIFICATION as CONDITION_VERIFICATION,
)
from service.fhir.codes.systems import (
    DATA_ABSENT_REASON as DATA_ABSENT_REASON,
)
from service.fhir.codes.systems import (
    DATA_OPERATION as DATA_OPERATION,
)
from service.fhir.codes.systems import (
    DERIVED_FROM_TYPES as DERIVED_FROM_TYPES,
)
from service.fhir.codes.systems import (
    DICOM as DICOM,
)
from service.fhir.codes.systems import (
    ICD10 as ICD10,
)
from service.fhir.codes.systems import (
    ICD10CM as ICD10CM,
)
from service.fhir.codes.systems import (
    ICDO3 as ICDO3,
)
from service.fhir.codes.systems import (
    LOINC as LOINC,
)
from service.fhir.codes.systems import (
    MCODE_ECOG_PROFILE as MCODE_ECOG_PROFILE,
)
from service.fhir.codes.systems import (
    MCODE_HISTOLOGY_EXTENSION as MCODE_HISTOLOGY_EXTENSION,
)
from service.fhir.codes.systems import (
    MCODE_KARNOFSKY_PROFILE as MCODE_KARNOFSKY_PROFILE,
)
from service.fhir.codes.systems import (
    MCODE_PRIMARY_CANCER_PROFILE as MCODE_PRIMARY_CANCER_PROFILE,
)
from service.fhir.codes.systems import (
    MCODE_PROFILE_BASE as MCODE_PROFILE_BASE,
)
from service.fhir.codes.systems import (
    OBSERVATION_CATEGORY as OBSERVATION_CATEGORY,
)
from service.fhir.codes.systems import (
    PROFILE_ASSESSMENT as PROFILE_ASSESSMENT,
)
from service.fhir.codes.systems import (
    PROFILE_BAUER as PROFILE_BAUER,
)
from service.fhir.codes.systems import (
    PROFILE_CLINICIAN_JUDGEMENT as PROFILE_CLINICIAN_JUDGEMENT,
)
from service.fhir.codes.systems import (
    PROFILE_ESCC as PROFILE_ESCC,
)
from service.fhir.codes.systems import (
    PROFILE_LESION_IMAGING_FINDING as PROFILE_LESION_IMAGING_FINDING,
)
from service.fhir.codes.systems import (
    PROFILE_LESION_PAIN as PROFILE_LESION_PAIN,
)
from service.fhir.codes.systems import (
    PROFILE_NESMS as PROFILE_NESMS,
)
from service.fhir.codes.systems import (
    PROFILE_NEUROLOGY_FINDING as PROFILE_NEUROLOGY_FINDING,
)
from service.fhir.codes.systems import (
    PROFILE_PROVENANCE as PROFILE_PROVENANCE,
)
from service.fhir.codes.systems import (
    PROFILE_RADIOSENSITIVITY as PROFILE_RADIOSENSITIVITY,
)
from service.fhir.codes.systems import (
    PROFILE_RECOMMENDATION as PROFILE_RECOMMENDATION,
)
from service.fhir.codes.systems import (
    PROFILE_SINS as PROFILE_SINS,
)
from service.fhir.codes.systems import (
    PROFILE_TOKUHASHI as PROFILE_TOKUHASHI,
)
from service.fhir.codes.systems import (
    PROFILE_TOMITA as PROFILE_TOMITA,
)
from service.fhir.codes.systems import (
    PROFILE_URGENCY as PROFILE_URGENCY,
)
from service.fhir.codes.systems import (
    PROVENANCE_PARTICIPANT_TYPE as PROVENANCE_PARTICIPANT_TYPE,
)
from service.fhir.codes.systems import (
    RESULT_IDENTIFIER_SYSTEM as RESULT_IDENTIFIER_SYSTEM,
)
from service.fhir.codes.systems import (
    RISK_PROBABILITY as RISK_PROBABILITY,
)
from service.fhir.codes.systems import (
    SNOMED as SNOMED,
)
from service.fhir.codes.systems import (
    SPINE_ONCOLOGY as SPINE_ONCOLOGY,
)
from service.fhir.codes.systems import (
    SUPPORTING_INFO_EXTENSION as SUPPORTING_INFO_EXTENSION,
)
from service.fhir.codes.systems import (
    UCUM as UCUM,
)
from service.fhir.codes.systems import (
    Code as Code,
)
from service.fhir.codes.systems import (
    profile_url as profile_url,
)
from service.fhir.codes.written import (
    DATA_ABSENT_UNKNOWN as DATA_ABSENT_UNKNOWN,
)
from service.fhir.codes.written import (
    ECOG_CODE as ECOG_CODE,
)
from service.fhir.codes.written import (
    ESCC_GRADE_CODE as ESCC_GRADE_CODE,
)
from service.fhir.codes.written import (
    EXAM_CATEGORY as EXAM_CATEGORY,
)
from service.fhir.codes.written import (
    FLAG as FLAG,
)
from service.fhir.codes.written import (
    IMAGING_CATEGORY as IMAGING_CATEGORY,
)
from service.fhir.codes.written import (
    KARNOFSKY_CODE as KARNOFSKY_CODE,
)
from service.fhir.codes.written import (
    PLAN as PLAN,
)
from service.fhir.codes.written import (
    RADIATION as RADIATION,
)
from service.fhir.codes.written import (
    RADIOSENSITIVITY as RADIOSENSITIVITY,
)
from service.fhir.codes.written import (
    SCORE_ITEMS as SCORE_ITEMS,
)
from service.fhir.codes.written import (
    SINS_BAND as SINS_BAND,
)
from service.fhir.codes.written import (
    STABILIZATION as STABILIZATION,
)
from service.fhir.codes.written import (
    SURGERY as SURGERY,
)
from service.fhir.codes.written import (
    SURVEY_CATEGORY as SURVEY_CATEGORY,
)
from service.fhir.codes.written import (
    URGENCY_TIER as URGENCY_TIER,
)
