"""API keys (service/api/auth.py): every /api route and the worklist page need one.

The protected routes are read from the app's url map, so a new /api route that is not protected
fails here. Each is called with no header, a wrong key, a key under another scheme, Basic (the
page only), with no keys configured, and with the right key.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import re
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service import cli
from service.api.auth import (
    BEARER_CHALLENGE,
    OPEN_ENDPOINTS,
    PAGE_CHALLENGE,
    client_for,
    key_digest,
    presented_key,
)
from service.config import load_settings
from service.errors import ConfigurationError
from tests.api_keys import API_KEYS, TEST_API_KEY, TEST_CLIENT

PAGE_PREFIX = "/smart/worklist"
OTHER_KEY = "another-clients-key-0b7d3e"


def basic(password: str, user: str = "anyone") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def protected_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every /api and worklist-page rule, the probes aside; ids filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.rule.startswith(PAGE_PREFIX)):
            continue
        assert rule.endpoint not in OPEN_ENDPOINTS
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "example", rule.rule)
        found += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def _app(tmp_path, **settings) -> Flask:
    from service import create_app

    return create_app({"TESTING": True, "STATE_DIR": str(tmp_path / "state"), **settings})


@pytest.fixture
def app(tmp_path) -> Flask:
    return _app(
        tmp_path,
        API_KEYS=API_KEYS,
        DATABASE_URL=f"sqlite:///{tmp_path / 'noms.sqlite3'}",
        MAX_BODY_BYTES=4 * 1024 * 1024,
    )


# The routes are read at collection, from an app whose state folder goes when the process ends.
_STATE = tempfile.TemporaryDirectory(prefix="noms-api-auth-")
atexit.register(_STATE.cleanup)
ROUTES = protected_routes(_app(Path(_STATE.name)))


def test_the_protected_routes_are_found():
    # Keeps the parametrized tests from passing vacuously after a rename of the routes.
    paths = {path for _, path in ROUTES}
    assert {
        "/api/assessments",
        "/api/patients/example/assessment",
        "/api/questionnaire-responses/assessment",
        "/api/worklist",
        "/api/worklist.csv",
        "/smart/worklist",
        "/smart/worklist/intervals.svg",
        "/smart/worklist/worklist.csv",
    } <= paths


def call(app: Flask, method: str, path: str, authorization: str | None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    # FlaskClient itself: it adds no key of its own (unlike make_app's KeyedClient).
    return FlaskClient(app).open(path, method=method, headers=headers)


def assert_refused(response, path: str, *, no_keys: bool = False) -> None:
    assert response.status_code == 401
    if path.startswith(PAGE_PREFIX):
        assert response.headers["WWW-Authenticate"] == PAGE_CHALLENGE
        assert response.content_type.startswith("text/html")
        text = response.get_data(as_text=True)
        assert "Sign-in needed" in text
        assert ("No API keys are configured" in text) is no_keys
    else:
        assert response.headers["WWW-Authenticate"] == BEARER_CHALLENGE
        assert response.content_type == "application/fhir+json"
        outcome = response.get_json()
        assert outcome["resourceType"] == "OperationOutcome"
        [issue] = outcome["issue"]
        assert issue["code"] == "login"
        expected = "authentication required"
        if no_keys:
            expected += ": no API keys configured (NOMS_API_KEYS)"
        assert issue["diagnostics"] == expected  # nothing on which part failed


REFUSED = {
    "no header": None,
    "empty": "",
    "wrong key": f"Bearer {OTHER_KEY}",
    "key of another scheme": f"Token {TEST_API_KEY}",
    "bare key": TEST_API_KEY,
    "bearer without a key": "Bearer ",
    "digest instead of key": f"Bearer {key_digest(TEST_API_KEY)}",
    "basic with a wrong password": basic(OTHER_KEY),
    "basic with the key as user": basic("", user=TEST_API_KEY),
    "basic not base64": "Basic %%%",
    "huge": "Bearer " + "k" * 5000,
}


@pytest.mark.parametrize("method,path", ROUTES, ids=lambda v: v)
@pytest.mark.parametrize("authorization", REFUSED.values(), ids=REFUSED.keys())
def test_every_protected_route_refuses(app, method, path, authorization):
    assert_refused(call(app, method, path, authorization), path)


@pytest.mark.parametrize("method,path", [r for r in ROUTES if r[1].startswith("/api/")])
def test_basic_is_not_taken_on_the_api(app, method, path):
    assert_refused(call(app, method, path, basic(TEST_API_KEY)), path)


@pytest.mark.parametrize("method,path", ROUTES)
def test_without_keys_configured_every_protected_route_is_a_401(tmp_path, method, path):
    app = _app(tmp_path)  # no NOMS_API_KEYS: secure by default
    for authorization in (None, f"Bearer {TEST_API_KEY}", basic(TEST_API_KEY)):
        assert_refused(call(app, method, path, authorization), path, no_keys=True)


@pytest.mark.parametrize("method,path", ROUTES)
def test_the_right_key_passes(app, method, path):
    response = call(app, method, path, f"Bearer {TEST_API_KEY}")
    # Past the check: the route's own answer (a bodiless POST is a 400/415, never a 401).
    assert response.status_code != 401, response.get_data(as_text=True)


@pytest.mark.parametrize("path", [p for m, p in ROUTES if p.startswith(PAGE_PREFIX)])
def test_the_page_takes_basic_with_any_user(app, path):
    for user in ("anyone", "", "dr who"):  # a user-id has no colon (RFC 7617)
        assert call(app, "GET", path, basic(TEST_API_KEY, user)).status_code == 200


def test_the_probes_need_no_key(app):
    client = FlaskClient(app)
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path).status_code == 200


def test_a_right_key_is_answered_with_the_data(app):
    client = FlaskClient(app)
    bearer = {"Authorization": f"Bearer {TEST_API_KEY}"}
    response = client.get("/api/worklist?from=2026-11-01&to=2026-11-07", headers=bearer)
    assert response.status_code == 200 and response.get_json()["entries"] == []
    page = client.get("/smart/worklist", headers={"Authorization": basic(TEST_API_KEY)})
    assert "Tumour-board worklist" in page.get_data(as_text=True)


def test_any_configured_key_is_accepted_and_its_client_named(tmp_path, caplog):
    keys = {"board": key_digest(OTHER_KEY), TEST_CLIENT: key_digest(TEST_API_KEY)}
    app = _app(tmp_path, API_KEYS=json.dumps(keys))
    caplog.set_level(logging.INFO, logger="noms_cds")
    for key, client in ((OTHER_KEY, "board"), (TEST_API_KEY, TEST_CLIENT)):
        caplog.clear()
        response = call(app, "GET", "/api/worklist", f"Bearer {key}")
        assert response.status_code == 200
        [accepted] = [r for r in caplog.records if r.getMessage() == "api client authenticated"]
        assert accepted.client == client


def test_the_key_never_reaches_the_log(app, caplog):
    caplog.set_level(logging.DEBUG)
    for authorization in (f"Bearer {TEST_API_KEY}", basic(TEST_API_KEY), f"Bearer {OTHER_KEY}"):
        for _method, path in ROUTES:
            call(app, "GET", path, authorization)
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert "api client authenticated" in logged and "authentication refused" in logged
    encoded = base64.b64encode(f"anyone:{TEST_API_KEY}".encode()).decode()
    for secret in (TEST_API_KEY, OTHER_KEY, encoded):
        assert secret not in logged


def test_presented_key_reads_bearer_and_basic_only():
    assert presented_key(f"Bearer {TEST_API_KEY}") == TEST_API_KEY
    assert presented_key(f"bearer  {TEST_API_KEY} ") == TEST_API_KEY
    assert presented_key(basic(TEST_API_KEY)) is None  # the API: Bearer only
    assert presented_key(basic(TEST_API_KEY), basic=True) == TEST_API_KEY
    assert presented_key(basic("a:b"), basic=True) == "a:b"  # only the first colon splits
    assert presented_key("Basic " + base64.b64encode(b"nocolon").decode(), basic=True) is None
    assert presented_key("Basic " + base64.b64encode(b"\xff:x").decode(), basic=True) is None


def test_client_for_compares_digests():
    keys = load_settings({"API_KEYS": API_KEYS}, prefix="").api_keys
    assert client_for(TEST_API_KEY, keys) == TEST_CLIENT
    assert client_for(TEST_API_KEY + "x", keys) is None
    assert client_for("", keys) is None and client_for(None, keys) is None
    assert client_for(TEST_API_KEY, ()) is None


@pytest.mark.parametrize(
    "value,words",
    [
        ("[]", "must be a JSON object"),
        ("{", "NOMS_API_KEYS"),
        (json.dumps({"a": TEST_API_KEY}), "never the key itself"),
        (json.dumps({"a": "ab" * 31}), "64 hex digits"),
        (json.dumps({"": key_digest("x")}), "client name"),
        (json.dumps({"a": key_digest("x"), "b": key_digest("x")}), "repeats"),
    ],
)
def test_bad_api_keys_stop_start_up_in_one_line(value, words):
    with pytest.raises(ConfigurationError) as refused:
        load_settings({"API_KEYS": value}, prefix="")
    message = str(refused.value)
    assert message.startswith("NOMS_API_KEYS") and words in message and "\n" not in message
    assert TEST_API_KEY not in message  # a key pasted by mistake is not echoed


def test_the_keys_can_come_from_a_file(tmp_path):
    keys_file = tmp_path / "api-keys.json"
    keys_file.write_text(API_KEYS, encoding="utf-8")
    settings = load_settings({"API_KEYS_FILE": str(keys_file)}, prefix="")
    assert [k.client for k in settings.api_keys] == [TEST_CLIENT]
    assert TEST_API_KEY not in repr(settings) and key_digest(TEST_API_KEY) not in repr(settings)


def test_the_api_key_command_makes_a_key_that_works(tmp_path, capsys):
    assert cli.main(["api-key", "tumour board"]) == 0
    printed = capsys.readouterr().out
    key = re.search(r"^key: (\S+)$", printed, re.M).group(1)
    entry = json.loads(re.search(r"^(\{.*\})$", printed, re.M).group(1))
    assert entry == {"tumour board": key_digest(key)}
    assert len(key) >= 43  # 32 random bytes
    app = _app(tmp_path, API_KEYS=json.dumps(entry))
    assert call(app, "GET", "/api/worklist", f"Bearer {key}").status_code == 200
    assert cli.main(["api-key", "tumour board"]) == 0
    assert re.search(r"^key: (\S+)$", capsys.readouterr().out, re.M).group(1) != key


def test_the_api_key_command_refuses_a_bad_name(capsys):
    assert cli.main(["api-key", "a/b"]) == 2
    assert "client name" in capsys.readouterr().err
