"""The tumour-board worklist page (docs/worklist.md), in the SMART app's style.

=======================================  ========================================================
``GET /smart/worklist?from=&to=``        the worklist of a date range: a printable sheet, the
                                         programme's intervals as a chart, a CSV link
``GET /smart/worklist/intervals.svg``    the chart (SVG drawn by matplotlib on the server)
=======================================  ========================================================

Server-rendered: no script. The rows, their words and the intervals come from
``service.worklist`` (which keeps the report view's words); this module only lays them out.
Access is as for the JSON API, whose data it shows (docs/worklist.md, "Access"): it needs no
SMART session, because it is about no single patient in context.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, render_template, request, url_for

from service.domain.pathway import INTERVALS
from service.errors import RequestError
from service.web.runtime import runtime
from service.worklist.dates import requested_range
from service.worklist.plot import SVG_TYPE, intervals_svg
from service.worklist.recording import load_worklist
from smart_app.page import LETTER
from smart_app.security import page_headers
from smart_app.views import bp


def _range() -> tuple[str | None, str | None]:
    return request.args.get("from"), request.args.get("to")


def _today():
    return datetime.fromtimestamp(runtime().clock(), UTC).date()


@bp.get("/worklist")
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
        csv_url=url_for("api.worklist_as_csv", **query),
        plot_url=url_for(".worklist_plot", **query),
    )
    return page_headers(Response(html), runtime().settings)


@bp.get("/worklist/intervals.svg")
def worklist_plot() -> Response:
    """The programme's intervals over the range, as an SVG chart."""
    try:
        start, end = requested_range(*_range(), _today())
    except RequestError as exc:
        html = render_template("smart/error.html", title="Bad date range", message=str(exc))
        return page_headers(Response(html, status=400), runtime().settings)
    found = load_worklist(start, end)
    return Response(intervals_svg(found.programme, found.target_days), content_type=SVG_TYPE)
