"""HTTP endpoints of the authorization server: authorize (with sign-in), token, discovery, JWKS.

=============================================  =================================================
``GET|POST /auth/authorize``                   authorization request (SMART ``authorize-post``);
                                               EHR launches are approved at once, standalone
                                               launches show the sign-in page first
``POST /auth/authorize`` with ``pending``      the sign-in page's answer (user, patient, allow)
``POST /auth/token``                           code, refresh and client-credentials grants
``GET /auth/jwks``                             the public key of ``id_token`` s
``GET /auth/.well-known/openid-configuration`` OpenID Connect discovery of the issuer
``GET {fhir}/.well-known/smart-configuration`` SMART discovery (conformance.md)
=============================================  =================================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from flask import Blueprint, Flask, Response, jsonify, render_template, request

from . import scopes as smart_scopes
from .config import AUTH_PREFIX
from .grants import ASSERTION_ALGORITHMS, SignInChoice, smart_request
from .keys import ID_TOKEN_ALGORITHM

if TYPE_CHECKING:
    from .server import SmartAuthServer

#: SMART capabilities this server has (conformance.md "Capabilities").
CAPABILITIES: tuple[str, ...] = (
    "launch-ehr",
    "launch-standalone",
    "authorize-post",
    "client-public",
    "client-confidential-symmetric",
    "client-confidential-asymmetric",
    "sso-openid-connect",
    "context-banner",
    "context-style",
    "context-ehr-patient",
    "context-ehr-encounter",
    "context-standalone-patient",
    "permission-offline",
    "permission-online",
    "permission-patient",
    "permission-user",
    "permission-v1",
    "permission-v2",
)
#: How long the sign-in page may stay open before its answer is refused.
SIGN_IN_LIFETIME = 600
_PENDING_FIELD = "pending"
#: The sign-in page is shown inside the EHR's iframe during an embedded standalone launch, so
#: only the EHR (same origin) may frame it; no form-action: the answer redirects to the app.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; frame-ancestors 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class _StoredPayload(BasicOAuth2Payload):
    """Authorization parameters kept while the user signed in (repeats preserved)."""

    def __init__(self, params: tuple[tuple[str, str], ...]) -> None:
        data: dict[str, str] = {}
        for key, value in params:
            data.setdefault(key, value)
        super().__init__(data)
        self._datalist = {}
        for key, value in params:
            self._datalist.setdefault(key, []).append(value)


class _StoredRequest(OAuth2Request):
    """An authorization request rebuilt from what the sign-in page's handle points at."""

    def __init__(self, uri: str, params: tuple[tuple[str, str], ...]) -> None:
        super().__init__("GET", uri)
        self.payload = _StoredPayload(params)

    @property
    def args(self) -> dict[str, str]:
        """The stored parameters."""
        return dict(self.payload.data)

    @property
    def form(self) -> dict[str, str]:
        """No form: the parameters are all in ``args``."""
        return {}


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status)
    response.headers.update(_PAGE_HEADERS)
    return response


def _error_page(error: OAuth2Error) -> Response:
    """An authorization error that must not be redirected (unknown client or redirect URI)."""
    return _page(
        "smart_auth/error.html",
        400,
        error=error.error,
        description=error.get_error_description(),
    )


def register_views(app: Flask, smart: SmartAuthServer) -> None:
    """Add the authorization server's routes to ``app``."""
    bp = Blueprint(
        "smart_auth",
        __name__,
        url_prefix=AUTH_PREFIX,
        template_folder="templates",
        static_folder="static",
    )
    server = smart.authorization

    def _respond_error(error: OAuth2Error) -> Response:
        # RFC 6749 §4.1.2.1: with an unknown client or redirect URI the user is told, and not
        # sent to an address nobody registered.
        if error.redirect_uri:
            return server.handle_error_response(None, error)
        return _error_page(error)

    @bp.route("/authorize", methods=["GET", "POST"])
    def authorize() -> Response:
        """Validate an authorization request; approve an EHR launch or ask the user."""
        if request.method == "POST" and _PENDING_FIELD in request.form:
            return _answer_sign_in()
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return _respond_error(error)
        found = smart_request(grant.request)
        if found.user_id is not None and not found.needs_patient:
            user = smart.users[found.user_id]
            return server.create_authorization_response(
                request=grant.request, grant_user=user, grant=grant
            )
        params = tuple(request.values.items(multi=True))
        pending = smart.state.add_pending(params, request.url, SIGN_IN_LIFETIME)
        return _sign_in_page(grant, pending)

    def _sign_in_page(grant: Any, pending: str, problem: str | None = None) -> Response:
        found = smart_request(grant.request)
        return _page(
            "smart_auth/sign_in.html",
            400 if problem else 200,
            app=grant.request.client.display,
            scopes=smart_scopes.split_scope(grant.request.scope),
            users=list(smart.users.values()),
            chosen_user=found.user_id,
            patients=smart.directory.patients() if found.needs_patient else None,
            pending=pending,
            problem=problem,
        )

    def _answer_sign_in() -> Response:
        pending = smart.state.take_pending(request.form[_PENDING_FIELD])
        if pending is None:
            return _page(
                "smart_auth/error.html",
                400,
                error="expired",
                description="This sign-in page has expired or was already used: start again.",
            )
        stored = _StoredRequest(pending.uri, pending.params)
        try:
            grant = server.get_consent_grant(request=stored, end_user=None)
        except OAuth2Error as error:
            return _respond_error(error)
        if request.form.get("decision") != "allow":
            return server.create_authorization_response(
                request=stored, grant_user=None, grant=grant
            )
        found = smart_request(grant.request)
        user = smart.users.get(found.user_id or request.form.get("user", ""))
        patient = request.form.get("patient") or None
        problem = None
        if user is None:
            problem = "Choose who you are."
        elif found.needs_patient and (patient is None or smart.directory.patient(patient) is None):
            problem = "Choose a patient."
        if user is None or problem is not None:
            again = smart.state.add_pending(pending.params, pending.uri, SIGN_IN_LIFETIME)
            return _sign_in_page(grant, again, problem)
        # The choice is attached to the rebuilt request, never read from its parameters: what
        # the app sent cannot pick the user or the patient.
        stored = _StoredRequest(pending.uri, pending.params)
        stored.sandbox_choice = SignInChoice(user.id, patient if found.needs_patient else None)
        try:
            grant = server.get_consent_grant(request=stored, end_user=user)
        except OAuth2Error as error:
            return _respond_error(error)
        return server.create_authorization_response(request=stored, grant_user=user, grant=grant)

    @bp.post("/token")
    def token() -> Response:
        """The token endpoint (Authlib grants)."""
        return server.create_token_response()

    @bp.get("/jwks")
    def jwks() -> Response:
        """The public key that signs ``id_token`` s."""
        return _open_json(smart.signing_key.jwks())

    @bp.get("/.well-known/openid-configuration")
    def openid_configuration() -> Response:
        """OpenID Connect discovery of the issuer (what apps use to check ``id_token`` s)."""
        return _open_json(
            {
                **smart.endpoints(),
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [ID_TOKEN_ALGORITHM],
                "scopes_supported": [
                    smart_scopes.OPENID,
                    smart_scopes.FHIR_USER,
                    smart_scopes.PROFILE,
                ],
                "claims_supported": ["sub", "name", "fhirUser", "iss", "aud", "exp", "iat"],
                "token_endpoint_auth_methods_supported": _auth_methods(),
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
            }
        )

    def smart_configuration() -> Response:
        """SMART discovery on the FHIR base (conformance.md)."""
        return _open_json(
            {
                **smart.endpoints(),
                "grant_types_supported": [
                    "authorization_code",
                    "refresh_token",
                    "client_credentials",
                ],
                "token_endpoint_auth_methods_supported": _auth_methods(),
                "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
                "scopes_supported": list(smart_scopes.SUPPORTED_SCOPE_EXAMPLES),
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "capabilities": list(CAPABILITIES),
            }
        )

    app.register_blueprint(bp)
    app.add_url_rule(
        f"{smart.fhir_base_path}/.well-known/smart-configuration",
        "smart_configuration",
        smart_configuration,
        methods=["GET"],
    )


def _auth_methods() -> list[str]:
    return ["client_secret_basic", "private_key_jwt"]


def _open_json(body: dict[str, Any]) -> Response:
    """JSON that any origin may read (SMART: discovery SHALL be open to all origins)."""
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
