"""Authlib grants and extensions, bent to SMART App Launch 2.2.

- :class:`AuthorizationCodeGrant`: codes carry the launch context and the user; public clients
  send ``client_id`` only, confidential ones authenticate with ``client_secret_basic`` or
  ``private_key_jwt``.
- :class:`S256CodeChallenge`: PKCE is required from every client and only ``S256`` is accepted
  (app-launch.md: servers "SHALL NOT support the plain method").
- :class:`SmartLaunch`: checks ``aud`` and ``launch``, resolves the EHR launch, decides which
  scopes are granted and whether the user must sign in or pick a patient.
- :class:`SmartOpenIDCode`: the ``id_token`` (RS256) with ``fhirUser``.
- :class:`RefreshTokenGrant`: rotates refresh tokens.
- :class:`ClientCredentialsGrant`: SMART Backend Services.
- :class:`PrivateKeyJWTAssertion`: ``private_key_jwt`` client authentication.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from authlib.oidc.core import OpenIDCode
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from . import scopes as smart_scopes
from .config import ClientRegistration, SandboxUser
from .keys import ID_TOKEN_ALGORITHM
from .state import IssuedCode, IssuedToken, LaunchContext

if TYPE_CHECKING:
    from .server import SmartAuthServer

#: Client assertion algorithms: SMART asks clients for RS384 or ES384 and servers to verify at
#: least one; the sandbox verifies both and nothing weaker.
ASSERTION_ALGORITHMS = ("RS384", "ES384")
#: SMART client-confidential-asymmetric.md: ``exp`` SHALL be no more than five minutes ahead.
MAX_ASSERTION_LIFETIME = 300
CLOCK_SKEW = 60
#: Public clients send only ``client_id``; confidential clients authenticate.
TOKEN_AUTH_METHODS = ["client_secret_basic", "private_key_jwt", "none"]


@dataclass(slots=True)
class SmartRequest:
    """What the SMART launch extension found out about an authorization request.

    Attributes:
        user_id: the signed-in user: the EHR user for an EHR launch, else chosen on sign-in.
        context: the launch context so far (patient, banner, style).
        needs_patient: whether the user must still pick a patient (standalone launch).
    """

    user_id: str | None
    context: LaunchContext
    needs_patient: bool


@dataclass(frozen=True, slots=True)
class SignInChoice:
    """What the user chose on the sign-in page of a standalone launch."""

    user_id: str
    patient: str | None


def smart_request(request: OAuth2Request) -> SmartRequest:
    """Return the :class:`SmartRequest` the launch extension attached to a request."""
    found = getattr(request, "smart", None)
    if not isinstance(found, SmartRequest):
        raise RuntimeError("the SMART launch extension did not run on this request")
    return found


class S256CodeChallenge(CodeChallenge):
    """PKCE with ``S256`` only, required from public and confidential clients alike."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    CODE_CHALLENGE_METHODS: ClassVar[dict[str, Any]] = {"S256": compare_s256_code_challenge}

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        """Refuse a request without a challenge or with a method other than S256."""
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError(
                "PKCE is required: send code_challenge with code_challenge_method=S256"
            )
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256 (plain is not supported)")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    """The code flow of EHR and standalone launches."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS

    @property
    def smart(self) -> SmartAuthServer:
        """The sandbox server this grant works for."""
        return self.server.smart

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        """Store the code with the user, PKCE challenge, nonce and launch context."""
        found = smart_request(request)
        data = request.payload.data
        clock = self.smart.state.clock
        self.smart.state.save_code(
            IssuedCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                user_id=request.user.id,
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                nonce=data.get("nonce"),
                auth_time=int(clock()),
                context=found.context,
                expires_at=clock() + self.smart.config.code_lifetime,
            )
        )

    def query_authorization_code(self, code: str, client: ClientRegistration) -> IssuedCode | None:
        """Return a live code issued to this client."""
        return self.smart.state.code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Codes are single-use."""
        self.smart.state.delete_code(authorization_code)

    def authenticate_user(self, authorization_code: IssuedCode) -> SandboxUser | None:
        """The user who approved the code."""
        return self.smart.users.get(authorization_code.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    """Refresh with rotation: each refresh token works once and a new one comes back."""

    TOKEN_ENDPOINT_AUTH_METHODS = TOKEN_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        """Return the token record of a usable refresh token."""
        return self.server.smart.state.by_refresh_token(refresh_token)

    def authenticate_user(self, refresh_token: IssuedToken) -> SandboxUser | None:
        """The user the refresh token was issued for."""
        return self.server.smart.users.get(refresh_token.user_id or "")

    def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
        """Retire the refresh token just used."""
        self.server.smart.state.revoke_refresh(refresh_token)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """SMART Backend Services: ``client_credentials`` with a signed client assertion only."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["private_key_jwt"]


class SmartLaunch:
    """Authorization-request checks for SMART (registered on the code grant).

    Runs after Authlib has checked the client, the redirect URI and the response type, so every
    error here goes back to the app's redirect URI with ``state``.
    """

    def __init__(self, smart: SmartAuthServer) -> None:
        self.smart = smart

    def __call__(self, grant: Any) -> None:
        """Register the check on a grant."""
        grant.register_hook("after_validate_authorization_request_payload", self.validate)

    def validate(self, grant: Any, redirect_uri: str) -> None:
        """Check ``aud`` and ``launch``, settle the granted scopes and what is still needed."""
        request: OAuth2Request = grant.request
        data = request.payload.data
        client: ClientRegistration = request.client
        aud = (data.get("aud") or "").rstrip("/")
        if not aud:
            raise InvalidRequestError("aud is required: send the FHIR base URL")
        if aud != self.smart.fhir_base():
            raise InvalidRequestError("aud is not the FHIR base URL of this server")
        requested = smart_scopes.split_scope(request.payload.scope)
        granted = smart_scopes.grant(
            request.payload.scope, backend=False, params_supported=self.smart.params_supported
        )
        launch_id = data.get("launch")
        if launch_id:
            if smart_scopes.LAUNCH not in requested:
                raise InvalidScopeError("an EHR launch must request the launch scope")
            launch = self.smart.state.launch(launch_id)
            if launch is None:
                raise InvalidRequestError("the launch is unknown or has expired")
            if launch.client_id != client.client_id:
                raise InvalidRequestError("the launch was made for another app")
            context = launch.context
            if context.encounter is None:
                granted = [s for s in granted if s != smart_scopes.LAUNCH_ENCOUNTER]
            request.smart = SmartRequest(launch.user_id, context, needs_patient=False)
        else:
            if smart_scopes.LAUNCH in requested:
                raise InvalidRequestError("the launch scope needs the launch parameter")
            # No encounter picker in the sandbox: launch/encounter is not granted standalone.
            granted = [s for s in granted if s != smart_scopes.LAUNCH_ENCOUNTER]
            needs_patient = smart_scopes.wants_patient_context(granted)
            choice = getattr(request, "sandbox_choice", None)
            if isinstance(choice, SignInChoice):
                patient = choice.patient if needs_patient else None
                request.smart = SmartRequest(
                    choice.user_id,
                    LaunchContext(patient=patient, need_patient_banner=True),
                    needs_patient=needs_patient and patient is None,
                )
            else:
                request.smart = SmartRequest(
                    None, LaunchContext(need_patient_banner=True), needs_patient=needs_patient
                )
        if not smart_scopes.resource_scopes(granted) and smart_scopes.OPENID not in granted:
            raise InvalidScopeError("no requested scope can be granted")
        request.scope = " ".join(granted)


class SmartOpenIDCode(OpenIDCode):
    """The OpenID Connect ``id_token`` of a code flow, with SMART's ``fhirUser`` claim."""

    def __init__(self, smart: SmartAuthServer) -> None:
        super().__init__(require_nonce=False)
        self.smart = smart

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        """Whether the nonce was already used by this client (a replay)."""
        return self.smart.state.nonce_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client: ClientRegistration) -> Any:
        """The server's signing key."""
        return self.smart.signing_key.private

    def get_client_algorithm(self, client: ClientRegistration) -> str:
        """RS256, which SMART requires servers to support."""
        return ID_TOKEN_ALGORITHM

    def get_encode_header(self, client: ClientRegistration) -> dict[str, str]:
        """Header with the ``kid`` published at the JWKS endpoint."""
        return {"alg": ID_TOKEN_ALGORITHM, "kid": self.smart.signing_key.kid, "typ": "JWT"}

    def get_client_claims(self, client: ClientRegistration) -> dict[str, Any]:
        """``iss`` (this server), ``aud`` (the client), ``iat`` and ``exp``."""
        now = int(time.time())
        return {
            "iss": self.smart.issuer(),
            "aud": client.client_id,
            "iat": now,
            "exp": now + self.smart.config.id_token_lifetime,
        }

    def generate_user_info(self, user: SandboxUser, scope: str) -> dict[str, Any]:
        """``sub`` and ``name``; ``fhirUser`` (absolute URL) when that scope is granted."""
        info: dict[str, Any] = {"sub": user.id, "name": user.display}
        if smart_scopes.FHIR_USER in smart_scopes.split_scope(scope):
            info["fhirUser"] = f"{self.smart.fhir_base()}/{user.fhir_user}"
        return info


class PrivateKeyJWTAssertion(JWTBearerClientAssertion):
    """``private_key_jwt`` client authentication with SMART's rules.

    client-confidential-asymmetric.md: header ``alg`` RS384 or ES384 and a ``kid`` found in the
    registered JWKS (and ``jku``, when sent, equal to a registered JWKS URL: the sandbox has
    none, so a ``jku`` is refused); claims ``iss`` = ``sub`` = client id, ``aud`` = the token
    endpoint, ``exp`` at most five minutes ahead, a ``jti`` never seen before.
    """

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, smart: SmartAuthServer) -> None:
        super().__init__(validate_jti=True, leeway=CLOCK_SKEW)
        self.smart = smart

    def get_audiences(self) -> list[str]:
        """The token endpoint URL."""
        return [self.smart.token_endpoint()]

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        """True on first use of the ``jti`` for this issuer."""
        until = float(claims.get("exp", 0)) + CLOCK_SKEW
        return self.smart.state.first_use_of_jti(str(claims["iss"]), str(jti), until)

    def resolve_client_public_key(self, client: ClientRegistration) -> KeySet:
        """The client's registered public keys."""
        if not client.jwks:
            raise InvalidClientError(description="the client has no registered keys")
        return KeySet.import_key_set(dict(client.jwks))

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        """Verify header, signature and claims of the assertion.

        Raises:
            InvalidClientError: anything wrong with the assertion.
        """
        try:
            header = jws.extract_compact(assertion.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise InvalidClientError(description="the client assertion is not a JWS") from exc
        if header.get("alg") not in ASSERTION_ALGORITHMS:
            raise InvalidClientError(description="the client assertion must use RS384 or ES384")
        if not header.get("kid"):
            raise InvalidClientError(description="the client assertion header needs a kid")
        if header.get("jku"):
            raise InvalidClientError(description="jku is not a registered JWKS URL")
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=list(ASSERTION_ALGORITHMS))
        except (JoseError, ValueError) as exc:
            raise InvalidClientError(description="the client assertion does not verify") from exc
        self.verify_claims(token.claims)
        exp = token.claims.get("exp")
        if not isinstance(exp, int | float) or exp > time.time() + MAX_ASSERTION_LIFETIME + (
            CLOCK_SKEW
        ):
            raise InvalidClientError(
                description="the client assertion exp must be at most five minutes ahead"
            )
        return token.claims
