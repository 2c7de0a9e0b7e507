// One example per result profile, as NOMS-CDS writes them (docs/fhir-output.md), continuing the
// story of EX_Findings.fsh: breast cancer (radiosensitive solid tumour), T9 with SINS 9 and ESCC 1c,
// no myelopathy, the surgeon calls T9 stable -> NOMS rule R1: cEBRT.

RuleSet: ExampleResult
* status = #final
* category[survey] = OBSCAT#survey
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-04T09:00:00Z"
* issued = "2025-06-04T09:00:00Z"
* method.text = "NOMS-CDS rule set 2 (NOMS-CDS 0.1.0)"

RuleSet: ExampleResultT9
* insert ExampleResult
* bodySite = SCT#33766003 "Structure of body of ninth thoracic vertebra"
* focus = Reference(Condition/t9-metastasis)

RuleSet: Points(slice, points)
* component[{slice}].valueInteger = {points}

// R4 Observation.derivedFrom cannot point to a Condition or Procedure: such inputs go in the
// core extension workflow-supportingInfo.
RuleSet: SupportingInfo(reference)
* extension[+].url = "http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo"
* extension[=].valueReference = Reference({reference})

Instance: sins-score-t9
InstanceOf: SinsScore
Title: "SINS at T9: 9, potentially unstable"
Description: "Every element known: location 1 (T9 is semi-rigid), pain 3, lytic 2, alignment 0, collapse 2, posterolateral 1; total 9, band potentially unstable."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "sins-T9-3f2a9c1d8e7b6a5f4c3d2e1a"
* insert ExampleResultT9
* code = SO#sins-score "SINS total score"
* valueInteger = 9
* interpretation = SO#sins-potentially-unstable "SINS potentially unstable (7-12)"
* component[location].code = SO#sins-location "SINS location"
* insert Points(location, 1)
* component[pain].code = SO#sins-pain "SINS pain"
* insert Points(pain, 3)
* component[boneLesion].code = SO#sins-bone-lesion "SINS bone lesion quality"
* insert Points(boneLesion, 2)
* component[alignment].code = SO#sins-alignment "SINS radiographic spinal alignment"
* insert Points(alignment, 0)
* component[collapse].code = SO#sins-collapse "SINS vertebral body collapse"
* insert Points(collapse, 2)
* component[posterolateral].code = SO#sins-posterolateral "SINS posterolateral involvement"
* insert Points(posterolateral, 1)
* derivedFrom[0] = Reference(Observation/lesion-imaging-finding-t9-lytic)
* derivedFrom[1] = Reference(Observation/lesion-pain-t9-mechanical)

Instance: escc-category-t9
InstanceOf: EsccCategory
Title: "ESCC at T9: 1c, low-grade"
Description: "ESCC grade 1c: low-grade for NOMS, flagged because the management of 1c is debated."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "escc-T9-9b8a7c6d5e4f30211f2e3d4c"
* insert ExampleResultT9
* code = SO#escc-category "ESCC category"
* valueCodeableConcept = SO#escc-low-grade "Low-grade ESCC (0-1c)"
* component[grade].code = SO#escc-grade "ESCC grade"
* component[grade].valueCodeableConcept = SO#escc-1c "ESCC grade 1c"
* component[flag].code = SO#noms-flag "NOMS flag"
* component[flag].valueCodeableConcept = SO#flag-escc-1c "ESCC 1c: management debated"
* derivedFrom = Reference(Observation/lesion-imaging-finding-t9-escc)

Instance: radiosensitivity-breast
InstanceOf: Radiosensitivity
Title: "Radiosensitivity: solid tumour (breast)"
Description: "The primary breast carcinoma is a radiosensitive solid tumour."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "radiosensitivity-patient-0a1b2c3d4e5f60718293a4b5"
* insert ExampleResult
* code = SO#radiosensitivity "Radiosensitivity to conventional radiotherapy"
* valueCodeableConcept = SO#radiosensitive-solid "Radiosensitive, solid tumour"
* insert SupportingInfo(Condition/breast-cancer)

Instance: tokuhashi-revised-score-13
InstanceOf: TokuhashiRevisedScore
Title: "Revised Tokuhashi: 13"
Description: "Karnofsky 70 % (1), two extraspinal bone foci (1), one vertebra (2), no major organ metastases (2), breast (5), Frankel E (2): 13, predicted survival one year or more."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "tokuhashi-revised-patient-5d4c3b2a1f0e9d8c7b6a5948"
* insert ExampleResult
* code = SO#tokuhashi-revised-score "Revised Tokuhashi score"
* valueInteger = 13
* interpretation = SO#survival-12-months-or-more "Predicted survival 12 months or more"
* component[generalCondition].code = SO#tokuhashi-general-condition
* insert Points(generalCondition, 1)
* component[extraspinalBoneMetastases].code = SO#tokuhashi-extraspinal-bone-metastases
* insert Points(extraspinalBoneMetastases, 1)
* component[vertebralMetastases].code = SO#tokuhashi-vertebral-metastases
* insert Points(vertebralMetastases, 2)
* component[majorOrganMetastases].code = SO#tokuhashi-major-organ-metastases
* insert Points(majorOrganMetastases, 2)
* component[primarySite].code = SO#tokuhashi-primary-site
* insert Points(primarySite, 5)
* component[palsy].code = SO#tokuhashi-palsy
* insert Points(palsy, 2)
* derivedFrom[0] = Reference(Observation/karnofsky-70)
* derivedFrom[1] = Reference(Observation/metastasis-count-extraspinal-bone)
* derivedFrom[2] = Reference(Observation/organ-metastases-major-none)
* derivedFrom[3] = Reference(Observation/frankel-grade-e)
* insert SupportingInfo(Condition/breast-cancer)

Instance: tomita-score-range
InstanceOf: TomitaScore
Title: "Tomita: 3 to 7, visceral metastases unknown"
Description: "Slow-growing primary (1) and multiple bone metastases (2); nobody has classified the visceral metastases (0, 2 or 4), so the total is a Range of 3 to 7 and no band is certain."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "tomita-patient-77aa88bb99cc00dd11ee22ff"
* insert ExampleResult
* code = SO#tomita-score "Tomita score"
* valueRange.low = 3 '{score}' "{score}"
* valueRange.high = 7 '{score}' "{score}"
* component[primaryGrowth].code = SO#tomita-primary-growth
* insert Points(primaryGrowth, 1)
* component[visceralMetastases].code = SO#tomita-visceral-metastases
* component[visceralMetastases].dataAbsentReason = DAR#unknown "Unknown"
* component[boneMetastases].code = SO#tomita-bone-metastases
* insert Points(boneMetastases, 2)
* insert SupportingInfo(Condition/breast-cancer)
* note.text = "Visceral metastases not classified: the total may be 3, 5 or 7."

Instance: modified-bauer-score-3
InstanceOf: ModifiedBauerScore
Title: "Modified Bauer: 3"
Description: "No visceral metastases, not lung, breast primary: 3; the skeletal metastases are not solitary."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "modified-bauer-patient-1234567890abcdef12345678"
* insert ExampleResult
* code = SO#modified-bauer-score "Modified Bauer score"
* valueInteger = 3
* component[noVisceralMetastases].code = SO#bauer-no-visceral-metastases
* insert Points(noVisceralMetastases, 1)
* component[notLungPrimary].code = SO#bauer-not-lung-primary
* insert Points(notLungPrimary, 1)
* component[favourablePrimary].code = SO#bauer-favourable-primary
* insert Points(favourablePrimary, 1)
* component[solitarySkeletalMetastasis].code = SO#bauer-solitary-skeletal-metastasis
* insert Points(solitarySkeletalMetastasis, 0)
* insert SupportingInfo(Condition/breast-cancer)

Instance: nesms-score-3
InstanceOf: NesmsScore
Title: "NESMS: 3 (capped)"
Description: "Modified Bauer 3 (2), independently ambulatory (1), albumin 3.9 g/dL (1): the sum 4 is capped at 3."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "nesms-patient-abcdefabcdef012345678901"
* insert ExampleResult
* code = SO#nesms-score "NESMS"
* valueInteger = 3
* component[modifiedBauer].code = SO#nesms-modified-bauer
* insert Points(modifiedBauer, 2)
* component[ambulatory].code = SO#nesms-ambulatory
* insert Points(ambulatory, 1)
* component[albumin].code = SO#nesms-albumin
* insert Points(albumin, 1)
* derivedFrom[0] = Reference(Observation/ambulatory-status-independent)
* derivedFrom[1] = Reference(Observation/albumin-3-9)
* note.text = "Uncapped sum 4."

Instance: noms-recommendation-t9
InstanceOf: NomsRecommendation
Title: "NOMS at T9: cEBRT"
Description: "Low-grade ESCC without myelopathy, radiosensitive solid tumour, surgeon's call stable: rule R1, conventional external beam radiotherapy, no surgery, no stabilization; ESCC 1c flagged."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "noms-recommendation-T9-0f1e2d3c4b5a69788796a5b4"
* insert ExampleResultT9
* code = SO#noms-recommendation "NOMS recommendation"
* valueCodeableConcept = SO#plan-cebrt "Conventional external beam radiotherapy"
* component[radiation].code = SO#noms-radiation
* component[radiation].valueCodeableConcept = SO#cebrt "cEBRT"
* component[surgery].code = SO#noms-surgery
* component[surgery].valueCodeableConcept = SO#surgery-none "No decompressive surgery"
* component[stabilization].code = SO#noms-stabilization
* component[stabilization].valueCodeableConcept = SO#stabilization-none "No stabilization"
* component[rule].code = SO#noms-rule
* component[rule].valueString = "R1"
* component[flag].code = SO#noms-flag
* component[flag].valueCodeableConcept = SO#flag-escc-1c "ESCC 1c: management debated"
* derivedFrom[0] = Reference(Observation/clinician-judgement-t9-stable)
* derivedFrom[1] = Reference(Observation/neurology-finding-no-myelopathy)
* derivedFrom[2] = Reference(Observation/prior-radiation-t9-none)

Instance: noms-assessment-t9
InstanceOf: NomsAssessment
Title: "NOMS assessment at T9"
Description: "Neurologic deterioration moderate (ESCC 1c), mechanical failure low (surgeon's call stable); mitigation: cEBRT."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "noms-assessment-T9-a1b2c3d4e5f6a7b8c9d0e1f2"
* status = #final
* code = SO#noms-assessment "NOMS assessment"
* subject = Reference(Patient/example)
* occurrenceDateTime = "2025-06-04T09:00:00Z"
* condition = Reference(Condition/t9-metastasis)
* method.text = "NOMS-CDS rule set 2 (NOMS-CDS 0.1.0)"
* basis[0] = Reference(Observation/sins-score-t9)
* basis[1] = Reference(Observation/escc-category-t9)
* basis[2] = Reference(Observation/noms-recommendation-t9)
* basis[3] = Reference(Observation/radiosensitivity-breast)
* prediction[neurologicDeterioration].outcome = SO#neurologic-deterioration "Neurologic deterioration"
* prediction[neurologicDeterioration].qualitativeRisk = RISKPROB#moderate "Moderate likelihood"
* prediction[neurologicDeterioration].rationale = "T9: ESCC grade 1c (cord abutted, not compressed), no myelopathy."
* prediction[mechanicalFailure].outcome = SO#mechanical-failure "Mechanical failure"
* prediction[mechanicalFailure].qualitativeRisk = RISKPROB#low "Low likelihood"
* prediction[mechanicalFailure].rationale = "T9: SINS 9 (potentially unstable); the spine surgeon judged the level stable."
* mitigation = "T9: conventional external beam radiotherapy (NOMS rule R1); no surgery or stabilization needed."

Instance: noms-provenance-t9
InstanceOf: NomsProvenance
Title: "Provenance of the T9 write"
Description: "One write of the T9 results, launched by a clinician."
Usage: #example
* meta.tag.system = "http://noms-cds.org/fhir/sid/result"
* meta.tag.code = #provenance-c0ffee00c0ffee00c0ffee00
* target[0] = Reference(Observation/sins-score-t9)
* target[1] = Reference(Observation/escc-category-t9)
* target[2] = Reference(Observation/radiosensitivity-breast)
* target[3] = Reference(Observation/noms-recommendation-t9)
* target[4] = Reference(RiskAssessment/noms-assessment-t9)
* recorded = "2025-06-04T09:00:01Z"
* activity = DATAOP#CREATE "create"
* agent[service].type = PROVTYPE#assembler "Assembler"
* agent[service].who.type = "Device"
* agent[service].who.display = "NOMS-CDS 0.1.0"
* agent[user].type = PROVTYPE#enterer "Enterer"
* agent[user].who = Reference(Practitioner/example)
* entity[0].role = #source
* entity[0].what = Reference(Observation/lesion-imaging-finding-t9-lytic)
* entity[1].role = #source
* entity[1].what = Reference(Observation/lesion-pain-t9-mechanical)
* entity[2].role = #source
* entity[2].what = Reference(Observation/clinician-judgement-t9-stable)
* entity[3].role = #source
* entity[3].what = Reference(Condition/breast-cancer)

Instance: spine-urgency-t9-possibly-emergent
InstanceOf: SpineUrgency
Title: "Urgency at T9: urgent, possibly emergent"
Description: "ESCC 3 at T9 with myelopathy not recorded: at least urgent (high-grade compression), emergent if myelopathy is present; myelopathy decides. Headline: POSSIBLY EMERGENT: record myelopathy at T9 (at least urgent)."
Usage: #example
* identifier.system = "http://noms-cds.org/fhir/sid/result"
* identifier.value = "spine-urgency-T9-5d4c3b2a1f0e9d8c7b6a5f4e"
* insert ExampleResultT9
* code = SO#spine-urgency "Spine urgency"
* valueCodeableConcept = SO#urgency-undetermined "Undetermined"
* component[atLeast].code = SO#urgency-at-least "Urgency at least"
* component[atLeast].valueCodeableConcept = SO#urgency-urgent "Urgent"
* component[atMost].code = SO#urgency-at-most "Urgency at most"
* component[atMost].valueCodeableConcept = SO#urgency-emergent "Emergent"
* component[reason][0].code = SO#urgency-reason "Urgency reason"
* component[reason][0].valueString = "ESCC 3 (high-grade) at T9: emergent if myelopathy is present"
* component[reason][1].code = SO#urgency-reason "Urgency reason"
* component[reason][1].valueString = "high-grade compression (ESCC 3) without myelopathy at T9"
* component[missing].code = SO#noms-missing "NOMS missing input"
* component[missing].valueString = "myelopathy"

