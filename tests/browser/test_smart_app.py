"""The SMART app in a real browser: launched inside the sandbox EHR's iframe, and standalone."""

from __future__ import annotations

import re
from urllib.parse import quote

from sandbox.fhir_store import store_of
from tests.browser.conftest import axe_violations, launch_from_ehr, screenshot

CLINICIAN = "Practitioner/sandbox-clinician"


def app_frame(page, demo):
    """The app's frame of an EHR launch page (a Frame, for evaluate and axe)."""
    return next(f for f in page.frames if f.url.startswith(demo.app_url))


def test_the_launch_error_page_is_accessible(browser_factory, demo):
    context = browser_factory(bypass_csp=True)  # lets axe-core be injected into the page
    page = context.new_page()
    page.goto(f"{demo.app_url}/smart/launch?iss={quote('https://unknown.example.org/fhir')}")
    assert page.get_by_role("alert").is_visible()
    assert "not allowed" in page.inner_text("h1")
    screenshot(page, "launch-error")
    assert axe_violations(page) == []


def test_an_ehr_launch_opens_the_app_inside_the_chart(page, demo):
    frame = launch_from_ehr(page, demo, "07-r7-nsclc-high-grade-stable-fit")
    app = app_frame(page, demo)
    assert app.url.startswith(demo.app_url + "/smart/a/")
    level = frame.locator("section.level", has=frame.locator("h2", has_text="T9"))
    plan = level.locator(".plan").inner_text()
    assert plan == "Plan: separation surgery (decompression and stabilization), then SRS"  # R7
    assert "R7" in level.locator("details.why summary").inner_text()
    assert page.locator(".banner").is_visible()  # the EHR shows its banner...
    assert frame.locator(".patient-banner").count() == 0  # ...so the app does not
    screenshot(page, "ehr-launch-07-r7")


def test_the_app_shows_its_banner_when_the_ehr_asks(page, demo):
    frame = launch_from_ehr(page, demo, "07-r7-nsclc-high-grade-stable-fit", app_banner=True)
    assert "Nilsen, Greta" in frame.locator(".patient-banner").inner_text()


def test_a_standalone_launch_signs_in_and_picks_a_patient(page, demo):
    page.goto(f"{demo.app_url}/smart/launch?iss={quote(demo.fhir_base)}")
    page.get_by_label(re.compile("Amara Okafor")).check()
    page.get_by_label(re.compile("18-two-levels-nsclc")).check()
    page.get_by_role("button", name="Allow and launch").click()
    page.wait_for_url(re.compile(re.escape(demo.app_url) + "/smart/a/"))
    assert page.locator(".patient-banner").is_visible()  # standalone: the app shows it
    screenshot(page, "standalone-18")


def test_missing_findings_are_completed_through_the_form_and_saved(page, demo):
    frame = launch_from_ehr(page, demo, "19-chart-lacks-spine-findings")
    first_select = frame.locator("select[name$=':escc-grade']").first
    level = first_select.get_attribute("name").split(":")[0]
    first_select.select_option("escc-3")
    frame.locator(f"select[name='{level}:sins-bone-lesion']").select_option("lesion-lytic")
    frame.locator("select[name='myelopathy']").select_option("no")
    frame.locator("select[name='ecog']").select_option("1")
    frame.get_by_role("button", name="Show the result").click()
    frame.locator("main").get_by_text("Not saved yet").wait_for()
    assert frame.locator(f"select[name='{level}:escc-grade']").input_value() == "escc-3"
    screenshot(page, "completed-19-preview")
    frame.get_by_role("button", name="Save to chart").click()
    frame.get_by_role("heading", name="Saved to the chart").wait_for()
    screenshot(page, "completed-19-saved")
    store = store_of(demo.ehr)
    by_user = [
        v.resource
        for v in store.data.all_current("Observation")
        if v.resource.get("performer") == [{"reference": CLINICIAN}]
    ]
    codes = {o["code"]["coding"][0]["code"] for o in by_user}
    assert {"escc-grade", "sins-bone-lesion", "myelopathy", "89247-1"} <= codes
    provenances = [
        v.resource
        for v in store.data.all_current("Provenance")
        if {"reference": CLINICIAN} in [a["who"] for a in v.resource["agent"]]
    ]
    assert provenances


def test_the_page_reads_in_a_narrow_iframe(browser_factory, demo):
    context = browser_factory(viewport={"width": 420, "height": 900})
    page = context.new_page()
    launch_from_ehr(page, demo, "18-two-levels-nsclc")
    app = app_frame(page, demo)
    width, scroll = app.evaluate(
        "() => [document.documentElement.clientWidth, document.documentElement.scrollWidth]"
    )
    assert width <= 420
    assert scroll <= width  # nothing sticks out sideways
    screenshot(page, "narrow-18")


def test_the_form_works_from_the_keyboard(page, demo):
    frame = launch_from_ehr(page, demo, "19-chart-lacks-spine-findings")
    app = app_frame(page, demo)
    focused = "() => document.hasFocus() ? document.activeElement.className : null"
    for _ in range(10):  # through the EHR's own links, into the app's frame
        page.keyboard.press("Tab")
        if app.evaluate(focused) is not None:
            break
    assert app.evaluate(focused) == "skip"  # the first stop in the app: skip to the content
    select = frame.locator("select").first
    name = select.get_attribute("name")
    select.focus()
    page.keyboard.press("ArrowDown")  # a choice from the keyboard previews it at once
    frame.locator("#preview-status").get_by_text("Not saved yet").wait_for()
    chosen = frame.locator(f"select[name='{name}']").input_value()
    assert chosen
    assert app.evaluate("() => document.activeElement.name") == name  # focus kept
    frame.get_by_role("button", name="Show the result").focus()
    with page.expect_event("framenavigated"):
        page.keyboard.press("Enter")  # the button works from the keyboard too
    frame.locator("main").get_by_text("Not saved yet").wait_for()
    assert frame.locator(f"select[name='{name}']").input_value() == chosen


def test_the_print_layout_leaves_out_the_form(page, demo):
    frame = launch_from_ehr(page, demo, "07-r7-nsclc-high-grade-stable-fit")
    page.emulate_media(media="print")
    assert not frame.locator("form.complete").is_visible()
    assert frame.locator("main").is_visible()
    screenshot(page, "print-07-r7")


def test_the_assessment_page_has_no_serious_accessibility_violation(browser_factory, demo):
    context = browser_factory(bypass_csp=True)
    page = context.new_page()
    launch_from_ehr(page, demo, "18-two-levels-nsclc")
    assert axe_violations(app_frame(page, demo)) == []


def test_a_changed_field_shows_the_recomputed_assessment_without_a_reload(page, demo):
    frame = launch_from_ehr(page, demo, "19-chart-lacks-spine-findings")
    app = app_frame(page, demo)
    app.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads
    select = frame.locator("select[name$=':escc-grade']").first
    select.select_option("escc-3")
    frame.locator("main").get_by_text("Not saved yet").wait_for()
    assert app.evaluate("() => window.sameDocument === true")
    assert frame.locator("select[name$=':escc-grade']").first.input_value() == "escc-3"
    status = frame.locator("#preview-status")
    assert "Not saved yet" in status.inner_text()


def test_an_emergent_patient_is_shown_as_emergent_first(page, demo):
    frame = launch_from_ehr(page, demo, "11-special-a-breast-myelopathy")
    banner = frame.locator("section.urgency")
    assert banner.get_attribute("role") == "alert"
    assert banner.inner_text().startswith("EMERGENT")
    app = app_frame(page, demo)
    first = app.evaluate("() => document.querySelector('main').firstElementChild.className")
    assert "urgency" in first and "tier-emergent" in first  # before anything else on the page
    colour = app.evaluate(
        "() => getComputedStyle(document.querySelector('section.urgency')).backgroundColor"
    )
    assert colour == "rgb(164, 22, 26)"  # the emergency colour, with the words
    assert frame.locator("svg g.tier-emergent title").count() == 1  # its level in the diagram
    screenshot(page, "emergent-11")
