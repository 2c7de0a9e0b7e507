"""SMART on FHIR launch UI (the app embedded in the EHR chart); built on `service.workflow`."""
