// Every code of the NOMS-CDS data contract (docs/fhir-input.md and docs/fhir-output.md) plus the item codes
// added in docs/fhir-output.md ("Additions to the contract"). No LOINC or SNOMED CT code exists for
// these instruments (docs/clinical-rules.md §11.1), so they live here. Codes are spelled exactly as in the
// contract; displays and definitions are ours and name the instrument each code comes from.
// Points in definitions are those of the published instruments as recorded in docs/clinical-rules.md.

CodeSystem: SpineOncology
Id: spine-oncology
Title: "NOMS-CDS Spine Oncology Codes"
Description: "Local codes for the findings NOMS-CDS reads and the results it writes about spinal metastases: the Spinal Instability Neoplastic Score (SINS), the Epidural Spinal Cord Compression (ESCC, Bilsky) scale, the NOMS (neurologic, oncologic, mechanical, systemic) decision framework, the revised Tokuhashi score, the Tomita score, the modified Bauer score and the New England Spinal Metastasis Score (NESMS). Standard LOINC or SNOMED CT codes are used instead wherever one exists and is verified."
* ^caseSensitive = true
* ^experimental = false
* ^content = #complete

// ---------------------------------------------------------------------------------------------
// SINS (Fisher et al., Spine 2010; Fourney et al., J Clin Oncol 2011)
// ---------------------------------------------------------------------------------------------
* #sins-score "SINS total score" "Spinal Instability Neoplastic Score for one vertebral level: the sum of the points of its six elements (location, pain, bone lesion, alignment, vertebral body collapse, posterolateral involvement), 0 to 18 (Fisher 2010)."
* #sins-location "SINS location" "SINS element: where the level lies in the spine. Junctional (occiput-C2, C7-T2, T11-L1, L5-S1) 3 points, mobile (C3-C6, L2-L4) 2, semi-rigid (T3-T10) 1, rigid (S2-S5) 0. Follows from the vertebral level and is never read from the record."
* #sins-pain "SINS pain" "SINS element, a clinical finding at one level: mechanical pain 3 points, occasional non-mechanical pain 1, pain-free lesion 0."
* #sins-bone-lesion "SINS bone lesion quality" "SINS element, an imaging finding (usually CT) at one level: lytic 2 points, mixed lytic/blastic 1, blastic 0."
* #sins-alignment "SINS radiographic spinal alignment" "SINS element, an imaging finding at one level: subluxation or translation 4 points, de novo deformity (kyphosis or scoliosis) 2, normal alignment 0."
* #sins-collapse "SINS vertebral body collapse" "SINS element, an imaging finding at one level: collapse of 50 % or more 3 points, collapse under 50 % 2, no collapse with more than 50 % of the body involved 1, none of these 0."
* #sins-posterolateral "SINS posterolateral involvement" "SINS element, an imaging finding at one level: involvement of the posterolateral spinal elements (facet, pedicle or costovertebral joint fracture or replacement by tumour) bilateral 3 points, unilateral 1, none 0."
* #pain-mechanical "Mechanical pain" "SINS pain answer (3 points): pain that improves when lying down and/or is brought on by movement or loading of the spine."
* #pain-occasional-non-mechanical "Occasional non-mechanical pain" "SINS pain answer (1 point): occasional pain at the level that is not mechanical."
* #pain-free "Pain-free lesion" "SINS pain answer (0 points): the lesion causes no pain."
* #lesion-lytic "Lytic lesion" "SINS bone lesion answer (2 points): the metastasis destroys bone (osteolytic)."
* #lesion-mixed "Mixed lytic/blastic lesion" "SINS bone lesion answer (1 point): the metastasis is partly lytic and partly blastic."
* #lesion-blastic "Blastic lesion" "SINS bone lesion answer (0 points): the metastasis forms bone (osteoblastic)."
* #alignment-subluxation-translation "Subluxation or translation" "SINS alignment answer (4 points): subluxation or translation is present at the level."
* #alignment-de-novo-deformity "De novo deformity" "SINS alignment answer (2 points): a new kyphotic or scoliotic deformity at the level."
* #alignment-normal "Normal alignment" "SINS alignment answer (0 points): spinal alignment at the level is normal."
* #collapse-50-or-more "Collapse of 50 % or more" "SINS collapse answer (3 points): the vertebral body has lost 50 % or more of its height (the contract reads the 3-point row as 50 % or more; docs/clinical-rules.md §1.3)."
* #collapse-less-than-50 "Collapse under 50 %" "SINS collapse answer (2 points): the vertebral body has lost some height, less than 50 %."
* #collapse-none-body-over-50 "No collapse, over 50 % of body involved" "SINS collapse answer (1 point): no collapse, but tumour involves more than half of the vertebral body."
* #collapse-none "No collapse" "SINS collapse answer (0 points): none of the other collapse answers applies."
* #posterolateral-bilateral "Bilateral posterolateral involvement" "SINS posterolateral answer (3 points): posterolateral elements involved on both sides."
* #posterolateral-unilateral "Unilateral posterolateral involvement" "SINS posterolateral answer (1 point): posterolateral elements involved on one side."
* #posterolateral-none "No posterolateral involvement" "SINS posterolateral answer (0 points): posterolateral elements not involved."
* #sins-stable "SINS stable (0-6)" "SINS band for totals 0 to 6: stable; no surgical consultation is needed for stability."
* #sins-potentially-unstable "SINS potentially unstable (7-12)" "SINS band for totals 7 to 12, also called indeterminate: surgical consultation is recommended and stability is the spine surgeon's call."
* #sins-unstable "SINS unstable (13-18)" "SINS band for totals 13 to 18: unstable; surgical consultation is recommended."

// ---------------------------------------------------------------------------------------------
// ESCC scale (Bilsky et al., J Neurosurg Spine 2010)
// ---------------------------------------------------------------------------------------------
* #escc-grade "ESCC grade" "Epidural Spinal Cord Compression grade at one level, read on axial T2-weighted MRI at the site of worst compression (Bilsky 2010): 0, 1a, 1b, 1c, 2 or 3."
* #escc-0 "ESCC grade 0" "ESCC grade 0: disease confined to bone."
* #escc-1a "ESCC grade 1a" "ESCC grade 1a: epidural impingement without deformation of the thecal sac."
* #escc-1b "ESCC grade 1b" "ESCC grade 1b: deformation of the thecal sac without contact with the spinal cord."
* #escc-1c "ESCC grade 1c" "ESCC grade 1c: deformation of the thecal sac with the spinal cord abutted but not compressed."
* #escc-2 "ESCC grade 2" "ESCC grade 2: spinal cord compression with cerebrospinal fluid still visible around the cord."
* #escc-3 "ESCC grade 3" "ESCC grade 3: spinal cord compression with no cerebrospinal fluid visible around the cord."
* #escc-category "ESCC category" "Whether epidural compression at one level is low-grade or high-grade, the neurologic (N) input of NOMS."
* #escc-low-grade "Low-grade ESCC (0-1c)" "ESCC grades 0, 1a, 1b and 1c: no radiographic spinal cord compression (Bilsky 2010; NOMS, Laufer 2013)."
* #escc-high-grade "High-grade ESCC (2-3)" "ESCC grades 2 and 3: radiographic spinal cord compression (Bilsky 2010; NOMS, Laufer 2013)."

// ---------------------------------------------------------------------------------------------
// Other findings read from the record (docs/fhir-input.md)
// ---------------------------------------------------------------------------------------------
* #prior-radiation "Prior radiation to the level" "Whether the vertebral level has been irradiated before (true or false). Drives the NOMS re-irradiation rule (docs/clinical-rules.md §9.4-H)."
* #myelopathy "Myelopathy" "Whether the patient has myelopathy from spinal cord compression (true or false), the clinical part of the NOMS neurologic assessment. Never inferred from imaging."
* #cauda-equina-syndrome "Cauda equina syndrome" "Whether the patient has cauda equina syndrome (true or false); NOMS treats it like myelopathy."
* #functional-radiculopathy "Functional radiculopathy" "Whether the patient has a radiculopathy that impairs function (true or false), part of the NOMS neurologic assessment."
* #frankel-grade "Frankel grade" "Neurological function below the level of the lesion on the Frankel scale (Frankel 1969), A to E; read for the revised Tokuhashi palsy item."
* #frankel-a "Frankel A" "Frankel grade A, complete: no motor or sensory function below the level."
* #frankel-b "Frankel B" "Frankel grade B, sensory only: sensation preserved, no motor function below the level."
* #frankel-c "Frankel C" "Frankel grade C, motor useless: some motor function below the level, of no practical use."
* #frankel-d "Frankel D" "Frankel grade D, motor useful: useful motor function below the level."
* #frankel-e "Frankel E" "Frankel grade E, recovery: no neurological deficit (abnormal reflexes may persist)."
* #ambulatory-status "Ambulatory status" "How the patient walks, as used by the NESMS ambulatory item (Ghori 2015; Schoenfeld 2016)."
* #ambulatory-independent "Independently ambulatory" "The patient walks without help or assistive device."
* #ambulatory-assisted "Ambulatory with assistance" "The patient walks only with help or an assistive device."
* #non-ambulatory "Non-ambulatory" "The patient cannot walk."
* #extraspinal-bone-metastases-count "Number of extraspinal bone metastases" "Count of bone metastasis foci outside the spine, as used by the revised Tokuhashi score (Tokuhashi 2005); an integer of 0 or more."
* #vertebral-metastases-count "Number of vertebral metastases" "Count of vertebrae with metastases, as used by the revised Tokuhashi score (Tokuhashi 2005); an integer of 1 or more for a patient with spinal metastases."
* #major-organ-metastases "Metastases to the major internal organs" "Metastases to the major internal organs (lung, liver, kidney, brain) as classified for the revised Tokuhashi score (Tokuhashi 2005): none, removable or unremovable."
* #organ-mets-none "No major organ metastases" "Revised Tokuhashi: no metastases to the major internal organs (2 points)."
* #organ-mets-removable "Removable major organ metastases" "Revised Tokuhashi: metastases to the major internal organs that can be removed (1 point)."
* #organ-mets-unremovable "Unremovable major organ metastases" "Revised Tokuhashi: metastases to the major internal organs that cannot be removed (0 points)."
* #visceral-metastases "Visceral metastases" "Visceral metastases as classified for the Tomita score (Tomita 2001): none, treatable or untreatable."
* #visceral-none "No visceral metastases" "Tomita: no visceral metastasis (0 points)."
* #visceral-treatable "Treatable visceral metastases" "Tomita: visceral metastases that are treatable (2 points)."
* #visceral-untreatable "Untreatable visceral metastases" "Tomita: visceral metastases that are untreatable (4 points)."
* #surgical-candidate "Able to tolerate surgery" "Clinician's judgement that the patient can tolerate surgery given systemic disease, comorbidities and expected survival (true or false): the systemic (S) input of NOMS, which gives no numeric threshold."
* #stability-assessment "Spine surgeon's stability assessment" "The spine surgeon's call on the mechanical stability of one level, needed when SINS is 7 to 12: stable or unstable."
* #stable "Stable" "The surgeon judges the level mechanically stable."
* #unstable "Unstable" "The surgeon judges the level mechanically unstable."
* #sois "Spine Oncology Imaging Score" "Spine Oncology Imaging Score (SOIS) of Penn Medicine's structured spine MRI report, as sent by the reporting system. Shown to the user, never computed or interpreted (docs/clinical-rules.md §10)."

// ---------------------------------------------------------------------------------------------
// Radiosensitivity, the oncologic (O) input of NOMS (Laufer 2013; docs/clinical-rules.md §3)
// ---------------------------------------------------------------------------------------------
* #radiosensitivity "Radiosensitivity to conventional radiotherapy" "Class of the primary tumour's response to conventional external beam radiotherapy (cEBRT), the oncologic input of NOMS."
* #radiosensitive-hematologic "Radiosensitive, haematological" "Lymphoma, multiple myeloma or plasmacytoma: highly sensitive to cEBRT."
* #radiosensitive-solid "Radiosensitive, solid tumour" "Solid tumours that respond to cEBRT, for example breast, prostate, ovarian and neuroendocrine carcinomas and seminoma."
* #radioresistant "Radioresistant" "Tumours that respond poorly to cEBRT, for example renal cell, colorectal, non-small-cell lung, thyroid and hepatocellular carcinoma, melanoma and sarcoma."
* #histology-unknown "Histology unknown" "No tissue diagnosis yet: the class cannot be assigned until a biopsy is available."
* #histology-unclassified "Histology unclassified" "A diagnosis exists but no source used by NOMS-CDS classifies its radiosensitivity; a clinician must decide."

// ---------------------------------------------------------------------------------------------
// Revised Tokuhashi score (Tokuhashi et al., Spine 2005)
// ---------------------------------------------------------------------------------------------
* #tokuhashi-revised-score "Revised Tokuhashi score" "Revised Tokuhashi score for preoperative prognosis of spinal metastases: the sum of six items, 0 to 15 (Tokuhashi 2005)."
* #tokuhashi-general-condition "Tokuhashi general condition" "Revised Tokuhashi item, general condition by Karnofsky performance status (LOINC 89243-0, as in mCODE Karnofsky Performance Status): poor (10-40 %) 0 points, moderate (50-70 %) 1, good (80-100 %) 2."
* #tokuhashi-extraspinal-bone-metastases "Tokuhashi extraspinal bone metastases" "Revised Tokuhashi item, number of extraspinal bone metastasis foci: 3 or more 0 points, 1 to 2 1 point, none 2."
* #tokuhashi-vertebral-metastases "Tokuhashi vertebral metastases" "Revised Tokuhashi item, number of metastases in the vertebral bodies: 3 or more 0 points, 2 1 point, 1 2 points."
* #tokuhashi-major-organ-metastases "Tokuhashi major organ metastases" "Revised Tokuhashi item, metastases to the major internal organs: unremovable 0 points, removable 1, none 2."
* #tokuhashi-primary-site "Tokuhashi primary site" "Revised Tokuhashi item, primary site of the cancer, 0 to 5 points (for example lung 0, liver 1, others 2, kidney 3, rectum 4, breast 5)."
* #tokuhashi-palsy "Tokuhashi palsy" "Revised Tokuhashi item, palsy by Frankel grade: complete (A, B) 0 points, incomplete (C, D) 1, none (E) 2."
* #survival-lt-6-months "Predicted survival under 6 months" "Revised Tokuhashi band for totals 0 to 8: predicted survival under 6 months."
* #survival-6-months-or-more "Predicted survival 6 months or more" "Revised Tokuhashi band for totals 9 to 11: predicted survival of 6 months or more."
* #survival-12-months-or-more "Predicted survival 12 months or more" "Revised Tokuhashi band for totals 12 to 15: predicted survival of one year or more."

// ---------------------------------------------------------------------------------------------
// Tomita score (Tomita et al., Spine 2001)
// ---------------------------------------------------------------------------------------------
* #tomita-score "Tomita score" "Tomita prognostic score for surgical strategy in spinal metastases: the sum of three items, 2 to 10 (Tomita 2001)."
* #tomita-primary-growth "Tomita primary tumour growth" "Tomita item, growth rate of the primary tumour: slow (breast, thyroid, ...) 1 point, moderate (kidney, uterus, ...) 2, rapid (lung, stomach, ...) 4."
* #tomita-visceral-metastases "Tomita visceral metastases" "Tomita item, visceral metastases: none 0 points, treatable 2, untreatable 4."
* #tomita-bone-metastases "Tomita bone metastases" "Tomita item, bone metastases including the spine: solitary or isolated 1 point, multiple 2."
* #tomita-long-term-control "Tomita long-term local control (2-3)" "Tomita band for totals 2 to 3: goal of long-term local control (wide or marginal excision)."
* #tomita-middle-term-control "Tomita middle-term local control (4-5)" "Tomita band for totals 4 to 5: goal of middle-term local control (marginal or intralesional excision)."
* #tomita-short-term-palliation "Tomita short-term palliation (6-7)" "Tomita band for totals 6 to 7: goal of short-term palliation (palliative surgery)."
* #tomita-terminal-care "Tomita terminal care (8-10)" "Tomita band for totals 8 to 10: terminal care (non-operative supportive care)."

// ---------------------------------------------------------------------------------------------
// Modified Bauer score (Leithner et al., Eur Spine J 2008) and NESMS (Ghori 2015; Schoenfeld 2016)
// ---------------------------------------------------------------------------------------------
* #modified-bauer-score "Modified Bauer score" "Modified Bauer score: one point for each of four favourable factors, 0 to 4 (Leithner 2008; the pathological fracture item of the original Bauer score is dropped)."
* #bauer-no-visceral-metastases "Bauer: no visceral metastases" "Modified Bauer item (1 point): the patient has no visceral metastases."
* #bauer-not-lung-primary "Bauer: primary not lung cancer" "Modified Bauer item (1 point): the primary tumour is not lung cancer."
* #bauer-favourable-primary "Bauer: favourable primary" "Modified Bauer item (1 point): the primary tumour is breast, kidney, lymphoma or multiple myeloma."
* #bauer-solitary-skeletal-metastasis "Bauer: solitary skeletal metastasis" "Modified Bauer item (1 point): the patient has one solitary skeletal metastasis."
* #nesms-score "NESMS" "New England Spinal Metastasis Score: 2 points for a modified Bauer score of 3 or more, 1 for independent ambulation, 1 for serum albumin of 3.5 g/dL or more, capped at 3 (Ghori 2015; Schoenfeld 2016). Higher is better one-year survival."
* #nesms-modified-bauer "NESMS modified Bauer item" "NESMS item: modified Bauer score of 3 or more, 2 points; otherwise 0."
* #nesms-ambulatory "NESMS ambulatory item" "NESMS item: independently ambulatory, 1 point; otherwise 0."
* #nesms-albumin "NESMS albumin item" "NESMS item: serum albumin (LOINC 1751-7) of 3.5 g/dL (35 g/L) or more, 1 point; otherwise 0."

// ---------------------------------------------------------------------------------------------
// NOMS recommendation (Laufer 2013; Barzilai 2017; docs/clinical-rules.md §9)
// ---------------------------------------------------------------------------------------------
* #noms-recommendation "NOMS recommendation" "Treatment plan that the NOMS framework gives for one vertebral level, with its radiation, surgery and stabilization parts, the rules applied, flags and missing inputs."
* #plan-cebrt "Conventional external beam radiotherapy" "NOMS plan: cEBRT alone."
* #plan-srs "Stereotactic radiosurgery" "NOMS plan: stereotactic radiosurgery (SRS) alone."
* #plan-stabilization-then-cebrt "Stabilization, then cEBRT" "NOMS plan: stabilize the unstable level, then cEBRT."
* #plan-stabilization-then-srs "Stabilization, then SRS" "NOMS plan: stabilize the unstable level, then SRS."
* #plan-separation-surgery-then-srs "Separation surgery, then SRS" "NOMS plan (hybrid therapy): decompression and stabilization (separation surgery), then SRS."
* #plan-urgent-decompression-then-radiation "Urgent decompression, then radiation" "NOMS plan: urgent surgical decompression (and stabilization), then radiation."
* #plan-needs-clinician-input "Needs clinician input" "No plan can be given: a required input is missing or the branch is not defined by NOMS. The components say what is known."
* #plan-out-of-scope "Out of scope of NOMS" "NOMS, ESCC and SINS do not apply to this level (for example an intramedullary metastasis or leptomeningeal disease)."
* #noms-radiation "NOMS radiation" "Radiation part of the NOMS recommendation for the level."
* #cebrt "cEBRT" "Conventional external beam radiotherapy."
* #srs "SRS" "Stereotactic radiosurgery."
* #srs-reirradiation "SRS re-irradiation" "Stereotactic radiosurgery to a previously irradiated level; radiation-oncology review of cumulative cord dose."
* #radiation-undetermined "Radiation undetermined" "The radiation part cannot be determined from the inputs."
* #noms-surgery "NOMS surgery" "Decompressive surgery part of the NOMS recommendation for the level."
* #surgery-none "No decompressive surgery" "Decompressive surgery is not indicated by the neurologic and oncologic assessment."
* #separation-surgery "Separation surgery" "Decompression and stabilization to separate tumour from the spinal cord before SRS."
* #urgent-decompression "Urgent decompression" "Urgent or emergent surgical decompression."
* #surgery-undetermined "Surgery undetermined" "The surgery part cannot be determined from the inputs."
* #noms-stabilization "NOMS stabilization" "Stabilization part of the NOMS recommendation for the level (the mechanical assessment)."
* #stabilization-none "No stabilization" "The level is mechanically stable; no stabilization is needed."
* #stabilization-required "Stabilization required" "The level is mechanically unstable and needs stabilization."
* #stabilization-surgical-consultation "Surgical consultation for stability" "SINS 7 to 12 without a surgeon's call: a spine surgical consultation decides."
* #stabilization-undetermined "Stabilization undetermined" "The stabilization part cannot be determined from the inputs."
* #noms-rule "NOMS rule applied" "Identifier of a decision rule that produced the recommendation (for example R7 or special-C), given as a string."
* #noms-missing "NOMS missing input" "Name of an input that the recommendation needed and did not have, given as a string."
* #noms-flag "NOMS flag" "A flag attached to a result, with one of the flag codes as its value."
* #flag-escc-1c "ESCC 1c: management debated" "ESCC grade 1c counts as low-grade in NOMS, but the role of surgery or radiosurgery at 1c is debated."
* #flag-sins-indeterminate "SINS indeterminate: surgical consultation" "SINS 7 to 12 without a surgeon's stability call: surgical consultation recommended."
* #flag-consider-upfront-surgery "Consider upfront surgery" "Radiosensitive solid tumour with myelopathy: upfront decompression is usually considered because cEBRT acts too slowly for neurologic recovery."
* #flag-hypofractionated-srs-option "Hypofractionated SRS is an option" "ESCC grade 2, radioresistant tumour, no myelopathy: high-dose hypofractionated SRS is an alternative to separation surgery."
* #flag-reirradiation "Re-irradiation" "The level was irradiated before: SRS preferred; cumulative cord dose to be reviewed by radiation oncology."
* #flag-obtain-tissue-diagnosis "Obtain a tissue diagnosis" "Histology is unknown: a biopsy is needed before the oncologic assessment."
* #flag-conflicting-data "Conflicting data" "The record holds contradictory values for an input; the newest was used and the conflict is reported."
* #flag-preliminary-data "Preliminary data" "An input used came from a preliminary result."
* #flag-myelopathy-unexplained "Myelopathy not explained by this level" "Myelopathy or cauda equina syndrome is present, but this level's compression cannot cause it (ESCC 0 or 1a at any level, or 1b where the cord lies above the conus): the plan follows the rows without myelopathy; look for another level or cause."
* #flag-confirm-surgical-candidacy "Confirm surgical candidacy" "Urgent decompression is recommended for myelopathy from a tumour of unknown histology (NOMS special case C) while the patient's ability to tolerate surgery is not recorded: confirm it."
* #flag-prior-radiation-adjacent "Prior radiation at an adjacent level" "Radiotherapy is recorded at the level above or below: radiation oncology to review the overlap of the fields."

// ---------------------------------------------------------------------------------------------
// Urgency (docs/clinical-rules.md §15.2)
// ---------------------------------------------------------------------------------------------
* #spine-urgency "Spine urgency" "How urgently a spinal metastasis needs attention, for one vertebral level or for the patient: emergent, urgent, routine or none, or undetermined when the inputs leave a range (then the at-least and at-most components give it)."
* #urgency-emergent "Emergent" "Urgency tier: high-grade epidural spinal cord compression (ESCC 2-3, or cord compression without a grade) with myelopathy or cauda equina syndrome at the level."
* #urgency-urgent "Urgent" "Urgency tier: high-grade epidural compression without myelopathy or cauda equina syndrome, SINS 13-18, or SINS 7-12 with mechanical pain."
* #urgency-routine "Routine" "Urgency tier: a spinal metastasis that meets none of the emergent or urgent criteria."
* #urgency-none "None" "Urgency tier: no spinal metastasis on record."
* #urgency-undetermined "Undetermined" "The inputs leave more than one urgency tier possible: the at-least and at-most components give the range, and the missing components the inputs that decide."
* #urgency-at-least "Urgency at least" "The lowest urgency tier that is certain whatever the unknown inputs are."
* #urgency-at-most "Urgency at most" "The highest urgency tier still possible; an output never says routine while emergent is possible."
* #urgency-reason "Urgency reason" "One reason for the urgency tiers, in words, given as a string."

// ---------------------------------------------------------------------------------------------
// NOMS assessment (RiskAssessment)
// ---------------------------------------------------------------------------------------------
* #noms-assessment "NOMS assessment" "Per-level NOMS assessment: the qualitative risks of neurologic deterioration and mechanical failure with the recommendation as mitigation. A presentation of published bands, not a prediction model."
* #neurologic-deterioration "Neurologic deterioration" "Outcome: neurologic deterioration from epidural spinal cord compression at the level."
* #mechanical-failure "Mechanical failure" "Outcome: mechanical failure (fracture progression, deformity or instability) of the level."
