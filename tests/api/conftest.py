"""API fixtures: the sandbox FHIR store as the EHR (shared with the CDS tests)."""

from tests.cds.conftest import demo_store_app, fhir_store, store_admin  # noqa: F401
