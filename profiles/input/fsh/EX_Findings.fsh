// One example per input finding profile. They tell one story with the result examples
// (EX_Results.fsh): Patient/example has breast cancer with a metastasis at T9
// (SNOMED CT 33766003) recorded as Condition/t9-metastasis; the report reads a lytic lesion with
// ESCC 1c; the spine surgeon calls T9 stable.

RuleSet: ExampleT9
* bodySite = SCT#33766003 "Structure of body of ninth thoracic vertebra"
* focus = Reference(Condition/t9-metastasis)

Instance: lesion-imaging-finding-t9-lytic
InstanceOf: LesionImagingFinding
Title: "T9 bone lesion: lytic"
Description: "SINS bone lesion element at T9 from a structured CT report: lytic."
Usage: #example
* status = #final
* category[imaging] = OBSCAT#imaging
* code = SO#sins-bone-lesion "SINS bone lesion quality"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-02T09:30:00Z"
* insert ExampleT9
* valueCodeableConcept = SO#lesion-lytic "Lytic lesion"
* partOf = Reference(ImagingStudy/ct-spine-2025-06-02)

Instance: lesion-pain-t9-mechanical
InstanceOf: LesionPain
Title: "T9 pain: mechanical"
Description: "SINS pain element at T9 from the clinical examination: mechanical pain."
Usage: #example
* status = #final
* category[exam] = OBSCAT#exam
* code = SO#sins-pain "SINS pain"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-03T11:00:00Z"
* insert ExampleT9
* valueCodeableConcept = SO#pain-mechanical "Mechanical pain"
* performer = Reference(Practitioner/example)

Instance: prior-radiation-t9-none
InstanceOf: PriorRadiation
Title: "T9: not irradiated before"
Description: "No prior radiation to T9."
Usage: #example
* status = #final
* code = SO#prior-radiation "Prior radiation to the level"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-03T11:00:00Z"
* insert ExampleT9
* valueBoolean = false

Instance: neurology-finding-no-myelopathy
InstanceOf: NeurologyFinding
Title: "No myelopathy"
Description: "The examination finds no myelopathy."
Usage: #example
* status = #final
* code = SO#myelopathy "Myelopathy"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-03T11:00:00Z"
* valueBoolean = false

Instance: frankel-grade-e
InstanceOf: FrankelGrade
Title: "Frankel E"
Description: "No neurological deficit: Frankel grade E."
Usage: #example
* status = #final
* code = SO#frankel-grade "Frankel grade"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-03T11:00:00Z"
* valueCodeableConcept = SO#frankel-e "Frankel E"

Instance: ambulatory-status-independent
InstanceOf: AmbulatoryStatus
Title: "Independently ambulatory"
Description: "The patient walks without help."
Usage: #example
* status = #final
* code = SO#ambulatory-status "Ambulatory status"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-03T11:00:00Z"
* valueCodeableConcept = SO#ambulatory-independent "Independently ambulatory"

Instance: metastasis-count-extraspinal-bone
InstanceOf: MetastasisCount
Title: "Two extraspinal bone metastases"
Description: "The oncologist counts two bone metastasis foci outside the spine."
Usage: #example
* status = #final
* code = SO#extraspinal-bone-metastases-count "Number of extraspinal bone metastases"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-02T15:00:00Z"
* valueInteger = 2

Instance: organ-metastases-major-none
InstanceOf: OrganMetastases
Title: "No major organ metastases"
Description: "No metastases to the major internal organs (revised Tokuhashi)."
Usage: #example
* status = #final
* code = SO#major-organ-metastases "Metastases to the major internal organs"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-02T15:00:00Z"
* valueCodeableConcept = SO#organ-mets-none "No major organ metastases"

Instance: clinician-judgement-t9-stable
InstanceOf: ClinicianJudgement
Title: "Surgeon's call: T9 stable"
Description: "SINS at T9 is 9 (potentially unstable); the spine surgeon judges the level stable."
Usage: #example
* status = #final
* code = SO#stability-assessment "Spine surgeon's stability assessment"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-04T08:15:00Z"
* performer = Reference(Practitioner/example)
* bodySite = SCT#33766003 "Structure of body of ninth thoracic vertebra"
* valueCodeableConcept = SO#stable "Stable"

Instance: sois-t9
InstanceOf: Sois
Title: "SOIS at T9 as sent"
Description: "A Spine Oncology Imaging Score from the structured MRI report, kept as sent."
Usage: #example
* status = #final
* code = SO#sois "Spine Oncology Imaging Score"
* subject = Reference(Patient/example)
* effectiveDateTime = "2025-06-02T09:30:00Z"
* bodySite = SCT#33766003 "Structure of body of ninth thoracic vertebra"
* valueString = "high risk"
