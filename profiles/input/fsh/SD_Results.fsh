// Profiles of the result Observations NOMS-CDS writes (docs/fhir-output.md). Scored results follow the single-resource-with-components pattern of the
// FHIR Apgar example and the survey category of US Core Observation Screening Assessment
// (http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment);
// mCODE also models scored assessments as Observations with a fixed code (ECOG, Karnofsky).

Profile: SinsScore
Parent: Observation
Id: noms-sins-score
Title: "SINS Score Profile"
Description: "Spinal Instability Neoplastic Score (Fisher 2010) for one vertebral level: the total (integer 0-18, or a Range when elements are unknown), exactly six components with each element's points, and the band as interpretation only when it is certain."
* insert ResultObservationRules(sins-score)
* insert PerLevelRules
* insert ScoreRules
* obeys noms-sins-points and noms-sins-band
* component 6..6
* component contains
    location 1..1 and
    pain 1..1 and
    boneLesion 1..1 and
    alignment 1..1 and
    collapse 1..1 and
    posterolateral 1..1
* insert PointsComponent(location, sins-location, Location: junctional 3 / mobile 2 / semi-rigid 1 / rigid 0)
* insert PointsComponent(pain, sins-pain, Pain: mechanical 3 / occasional 1 / pain-free 0)
* insert PointsComponent(boneLesion, sins-bone-lesion, Bone lesion: lytic 2 / mixed 1 / blastic 0)
* insert PointsComponent(alignment, sins-alignment, Alignment: subluxation 4 / de novo deformity 2 / normal 0)
* insert PointsComponent(collapse, sins-collapse, Collapse: 50 % or more 3 / under 50 % 2 / none with body over 50 % 1 / none 0)
* insert PointsComponent(posterolateral, sins-posterolateral, Posterolateral: bilateral 3 / unilateral 1 / none 0)
* interpretation 0..1 MS
* interpretation from SinsBandVS (required)
* interpretation ^short = "The band, only when every possible total lies in it"

Profile: EsccCategory
Parent: Observation
Id: noms-escc-category
Title: "ESCC Category Profile"
Description: "Epidural spinal cord compression at one vertebral level (Bilsky 2010) as NOMS uses it: low-grade (0-1c) or high-grade (2-3), with the grade as a component (or a dataAbsentReason when compression is known without a sub-grade) and the flag for grade 1c."
* insert ResultObservationRules(escc-category)
* insert PerLevelRules
* insert ComponentSlicing
* obeys noms-escc-category-matches-grade and noms-escc-flag
* value[x] only CodeableConcept
* value[x] from EsccCategoryVS (required)
* dataAbsentReason ^short = "Why the category is unknown"
* component 1..2
* component contains
    grade 1..1 and
    flag 0..1
* component[grade] ^short = "ESCC grade, or dataAbsentReason when only compression is known"
* component[grade].code = SO#escc-grade
* component[grade].value[x] only CodeableConcept
* component[grade].value[x] from EsccGradeVS (required)
* component[flag] ^short = "Flag for grade 1c (management debated)"
* component[flag].code = SO#noms-flag
* component[flag].value[x] only CodeableConcept
* component[flag].value[x] from NomsFlagVS (required)
* insert NotUsed(interpretation)

Profile: Radiosensitivity
Parent: Observation
Id: noms-radiosensitivity
Title: "Radiosensitivity Profile"
Description: "The oncologic (O) assessment of NOMS for the patient: the primary tumour's class of response to conventional external beam radiotherapy, or unknown / unclassified histology. A dataAbsentReason when there is no primary cancer on record or the primaries conflict. The primary cancer Condition it was derived from (mCODE Primary Cancer Condition, http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition, where available) is referenced by the core extension workflow-supportingInfo, since R4 derivedFrom cannot point to a Condition."
* insert ResultObservationRules(radiosensitivity)
* insert PatientLevelRules
* value[x] only CodeableConcept
* value[x] from RadiosensitivityVS (required)
* insert NotUsed(component)
* insert NotUsed(interpretation)

Profile: TokuhashiRevisedScore
Parent: Observation
Id: noms-tokuhashi-revised-score
Title: "Revised Tokuhashi Score Profile"
Description: "Revised Tokuhashi score (Tokuhashi 2005) for the patient: total 0-15 (integer, or Range when items are unknown), exactly six items as components, and the predicted survival band as interpretation only when it is certain. Information only: NOMS does not use it."
* insert ResultObservationRules(tokuhashi-revised-score)
* insert PatientLevelRules
* insert ScoreRules
* obeys noms-tokuhashi-points and noms-tokuhashi-band
* component 6..6
* component contains
    generalCondition 1..1 and
    extraspinalBoneMetastases 1..1 and
    vertebralMetastases 1..1 and
    majorOrganMetastases 1..1 and
    primarySite 1..1 and
    palsy 1..1
* insert PointsComponent(generalCondition, tokuhashi-general-condition, General condition by Karnofsky: 0-2)
* insert PointsComponent(extraspinalBoneMetastases, tokuhashi-extraspinal-bone-metastases, Extraspinal bone metastasis foci: 0-2)
* insert PointsComponent(vertebralMetastases, tokuhashi-vertebral-metastases, Vertebral body metastases: 0-2)
* insert PointsComponent(majorOrganMetastases, tokuhashi-major-organ-metastases, Metastases to major internal organs: 0-2)
* insert PointsComponent(primarySite, tokuhashi-primary-site, Primary site: 0-5)
* insert PointsComponent(palsy, tokuhashi-palsy, Palsy by Frankel grade: 0-2)
* interpretation 0..1 MS
* interpretation from TokuhashiBandVS (required)
* interpretation ^short = "Predicted survival band, only when every possible total lies in it"

Profile: TomitaScore
Parent: Observation
Id: noms-tomita-score
Title: "Tomita Score Profile"
Description: "Tomita score (Tomita 2001) for the patient: total 2-10 (integer, or Range when items are unknown), exactly three items as components, and the treatment-goal band as interpretation only when it is certain. Information only: NOMS does not use it."
* insert ResultObservationRules(tomita-score)
* insert PatientLevelRules
* insert ScoreRules
* obeys noms-tomita-points and noms-tomita-band
* component 3..3
* component contains
    primaryGrowth 1..1 and
    visceralMetastases 1..1 and
    boneMetastases 1..1
* insert PointsComponent(primaryGrowth, tomita-primary-growth, Primary tumour growth: slow 1 / moderate 2 / rapid 4)
* insert PointsComponent(visceralMetastases, tomita-visceral-metastases, Visceral metastases: none 0 / treatable 2 / untreatable 4)
* insert PointsComponent(boneMetastases, tomita-bone-metastases, Bone metastases: solitary 1 / multiple 2)
* interpretation 0..1 MS
* interpretation from TomitaBandVS (required)
* interpretation ^short = "Treatment-goal band, only when every possible total lies in it"

Profile: ModifiedBauerScore
Parent: Observation
Id: noms-modified-bauer-score
Title: "Modified Bauer Score Profile"
Description: "Modified Bauer score (Leithner 2008) for the patient: total 0-4 (integer, or Range when items are unknown) and exactly four one-point items as components. Information only: NOMS does not use it."
* insert ResultObservationRules(modified-bauer-score)
* insert PatientLevelRules
* insert ScoreRules
* obeys noms-bauer-points
* component 4..4
* component contains
    noVisceralMetastases 1..1 and
    notLungPrimary 1..1 and
    favourablePrimary 1..1 and
    solitarySkeletalMetastasis 1..1
* insert PointsComponent(noVisceralMetastases, bauer-no-visceral-metastases, No visceral metastases: 1 point)
* insert PointsComponent(notLungPrimary, bauer-not-lung-primary, Primary tumour not lung: 1 point)
* insert PointsComponent(favourablePrimary, bauer-favourable-primary, Breast / kidney / lymphoma / myeloma primary: 1 point)
* insert PointsComponent(solitarySkeletalMetastasis, bauer-solitary-skeletal-metastasis, Solitary skeletal metastasis: 1 point)
* insert NotUsed(interpretation)

Profile: NesmsScore
Parent: Observation
Id: noms-nesms-score
Title: "NESMS Profile"
Description: "New England Spinal Metastasis Score (Ghori 2015; Schoenfeld 2016) for the patient: total 0-3, the capped sum of three items given as components (integer, or Range when items are unknown). Information only: NOMS does not use it."
* insert ResultObservationRules(nesms-score)
* insert PatientLevelRules
* obeys noms-score-range and noms-nesms-points
* value[x] only integer or Range
* value[x] ^short = "Total: the items' sum capped at 3; Range when items are unknown"
* insert ComponentSlicing
* component 3..3
* component contains
    modifiedBauer 1..1 and
    ambulatory 1..1 and
    albumin 1..1
* insert PointsComponent(modifiedBauer, nesms-modified-bauer, Modified Bauer score 3 or more: 2 points)
* insert PointsComponent(ambulatory, nesms-ambulatory, Independently ambulatory: 1 point)
* insert PointsComponent(albumin, nesms-albumin, Serum albumin 3.5 g/dL or more: 1 point)
* insert NotUsed(interpretation)

Profile: NomsRecommendation
Parent: Observation
Id: noms-recommendation
Title: "NOMS Recommendation Profile"
Description: "The NOMS framework's recommendation for one vertebral level (Laufer 2013; Barzilai 2017): the plan as value, exactly one radiation, one surgery and one stabilization part, every rule applied, and any flags and missing inputs. When an input is missing or the branch is undefined the plan is plan-needs-clinician-input and the components say what is known."
* insert ResultObservationRules(noms-recommendation)
* insert PerLevelRules
* insert ComponentSlicing
* value[x] 1..1
* value[x] only CodeableConcept
* value[x] from NomsPlanVS (required)
* insert NotUsed(dataAbsentReason)
* component 4..*
* component contains
    radiation 1..1 and
    surgery 1..1 and
    stabilization 1..1 and
    rule 1..* and
    flag 0..* and
    missing 0..*
* component[radiation].code = SO#noms-radiation
* component[radiation].value[x] 1..1
* component[radiation].value[x] only CodeableConcept
* component[radiation].value[x] from NomsRadiationVS (required)
* component[surgery].code = SO#noms-surgery
* component[surgery].value[x] 1..1
* component[surgery].value[x] only CodeableConcept
* component[surgery].value[x] from NomsSurgeryVS (required)
* component[stabilization].code = SO#noms-stabilization
* component[stabilization].value[x] 1..1
* component[stabilization].value[x] only CodeableConcept
* component[stabilization].value[x] from NomsStabilizationVS (required)
* component[rule] ^short = "A rule applied, e.g. R7 or special-C"
* component[rule].code = SO#noms-rule
* component[rule].value[x] 1..1
* component[rule].value[x] only string
* component[flag].code = SO#noms-flag
* component[flag].value[x] 1..1
* component[flag].value[x] only CodeableConcept
* component[flag].value[x] from NomsFlagVS (required)
* component[missing] ^short = "Name of an input that was needed and missing"
* component[missing].code = SO#noms-missing
* component[missing].value[x] 1..1
* component[missing].value[x] only string
* insert NotUsed(interpretation)

Profile: SpineUrgency
Parent: Observation
Id: noms-spine-urgency
Title: "Spine Urgency Profile"
Description: "How urgently a spinal metastasis needs attention (docs/clinical-rules.md §15.2), for one vertebral level (with bodySite) or for the patient (without): the tier as value when it is certain, else urgency-undetermined; the lowest certain and the highest possible tier as components, one component per reason, and one noms-missing component per input that decides between the tiers. An urgency never says routine while emergent is possible."
* insert ResultObservationRules(spine-urgency)
* insert ComponentSlicing
* obeys noms-urgency-value and noms-urgency-order
* value[x] 1..1
* value[x] only CodeableConcept
* value[x] from UrgencyValueVS (required)
* insert NotUsed(dataAbsentReason)
* bodySite 0..1 MS
* bodySite from VertebraVS (required)
* bodySite ^short = "The vertebral level, for a level's urgency; absent for the patient's"
* focus 0..1 MS
* focus only Reference(Condition)
* focus ^short = "The spinal metastasis Condition at this level, when the chart has one"
* component 3..*
* component contains
    atLeast 1..1 and
    atMost 1..1 and
    reason 1..* and
    missing 0..*
* component[atLeast] ^short = "The lowest tier that is certain"
* component[atLeast].code = SO#urgency-at-least
* component[atLeast].value[x] 1..1
* component[atLeast].value[x] only CodeableConcept
* component[atLeast].value[x] from UrgencyTierVS (required)
* component[atMost] ^short = "The highest tier still possible"
* component[atMost].code = SO#urgency-at-most
* component[atMost].value[x] 1..1
* component[atMost].value[x] only CodeableConcept
* component[atMost].value[x] from UrgencyTierVS (required)
* component[reason] ^short = "One reason, in words"
* component[reason].code = SO#urgency-reason
* component[reason].value[x] 1..1
* component[reason].value[x] only string
* component[missing] ^short = "An input the chart could still supply that decides between the tiers"
* component[missing].code = SO#noms-missing
* component[missing].value[x] 1..1
* component[missing].value[x] only string
* insert NotUsed(interpretation)
