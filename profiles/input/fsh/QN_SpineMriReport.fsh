// The structured spine-MRI oncology report (docs/structured-report.md): per vertebral level, the
// SINS imaging elements (Fisher 2010) and the ESCC grade (Bilsky 2010) in the contract's answer
// codes, with SDC observation-based extraction (HL7 SDC STU3, "Form Data Extraction"): each
// question carries item.code, sdc-questionnaire-observationExtract and the category of the
// Observation it becomes. The level answer becomes the bodySite of the group's findings (a rule
// of our own: SDC has no body site). service/fhir/questionnaire.py is the Python twin.

RuleSet: ExtractedAs(category)
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract"
* extension[=].valueBoolean = true
* extension[+].url = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observation-extract-category"
* extension[=].valueCodeableConcept = OBSCAT#{category}

Instance: spine-mri-oncology-report
InstanceOf: Questionnaire
Title: "Spine MRI oncology report"
Description: "Structured spine MRI report of spinal metastases, level by level: the SINS imaging elements and the ESCC grade, extracted as NOMS-CDS lesion imaging findings."
Usage: #definition
* meta.profile = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-extr-obsn"
* url = "http://noms-cds.org/fhir/Questionnaire/spine-mri-oncology-report"
* version = "0.1.0"
* name = "SpineMriOncologyReport"
* title = "Spine MRI oncology report"
* status = #draft
* experimental = false
* publisher = "NOMS-CDS project"
* subjectType = #Patient
* description = "One report per spine MRI study. For every vertebral level with a metastasis: bone lesion quality, alignment, vertebral body collapse and posterolateral involvement (the imaging elements of the Spinal Instability Neoplastic Score, Fisher et al., Spine 2010), the epidural spinal cord compression grade (Bilsky et al., J Neurosurg Spine 2010), and the lesion's pain when the report relays it. SINS location is not asked: it follows from the level. Each answer is extracted as one Observation (SDC observation-based extraction) with the level as bodySite, derived from the response and the ImagingStudy. A question left unanswered stays missing: it is never read as normal."
* item[0].linkId = "imaging-study"
* item[0].text = "MRI study reported"
* item[0].type = #reference
* item[0].required = true
* item[0].extension[0].url = "http://hl7.org/fhir/StructureDefinition/questionnaire-referenceResource"
* item[0].extension[0].valueCode = #ImagingStudy
* item[1].linkId = "level"
* item[1].text = "Vertebral level with a metastasis"
* item[1].type = #group
* item[1].required = true
* item[1].repeats = true
* item[1].item[0].linkId = "level.vertebra"
* item[1].item[0].text = "Level"
* item[1].item[0].type = #choice
* item[1].item[0].required = true
* item[1].item[0].answerValueSet = Canonical(VertebraVS)
* item[1].item[1].linkId = "level.bone-lesion"
* item[1].item[1].text = "Bone lesion quality"
* item[1].item[1].type = #choice
* item[1].item[1].code = SO#sins-bone-lesion "SINS bone lesion quality"
* item[1].item[1].answerValueSet = Canonical(SinsBoneLesionVS)
* item[1].item[1] insert ExtractedAs(imaging)
* item[1].item[2].linkId = "level.alignment"
* item[1].item[2].text = "Radiographic spinal alignment"
* item[1].item[2].type = #choice
* item[1].item[2].code = SO#sins-alignment "SINS radiographic spinal alignment"
* item[1].item[2].answerValueSet = Canonical(SinsAlignmentVS)
* item[1].item[2] insert ExtractedAs(imaging)
* item[1].item[3].linkId = "level.collapse"
* item[1].item[3].text = "Vertebral body collapse"
* item[1].item[3].type = #choice
* item[1].item[3].code = SO#sins-collapse "SINS vertebral body collapse"
* item[1].item[3].answerValueSet = Canonical(SinsCollapseVS)
* item[1].item[3] insert ExtractedAs(imaging)
* item[1].item[4].linkId = "level.posterolateral"
* item[1].item[4].text = "Posterolateral involvement of spinal elements"
* item[1].item[4].type = #choice
* item[1].item[4].code = SO#sins-posterolateral "SINS posterolateral involvement"
* item[1].item[4].answerValueSet = Canonical(SinsPosterolateralVS)
* item[1].item[4] insert ExtractedAs(imaging)
* item[1].item[5].linkId = "level.escc-grade"
* item[1].item[5].text = "Epidural spinal cord compression (ESCC) grade"
* item[1].item[5].type = #choice
* item[1].item[5].code = SO#escc-grade "ESCC grade"
* item[1].item[5].answerValueSet = Canonical(EsccGradeVS)
* item[1].item[5] insert ExtractedAs(imaging)
* item[1].item[6].linkId = "level.pain"
* item[1].item[6].text = "Pain at this level (clinical, when the report relays it)"
* item[1].item[6].type = #choice
* item[1].item[6].code = SO#sins-pain "SINS pain"
* item[1].item[6].answerValueSet = Canonical(SinsPainVS)
* item[1].item[6] insert ExtractedAs(exam)
