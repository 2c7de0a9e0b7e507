"""Time from the token response to the rendered assessment, and the page's weight (SMART app).

Runs the stack ``make demo`` starts (``sandbox.demo.running_demo``: the sandbox EHR, the service
under gunicorn with 2 workers, the app a confidential client) and launches the app for a few
patients, many times:

- **server side**: plain HTTP (``requests``) follows the launch like a browser would (launch →
  EHR authorize → callback → page). The page's ``Server-Timing: token`` entry is the time from
  the token response arriving at the service (callback) to the assessment page rendered (the
  page request in between includes gathering the patient's data from the EHR and assessing it).
- **in the browser**: Debian's chromium (Playwright) launches from the EHR page, the app in the
  iframe. From the app document's Navigation Timing entry: ``token`` (its Server-Timing, as
  above) plus ``loadEventEnd - responseStart`` (the browser receiving, parsing and rendering the
  page with its styles) = token response to a rendered page in the browser. Page weight: the
  transfer sizes of the document and of every resource it loaded (Resource Timing).

    .venv/bin/python -m benchmarks.smart_render                 # 5 launches per patient
    .venv/bin/python -m benchmarks.smart_render --repetitions 9 --json out.json --no-browser

There is no peer: no published SMART app computes NOMS, so the figures stand against the
issue's targets (on one screen within a second; page under 150 KB).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

from sandbox.demo import RunningDemo, running_demo
from sandbox.ehr import NOMS_APP_CLIENT_ID, auth_of

ROOT = Path(__file__).resolve().parents[1]
SYNTHEA = (
    ROOT
    / "tests"
    / "data"
    / "synthea"
    / "Austin_Franecki_f23eef30-acb2-49da-8091-159b61dc1ed5.json"
)
PATIENTS = (
    "07-r7-nsclc-high-grade-stable-fit",
    "11-special-a-breast-myelopathy",
    "18-two-levels-nsclc",
    "19-chart-lacks-spine-findings",
)
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
_TOKEN_TIMING = re.compile(r'(?:^|,\s*)token;(?:desc="[^"]*";)?dur=([0-9.]+)')


@dataclass
class Row:
    """One patient's medians."""

    patient: str
    side: str  # "server" or "browser"
    launches: int
    token_to_rendered_ms: float
    browser_render_ms: float | None
    page_bytes: int
    total_bytes: int


def _patient_ids(demo: RunningDemo) -> dict[str, str]:
    auth = auth_of(demo.ehr)
    return {card.label: card.id for card in auth.directory.patients()}


def _load_synthea(demo: RunningDemo) -> str:
    bundle = json.loads(SYNTHEA.read_text(encoding="utf-8"))
    admin = demo.ehr_url.rstrip("/") + "/_admin/load"
    answer = requests.post(admin, json=bundle, timeout=60)
    answer.raise_for_status()
    patient = next(e for e in answer.json()["entry"] if "Patient/" in e["response"]["location"])
    return patient["response"]["location"].split("Patient/")[1].split("/")[0]


def _server_side_launch(demo: RunningDemo, patient_id: str) -> tuple[float, int, int]:
    """One launch with plain HTTP; (token → rendered ms, page bytes, page + style bytes)."""
    launch = auth_of(demo.ehr).launch(NOMS_APP_CLIENT_ID, "clinician", patient_id)
    http = requests.Session()
    answer = http.get(
        demo.app_url + "/smart/launch",
        params={"iss": demo.fhir_base, "launch": launch},
        allow_redirects=False,
        timeout=30,
    )
    # requests keeps Secure cookies for https only; a browser sends them to 127.0.0.1 too.
    http.headers["Cookie"] = answer.headers["Set-Cookie"].split(";")[0]
    at_ehr = http.get(answer.headers["Location"], allow_redirects=False, timeout=30)
    back = http.get(at_ehr.headers["Location"], allow_redirects=False, timeout=30)
    page = http.get(demo.app_url + back.headers["Location"], timeout=60)
    page.raise_for_status()
    token_ms = float(_TOKEN_TIMING.search(page.headers["Server-Timing"]).group(1))
    extra = 0
    for href in re.findall(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"', page.text):
        extra += len(http.get(demo.app_url + href, timeout=30).content)
    return token_ms, len(page.content), len(page.content) + extra


def _browser_launch(context, demo: RunningDemo, stem: str) -> tuple[float, float, int, int]:
    """One EHR launch in chromium; (token ms, browser render ms, document bytes, all bytes)."""
    page = context.new_page()
    try:
        page.goto(demo.ehr_url)
        row = page.locator("tr", has=page.locator("code", has_text=stem))
        row.get_by_role("button").click()
        page.frame_locator("iframe.app").locator("main").first.wait_for()
        frame = next(f for f in page.frames if f.url.startswith(demo.app_url + "/smart/a/"))
        frame.wait_for_load_state("load")
        timing = frame.evaluate(
            """() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const token = nav.serverTiming.find(e => e.name === 'token');
                const resources = performance.getEntriesByType('resource')
                    .reduce((sum, r) => sum + r.transferSize, 0);
                return {token: token ? token.duration : null,
                        render: nav.loadEventEnd - nav.responseStart,
                        document: nav.transferSize, resources};
            }"""
        )
    finally:
        page.close()
    return (
        timing["token"],
        timing["render"],
        timing["document"],
        timing["document"] + timing["resources"],
    )


def _median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 1)


def run(repetitions: int = 5, browser: bool = True, synthea: bool = True) -> list[Row]:
    """Measure; return one row per patient and side."""
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="noms-bench-") as folder:
        with running_demo(Path(folder)) as demo:
            ids = _patient_ids(demo)
            cases = [(stem, ids[stem]) for stem in PATIENTS]
            if synthea:
                cases.append(
                    ("Synthea Austin (no spinal metastasis; 188 Observations)", _load_synthea(demo))
                )
            _server_side_launch(demo, cases[0][1])  # warm-up: workers import, discovery cached
            for name, patient_id in cases:
                samples = [_server_side_launch(demo, patient_id) for _ in range(repetitions)]
                rows.append(
                    Row(
                        name,
                        "server",
                        repetitions,
                        _median([s[0] for s in samples]),
                        None,
                        samples[-1][1],
                        samples[-1][2],
                    )
                )
            if browser:
                rows += _browser_rows(demo, cases, repetitions)
    return rows


def _browser_rows(demo: RunningDemo, cases, repetitions: int) -> list[Row]:
    from playwright.sync_api import sync_playwright

    rows = []
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("chromium is not installed: run `make setup`")
    with (
        tempfile.TemporaryDirectory(prefix="noms-bench-profile-") as profile,
        sync_playwright() as p,
    ):
        context = p.chromium.launch_persistent_context(
            profile, executable_path=executable, args=list(CHROMIUM_ARGS), headless=True
        )
        try:
            for name, _ in cases:
                if name not in PATIENTS:
                    continue  # the EHR page lists the seeded demo patients by their label
                samples = [_browser_launch(context, demo, name) for _ in range(repetitions)]
                token = _median([s[0] for s in samples])
                render = _median([s[1] for s in samples])
                rows.append(
                    Row(
                        name,
                        "browser",
                        repetitions,
                        round(token + render, 1),
                        render,
                        int(statistics.median(s[2] for s in samples)),
                        int(statistics.median(s[3] for s in samples)),
                    )
                )
        finally:
            context.close()
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    header = (
        "patient",
        "measured",
        "launches",
        "token response → rendered (median ms)",
        "of which the browser (ms)",
        "page (bytes)",
        "page + styles (bytes)",
    )
    lines = ["| " + " | ".join(header) + " |", "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        browser = "—" if r.browser_render_ms is None else f"{r.browser_render_ms}"
        lines.append(
            f"| {r.patient} | {r.side} | {r.launches} | {r.token_to_rendered_ms} | {browser} | "
            f"{r.page_bytes} | {r.total_bytes} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.smart_render")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rows = run(args.repetitions, browser=not args.no_browser)
    print(table(rows))
    print(f"\n{platform.platform()}; Python {sys.version.split()[0]}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
