"""Browser tests: Playwright for Python driving Debian's chromium against ``make demo``'s stack.

The stack is the one ``make demo`` starts (``sandbox.demo.running_demo``): the sandbox EHR and
the service under gunicorn, the SMART app registered as a confidential client. The browser is
Debian's ``chromium`` (installed by ``make setup``), never one Playwright downloads, started
headless with a fresh profile for every test. Screenshots go to ``test-artifacts/browser/``
(git-ignored). axe-core comes from npm (``tests/browser/package.json``, ``make browser-tools``).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.smart_render import CHROMIUM_ARGS  # one list of the flags, for both
from sandbox.demo import RunningDemo, running_demo

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 20_000  # a busy 2-core machine; only a bound, never a speed assertion


def chromium() -> str:
    found = shutil.which("chromium")
    assert found, "chromium is not installed: run `make setup` (it installs Debian's package)"
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDemo]:
    """The sandbox EHR and the service, as ``make demo`` runs them."""
    with running_demo(tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture
def browser_factory(playwright, tmp_path: Path):
    """``browser_factory(**context_options)``: a fresh chromium profile per call."""
    contexts = []

    def open_context(**options):
        profile = tmp_path / f"profile-{len(contexts)}"
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium(),
            args=list(CHROMIUM_ARGS),
            headless=True,
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser_factory):
    """A page in a fresh profile, 1280 px wide."""
    context = browser_factory(viewport={"width": 1280, "height": 900})
    return context.pages[0] if context.pages else context.new_page()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(frame, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core in a page or frame; the violations of the given impacts."""
    assert AXE.is_file(), "axe-core is not installed: run `make browser-tools`"
    frame.add_script_tag(path=str(AXE))
    result = frame.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def launch_from_ehr(page, demo: RunningDemo, stem: str, *, app_banner: bool = False):
    """On the EHR page, launch NOMS-CDS for the demo patient ``stem``; return the app's frame."""
    page.goto(demo.ehr_url + ("?banner=app" if app_banner else ""))
    row = page.locator("tr", has=page.locator("code", has_text=stem))
    row.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/launches/"))
    frame = page.frame_locator("iframe.app")
    frame.locator("h1").first.wait_for()
    return frame
