// The NOMS assessment (RiskAssessment) and the Provenance of every write (docs/fhir-output.md).
// No US Core or mCODE profile exists for RiskAssessment; mCODE models cancer risk assessments as
// Observations, but a per-level pair of qualitative risks with a mitigation is what
// RiskAssessment is for. Provenance follows FHIR R4's guidance for system-generated resources.

Profile: NomsAssessment
Parent: RiskAssessment
Id: noms-assessment
Title: "NOMS Assessment Profile"
Description: "Per-level NOMS assessment: exactly two predictions, neurologic deterioration and mechanical failure, each with a qualitative risk (low, moderate, high) when the published bands allow one and always a rationale; basis points to the level's SINS, ESCC category and recommendation and the patient's radiosensitivity; mitigation states the recommendation in words. A presentation of published bands, not a prediction model. RiskAssessment has no bodySite: the level is named in mitigation and in each rationale."
* insert ProfileMetadata
* obeys noms-result-identifier
* meta 1..1 MS
* meta.profile 1..* MS
* identifier 1..1 MS
* identifier ^short = "Deterministic result identifier: same assessment, same identifier"
* identifier.system 1..1
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value 1..1
* status MS
* status from ResultStatusVS (required)
* code 1..1 MS
* code = SO#noms-assessment
* subject MS
* subject only Reference(Patient)
* occurrence[x] 1..1 MS
* occurrence[x] only dateTime
* occurrence[x] ^short = "When the assessment was made"
* condition MS
* condition ^short = "The spinal metastasis Condition at the level, when there is one"
* condition ^comment = "The Condition follows mCODE Secondary Cancer Condition (http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition) where the EHR supports it."
* method 1..1 MS
* method.text 1..1
* method ^short = "The NOMS rule set and its version, as text"
* basis 1..* MS
* basis ^short = "The level's SINS, ESCC category and recommendation, and the radiosensitivity result"
* prediction 2..2 MS
* prediction ^slicing.discriminator.type = #pattern
* prediction ^slicing.discriminator.path = "outcome"
* prediction ^slicing.rules = #closed
* prediction ^slicing.description = "One prediction per outcome"
* prediction contains
    neurologicDeterioration 1..1 and
    mechanicalFailure 1..1
* prediction[neurologicDeterioration].outcome 1..1
* prediction[neurologicDeterioration].outcome = SO#neurologic-deterioration
* prediction[mechanicalFailure].outcome 1..1
* prediction[mechanicalFailure].outcome = SO#mechanical-failure
* prediction.outcome from NomsOutcomeVS (required)
* prediction.qualitativeRisk MS
* prediction.qualitativeRisk from QualitativeRiskVS (required)
* prediction.qualitativeRisk ^short = "low, moderate or high; absent when the inputs leave it open"
* prediction.rationale 1..1 MS
* prediction.rationale ^short = "Why this risk (names the level); says why when qualitativeRisk is absent"
* insert NotUsed(prediction.probability[x])
* insert NotUsed(prediction.relativeRisk)
* insert NotUsed(prediction.when[x])
* mitigation 1..1 MS
* mitigation ^short = "The recommendation in words"

Profile: NomsProvenance
Parent: Provenance
Id: noms-provenance
Title: "NOMS-CDS Provenance Profile"
Description: "One Provenance per write by NOMS-CDS: every resource written as target, the service as a Device agent (assembler) plus the launching user (enterer) when there is one, and every input resource as a source entity. Provenance has no identifier, so a meta.tag carries a deterministic write code that makes a conditional create possible."
* insert ProfileMetadata
* obeys noms-provenance-tag
* meta 1..1 MS
* meta.profile 1..* MS
* meta.tag 1..* MS
* meta.tag ^short = "The write tag: system http://noms-cds.org/fhir/sid/result, code provenance-<24 hex>"
* target 1..* MS
* target ^short = "Every resource written"
* recorded MS
* recorded ^short = "The write instant"
* activity 1..1 MS
* activity = DATAOP#CREATE
* agent 1..2 MS
* agent ^slicing.discriminator.type = #pattern
* agent ^slicing.discriminator.path = "type"
* agent ^slicing.rules = #closed
* agent ^slicing.description = "The service, and the launching user when there is one"
* agent contains
    service 1..1 and
    user 0..1
* agent[service] ^short = "NOMS-CDS itself, as a Device"
* agent[service].type 1..1
* agent[service].type = PROVTYPE#assembler
* agent[service].who.type 1..1
* agent[service].who.type = "Device"
* agent[service].who.display 1..1
* agent[service].who.display ^short = "NOMS-CDS <version>"
* agent[user] ^short = "The launching user"
* agent[user].type 1..1
* agent[user].type = PROVTYPE#enterer
* agent[user].who only Reference(Practitioner)
* entity MS
* entity ^short = "One per input resource"
* entity.role = #source
