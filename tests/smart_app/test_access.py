"""The session's token as the FHIR client's credentials: refreshed once, whoever asks first."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from service.storage.keyvalue import SqliteStore
from smart_app.access import SessionAuth
from smart_app.errors import SessionExpired, TokenError
from smart_app.sessions import SessionStore, SmartSession


class FakeOAuth:
    """Counts refreshes; each returns new tokens (rotation), slowly, so that callers overlap."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[str] = []
        self.fail = fail
        self.lock = threading.Lock()

    def refresh(self, token_url: str, refresh_token: str) -> dict:
        with self.lock:
            self.calls.append(refresh_token)
            number = len(self.calls)
        threading.Event().wait(0.2)
        if self.fail:
            raise TokenError("refused")
        return {
            "access_token": f"access-{number}",
            "refresh_token": f"refresh-{number}",
            "expires_in": 3600,
        }


def _session(**changes) -> SmartSession:
    values = dict(
        id="s1",
        browser="b",
        fhir_base="https://ehr.example.org/fhir",
        token_url="https://ehr.example.org/token",
        access_token="access-0",
        refresh_token="refresh-0",
        expires_at=1000.0,
        scope="x",
        patient="p",
    )
    values.update(changes)
    return SmartSession(**values)


@pytest.fixture
def sessions(tmp_path: Path) -> SessionStore:
    return SessionStore(SqliteStore(tmp_path / "kv.sqlite3"), lifetime=600)


def test_an_expired_token_is_refreshed_once_by_two_workers_at_the_same_time(sessions):
    sessions.save(_session())
    oauth = FakeOAuth()
    workers = [SessionAuth(_session(), sessions, oauth, clock=lambda: 2000.0) for _ in range(2)]
    headers: list[dict] = []
    threads = [threading.Thread(target=lambda a=a: headers.append(a.headers())) for a in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert oauth.calls == ["refresh-0"]  # one refresh token, used once
    assert headers == [{"Authorization": "Bearer access-1"}] * 2
    assert sessions.load("s1").refresh_token == "refresh-1"


def test_a_token_still_valid_is_not_refreshed(sessions):
    oauth = FakeOAuth()
    auth = SessionAuth(_session(expires_at=5000.0), sessions, oauth, clock=lambda: 2000.0)
    assert auth.headers() == {"Authorization": "Bearer access-0"}
    assert oauth.calls == []


def test_a_refused_refresh_ends_the_session(sessions):
    sessions.save(_session())
    auth = SessionAuth(_session(), sessions, FakeOAuth(fail=True), clock=lambda: 2000.0)
    with pytest.raises(SessionExpired):
        auth.headers()
    assert sessions.load("s1") is None


def test_repr_holds_no_token(sessions):
    assert "access-0" not in repr(SessionAuth(_session(), sessions, FakeOAuth()))
