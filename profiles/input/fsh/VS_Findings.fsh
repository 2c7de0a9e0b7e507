// Answer lists and finding codes of what NOMS-CDS reads (docs/fhir-input.md). Every code is in
// the spine-oncology code system (CS_SpineOncology.fsh); points are in its definitions.

ValueSet: SinsPainVS
Id: noms-sins-pain-vs
Title: "SINS Pain Answers"
Description: "Answers to the SINS pain element (Fisher 2010): mechanical, occasional non-mechanical, pain-free."
* ^experimental = false
* SO#pain-mechanical
* SO#pain-occasional-non-mechanical
* SO#pain-free

ValueSet: SinsBoneLesionVS
Id: noms-sins-bone-lesion-vs
Title: "SINS Bone Lesion Answers"
Description: "Answers to the SINS bone lesion element (Fisher 2010): lytic, mixed, blastic."
* ^experimental = false
* SO#lesion-lytic
* SO#lesion-mixed
* SO#lesion-blastic

ValueSet: SinsAlignmentVS
Id: noms-sins-alignment-vs
Title: "SINS Alignment Answers"
Description: "Answers to the SINS radiographic alignment element (Fisher 2010)."
* ^experimental = false
* SO#alignment-subluxation-translation
* SO#alignment-de-novo-deformity
* SO#alignment-normal

ValueSet: SinsCollapseVS
Id: noms-sins-collapse-vs
Title: "SINS Collapse Answers"
Description: "Answers to the SINS vertebral body collapse element (Fisher 2010)."
* ^experimental = false
* SO#collapse-50-or-more
* SO#collapse-less-than-50
* SO#collapse-none-body-over-50
* SO#collapse-none

ValueSet: SinsPosterolateralVS
Id: noms-sins-posterolateral-vs
Title: "SINS Posterolateral Involvement Answers"
Description: "Answers to the SINS posterolateral involvement element (Fisher 2010)."
* ^experimental = false
* SO#posterolateral-bilateral
* SO#posterolateral-unilateral
* SO#posterolateral-none

ValueSet: EsccGradeVS
Id: noms-escc-grade-vs
Title: "ESCC Grades"
Description: "The six grades of the Epidural Spinal Cord Compression scale (Bilsky 2010): 0, 1a, 1b, 1c, 2, 3."
* ^experimental = false
* SO#escc-0
* SO#escc-1a
* SO#escc-1b
* SO#escc-1c
* SO#escc-2
* SO#escc-3

ValueSet: LesionImagingFindingVS
Id: noms-lesion-imaging-finding-vs
Title: "Lesion Imaging Finding Codes"
Description: "Codes of the per-level findings a radiology structured report gives: four SINS imaging elements and the ESCC grade. SINS location is never read: it follows from the level."
* ^experimental = false
* SO#sins-bone-lesion
* SO#sins-alignment
* SO#sins-collapse
* SO#sins-posterolateral
* SO#escc-grade

ValueSet: LesionImagingAnswerVS
Id: noms-lesion-imaging-answer-vs
Title: "Lesion Imaging Finding Answers"
Description: "Every answer to a lesion imaging finding: the union of the SINS bone lesion, alignment, collapse and posterolateral answers and the ESCC grades. Which answers fit which finding is checked by invariant noms-imaging-answer."
* ^experimental = false
* include codes from valueset SinsBoneLesionVS
* include codes from valueset SinsAlignmentVS
* include codes from valueset SinsCollapseVS
* include codes from valueset SinsPosterolateralVS
* include codes from valueset EsccGradeVS

ValueSet: NeurologyFindingVS
Id: noms-neurology-finding-vs
Title: "Neurology Finding Codes"
Description: "Clinical neurologic findings of the NOMS neurologic assessment, each recorded as true or false."
* ^experimental = false
* SO#myelopathy
* SO#cauda-equina-syndrome
* SO#functional-radiculopathy

ValueSet: FrankelGradeVS
Id: noms-frankel-grade-vs
Title: "Frankel Grades"
Description: "Frankel grades A to E (Frankel 1969)."
* ^experimental = false
* SO#frankel-a
* SO#frankel-b
* SO#frankel-c
* SO#frankel-d
* SO#frankel-e

ValueSet: AmbulatoryStatusVS
Id: noms-ambulatory-status-vs
Title: "Ambulatory Status Answers"
Description: "How the patient walks: independently, with assistance, or not at all (NESMS ambulatory item)."
* ^experimental = false
* SO#ambulatory-independent
* SO#ambulatory-assisted
* SO#non-ambulatory

ValueSet: MetastasisCountVS
Id: noms-metastasis-count-vs
Title: "Metastasis Count Codes"
Description: "Counts of metastases read for the revised Tokuhashi score when they are not derived from Conditions."
* ^experimental = false
* SO#extraspinal-bone-metastases-count
* SO#vertebral-metastases-count

ValueSet: OrganMetastasesFindingVS
Id: noms-organ-metastases-finding-vs
Title: "Organ Metastases Finding Codes"
Description: "Clinician classifications of metastases to organs: major internal organs (revised Tokuhashi) and visceral metastases (Tomita)."
* ^experimental = false
* SO#major-organ-metastases
* SO#visceral-metastases

ValueSet: MajorOrganMetastasesVS
Id: noms-major-organ-metastases-vs
Title: "Major Organ Metastases Answers"
Description: "Revised Tokuhashi classes of metastases to the major internal organs: none, removable, unremovable."
* ^experimental = false
* SO#organ-mets-none
* SO#organ-mets-removable
* SO#organ-mets-unremovable

ValueSet: VisceralMetastasesVS
Id: noms-visceral-metastases-vs
Title: "Visceral Metastases Answers"
Description: "Tomita classes of visceral metastases: none, treatable, untreatable."
* ^experimental = false
* SO#visceral-none
* SO#visceral-treatable
* SO#visceral-untreatable

ValueSet: OrganMetastasesAnswerVS
Id: noms-organ-metastases-answer-vs
Title: "Organ Metastases Answers"
Description: "Union of the major organ (Tokuhashi) and visceral (Tomita) answers. Which answers fit which finding is checked by invariant noms-organ-metastases-answer."
* ^experimental = false
* include codes from valueset MajorOrganMetastasesVS
* include codes from valueset VisceralMetastasesVS

ValueSet: ClinicianJudgementVS
Id: noms-clinician-judgement-vs
Title: "Clinician Judgement Codes"
Description: "Judgements only a clinician can make and NOMS needs: ability to tolerate surgery (systemic, S) and the surgeon's stability call for SINS 7 to 12 (mechanical, M)."
* ^experimental = false
* SO#surgical-candidate
* SO#stability-assessment

ValueSet: StabilityAssessmentVS
Id: noms-stability-assessment-vs
Title: "Stability Assessment Answers"
Description: "The spine surgeon's stability call: stable or unstable."
* ^experimental = false
* SO#stable
* SO#unstable
