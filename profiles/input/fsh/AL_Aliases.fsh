// Code systems and canonicals used by the NOMS-CDS profiles. Every system is named through an
// alias; no profile spells a URL of its own.

// Our own code system and identifier system (docs/fhir-input.md, "Canonical base").
Alias: SO = http://noms-cds.org/fhir/CodeSystem/spine-oncology
Alias: $resultId = http://noms-cds.org/fhir/sid/result

// External terminologies.
Alias: SCT = http://snomed.info/sct
Alias: LNC = http://loinc.org
Alias: UCUM = http://unitsofmeasure.org
Alias: OBSCAT = http://terminology.hl7.org/CodeSystem/observation-category
Alias: DAR = http://terminology.hl7.org/CodeSystem/data-absent-reason
Alias: RISKPROB = http://terminology.hl7.org/CodeSystem/risk-probability
Alias: OBSSTATUS = http://hl7.org/fhir/observation-status
Alias: DATAOP = http://terminology.hl7.org/CodeSystem/v3-DataOperation
Alias: PROVTYPE = http://terminology.hl7.org/CodeSystem/provenance-participant-type
Alias: PROVROLE = http://hl7.org/fhir/provenance-entity-role
