"""Systems, canonicals and profile URLs, and the ``Code`` of one concept.

Part of ``service.fhir.codes`` (see its docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

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
