"""The sandbox SMART authorization server: Authlib's AuthorizationServer, wired for SMART.

One :class:`SmartAuthServer` holds the configuration, the in-memory state, the signing key and
the Authlib server with its grants; :meth:`SmartAuthServer.init_app` adds its pages and
endpoints to the Flask app that also serves the FHIR store, whose requests it then authorizes
through :attr:`SmartAuthServer.access_policy`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidScopeError, OAuth2Request
from flask import Flask, request

from . import scopes as smart_scopes
from .access import SmartAccessPolicy
from .config import AUTH_PREFIX, AuthConfig, ClientRegistration, SandboxUser
from .grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    PrivateKeyJWTAssertion,
    RefreshTokenGrant,
    S256CodeChallenge,
    SmartLaunch,
    SmartOpenIDCode,
)
from .keys import SigningKey
from .state import AuthState, IssuedToken, LaunchContext, new_handle
from .views import register_views


@dataclass(frozen=True, slots=True)
class PatientCard:
    """A patient as the pickers and the EHR page show it."""

    id: str
    name: str
    gender: str
    birth_date: str
    label: str


class PatientDirectory(Protocol):
    """Where the authorization server finds patients (the FHIR store behind it)."""

    def patients(self) -> list[PatientCard]:
        """Every patient, in display order."""
        ...

    def patient(self, patient_id: str) -> PatientCard | None:
        """One patient by id, or ``None``."""
        ...


class SandboxAuthorizationServer(AuthorizationServer):
    """Authlib's Flask AuthorizationServer that also accepts a stored authorization request.

    The sign-in page posts back only a handle; the original request is rebuilt from what was
    stored, so the user's choices cannot change what the app asked for.
    """

    def __init__(self, smart: SmartAuthServer) -> None:
        super().__init__(query_client=smart.client, save_token=smart.save_token)
        self.smart = smart

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        """Use a rebuilt request as it is, else wrap Flask's."""
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)


class SmartAuthServer:
    """The SMART authorization server of the sandbox EHR.

    Args:
        config: users, clients, lifetimes, signing key.
        directory: the patients that can be picked.
        fhir_base_path: path of the FHIR base on the same host (``aud`` must name it).
        params_supported: whether the FHIR store can check a type's search parameters (granular
            scopes are granted only then).
        clock: epoch seconds; tests move it to expire codes and tokens.
    """

    def __init__(
        self,
        config: AuthConfig,
        directory: PatientDirectory,
        *,
        fhir_base_path: str = "/fhir",
        params_supported: Callable[[str, Sequence[tuple[str, str]]], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.directory = directory
        self.fhir_base_path = fhir_base_path
        self.params_supported = params_supported or (lambda _type, _params: False)
        self.state = AuthState(clock)
        self.signing_key = SigningKey(config.signing_key_file)
        self.users: dict[str, SandboxUser] = {u.id: u for u in config.users}
        self.clients: dict[str, ClientRegistration] = {c.client_id: c for c in config.clients}
        self.authorization = SandboxAuthorizationServer(self)
        self.authorization.load_config({})
        self.authorization.register_token_generator("default", self.generate_token)
        self.authorization.register_client_auth_method(
            PrivateKeyJWTAssertion.CLIENT_AUTH_METHOD, PrivateKeyJWTAssertion(self)
        )
        self.authorization.register_grant(
            AuthorizationCodeGrant,
            [S256CodeChallenge(required=True), SmartOpenIDCode(self), SmartLaunch(self)],
        )
        self.authorization.register_grant(RefreshTokenGrant)
        self.authorization.register_grant(ClientCredentialsGrant)
        self.access_policy = SmartAccessPolicy(self)

    # -- URLs ---------------------------------------------------------------------------------

    def root(self) -> str:
        """The server root as the current request sees it (or the configured public URL)."""
        return self.config.public_url or request.host_url.rstrip("/")

    def fhir_base(self) -> str:
        """The FHIR base URL (``iss`` of launches, required ``aud``)."""
        return self.root() + self.fhir_base_path

    def issuer(self) -> str:
        """The OpenID issuer (``iss`` of ``id_token`` s)."""
        return self.root() + AUTH_PREFIX

    def token_endpoint(self) -> str:
        """The token endpoint URL (``aud`` of client assertions)."""
        return self.root() + AUTH_PREFIX + "/token"

    def endpoints(self) -> dict[str, str]:
        """Absolute URLs of every endpoint, for discovery documents."""
        auth = self.root() + AUTH_PREFIX
        return {
            "issuer": auth,
            "authorization_endpoint": auth + "/authorize",
            "token_endpoint": auth + "/token",
            "jwks_uri": auth + "/jwks",
        }

    # -- lookups ------------------------------------------------------------------------------

    def client(self, client_id: str) -> ClientRegistration | None:
        """Return a registered client."""
        return self.clients.get(client_id)

    def apps(self) -> list[ClientRegistration]:
        """Clients an EHR can launch (those with a launch URL)."""
        return [c for c in self.clients.values() if c.launch_url]

    # -- launches -----------------------------------------------------------------------------

    def launch(
        self,
        client_id: str,
        user_id: str,
        patient_id: str,
        *,
        encounter_id: str | None = None,
        need_patient_banner: bool = False,
        smart_style_url: str | None = None,
    ) -> str:
        """Record an EHR launch of an app and return its ``launch`` value.

        Raises:
            ValueError: unknown app, user or patient.
        """
        client = self.client(client_id)
        if client is None or not client.launch_url:
            raise ValueError(f"no app {client_id!r} with a launch URL is registered")
        if user_id not in self.users:
            raise ValueError(f"no sandbox user {user_id!r}")
        if self.directory.patient(patient_id) is None:
            raise ValueError(f"no patient {patient_id!r}")
        context = LaunchContext(patient_id, encounter_id, need_patient_banner, smart_style_url)
        return self.state.add_launch(client_id, user_id, context, self.config.launch_lifetime).id

    # -- tokens -------------------------------------------------------------------------------

    def generate_token(
        self,
        grant_type: str,
        client: ClientRegistration,
        user: SandboxUser | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        """Authlib token generator: an opaque Bearer token, a refresh token when allowed.

        Backend Services tokens get ``system/`` scopes only and live at most
        ``backend_token_lifetime`` seconds; refresh tokens come only with ``offline_access``
        or ``online_access``.

        Raises:
            InvalidScopeError: a Backend Services request of which no scope can be granted.
        """
        if grant_type == "client_credentials":
            granted = smart_scopes.grant(
                scope, backend=True, params_supported=self.params_supported
            )
            if not granted:
                raise InvalidScopeError("no requested system scope can be granted")
            scope = " ".join(granted)
            lifetime = self.config.backend_token_lifetime
        else:
            lifetime = self.config.access_token_lifetime
        token: dict[str, Any] = {
            "access_token": new_handle(),
            "token_type": "Bearer",
            "expires_in": expires_in or lifetime,
            "scope": scope or "",
        }
        refreshable = smart_scopes.REFRESH_SCOPES & set(smart_scopes.split_scope(scope))
        if include_refresh_token and grant_type != "client_credentials" and refreshable:
            token["refresh_token"] = new_handle()
        return token

    def save_token(self, token: dict[str, Any], oauth_request: OAuth2Request) -> None:
        """Authlib hook: remember the token and add the launch context to the response."""
        user = oauth_request.user
        if oauth_request.authorization_code is not None:
            context = oauth_request.authorization_code.context
        elif oauth_request.refresh_token is not None:
            context = oauth_request.refresh_token.context
        else:
            context = None
        self.state.save_token(
            IssuedToken(
                access_token=token["access_token"],
                refresh_token=token.get("refresh_token"),
                client_id=oauth_request.client.client_id,
                scope=token["scope"],
                user_id=user.id if user is not None else None,
                context=context or LaunchContext(need_patient_banner=False),
                issued_at=self.state.clock(),
                expires_in=token["expires_in"],
                clock=self.state.clock,
            )
        )
        if context is not None:
            token.update(context.token_fields())

    # -- Flask --------------------------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        """Add the endpoints, pages and discovery documents to ``app``."""
        register_views(app, self)
