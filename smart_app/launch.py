"""The SMART launch: from ``/smart/launch`` to a session (SMART App Launch 2.2 app-launch.md).

1. ``start``: the ``iss`` must be on the allow-list, checked before anything is sent to it;
   then discovery, a ``state`` and a PKCE verifier (256 bits each), a ``nonce`` when ``openid``
   is asked for, and the authorization request (``launch`` for an EHR launch, else
   ``launch/patient``; ``aud`` = ``iss``). What is needed at the callback is kept server-side
   under the ``state``, bound to the browser's id.
2. ``finish``: the ``state`` must be pending, unused and this browser's; the code is exchanged
   with the verifier; the token response must give a patient; an ``id_token`` is verified when
   ``openid`` was asked for, and its ``fhirUser`` becomes the session's user; the EHR's style is
   fetched; a session is stored. Nothing of this reaches the browser but the session id.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from service.config import Settings, SmartSettings
from service.config.parsers import is_loopback
from service.fetch import FetchFailed, get_json
from service.fhir.clients import FhirClients
from service.storage.keyvalue import KeyValueStore
from smart_app.discovery import Endpoints, discover
from smart_app.errors import (
    AuthorizationDenied,
    CookieMissing,
    IdentityError,
    LaunchRequestError,
    StateMismatch,
    TokenError,
    UnknownIssuer,
)
from smart_app.identity import User, fhir_user_reference, signing_keys, verify_id_token
from smart_app.oauth import SmartOAuthClient
from smart_app.sessions import (
    PendingAuthorization,
    SessionStore,
    SmartSession,
    expires_at,
    new_id,
)
from smart_app.style import fetch_style

log = logging.getLogger("noms_cds.smart")

FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
OAUTH_ERROR: Final = re.compile(r"[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}")  # RFC 6749 §4.1.2.1
MAX_DESCRIPTION: Final = 300


@dataclass(frozen=True)
class SmartRuntime:
    """What the SMART app's views share (built once by ``smart_app.install``).

    ``fhir`` makes the sessions' FHIR clients: one connection pool and one CapabilityStatement
    per EHR, shared by every session, and each client with its own session's token only.
    """

    settings: Settings
    store: KeyValueStore
    sessions: SessionStore
    oauth: SmartOAuthClient
    fhir: FhirClients
    clock: Callable[[], float] = time.time

    @property
    def smart(self) -> SmartSettings:
        """The SMART block of the settings."""
        return self.settings.smart


def normalized_issuer(value: str) -> str:
    """An ``iss`` as compared with the allow-list (whitespace and a trailing slash removed)."""
    return value.strip().rstrip("/")


def start(rt: SmartRuntime, *, iss: str, launch: str | None, browser: str) -> str:
    """Begin a launch; return the authorization URL to redirect the browser to.

    Raises:
        UnknownIssuer: ``iss`` is not allowed (nothing was sent to it).
        LaunchRequestError: a malformed ``launch``.
        DiscoveryError: the EHR's endpoints cannot be found.
    """
    issuer = normalized_issuer(iss)
    if not rt.smart.allows(issuer):
        log.warning("launch from an issuer not allowed", extra={"event": "smart-launch"})
        raise UnknownIssuer(
            "The app was launched by a FHIR server it does not know. Nothing was sent to it. "
            "An administrator can allow it (NOMS_SMART_ISSUERS)."
        )
    if launch is not None and not (0 < len(launch) <= 512 and launch.isprintable()):
        raise LaunchRequestError("The EHR's launch value is not usable.")
    endpoints = discover(issuer, rt.store, rt.smart.http_timeout)
    context = "launch" if launch is not None else "launch/patient"
    scope = " ".join((context, *rt.smart.scopes))
    pending = PendingAuthorization(
        state=new_id(),
        browser=browser,
        endpoints=endpoints,
        code_verifier=new_id(),  # 43 characters, RFC 7636 §4.1
        scope=scope,
        launch=launch,
        nonce=new_id() if "openid" in rt.smart.scopes else None,
        created_at=rt.clock(),
    )
    rt.sessions.put_pending(pending)
    log.info("authorization requested", extra={"event": "smart-launch"})
    return rt.oauth.authorization_url(
        endpoints,
        state=pending.state,
        code_verifier=pending.code_verifier,
        scope=scope,
        launch=launch,
        nonce=pending.nonce,
    )


def _pending_for(rt: SmartRuntime, args: Mapping[str, str], browser: str | None):
    state = args.get("state")
    if not state:
        raise LaunchRequestError("The EHR's answer carries no state; launch the app again.")
    pending = rt.sessions.take_pending(state)
    if pending is None:
        raise StateMismatch(
            "This answer from the EHR is unknown, was already used, or came too late. "
            "Launch the app again."
        )
    if browser is None:
        raise CookieMissing(
            "The browser did not send the app's cookie, so this answer cannot be tied to the "
            "launch that asked for it. If the app runs inside the EHR, the browser may block "
            "its cookies there: allow them for this site, or open the app in its own window."
        )
    if browser != pending.browser:
        raise StateMismatch(
            "This answer from the EHR belongs to a launch made in another browser; nothing "
            "was done with it."
        )
    return pending


def _denied(args: Mapping[str, str]) -> AuthorizationDenied:
    error = args.get("error", "")
    code = error if OAUTH_ERROR.fullmatch(error) else "error"
    description = " ".join(args.get("error_description", "").split())[:MAX_DESCRIPTION]
    message = f"The EHR answered “{code}”" + (f": {description}" if description else ".")
    return AuthorizationDenied(message + " Launch the app again to retry.")


def _identity(
    rt: SmartRuntime, pending: PendingAuthorization, token: Mapping[str, Any], now: float
) -> User | None:
    if pending.nonce is None:
        return None
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        log.warning("no id_token although openid was asked for", extra={"event": "smart-launch"})
        return None
    issuer, jwks_uri = _oidc_issuer(rt, pending.endpoints)
    claims = verify_id_token(
        id_token,
        signing_keys(jwks_uri, rt.smart.http_timeout),
        issuer=issuer,
        client_id=rt.smart.client_id,
        nonce=pending.nonce,
        now=now,
    )
    reference = fhir_user_reference(claims.get("fhirUser"), pending.endpoints.fhir_base)
    if reference is None:
        log.warning("id_token without a usable fhirUser", extra={"event": "smart-launch"})
        return None
    name = claims.get("name")
    return User(reference, name.strip()[:200] if isinstance(name, str) and name.strip() else None)


def _oidc_issuer(rt: SmartRuntime, endpoints: Endpoints) -> tuple[str, str]:
    """The OpenID issuer and its JWKS URL: from SMART discovery, else OpenID discovery."""
    if endpoints.issuer and endpoints.jwks_uri:
        return endpoints.issuer, endpoints.jwks_uri
    if not endpoints.issuer:
        raise IdentityError(
            "The EHR sent an id_token but does not publish its issuer; the app cannot check it."
        )
    url = endpoints.issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        document = get_json(url, rt.smart.http_timeout)
    except FetchFailed as exc:
        raise IdentityError("The EHR's OpenID configuration could not be read.") from exc
    jwks_uri = document.get("jwks_uri") if isinstance(document, dict) else None
    if not isinstance(jwks_uri, str) or document.get("issuer") != endpoints.issuer:
        raise IdentityError("The EHR's OpenID configuration does not match its issuer.")
    parts = urlsplit(jwks_uri)
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        raise IdentityError("The EHR's signing keys are not published over https.")
    return endpoints.issuer, jwks_uri


def _context_id(token: Mapping[str, Any], name: str) -> str | None:
    value = token.get(name)
    return value if isinstance(value, str) and FHIR_ID.fullmatch(value) else None


def finish(rt: SmartRuntime, *, args: Mapping[str, str], browser: str | None) -> SmartSession:
    """Complete a launch from the callback's query; return the new session.

    Raises:
        LaunchRequestError, StateMismatch, CookieMissing: the callback cannot be accepted.
        AuthorizationDenied: the EHR answered with an error.
        TokenError: the code could not be exchanged, or the grant lacks a patient.
        IdentityError: the id_token does not verify.
    """
    pending = _pending_for(rt, args, browser)
    if "error" in args:
        raise _denied(args)
    code = args.get("code")
    if not code:
        raise LaunchRequestError("The EHR's answer carries no authorization code.")
    endpoints = pending.endpoints
    token = rt.oauth.exchange_code(endpoints.token, code, pending.code_verifier)
    now = received = rt.clock()
    patient = _context_id(token, "patient")
    if patient is None:
        raise TokenError(
            "The EHR gave access without a patient in context; open the app from a patient's "
            "chart, or choose a patient when asked."
        )
    user = _identity(rt, pending, token, now)
    session = SmartSession(
        id=new_id(),
        browser=pending.browser,
        fhir_base=endpoints.fhir_base,
        token_url=endpoints.token,
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token")
        if isinstance(token.get("refresh_token"), str)
        else None,
        expires_at=expires_at(token, now),
        scope=token.get("scope") if isinstance(token.get("scope"), str) else pending.scope,
        patient=patient,
        encounter=_context_id(token, "encounter"),
        fhir_user=user.fhir_user if user else None,
        user_name=user.name if user else None,
        need_patient_banner=token.get("need_patient_banner") is not False,
        style=fetch_style(
            token.get("smart_style_url"),
            (endpoints.fhir_base, endpoints.authorize, endpoints.token),
            rt.smart.http_timeout,
        ),
        csrf=new_id(),
        token_received_at=received,
    )
    rt.sessions.save(session)
    log.info("session started", extra={"event": "smart-session"})
    return session
