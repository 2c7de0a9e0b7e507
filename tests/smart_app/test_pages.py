"""The session's pages: who may see them, CSRF, headers, banner, style, and no token anywhere."""

from __future__ import annotations

import re

import pytest

from smart_app.views import EXTENSION
from tests.smart_app.conftest import COOKIE, launched_session
from tests.smart_app.mock_ehr import APP, ig_token_response


@pytest.fixture
def page(client, ehr):
    ehr.fhir()
    ehr.rsps.get(
        "https://ehr.example.org/smart-style.json",
        json={
            "color_background": "#f4f6f8",
            "font_family_body": "Georgia; } body { x: y",
            "dim_font_size": "18px",
        },
    )
    ehr.token = {**ehr.token, "smart_style_url": "https://ehr.example.org/smart-style.json"}
    return launched_session(client, ehr)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_page_shows_the_patient_with_the_banner_asked_for(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nilsen, Greta" in html and "1957-05-09" in html  # need_patient_banner: true


def test_no_banner_when_the_ehr_shows_its_own(client, ehr):
    ehr.fhir()
    ehr.token = {**ehr.token, "need_patient_banner": False}
    html = client.get(launched_session(client, ehr)).get_data(as_text=True)
    assert "Nilsen, Greta" not in html


def test_the_page_headers_fit_an_ehr_iframe(smart_app, ehr):
    client = smart_app(FRAME_ANCESTORS="https://ehr.example.org").test_client()
    ehr.fhir()
    response = client.get(launched_session(client, ehr))
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://ehr.example.org" in csp
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "token" in response.headers["Server-Timing"]  # time from the token response


def test_no_token_reaches_the_browser_or_the_log(client, ehr, page, capfd):
    tokens = ig_token_response()
    secrets = [tokens["access_token"], tokens["refresh_token"], ehr.id_token().split(".")[0]]
    response = client.get(page)
    exposed = [response.get_data(as_text=True), str(response.headers)]
    exposed += [c.value for c in client._cookies.values()]
    style = client.get(page + "style.css")
    exposed += [style.get_data(as_text=True), str(style.headers)]
    logs = capfd.readouterr().err
    for secret in secrets[:2]:
        assert not any(secret in text for text in exposed)
        assert secret not in logs
    cookie = client.get_cookie(COOKIE)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie.value)


def test_a_page_of_another_browser_is_refused(app, page):
    stranger = app.test_client()
    response = stranger.get(page)
    assert response.status_code == 403
    assert "Nilsen" not in response.get_data(as_text=True)


def test_an_ended_session_asks_for_a_new_launch(app, client, page):
    session_id = page.split("/")[3]
    app.extensions[EXTENSION].sessions.end(session_id)  # what the idle timeout does
    response = client.get(page)
    assert response.status_code == 401
    assert "Launch the app again" in response.get_data(as_text=True)


def test_an_unknown_session_id_is_refused(client, page):
    assert client.get("/smart/a/" + "x" * 43 + "/").status_code == 401
    assert client.get("/smart/a/" + "x" * 500 + "/").status_code == 401


def test_the_ehr_style_is_applied_and_checked(client, page):
    css = client.get(page + "style.css")
    assert css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "--ehr-background: #f4f6f8;" in text and "--ehr-font-size: 18px;" in text
    assert "body" not in text and "Georgia" not in text  # an injection attempt is dropped


def test_a_style_url_outside_the_ehr_is_never_fetched(client, ehr):
    ehr.fhir()
    ehr.token = {**ehr.token, "smart_style_url": "http://169.254.169.254/style.json"}
    page = launched_session(client, ehr)
    assert not any("169.254" in url for url in ehr.calls)
    assert ":root {\n\n}" in client.get(page + "style.css").get_data(as_text=True)


# -- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": APP, "Sec-Fetch-Site": "same-origin"},
        # what Chromium sends from a page with Referrer-Policy: no-referrer
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
        {},  # a client that sends neither (the token alone decides)
    ],
    ids=["origin", "null-origin-same-origin", "no-headers"],
)
def test_a_form_post_with_its_token_is_accepted(client, page, headers):
    token = csrf_of(client.get(page).get_data(as_text=True))
    response = client.post(page + "preview", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        ({}, {}),
        ({"csrf_token": "forged"}, {}),
        ({"csrf_token": "GOOD"}, {"Origin": "https://evil.example.org"}),
        ({"csrf_token": "GOOD"}, {"Origin": "null"}),
        ({"csrf_token": "GOOD"}, {"Sec-Fetch-Site": "cross-site"}),
        ({"csrf_token": "GOOD"}, {"Sec-Fetch-Site": "same-site"}),
    ],
    ids=["no-token", "wrong-token", "other-origin", "null-origin", "cross-site", "same-site"],
)
@pytest.mark.parametrize("action", ["preview", "save"])
def test_a_forged_form_post_is_refused(client, ehr, page, data, headers, action):
    token = csrf_of(client.get(page).get_data(as_text=True))
    data = {k: token if v == "GOOD" else v for k, v in data.items()}
    calls_before = len(ehr.calls)
    response = client.post(page + action, data=data, headers=headers)
    assert response.status_code == 403
    assert len(ehr.calls) == calls_before  # refused before the EHR was asked anything


def test_the_token_of_another_session_does_not_work(client, ehr, page):
    other = launched_session(client, ehr)
    other_token = csrf_of(client.get(other).get_data(as_text=True))
    assert client.post(page + "preview", data={"csrf_token": other_token}).status_code == 403


def test_get_is_not_allowed_on_state_changing_routes(client, page):
    assert client.get(page + "save").status_code == 405
