"""Local sandbox EHR for the demo and the tests; never imported by `service` or `smart_app`."""
