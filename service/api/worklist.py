"""The worklist routes of the JSON API (docs/worklist.md, openapi.yaml).

- ``GET /api/worklist?from=YYYY-MM-DD&to=YYYY-MM-DD``: the patients with an open assessment
  made in that range (UTC days, both included), the most urgent first, with the programme's
  intervals; JSON, or CSV when ``Accept`` prefers ``text/csv``;
- ``GET /api/worklist.csv?...``: the same as CSV.

The range is read by ``service/worklist/dates.py`` (without ``to``: today; without ``from``: a
week); a date that is not a calendar date, or a range too long, is a 400 OperationOutcome.
Like every ``/api`` route, both need an API key (``service/api/auth.py``; docs/worklist.md,
"Access").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final

from flask import Response, jsonify, request

from service.api.blueprint import bp
from service.web.runtime import runtime
from service.worklist.dates import requested_range
from service.worklist.listing import worklist_csv, worklist_json
from service.worklist.recording import load_worklist

CSV_TYPE: Final = "text/csv; charset=utf-8"


def _range() -> tuple[date, date]:
    today = datetime.fromtimestamp(runtime().clock(), UTC).date()
    return requested_range(request.args.get("from"), request.args.get("to"), today)


def csv_answer(start: date, end: date) -> Response:
    """The worklist of the range as a CSV download (also served by the worklist page)."""
    response = Response(worklist_csv(load_worklist(start, end)), content_type=CSV_TYPE)
    name = f"worklist-{start.isoformat()}-{end.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/api/worklist")
def worklist() -> Response:
    """The worklist of a date range (JSON, or CSV when asked for by ``Accept``)."""
    start, end = _range()
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    if best == "text/csv":
        return csv_answer(start, end)
    return jsonify(worklist_json(load_worklist(start, end)))


@bp.get("/api/worklist.csv")
def worklist_as_csv() -> Response:
    """The worklist of a date range as CSV."""
    return csv_answer(*_range())
