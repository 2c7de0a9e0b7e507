// Profiles of the findings NOMS-CDS reads (docs/fhir-input.md). They state what
// the service expects from an EHR or a structured report; the service itself reads leniently (it
// also accepts Conditions and Procedures where the contract says so). It writes them only for
// what a clinician supplies in the SMART app's form, with the clinician as performer
// (docs/smart-app.md); everything else it writes is a result (SD_Results.fsh).
// Performance status (ECOG 89247-1, Karnofsky 89243-0) and serum albumin are standard LOINC
// Observations and follow mCODE and US Core: there is no NOMS-CDS profile for them.

Profile: LesionImagingFinding
Parent: Observation
Id: noms-lesion-imaging-finding
Title: "Lesion Imaging Finding Profile"
Description: "One imaging finding about one vertebral level from a radiology structured report: a SINS imaging element (bone lesion, alignment, collapse, posterolateral involvement) or the ESCC grade, with the matching answer. Follows US Core Observation Clinical Result (http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-clinical-result) with category imaging."
* insert FindingRules
* insert PerLevelRules
* obeys noms-imaging-answer
* category 1..* MS
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category contains imaging 1..1 MS
* category[imaging] = OBSCAT#imaging
* code from LesionImagingFindingVS (required)
* value[x] only CodeableConcept
* value[x] from LesionImagingAnswerVS (required)
* partOf ^comment = "May point to the ImagingStudy read. A DiagnosticReport links its findings the other way, through DiagnosticReport.result."
* derivedFrom ^comment = "May point to the ImagingStudy read."

Profile: LesionPain
Parent: Observation
Id: noms-lesion-pain
Title: "Lesion Pain Profile"
Description: "The SINS pain element for one vertebral level, a clinical (examination) finding: mechanical, occasional non-mechanical or pain-free. Follows US Core Observation Clinical Result (http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-clinical-result) with category exam."
* insert FindingRules
* insert PerLevelRules
* category 1..* MS
* category ^slicing.discriminator.type = #pattern
* category ^slicing.discriminator.path = "$this"
* category ^slicing.rules = #open
* category contains exam 1..1 MS
* category[exam] = OBSCAT#exam
* code = SO#sins-pain
* value[x] only CodeableConcept
* value[x] from SinsPainVS (required)

Profile: PriorRadiation
Parent: Observation
Id: noms-prior-radiation
Title: "Prior Radiation Profile"
Description: "Whether one vertebral level has been irradiated before. The contract also accepts a radiotherapy Procedure with that bodySite (mCODE Radiotherapy Course Summary, http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-radiotherapy-course-summary)."
* insert FindingRules
* insert PerLevelRules
* code = SO#prior-radiation
* value[x] only boolean

Profile: NeurologyFinding
Parent: Observation
Id: noms-neurology-finding
Title: "Neurology Finding Profile"
Description: "A clinical neurologic finding of the NOMS neurologic assessment, present (true) or absent (false): myelopathy, cauda equina syndrome or functional radiculopathy. Cauda equina syndrome may also come as a Condition (SNOMED CT 192970008, ICD-10 G83.4). Myelopathy is never inferred from imaging."
* insert FindingRules
* code from NeurologyFindingVS (required)
* value[x] only boolean
* bodySite from VertebraVS (required)
* bodySite ^short = "The level responsible, when known"

Profile: FrankelGrade
Parent: Observation
Id: noms-frankel-grade
Title: "Frankel Grade Profile"
Description: "The patient's Frankel grade (A to E), read for the palsy item of the revised Tokuhashi score. An ASIA impairment scale Observation is a different instrument and is not converted (docs/clinical-rules.md §8.5)."
* insert FindingRules
* code = SO#frankel-grade
* value[x] only CodeableConcept
* value[x] from FrankelGradeVS (required)

Profile: AmbulatoryStatus
Parent: Observation
Id: noms-ambulatory-status
Title: "Ambulatory Status Profile"
Description: "How the patient walks (independently, with assistance, not at all), read for the NESMS ambulatory item."
* insert FindingRules
* code = SO#ambulatory-status
* value[x] only CodeableConcept
* value[x] from AmbulatoryStatusVS (required)

Profile: MetastasisCount
Parent: Observation
Id: noms-metastasis-count
Title: "Metastasis Count Profile"
Description: "A count of metastases for the revised Tokuhashi score, when the chart's Conditions do not give it: extraspinal bone metastasis foci, or vertebrae involved. An explicit count wins over one derived from Conditions."
* insert FindingRules
* obeys noms-count-not-negative
* code from MetastasisCountVS (required)
* value[x] only integer

Profile: OrganMetastases
Parent: Observation
Id: noms-organ-metastases
Title: "Organ Metastases Profile"
Description: "A clinician's classification of the patient's organ metastases: metastases to the major internal organs (none, removable, unremovable) for the revised Tokuhashi score, or visceral metastases (none, treatable, untreatable) for the Tomita score. Wins over what Conditions suggest."
* insert FindingRules
* obeys noms-organ-metastases-answer
* code from OrganMetastasesFindingVS (required)
* value[x] only CodeableConcept
* value[x] from OrganMetastasesAnswerVS (required)

Profile: ClinicianJudgement
Parent: Observation
Id: noms-clinician-judgement
Title: "Clinician Judgement Profile"
Description: "A judgement NOMS leaves to a clinician: whether the patient can tolerate surgery (boolean; the systemic S of NOMS), or the spine surgeon's stability call for a level with SINS 7-12 (stable or unstable, with the level in bodySite). Follows US Core Simple Observation (http://hl7.org/fhir/us/core/StructureDefinition/us-core-simple-observation), the US Core profile for clinician assertions."
* insert FindingRules
* obeys noms-judgement-answer
* code from ClinicianJudgementVS (required)
* value[x] only boolean or CodeableConcept
* value[x] from StabilityAssessmentVS (required)
* bodySite from VertebraVS (required)
* bodySite ^short = "The level assessed (required for a stability assessment)"
* performer MS
* performer ^short = "The clinician who made the judgement"

Profile: Sois
Parent: Observation
Id: noms-sois
Title: "Spine Oncology Imaging Score Profile"
Description: "An external Spine Oncology Imaging Score (SOIS) as sent by the reporting system (Penn Medicine structured spine MRI report). NOMS-CDS shows it and never computes or interprets it, so any value type is accepted."
* insert FindingRules
* code = SO#sois
* bodySite from VertebraVS (required)
* bodySite ^short = "The level scored, when the report gives one"
