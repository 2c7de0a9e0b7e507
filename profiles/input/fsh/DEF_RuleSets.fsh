// Rule sets shared by the NOMS-CDS profiles.

RuleSet: NotUsed(path)
* {path} ^short = "Not used by NOMS-CDS"
* {path} 0..0

RuleSet: ProfileMetadata
* ^status = #draft
* ^experimental = false
* ^publisher = "NOMS-CDS project"

// A finding about the patient read by NOMS-CDS (docs/fhir-input.md).
RuleSet: FindingRules
* insert ProfileMetadata
* obeys noms-value-or-absent
* status MS
* code MS
* subject 1..1 MS
* subject only Reference(Patient)
* effective[x] 1..1 MS
* effective[x] only dateTime or Period
* effective[x] ^comment = "When one finding has several values, NOMS-CDS uses the newest effective[x] and reports the conflict."
* value[x] MS
* dataAbsentReason MS

// A finding or result about one vertebral level.
RuleSet: PerLevelRules
* bodySite 1..1 MS
* bodySite from VertebraVS (required)
* bodySite ^short = "The vertebral level (one SNOMED CT code, C1-S5)"
* focus 0..1 MS
* focus only Reference(Condition)
* focus ^short = "The spinal metastasis Condition at this level, when the chart has one"
* focus ^comment = "The Condition follows mCODE Secondary Cancer Condition (http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition) where the EHR supports it."

// Everything common to the result Observations written by NOMS-CDS (docs/fhir-output.md,
// "Common to every result Observation").
RuleSet: ResultObservationRules(code)
* insert ProfileMetadata
* obeys noms-result-identifier and noms-value-or-absent
* meta 1..1 MS
* meta.profile 1..* MS
* meta.profile ^short = "The canonical URL of this profile"
* identifier 1..1 MS
* identifier ^short = "Deterministic result identifier: same assessment, same identifier"
* identifier.system 1..1
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value 1..1
* status MS
* status from ResultStatusVS (required)
* status ^comment = "preliminary when any input used came from a preliminary Observation"
* category 1..* MS
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category ^slicing.description = "Result Observations are surveys (scored instruments)"
* category contains survey 1..1 MS
* category[survey] = OBSCAT#survey
* code MS
* code = SO#{code}
* subject 1..1 MS
* subject only Reference(Patient)
* effective[x] 1..1 MS
* effective[x] only dateTime
* effective[x] ^short = "When the assessment was made"
* issued 1..1 MS
* method 1..1 MS
* method.text 1..1
* method ^short = "The rule set and its version, as text"
* derivedFrom MS
* derivedFrom ^short = "Every Observation (or ImagingStudy, DocumentReference) whose value was used"
* derivedFrom ^comment = "R4 allows no Condition or Procedure here. Those inputs go in the core extension workflow-supportingInfo (http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo, Reference(Any)), one per resource; the profile does not slice extensions because the offline build has no extension definitions."
* insert NotUsed(specimen)
* insert NotUsed(device)
* insert NotUsed(referenceRange)
* insert NotUsed(hasMember)

// A result about the patient as a whole rather than one level.
RuleSet: PatientLevelRules
* insert NotUsed(bodySite)

// Components sliced by their code, closed: no component outside the slices.
RuleSet: ComponentSlicing
* component MS
* component ^slicing.discriminator.type = #pattern
* component ^slicing.discriminator.path = "code"
* component ^slicing.rules = #closed
* component ^slicing.description = "One slice per item, identified by its code"
* obeys noms-component-value-or-absent

// A score: integer total when every item is known, else a Range of the possible totals.
RuleSet: ScoreRules
* obeys noms-score-range and noms-total-is-sum
* value[x] only integer or Range
* value[x] ^short = "Total: integer when every item is known, else Range (low, high) in UCUM {score}"
* insert ComponentSlicing

// One item of a score, its points as integer, Range or (with dataAbsentReason) unknown.
RuleSet: PointsComponent(slice, code, short)
* component[{slice}] ^short = "{short}"
* component[{slice}].code = SO#{code}
* component[{slice}].value[x] only integer or Range
* component[{slice}].value[x] ^short = "Points: integer when known, Range when only some answers are possible"
