"""Sandbox SMART on FHIR authorization server (Authlib) in front of the sandbox FHIR store.

    from sandbox.smart_auth import AuthConfig, ClientRegistration, SmartAuthServer

Normally started through ``sandbox.ehr``, which serves it with the FHIR store and the EHR page
on one port; see docs/sandbox-ehr.md.
"""

from .config import (
    DEFAULT_USERS,
    AuthConfig,
    ClientKind,
    ClientRegistration,
    SandboxUser,
    client_from_json,
    load_clients,
)
from .scopes import ScopedAccess, grant, parse_resource_scope
from .server import AUTH_PREFIX, PatientCard, PatientDirectory, SmartAuthServer
from .state import LaunchContext

__all__ = [
    "AUTH_PREFIX",
    "DEFAULT_USERS",
    "AuthConfig",
    "ClientKind",
    "ClientRegistration",
    "LaunchContext",
    "PatientCard",
    "PatientDirectory",
    "SandboxUser",
    "ScopedAccess",
    "SmartAuthServer",
    "client_from_json",
    "grant",
    "load_clients",
    "parse_resource_scope",
]
