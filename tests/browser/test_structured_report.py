"""The structured spine-MRI report in a real browser: the radiologist reports a study in the
sandbox EHR, and the clinician's NOMS-CDS app, launched next, shows the assessment it changed."""

from __future__ import annotations

import re

from sandbox.fhir_store import store_of
from tests.browser.conftest import axe_violations, launch_from_ehr, screenshot

STEM = "01-r1-breast-low-grade-stable"  # T7, ESCC 1a: routine before the report


def open_report_form(page, demo) -> None:
    page.goto(demo.ehr_url + "?user=radiologist")
    row = page.locator("tr", has=page.locator("code", has_text=STEM))
    row.get_by_role("link", name=re.compile("Imaging")).click()
    page.wait_for_url(re.compile(r"/imaging\?user=radiologist"))
    page.get_by_role("link", name="Structured report").click()
    page.wait_for_url(re.compile(r"/report\?user=radiologist"))


def test_the_report_form_has_no_serious_accessibility_violation(browser_factory, demo):
    context = browser_factory(bypass_csp=True)  # lets axe-core be injected into the page
    page = context.new_page()
    open_report_form(page, demo)
    assert page.get_by_label("Level, row 1").input_value() == "T7"  # the study's level
    screenshot(page, "structured-report-form")
    assert axe_violations(page) == []


def test_a_sent_report_changes_what_the_clinician_sees(page, demo):
    frame = launch_from_ehr(page, demo, STEM)
    assert frame.locator("section.urgency").inner_text().startswith("ROUTINE")

    open_report_form(page, demo)
    page.get_by_label("ESCC grade, row 1").select_option("escc-3")
    page.get_by_label("SINS bone lesion quality, row 1").select_option("lesion-lytic")
    page.get_by_role("button", name="Sign and send the report").click()
    page.get_by_role("heading", name="Report saved").wait_for()
    assert "extracted from it (2)" in page.get_by_role("status").inner_text()
    screenshot(page, "structured-report-saved")
    reports = store_of(demo.ehr).data.all_current("QuestionnaireResponse")
    assert len(reports) == 1

    # The clinician launches NOMS-CDS: it reads the chart live, now with the report's findings.
    frame = launch_from_ehr(page, demo, STEM)
    urgency = frame.locator("section.urgency").inner_text()
    assert urgency.startswith("URGENT") and "ESCC 3" in urgency
