// Value sets of what NOMS-CDS writes (docs/fhir-output.md). Every code but
// the result statuses and the qualitative risks is in the spine-oncology code system.

ValueSet: ResultStatusVS
Id: noms-result-status-vs
Title: "Result Status Values"
Description: "Statuses NOMS-CDS writes on its results: final, or preliminary when any input used came from a preliminary Observation."
* ^experimental = false
* OBSSTATUS#final
* OBSSTATUS#preliminary

ValueSet: SinsBandVS
Id: noms-sins-band-vs
Title: "SINS Bands"
Description: "SINS interpretation bands (Fourney 2011): stable 0-6, potentially unstable 7-12, unstable 13-18."
* ^experimental = false
* SO#sins-stable
* SO#sins-potentially-unstable
* SO#sins-unstable

ValueSet: EsccCategoryVS
Id: noms-escc-category-vs
Title: "ESCC Categories"
Description: "Low-grade (ESCC 0-1c) or high-grade (ESCC 2-3) epidural spinal cord compression, as NOMS uses it."
* ^experimental = false
* SO#escc-low-grade
* SO#escc-high-grade

ValueSet: RadiosensitivityVS
Id: noms-radiosensitivity-vs
Title: "Radiosensitivity Classes"
Description: "Radiosensitivity classes of the NOMS oncologic assessment (response to conventional external beam radiotherapy), with the two classes that need a clinician: unknown and unclassified histology."
* ^experimental = false
* SO#radiosensitive-hematologic
* SO#radiosensitive-solid
* SO#radioresistant
* SO#histology-unknown
* SO#histology-unclassified

ValueSet: TokuhashiBandVS
Id: noms-tokuhashi-band-vs
Title: "Revised Tokuhashi Bands"
Description: "Predicted survival bands of the revised Tokuhashi score (Tokuhashi 2005): 0-8, 9-11, 12-15."
* ^experimental = false
* SO#survival-lt-6-months
* SO#survival-6-months-or-more
* SO#survival-12-months-or-more

ValueSet: TomitaBandVS
Id: noms-tomita-band-vs
Title: "Tomita Bands"
Description: "Treatment goal bands of the Tomita score (Tomita 2001): 2-3, 4-5, 6-7, 8-10."
* ^experimental = false
* SO#tomita-long-term-control
* SO#tomita-middle-term-control
* SO#tomita-short-term-palliation
* SO#tomita-terminal-care

ValueSet: NomsPlanVS
Id: noms-plan-vs
Title: "NOMS Plans"
Description: "Plans a NOMS recommendation can give for one level, including the two that hand the decision back to a clinician."
* ^experimental = false
* SO#plan-cebrt
* SO#plan-srs
* SO#plan-stabilization-then-cebrt
* SO#plan-stabilization-then-srs
* SO#plan-separation-surgery-then-srs
* SO#plan-urgent-decompression-then-radiation
* SO#plan-needs-clinician-input
* SO#plan-out-of-scope

ValueSet: NomsRadiationVS
Id: noms-radiation-vs
Title: "NOMS Radiation Options"
Description: "Radiation part of a NOMS recommendation."
* ^experimental = false
* SO#cebrt
* SO#srs
* SO#srs-reirradiation
* SO#radiation-undetermined

ValueSet: NomsSurgeryVS
Id: noms-surgery-vs
Title: "NOMS Surgery Options"
Description: "Decompressive surgery part of a NOMS recommendation."
* ^experimental = false
* SO#surgery-none
* SO#separation-surgery
* SO#urgent-decompression
* SO#surgery-undetermined

ValueSet: NomsStabilizationVS
Id: noms-stabilization-vs
Title: "NOMS Stabilization Options"
Description: "Stabilization part of a NOMS recommendation."
* ^experimental = false
* SO#stabilization-none
* SO#stabilization-required
* SO#stabilization-surgical-consultation
* SO#stabilization-undetermined

ValueSet: NomsFlagVS
Id: noms-flag-vs
Title: "NOMS Flags"
Description: "Flags NOMS-CDS attaches to a recommendation or an ESCC category."
* ^experimental = false
* SO#flag-escc-1c
* SO#flag-sins-indeterminate
* SO#flag-consider-upfront-surgery
* SO#flag-hypofractionated-srs-option
* SO#flag-reirradiation
* SO#flag-obtain-tissue-diagnosis
* SO#flag-conflicting-data
* SO#flag-preliminary-data
* SO#flag-myelopathy-unexplained
* SO#flag-confirm-surgical-candidacy
* SO#flag-prior-radiation-adjacent

ValueSet: NomsOutcomeVS
Id: noms-outcome-vs
Title: "NOMS Assessment Outcomes"
Description: "The two outcomes a NOMS assessment states a qualitative risk for."
* ^experimental = false
* SO#neurologic-deterioration
* SO#mechanical-failure

ValueSet: QualitativeRiskVS
Id: noms-qualitative-risk-vs
Title: "NOMS Qualitative Risks"
Description: "The three levels of the HL7 risk-probability code system that a NOMS assessment uses: low, moderate, high."
* ^experimental = false
* RISKPROB#low "Low likelihood"
* RISKPROB#moderate "Moderate likelihood"
* RISKPROB#high "High likelihood"

ValueSet: UrgencyTierVS
Id: noms-urgency-tier-vs
Title: "Urgency Tiers"
Description: "The four urgency tiers of a spinal metastasis (docs/clinical-rules.md §15.2), lowest to highest: none, routine, urgent, emergent."
* ^experimental = false
* SO#urgency-none
* SO#urgency-routine
* SO#urgency-urgent
* SO#urgency-emergent

ValueSet: UrgencyValueVS
Id: noms-urgency-value-vs
Title: "Urgency Values"
Description: "The value of an urgency result: a tier when it is certain, else undetermined (the components give the range)."
* ^experimental = false
* include codes from valueset UrgencyTierVS
* SO#urgency-undetermined
