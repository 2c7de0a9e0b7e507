"""NOMS-CDS service: FHIR in, spinal-metastasis scores and a NOMS recommendation out."""
