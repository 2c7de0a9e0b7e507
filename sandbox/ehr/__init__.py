"""The sandbox EHR: FHIR store, SMART authorization server and EHR page on one loopback port.

    from sandbox.ehr import EhrConfig, app_registration, serve_ehr

    app = app_registration("http://127.0.0.1:5000/launch", ["http://127.0.0.1:5000/callback"])
    with serve_ehr(EhrConfig(auth=AuthConfig(clients=(app,)))) as ehr:
        ...  # ehr.root_url (EHR page), ehr.fhir_base, ehr.auth_url

Run it with ``python -m sandbox.ehr``; see docs/sandbox-ehr.md.
"""

from .app import NOMS_APP_CLIENT_ID, EhrConfig, app_registration, auth_of, create_ehr_app
from .patients import demo_patients_dir
from .server import RunningEhr, running_ehr, serve_ehr

__all__ = [
    "NOMS_APP_CLIENT_ID",
    "EhrConfig",
    "RunningEhr",
    "app_registration",
    "auth_of",
    "create_ehr_app",
    "demo_patients_dir",
    "running_ehr",
    "serve_ehr",
]
