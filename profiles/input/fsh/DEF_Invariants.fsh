// Invariants of the NOMS-CDS profiles. Every one is a FHIRPath expression on the resource root,
// so that any FHIRPath engine (the HL7 validator, fhircraft in tests/profiles/) evaluates it the
// same way. Codes are compared without their system where a required binding or a closed slice
// already pins the system to spine-oncology.

// ---------------------------------------------------------------------------------------------
// Common
// ---------------------------------------------------------------------------------------------
Invariant: noms-value-or-absent
Description: "The Observation has a value or says why not: value[x] or dataAbsentReason is present (obs-6 forbids both)."
Expression: "value.exists() or dataAbsentReason.exists()"
Severity: #error

Invariant: noms-component-value-or-absent
Description: "Every component has exactly one of value[x] and dataAbsentReason."
Expression: "component.all(value.exists() xor dataAbsentReason.exists())"
Severity: #error

Invariant: noms-result-identifier
Description: "The result identifier is in the system http://noms-cds.org/fhir/sid/result and its value is '<kind>-<level or patient>-' followed by 24 lowercase hexadecimal digits."
Expression: "identifier.all(system = 'http://noms-cds.org/fhir/sid/result' and value.matches('^[A-Za-z0-9-]+-[0-9a-f]{24}$'))"
Severity: #error

Invariant: noms-score-range
Description: "Every Range (a total or a component's points) has low and high, each with a value in UCUM '{score}', and low is not above high."
Expression: "(value.ofType(Range) | component.value.ofType(Range)).all(low.value.exists() and high.value.exists() and low.value <= high.value and low.system = 'http://unitsofmeasure.org' and low.code = '{score}' and high.system = 'http://unitsofmeasure.org' and high.code = '{score}')"
Severity: #error

Invariant: noms-total-is-sum
Description: "A total is an integer exactly when every component has integer points, and then it is their sum; otherwise the total is a Range."
Expression: "(value.ofType(integer).exists() implies (component.all(value.ofType(integer).exists()) and value.ofType(integer) = component.value.ofType(integer).aggregate($this + $total, 0))) and (value.ofType(Range).exists() implies component.where(value.ofType(integer).empty()).exists())"
Severity: #error

// ---------------------------------------------------------------------------------------------
// Input findings
// ---------------------------------------------------------------------------------------------
Invariant: noms-imaging-answer
Description: "The answer fits the finding: SINS bone lesion, alignment, collapse and posterolateral findings take their own SINS answers and an ESCC grade takes an ESCC grade."
Expression: "value.exists() implies ((code.coding.where(code = 'sins-bone-lesion').exists() implies value.ofType(CodeableConcept).coding.where(code in ('lesion-lytic' | 'lesion-mixed' | 'lesion-blastic')).exists()) and (code.coding.where(code = 'sins-alignment').exists() implies value.ofType(CodeableConcept).coding.where(code in ('alignment-subluxation-translation' | 'alignment-de-novo-deformity' | 'alignment-normal')).exists()) and (code.coding.where(code = 'sins-collapse').exists() implies value.ofType(CodeableConcept).coding.where(code in ('collapse-50-or-more' | 'collapse-less-than-50' | 'collapse-none-body-over-50' | 'collapse-none')).exists()) and (code.coding.where(code = 'sins-posterolateral').exists() implies value.ofType(CodeableConcept).coding.where(code in ('posterolateral-bilateral' | 'posterolateral-unilateral' | 'posterolateral-none')).exists()) and (code.coding.where(code = 'escc-grade').exists() implies value.ofType(CodeableConcept).coding.where(code in ('escc-0' | 'escc-1a' | 'escc-1b' | 'escc-1c' | 'escc-2' | 'escc-3')).exists()))"
Severity: #error

Invariant: noms-organ-metastases-answer
Description: "The answer fits the finding: major organ metastases take a Tokuhashi answer (organ-mets-*), visceral metastases a Tomita answer (visceral-*)."
Expression: "value.exists() implies ((code.coding.where(code = 'major-organ-metastases').exists() implies value.ofType(CodeableConcept).coding.where(code in ('organ-mets-none' | 'organ-mets-removable' | 'organ-mets-unremovable')).exists()) and (code.coding.where(code = 'visceral-metastases').exists() implies value.ofType(CodeableConcept).coding.where(code in ('visceral-none' | 'visceral-treatable' | 'visceral-untreatable')).exists()))"
Severity: #error

Invariant: noms-count-not-negative
Description: "A metastasis count is zero or more."
Expression: "value.ofType(integer).all($this >= 0)"
Severity: #error

Invariant: noms-judgement-answer
Description: "Ability to tolerate surgery is a boolean; the surgeon's stability assessment is stable or unstable and names the vertebral level in bodySite."
Expression: "(code.coding.where(code = 'surgical-candidate').exists() implies (value.empty() or value.ofType(boolean).exists())) and (code.coding.where(code = 'stability-assessment').exists() implies (bodySite.exists() and (value.empty() or value.ofType(CodeableConcept).coding.where(code in ('stable' | 'unstable')).exists())))"
Severity: #error

// ---------------------------------------------------------------------------------------------
// Scores
// ---------------------------------------------------------------------------------------------
Invariant: noms-sins-points
Description: "SINS total is 0-18 and each element's points are among its published points: location 0-3, pain 0/1/3, bone lesion 0-2, alignment 0/2/4, collapse 0-3, posterolateral 0/1/3."
Expression: "value.ofType(integer).all($this >= 0 and $this <= 18) and value.ofType(Range).all(low.value >= 0 and high.value <= 18) and component.where(code.coding.code = 'sins-location').all(value.ofType(integer).all($this in (0 | 1 | 2 | 3)) and value.ofType(Range).all(low.value >= 0 and high.value <= 3)) and component.where(code.coding.code = 'sins-pain').all(value.ofType(integer).all($this in (0 | 1 | 3)) and value.ofType(Range).all(low.value >= 0 and high.value <= 3)) and component.where(code.coding.code = 'sins-bone-lesion').all(value.ofType(integer).all($this in (0 | 1 | 2)) and value.ofType(Range).all(low.value >= 0 and high.value <= 2)) and component.where(code.coding.code = 'sins-alignment').all(value.ofType(integer).all($this in (0 | 2 | 4)) and value.ofType(Range).all(low.value >= 0 and high.value <= 4)) and component.where(code.coding.code = 'sins-collapse').all(value.ofType(integer).all($this in (0 | 1 | 2 | 3)) and value.ofType(Range).all(low.value >= 0 and high.value <= 3)) and component.where(code.coding.code = 'sins-posterolateral').all(value.ofType(integer).all($this in (0 | 1 | 3)) and value.ofType(Range).all(low.value >= 0 and high.value <= 3))"
Severity: #error

Invariant: noms-sins-band
Description: "A SINS band is given only when every possible total lies in it: stable 0-6, potentially unstable 7-12, unstable 13-18."
Expression: "(interpretation.coding.where(code = 'sins-stable').exists() implies (value.ofType(integer).where($this <= 6).exists() or value.ofType(Range).where(high.value <= 6).exists())) and (interpretation.coding.where(code = 'sins-potentially-unstable').exists() implies (value.ofType(integer).where($this >= 7 and $this <= 12).exists() or value.ofType(Range).where(low.value >= 7 and high.value <= 12).exists())) and (interpretation.coding.where(code = 'sins-unstable').exists() implies (value.ofType(integer).where($this >= 13).exists() or value.ofType(Range).where(low.value >= 13).exists()))"
Severity: #error

Invariant: noms-tokuhashi-points
Description: "Revised Tokuhashi total is 0-15; primary site scores 0-5 and every other item 0-2."
Expression: "value.ofType(integer).all($this >= 0 and $this <= 15) and value.ofType(Range).all(low.value >= 0 and high.value <= 15) and component.where(code.coding.code = 'tokuhashi-primary-site').all(value.ofType(integer).all($this >= 0 and $this <= 5) and value.ofType(Range).all(low.value >= 0 and high.value <= 5)) and component.where(code.coding.code != 'tokuhashi-primary-site').all(value.ofType(integer).all($this >= 0 and $this <= 2) and value.ofType(Range).all(low.value >= 0 and high.value <= 2))"
Severity: #error

Invariant: noms-tokuhashi-band
Description: "A revised Tokuhashi band is given only when every possible total lies in it: under 6 months 0-8, 6 months or more 9-11, 12 months or more 12-15."
Expression: "(interpretation.coding.where(code = 'survival-lt-6-months').exists() implies (value.ofType(integer).where($this <= 8).exists() or value.ofType(Range).where(high.value <= 8).exists())) and (interpretation.coding.where(code = 'survival-6-months-or-more').exists() implies (value.ofType(integer).where($this >= 9 and $this <= 11).exists() or value.ofType(Range).where(low.value >= 9 and high.value <= 11).exists())) and (interpretation.coding.where(code = 'survival-12-months-or-more').exists() implies (value.ofType(integer).where($this >= 12).exists() or value.ofType(Range).where(low.value >= 12).exists()))"
Severity: #error

Invariant: noms-tomita-points
Description: "Tomita total is 2-10; primary growth scores 1/2/4, visceral metastases 0/2/4, bone metastases 1/2."
Expression: "value.ofType(integer).all($this >= 2 and $this <= 10) and value.ofType(Range).all(low.value >= 2 and high.value <= 10) and component.where(code.coding.code = 'tomita-primary-growth').all(value.ofType(integer).all($this in (1 | 2 | 4)) and value.ofType(Range).all(low.value >= 1 and high.value <= 4)) and component.where(code.coding.code = 'tomita-visceral-metastases').all(value.ofType(integer).all($this in (0 | 2 | 4)) and value.ofType(Range).all(low.value >= 0 and high.value <= 4)) and component.where(code.coding.code = 'tomita-bone-metastases').all(value.ofType(integer).all($this in (1 | 2)) and value.ofType(Range).all(low.value >= 1 and high.value <= 2))"
Severity: #error

Invariant: noms-tomita-band
Description: "A Tomita band is given only when every possible total lies in it: long-term control 2-3, middle-term control 4-5, short-term palliation 6-7, terminal care 8-10."
Expression: "(interpretation.coding.where(code = 'tomita-long-term-control').exists() implies (value.ofType(integer).where($this <= 3).exists() or value.ofType(Range).where(high.value <= 3).exists())) and (interpretation.coding.where(code = 'tomita-middle-term-control').exists() implies (value.ofType(integer).where($this >= 4 and $this <= 5).exists() or value.ofType(Range).where(low.value >= 4 and high.value <= 5).exists())) and (interpretation.coding.where(code = 'tomita-short-term-palliation').exists() implies (value.ofType(integer).where($this >= 6 and $this <= 7).exists() or value.ofType(Range).where(low.value >= 6 and high.value <= 7).exists())) and (interpretation.coding.where(code = 'tomita-terminal-care').exists() implies (value.ofType(integer).where($this >= 8).exists() or value.ofType(Range).where(low.value >= 8).exists()))"
Severity: #error

Invariant: noms-bauer-points
Description: "Modified Bauer total is 0-4 and each item scores 0 or 1."
Expression: "value.ofType(integer).all($this >= 0 and $this <= 4) and value.ofType(Range).all(low.value >= 0 and high.value <= 4) and component.all(value.ofType(integer).all($this in (0 | 1)) and value.ofType(Range).all(low.value >= 0 and high.value <= 1))"
Severity: #error

Invariant: noms-nesms-points
Description: "NESMS total is 0-3; the modified Bauer item scores 0 or 2, ambulatory and albumin 0 or 1; with every item known the total is their sum capped at 3."
Expression: "value.ofType(integer).all($this >= 0 and $this <= 3) and value.ofType(Range).all(low.value >= 0 and high.value <= 3) and component.where(code.coding.code = 'nesms-modified-bauer').all(value.ofType(integer).all($this in (0 | 2)) and value.ofType(Range).all(low.value >= 0 and high.value <= 2)) and component.where(code.coding.code != 'nesms-modified-bauer').all(value.ofType(integer).all($this in (0 | 1)) and value.ofType(Range).all(low.value >= 0 and high.value <= 1)) and ((value.ofType(integer).exists() and component.all(value.ofType(integer).exists())) implies value.ofType(integer) = iif(component.value.ofType(integer).aggregate($this + $total, 0) > 3, 3, component.value.ofType(integer).aggregate($this + $total, 0)))"
Severity: #error

// ---------------------------------------------------------------------------------------------
// ESCC category
// ---------------------------------------------------------------------------------------------
Invariant: noms-escc-category-matches-grade
Description: "A known ESCC grade decides the category: 0, 1a, 1b, 1c are low-grade; 2 and 3 are high-grade."
Expression: "(component.where(code.coding.code = 'escc-grade').value.ofType(CodeableConcept).coding.where(code in ('escc-0' | 'escc-1a' | 'escc-1b' | 'escc-1c')).exists() implies value.ofType(CodeableConcept).coding.where(code = 'escc-low-grade').exists()) and (component.where(code.coding.code = 'escc-grade').value.ofType(CodeableConcept).coding.where(code in ('escc-2' | 'escc-3')).exists() implies value.ofType(CodeableConcept).coding.where(code = 'escc-high-grade').exists())"
Severity: #error

Invariant: noms-escc-flag
Description: "The flag component is present exactly when the grade is 1c, and its value is flag-escc-1c."
Expression: "component.where(code.coding.code = 'noms-flag').exists() = component.where(code.coding.code = 'escc-grade').value.ofType(CodeableConcept).coding.where(code = 'escc-1c').exists() and component.where(code.coding.code = 'noms-flag').all(value.ofType(CodeableConcept).coding.where(code = 'flag-escc-1c').exists())"
Severity: #error

// ---------------------------------------------------------------------------------------------
// Provenance
// ---------------------------------------------------------------------------------------------
Invariant: noms-provenance-tag
Description: "meta.tag carries exactly one write tag: system http://noms-cds.org/fhir/sid/result, code 'provenance-' followed by 24 lowercase hexadecimal digits."
Expression: "meta.tag.where(system = 'http://noms-cds.org/fhir/sid/result').count() = 1 and meta.tag.where(system = 'http://noms-cds.org/fhir/sid/result').all(code.matches('^provenance-[0-9a-f]{24}$'))"
Severity: #error

// ---------------------------------------------------------------------------------------------
// Urgency (docs/clinical-rules.md §15.2)
// ---------------------------------------------------------------------------------------------
Invariant: noms-urgency-value
Description: "The value is the tier when the lowest certain and the highest possible tier are the same, and urgency-undetermined when they differ."
Expression: "iif(component.where(code.coding.code = 'urgency-at-least').value.ofType(CodeableConcept).coding.code = component.where(code.coding.code = 'urgency-at-most').value.ofType(CodeableConcept).coding.code, value.ofType(CodeableConcept).coding.code = component.where(code.coding.code = 'urgency-at-least').value.ofType(CodeableConcept).coding.code, value.ofType(CodeableConcept).coding.code = 'urgency-undetermined')"
Severity: #error

Invariant: noms-urgency-order
Description: "The lowest certain tier is not above the highest possible tier (none < routine < urgent < emergent)."
Expression: "(component.where(code.coding.code = 'urgency-at-least').value.ofType(CodeableConcept).coding.code = 'urgency-emergent' implies component.where(code.coding.code = 'urgency-at-most').value.ofType(CodeableConcept).coding.code = 'urgency-emergent') and (component.where(code.coding.code = 'urgency-at-least').value.ofType(CodeableConcept).coding.code = 'urgency-urgent' implies (component.where(code.coding.code = 'urgency-at-most').value.ofType(CodeableConcept).coding.code = 'urgency-urgent' or component.where(code.coding.code = 'urgency-at-most').value.ofType(CodeableConcept).coding.code = 'urgency-emergent')) and (component.where(code.coding.code = 'urgency-at-least').value.ofType(CodeableConcept).coding.code = 'urgency-routine' implies component.where(code.coding.code = 'urgency-at-most').value.ofType(CodeableConcept).coding.code != 'urgency-none') and (component.where(code.coding.code = 'urgency-at-most').value.ofType(CodeableConcept).coding.code = 'urgency-none' implies component.where(code.coding.code = 'urgency-at-least').value.ofType(CodeableConcept).coding.code = 'urgency-none')"
Severity: #error
