"""The authorization server's memory: launches, pending sign-ins, codes, tokens, used ``jti`` s.

Everything lives in one process behind one lock (a sandbox keeps nothing across restarts).
Expired entries are swept whenever something new is stored, so memory stays bounded by what is
alive.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin

from .config import ClientRegistration


def new_handle(nbytes: int = 32) -> str:
    """Return an unguessable URL-safe string (codes, tokens, launch ids)."""
    return secrets.token_urlsafe(nbytes)


@dataclass(frozen=True, slots=True)
class LaunchContext:
    """What the EHR knows when it launches an app, handed over through the token response.

    Attributes:
        patient: id of the Patient in context, or ``None``.
        encounter: id of the Encounter in context, or ``None``.
        need_patient_banner: whether the app must show its own patient banner.
        smart_style_url: URL of the EHR's SMART style JSON.
    """

    patient: str | None = None
    encounter: str | None = None
    need_patient_banner: bool = True
    smart_style_url: str | None = None

    def token_fields(self) -> dict[str, Any]:
        """The launch-context fields of a token response (app-launch.md step 5)."""
        fields: dict[str, Any] = {}
        if self.patient is not None:
            fields["patient"] = self.patient
        if self.encounter is not None:
            fields["encounter"] = self.encounter
        fields["need_patient_banner"] = self.need_patient_banner
        if self.smart_style_url is not None:
            fields["smart_style_url"] = self.smart_style_url
        return fields


@dataclass(frozen=True, slots=True)
class EhrLaunch:
    """One EHR launch: the opaque ``launch`` value and what it stands for.

    Attributes:
        id: the ``launch`` parameter.
        client_id: the app the EHR launched (another client cannot use the launch).
        user_id: who was signed in to the EHR.
        context: patient, encounter, banner and style.
        expires_at: when the launch can no longer be used (epoch seconds).
    """

    id: str
    client_id: str
    user_id: str
    context: LaunchContext
    expires_at: float


@dataclass(frozen=True, slots=True)
class PendingSignIn:
    """An authorization request waiting for the user to sign in, pick a patient and approve.

    Attributes:
        id: the handle the sign-in form posts back.
        params: the original authorization request parameters.
        uri: the URL of the original request.
        expires_at: epoch seconds after which the form is refused.
    """

    id: str
    params: tuple[tuple[str, str], ...]
    uri: str
    expires_at: float


@dataclass(slots=True)
class IssuedCode(AuthorizationCodeMixin):
    """An authorization code (Authlib's AuthorizationCodeMixin with the OpenID parts)."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user_id: str
    code_challenge: str | None
    code_challenge_method: str | None
    nonce: str | None
    auth_time: int
    context: LaunchContext
    expires_at: float

    def get_redirect_uri(self) -> str:
        """The redirect URI of the authorization request."""
        return self.redirect_uri

    def get_scope(self) -> str:
        """The granted scope."""
        return self.scope

    def get_nonce(self) -> str | None:
        """The OpenID ``nonce`` of the request, if any."""
        return self.nonce

    def get_auth_time(self) -> int:
        """When the user signed in (epoch seconds)."""
        return self.auth_time


@dataclass(slots=True)
class IssuedToken(TokenMixin):
    """An access token with its refresh token (Authlib's TokenMixin)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    client_id: str
    scope: str
    user_id: str | None
    context: LaunchContext
    issued_at: float
    expires_in: int
    clock: Callable[[], float] = field(repr=False, compare=False)
    revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client: ClientRegistration) -> bool:
        """A refresh token works only for the client it was issued to."""
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        """The granted scope."""
        return self.scope

    def get_expires_in(self) -> int:
        """Lifetime of the access token in seconds."""
        return self.expires_in

    def is_expired(self) -> bool:
        """Whether the access token has expired."""
        return self.clock() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        """Whether the access token was revoked."""
        return self.revoked

    def get_user(self) -> str | None:
        """The user id (``None`` for Backend Services)."""
        return self.user_id

    def get_client(self) -> str:
        """The client id."""
        return self.client_id


class AuthState:
    """All live authorization data, thread-safe.

    Args:
        clock: returns epoch seconds; tests move it to expire tokens without sleeping.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._launches: dict[str, EhrLaunch] = {}
        self._pending: dict[str, PendingSignIn] = {}
        self._codes: dict[str, IssuedCode] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._refresh: dict[str, IssuedToken] = {}
        self._jtis: dict[tuple[str, str], float] = {}
        self._nonces: dict[tuple[str, str], float] = {}

    def _sweep(self) -> None:
        """Forget what has expired (called with the lock held)."""
        now = self.clock()
        for table in (self._launches, self._pending, self._codes):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]
        # An expired access token goes; its refresh token stays usable in its own table.
        for key in [k for k, v in self._tokens.items() if v.is_expired() or v.revoked]:
            del self._tokens[key]
        for table in (self._jtis, self._nonces):
            for key in [k for k, until in table.items() if until <= now]:
                del table[key]

    # -- launches and sign-ins --------------------------------------------------------------

    def add_launch(
        self, client_id: str, user_id: str, context: LaunchContext, lifetime: int
    ) -> EhrLaunch:
        """Record an EHR launch and return it (its ``id`` goes to the app as ``launch``)."""
        launch = EhrLaunch(new_handle(16), client_id, user_id, context, self.clock() + lifetime)
        with self._lock:
            self._sweep()
            self._launches[launch.id] = launch
        return launch

    def launch(self, launch_id: str) -> EhrLaunch | None:
        """Return a live launch, or ``None``."""
        with self._lock:
            launch = self._launches.get(launch_id)
        if launch is None or launch.expires_at <= self.clock():
            return None
        return launch

    def add_pending(self, params: tuple[tuple[str, str], ...], uri: str, lifetime: int) -> str:
        """Keep an authorization request while the user signs in; return its handle."""
        pending = PendingSignIn(new_handle(), params, uri, self.clock() + lifetime)
        with self._lock:
            self._sweep()
            self._pending[pending.id] = pending
        return pending.id

    def take_pending(self, pending_id: str) -> PendingSignIn | None:
        """Return and forget a waiting request (a sign-in form works once)."""
        with self._lock:
            pending = self._pending.pop(pending_id, None)
        if pending is None or pending.expires_at <= self.clock():
            return None
        return pending

    # -- codes --------------------------------------------------------------------------------

    def save_code(self, code: IssuedCode) -> None:
        """Store an authorization code (and remember its nonce against replays)."""
        with self._lock:
            self._sweep()
            self._codes[code.code] = code
            if code.nonce:
                self._nonces[(code.client_id, code.nonce)] = code.expires_at

    def code(self, code: str, client_id: str) -> IssuedCode | None:
        """Return a live code issued to ``client_id``, or ``None``."""
        with self._lock:
            found = self._codes.get(code)
        if found is None or found.client_id != client_id or found.expires_at <= self.clock():
            return None
        return found

    def delete_code(self, code: IssuedCode) -> None:
        """Forget a code once it has been exchanged (codes are single-use)."""
        with self._lock:
            self._codes.pop(code.code, None)

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        """Whether a client already sent this OpenID ``nonce`` recently."""
        with self._lock:
            until = self._nonces.get((client_id, nonce))
        return until is not None and until > self.clock()

    # -- tokens -------------------------------------------------------------------------------

    def save_token(self, token: IssuedToken) -> None:
        """Store an issued token."""
        with self._lock:
            self._sweep()
            self._tokens[token.access_token] = token
            if token.refresh_token:
                self._refresh[token.refresh_token] = token

    def token(self, access_token: str) -> IssuedToken | None:
        """Return the token record of an access token (expired or not), or ``None``."""
        with self._lock:
            return self._tokens.get(access_token)

    def by_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        """Return the token record of a refresh token that is still usable, or ``None``."""
        with self._lock:
            token = self._refresh.get(refresh_token)
        if token is None or token.refresh_revoked:
            return None
        return token

    def revoke_refresh(self, token: IssuedToken) -> None:
        """Retire a refresh token after use (SMART best practice: never use one twice)."""
        with self._lock:
            token.refresh_revoked = True
            if token.refresh_token:
                self._refresh.pop(token.refresh_token, None)

    # -- client assertions --------------------------------------------------------------------

    def first_use_of_jti(self, issuer: str, jti: str, until: float) -> bool:
        """Record a client assertion's ``jti``; False when it was seen before (a replay).

        SMART client-confidential-asymmetric.md: the server SHALL reject a ``jti`` already seen
        for the same ``iss`` within the assertion's lifetime.
        """
        with self._lock:
            self._sweep()
            key = (issuer, jti)
            if key in self._jtis:
                return False
            self._jtis[key] = until
            return True
