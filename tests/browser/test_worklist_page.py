"""The tumour-board worklist page in a real browser, against ``make demo``'s stack.

The demo patients are sent to the service's ``POST /api/assessments`` with the run's API key (as
``make demo`` does), then the page is opened by a browser signed in with HTTP Basic (any user
name, the key as the password): the rows are in urgency order, the chart drawn by matplotlib
loads and carries one row of marks per interval and the target, the CSV link answers, the page
can be used with the keyboard, and axe-core finds nothing serious. Without the credentials the
browser gets the 401 sign-in page.
"""

from __future__ import annotations

import re

import pytest
import requests

from service.worklist.seed import seed_worklist
from tests.browser.conftest import axe_violations, screenshot

RANK = {"emergent": 3, "urgent": 2, "routine": 1, "none": 0}
INTERVALS = (
    "imaging-to-spine-team",
    "imaging-to-tumour-board",
    "imaging-to-treatment",
    "symptoms-to-treatment",
)


@pytest.fixture(scope="module")
def seeded(demo):
    assert seed_worklist(demo.app_url, demo.api_key) == 25
    return demo


def signed_in(demo) -> dict:
    """Playwright's context option: HTTP Basic with any user name and the run's key."""
    return {"http_credentials": {"username": "tumour-board", "password": demo.api_key}}


def test_the_worklist_page(browser_factory, seeded):
    context = browser_factory(
        viewport={"width": 1280, "height": 900}, bypass_csp=True, **signed_in(seeded)
    )
    page = context.new_page()
    failed: list[str] = []  # what the page asked for and did not get (the browser's favicon aside)
    page.on(
        "response",
        lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(seeded.app_url + "/smart/worklist")
    assert page.inner_text("h1") == "Tumour-board worklist"

    # The rows: the open assessments, the most urgent first (the highest possible tier leads).
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 18  # 25 demo patients, 7 of them treated
    tiers = [
        re.search(r"tier-(\w+)", rows.nth(i).get_attribute("class")).group(1)
        for i in range(rows.count())
    ]
    assert tiers == sorted(tiers, key=RANK.get, reverse=True)
    assert tiers[0] == "emergent"
    assert rows.nth(0).locator("td.summary").inner_text().startswith("EMERGENT")
    assert "days so far" in rows.nth(0).inner_text()

    # The chart: an image from the server, loaded, with its text alternative ...
    image = page.locator("figure.intervals-plot img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('figure.intervals-plot img').complete")
    assert image.evaluate("img => img.naturalWidth") > 0
    assert "Chart of the days" in image.get_attribute("alt")
    # ... whose SVG has a group of marks per interval, the medians and the target.
    bearer = {"Authorization": f"Bearer {seeded.api_key}"}
    svg = requests.get(image.evaluate("img => img.src"), headers=bearer, timeout=20)
    assert svg.headers["Content-Type"].startswith("image/svg+xml")
    for key in INTERVALS:
        assert f'id="interval-{key}"' in svg.text
    assert 'id="median-imaging-to-spine-team"' in svg.text and 'id="target"' in svg.text
    medians = page.locator("table.programme tbody tr")
    assert medians.count() == 4
    assert medians.nth(0).locator("td").nth(0).inner_text() == "4"

    # The CSV link answers with the same rows, in the browser signed in as it is (the link is
    # below the page, where the browser sends its credentials) ...
    href = page.get_by_role("link", name="Download CSV").get_attribute("href")
    in_browser = context.request.get(seeded.app_url + href)
    assert in_browser.status == 200 and in_browser.text().count("\r\n") == 19
    # ... as the API's CSV does for the key as a bearer token.
    api_csv = requests.get(seeded.app_url + "/api/worklist.csv", headers=bearer, timeout=20)
    assert api_csv.status_code == 200 and api_csv.text == in_browser.text()

    # Keyboard: the skip link, then the range form; Enter on "Show" reloads the range.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.locator("#to").focus()
    for _ in range(6):  # a date input's day, month and year parts each take a Tab
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Show":
            break
    assert page.evaluate("document.activeElement.textContent") == "Show"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/smart/worklist\?from=\d{4}-\d\d-\d\d&to="))
    assert rows.count() == 18

    screenshot(page, "worklist")
    page.emulate_media(media="print")
    assert page.locator("form.range").is_hidden()  # the printed sheet has no form
    screenshot(page, "worklist-print")
    page.emulate_media(media="screen")
    assert axe_violations(page) == []
    assert failed == []


def test_without_the_key_the_browser_is_asked_to_sign_in(browser_factory, seeded):
    context = browser_factory(bypass_csp=True)
    # The 401's Basic challenge makes the browser ask for credentials; headless, with none to
    # give, Chromium ends the navigation (a person would get the dialog, then the page below).
    with pytest.raises(Exception, match="ERR_INVALID_AUTH_CREDENTIALS"):
        context.new_page().goto(seeded.app_url + "/smart/worklist")
    answer = context.request.get(seeded.app_url + "/smart/worklist")
    assert answer.status == 401
    assert answer.headers["www-authenticate"].startswith('Basic realm="NOMS-CDS worklist"')
    assert "Sign-in needed" in answer.text() and "EMERGENT" not in answer.text()
    for path in ("/smart/worklist/intervals.svg", "/smart/worklist/worklist.csv"):
        assert context.request.get(seeded.app_url + path).status == 401
    # A wrong key: the server answers 401 again, and the browser shows the sign-in page.
    wrong = browser_factory(
        bypass_csp=True, http_credentials={"username": "x", "password": "not-the-key"}
    ).new_page()
    assert wrong.goto(seeded.app_url + "/smart/worklist").status == 401
    assert wrong.inner_text("h1") == "Sign-in needed"
    assert wrong.locator("table.worklist").count() == 0
    assert axe_violations(wrong) == []


def test_a_bad_range_is_a_400_page(browser_factory, seeded):
    page = browser_factory(bypass_csp=True, **signed_in(seeded)).new_page()
    response = page.goto(seeded.app_url + "/smart/worklist?from=2026-02-30")
    assert response.status == 400
    assert "from must be a date" in page.get_by_role("alert").inner_text()
    assert axe_violations(page) == []
