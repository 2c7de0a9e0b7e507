"""FHIR access with a session's token: the token of a SMART session as the FHIR client's Auth.

The FHIR client (``service/fhir/client.py``) sends the token to the session's own FHIR base
only. The access token is refreshed shortly before it expires and once after a 401 (SMART App
Launch 2.2 app-launch.md step 7). A refresh token may be used once only (best-practices.md), and
several workers may serve one session at the same moment, so a refresh holds the session's lock
in the shared store and the others wait for its result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

from smart_app.errors import SessionExpired, TokenError
from smart_app.oauth import SmartOAuthClient
from smart_app.sessions import SessionStore, SmartSession

REFRESH_MARGIN_SECONDS: Final = 30
LOCK_WAIT_SECONDS: Final = 10.0


class SessionAuth:
    """The bearer token of one SMART session, for ``FhirClient(auth=...)``."""

    def __init__(
        self,
        session: SmartSession,
        sessions: SessionStore,
        oauth: SmartOAuthClient,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self._sessions = sessions
        self._oauth = oauth
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SessionAuth(fhir_base={self.session.fhir_base!r})"

    def _expired(self) -> bool:
        expires = self.session.expires_at
        return expires is not None and self._clock() >= expires - REFRESH_MARGIN_SECONDS

    def headers(self) -> dict[str, str]:
        """The Authorization header, refreshing the token first when it has (nearly) expired."""
        with self._lock:
            if self._expired():
                self._refresh()
            return {"Authorization": f"Bearer {self.session.access_token}"}

    def renew(self) -> bool:
        """After a 401: refresh the token once; False when there is no refresh token."""
        with self._lock:
            if not self.session.refresh_token:
                return False
            self._refresh()
            return True

    def _refresh(self) -> None:
        stale = self.session.access_token
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while not self._sessions.lock(self.session.id):
            if time.monotonic() > deadline:
                raise SessionExpired("The app could not renew its access to the EHR in time.")
            self._sleep(0.05)
        try:
            current = self._sessions.load(self.session.id)
            if current is None:
                raise SessionExpired("Your session with the app has ended: launch it again.")
            if current.access_token != stale:  # another worker refreshed meanwhile
                self.session = current
                return
            if not current.refresh_token:
                self._sessions.end(current.id)
                raise SessionExpired(
                    "The EHR's access for this session has expired: launch the app again."
                )
            try:
                token = self._oauth.refresh(current.token_url, current.refresh_token)
            except TokenError as exc:
                self._sessions.end(current.id)
                raise SessionExpired(
                    "The EHR no longer renews the app's access: launch the app again."
                ) from exc
            self.session = current.with_token(token, self._clock())
            self._sessions.save(self.session)
        finally:
            self._sessions.unlock(self.session.id)
