"""The tumour-board worklist page (docs/worklist.md), in the SMART app's style.

=======================================  ========================================================
``GET /smart/worklist?from=&to=``        the worklist of a date range: a printable sheet, the
                                         programme's intervals as a chart, a CSV link
``GET /smart/worklist/intervals.svg``    the chart (SVG drawn by matplotlib on the server)
``GET /smart/worklist/worklist.csv``     the same rows as CSV (the page's download link)
=======================================  ========================================================

Server-rendered: no script. The rows, their words and the intervals come from
``service.worklist`` (which keeps the report view's words); this module only lays them out.
It needs no SMART session, because it is about no single patient in context, but it lists many
patients: each route needs an API key, as the JSON API does (``service/api/auth.py``), given as
a bearer token or, so that a browser can open it, as the password of HTTP Basic (any user
name). A refusal is a 401 page asking the browser for those credentials (docs/worklist.md,
"Access"). The CSV is served here too because a browser sends the Basic credentials only below
the page's path, never to ``/api``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Final

from flask import Response, render_template, request, url_for

from service.api.auth import NO_KEYS, api_key_required
from service.api.worklist import csv_answer
from service.domain.pathway import INTERVALS
from service.errors import RequestError, Unauthenticated
from service.web.runtime import runtime
from service.worklist.dates import requested_range
from service.worklist.plot import SVG_TYPE, intervals_svg
from service.worklist.recording import load_worklist
from smart_app.page import LETTER
from smart_app.security import page_headers
from smart_app.views import bp

log = logging.getLogger("noms_cds.http")
SIGN_IN: Final = (
    "This page lists patients. Sign in with an API key of this service: any user name, the "
    "key as the password (docs/worklist.md, Access)."
)
NO_KEYS_PAGE: Final = (
    "No API keys are configured on this service (NOMS_API_KEYS), so nobody can open this page "
    "yet: the operator makes one with `noms-cds api-key NAME`."
)


def _range() -> tuple[str | None, str | None]:
    return request.args.get("from"), request.args.get("to")


def _today():
    return datetime.fromtimestamp(runtime().clock(), UTC).date()


@bp.errorhandler(Unauthenticated)
def sign_in_needed(error: Unauthenticated) -> Response:
    """A refused key on the worklist routes: a 401 page that asks the browser to sign in."""
    log.warning("authentication refused", extra={"event": "auth", "reason": error.reason})
    message = NO_KEYS_PAGE if error.public == NO_KEYS else SIGN_IN
    html = render_template("smart/error.html", title="Sign-in needed", message=message)
    response = page_headers(Response(html, status=401), runtime().settings)
    response.headers["WWW-Authenticate"] = error.challenge
    return response


@bp.get("/worklist")
@api_key_required(basic=True)
def worklist_page() -> Response:
    """The worklist of the range asked for (a week to today without one)."""
    asked_from, asked_to = _range()
    try:
        start, end = requested_range(asked_from, asked_to, _today())
    except RequestError as exc:
        html = render_template(
            "smart/worklist.html", error=str(exc), asked_from=asked_from, asked_to=asked_to
        )
        return page_headers(Response(html, status=400), runtime().settings)
    found = load_worklist(start, end)
    query = {"from": start.isoformat(), "to": end.isoformat()}
    html = render_template(
        "smart/worklist.html",
        error=None,
        worklist=found,
        letters=LETTER,
        interval_columns=INTERVALS,
        asked_from=query["from"],
        asked_to=query["to"],
        csv_url=url_for(".worklist_csv", **query),
        plot_url=url_for(".worklist_plot", **query),
    )
    return page_headers(Response(html), runtime().settings)


@bp.get("/worklist/intervals.svg")
@api_key_required(basic=True)
def worklist_plot() -> Response:
    """The programme's intervals over the range, as an SVG chart."""
    try:
        start, end = requested_range(*_range(), _today())
    except RequestError as exc:
        html = render_template("smart/error.html", title="Bad date range", message=str(exc))
        return page_headers(Response(html, status=400), runtime().settings)
    found = load_worklist(start, end)
    return Response(intervals_svg(found.programme, found.target_days), content_type=SVG_TYPE)


@bp.get("/worklist/worklist.csv")
@api_key_required(basic=True)
def worklist_csv() -> Response:
    """The worklist of the range as CSV, as ``GET /api/worklist.csv`` answers it."""
    try:
        start, end = requested_range(*_range(), _today())
    except RequestError as exc:
        html = render_template("smart/error.html", title="Bad date range", message=str(exc))
        return page_headers(Response(html, status=400), runtime().settings)
    return csv_answer(start, end)
