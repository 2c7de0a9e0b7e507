"""The FHIR store's access policy in SMART mode: tokens from this server, checked with Authlib.

Authlib's ResourceProtector with a BearerTokenValidator finds the token and refuses a missing,
unknown, expired or revoked one (401, RFC 6750). What the token then allows is a
:class:`~sandbox.smart_auth.scopes.ScopedAccess`, which the store consults for each interaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authlib.oauth2 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749 import JsonRequest, MissingAuthorizationError
from authlib.oauth2.rfc6750 import BearerTokenValidator

from sandbox.fhir_store import FhirError

from . import scopes as smart_scopes
from .state import IssuedToken

if TYPE_CHECKING:
    from .server import SmartAuthServer

REALM = "sandbox-ehr"
#: Paths below the FHIR base that need no token: discovery (SMART conformance.md: open to all).
OPEN_PATHS = frozenset({"metadata", ".well-known/smart-configuration"})
#: CapabilityStatement.rest.security (SMART 1.0 discovery, still read by many clients).
SECURITY_SERVICE = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
            "code": "SMART-on-FHIR",
            "display": "SMART-on-FHIR",
        }
    ],
    "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
}
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


class _TokenValidator(BearerTokenValidator):
    """Looks access tokens up in the server's memory."""

    def __init__(self, smart: SmartAuthServer) -> None:
        super().__init__(realm=REALM)
        self.smart = smart

    def authenticate_token(self, token_string: str) -> IssuedToken | None:
        """Return the record of an access token, or ``None``."""
        return self.smart.state.token(token_string)


class _HeaderRequest(JsonRequest):
    """The bits of a request ResourceProtector reads: its headers."""

    def __init__(self, authorization: str | None) -> None:
        headers = {"Authorization": authorization} if authorization else {}
        super().__init__("GET", "http://127.0.0.1/", headers)


class SmartAccessPolicy:
    """Implements the FHIR store's ``AccessPolicy`` with this server's tokens."""

    def __init__(self, smart: SmartAuthServer) -> None:
        self.smart = smart
        self.protector = ResourceProtector()
        self.protector.register_token_validator(_TokenValidator(smart))

    def authenticate(self, authorization: str | None) -> smart_scopes.ScopedAccess:
        """Return what the request's token allows.

        Raises:
            FhirError: 401 with ``WWW-Authenticate: Bearer ...`` when the token is missing or
                not valid (RFC 6750 §3: no error code when no token was sent).
        """
        try:
            token: IssuedToken = self.protector.validate_request(
                None, _HeaderRequest(authorization)
            )
        except MissingAuthorizationError as error:
            raise FhirError(
                401,
                "this server needs an access token (Authorization: Bearer ...)",
                code="login",
                headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
            ) from error
        except OAuth2Error as error:
            description = "the access token is unknown, expired or revoked"
            raise FhirError(
                401,
                description,
                code="login",
                headers={
                    "WWW-Authenticate": (
                        f'Bearer realm="{REALM}", error="invalid_token", '
                        f'error_description="{description}"'
                    )
                },
            ) from error
        granted = smart_scopes.split_scope(token.scope)
        user = self.smart.users.get(token.user_id or "")
        user_resource = None
        if user is not None and smart_scopes.FHIR_USER in granted:
            user_resource = ("Practitioner", user.practitioner_id)
        return smart_scopes.ScopedAccess(
            tuple(smart_scopes.resource_scopes(granted)), token.context.patient, user_resource
        )

    def open_paths(self) -> frozenset[str]:
        """Discovery needs no token."""
        return OPEN_PATHS

    def security(self, base_url: str) -> dict[str, Any]:
        """CapabilityStatement.rest.security with the SMART oauth-uris extension."""
        endpoints = self.smart.endpoints()
        return {
            "extension": [
                {
                    "url": OAUTH_URIS,
                    "extension": [
                        {"url": "authorize", "valueUri": endpoints["authorization_endpoint"]},
                        {"url": "token", "valueUri": endpoints["token_endpoint"]},
                    ],
                }
            ],
            "cors": False,
            "service": [SECURITY_SERVICE],
            "description": (
                "SMART App Launch 2.2: discovery at .well-known/smart-configuration; every "
                "request other than metadata needs a Bearer token from this server."
            ),
        }
