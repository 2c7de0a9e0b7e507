"""Server-side state of the SMART app, in the shared store (SQLite file or Redis).

Nothing but an opaque random browser id ever reaches the browser (the cookie); tokens, the
patient in context and the user live here, so every worker and replica sees the same sessions.

- ``smart-pending:<state>``: an authorization request in flight (PKCE verifier, nonce, the
  browser it belongs to, the EHR's endpoints), for ten minutes. Keyed by ``state`` so that a
  callback whose cookie was blocked gets a clear error instead of a silent loop
  (docs/smart-app.md), and used once only (``smart-used:<state>``).
- ``session:<id>``: one launch: tokens, context, user, form token. The id is in the page URLs,
  so two launches in two tabs or iframes never mix their patients; the record names the browser
  it belongs to, so the id alone opens nothing. It expires after the configured idle time.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from service.storage.keyvalue import KeyValueStore
from smart_app.discovery import Endpoints

PENDING_PREFIX: Final = "smart-pending:"
USED_PREFIX: Final = "smart-used:"
SESSION_PREFIX: Final = "session:"
LOCK_PREFIX: Final = "session-lock:"
SAVED_PREFIX: Final = "smart-saved:"
PENDING_SECONDS: Final = 600  # the user may take a while on the EHR's sign-in page
ID_BYTES: Final = 32  # 256 bits: state, ids and form tokens (SMART asks >= 122 bits for state)


def new_id() -> str:
    """A new unguessable identifier (URL-safe)."""
    return secrets.token_urlsafe(ID_BYTES)


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """An authorization request sent to an EHR, waiting for its callback."""

    state: str
    browser: str
    endpoints: Endpoints
    code_verifier: str = field(repr=False)
    scope: str
    launch: str | None = field(default=None, repr=False)
    nonce: str | None = field(default=None, repr=False)
    created_at: float = 0.0

    def to_json(self) -> str:
        data = asdict(self)
        data["endpoints"] = json.loads(self.endpoints.to_json())
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> PendingAuthorization:
        data = json.loads(text)
        data["endpoints"] = Endpoints.from_json(json.dumps(data["endpoints"]))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class SmartSession:
    """One launch of the app: what the EHR granted, for whom, about which patient.

    Attributes:
        id: The session id (in the page URLs).
        browser: The browser id of the cookie this session is bound to.
        fhir_base: The launching FHIR server; every FHIR call goes there and only there.
        token_url: Where the access token is refreshed.
        access_token, refresh_token: The tokens (never sent to the browser, never logged).
        expires_at: When the access token expires (epoch seconds), if the EHR said.
        scope: The scopes granted.
        patient: The patient in context.
        encounter: The encounter in context, if any.
        fhir_user: The verified user's reference (author of what is saved), if known.
        user_name: The user's display name from the id_token, if any.
        need_patient_banner: Whether the app must show the patient banner (SMART context).
        style: The EHR's SMART style values that passed validation.
        csrf: The form token of this session.
        token_received_at: When the token response arrived (for the time-to-render figure).
        rendered: Whether the assessment page was already rendered once.
    """

    id: str
    browser: str
    fhir_base: str
    token_url: str
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float | None
    scope: str
    patient: str
    encounter: str | None = None
    fhir_user: str | None = None
    user_name: str | None = None
    need_patient_banner: bool = True
    style: dict[str, str] = field(default_factory=dict)
    csrf: str = field(default="", repr=False)
    token_received_at: float = 0.0
    rendered: bool = False

    def with_token(self, token: dict[str, Any], now: float) -> SmartSession:
        """This session after a refresh: the new access (and refresh) token."""
        return replace(
            self,
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token") or self.refresh_token,
            expires_at=expires_at(token, now),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SmartSession:
        return cls(**json.loads(text))


def expires_at(token: dict[str, Any], now: float) -> float | None:
    """When an access token expires, from its ``expires_in`` (None when not said)."""
    lifetime = token.get("expires_in")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        return None
    return now + float(lifetime)


class SessionStore:
    """Pending authorizations and sessions in the shared store."""

    def __init__(self, store: KeyValueStore, lifetime: int) -> None:
        self._store = store
        self.lifetime = lifetime

    def put_pending(self, pending: PendingAuthorization) -> None:
        self._store.set(PENDING_PREFIX + pending.state, pending.to_json(), PENDING_SECONDS)

    def take_pending(self, state: str) -> PendingAuthorization | None:
        """The pending authorization of ``state``, once: a second callback gets None."""
        text = self._store.get(PENDING_PREFIX + state)
        if text is None or not self._store.add(USED_PREFIX + state, "1", PENDING_SECONDS):
            return None
        self._store.delete(PENDING_PREFIX + state)
        return PendingAuthorization.from_json(text)

    def save(self, session: SmartSession) -> None:
        """Store (or refresh the idle timer of) a session."""
        self._store.set(SESSION_PREFIX + session.id, session.to_json(), self.lifetime)

    def load(self, session_id: str) -> SmartSession | None:
        """The session, or None when there is none (or it was stored by an older release)."""
        text = self._store.get(SESSION_PREFIX + session_id)
        if text is None:
            return None
        try:
            return SmartSession.from_json(text)
        except (TypeError, ValueError):
            return None

    def end(self, session_id: str) -> None:
        self._store.delete(SESSION_PREFIX + session_id)

    def claim_save(self, session_id: str, values: dict[str, str]) -> str | None:
        """Claim the saving of this form (these values, in this session); None when done before.

        A second press of "Save", or a reload that posts the form again, must not write the
        results once more: they would cite the findings saved the first time and so differ.
        Give the claim back (``release``) when the write did not go through.
        """
        digest = hashlib.sha256(json.dumps(sorted(values.items())).encode()).hexdigest()
        key = f"{SAVED_PREFIX}{session_id}:{digest}"
        return key if self._store.add(key, "1", self.lifetime) else None

    def release(self, claim: str) -> None:
        """Give back a save claim, so that the same form can be saved again."""
        self._store.delete(claim)

    def lock(self, session_id: str, seconds: float = 30.0) -> bool:
        """Take the session's refresh lock (one refresh at a time across workers)."""
        return self._store.add(LOCK_PREFIX + session_id, "1", seconds)

    def unlock(self, session_id: str) -> None:
        self._store.delete(LOCK_PREFIX + session_id)
