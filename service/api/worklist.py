"""The worklist routes of the JSON API (docs/worklist.md, openapi.yaml).

- ``GET /api/worklist?from=YYYY-MM-DD&to=YYYY-MM-DD``: the patients with an open assessment
  made in that range (UTC days, both included), the most urgent first, with the programme's
  intervals; JSON, or CSV when ``Accept`` prefers ``text/csv``;
- ``GET /api/worklist.csv?...``: the same as CSV.

Without ``to``, today; without ``from``, six days before ``to`` (a week). A range longer than
``MAX_RANGE_DAYS`` or a date that is not a calendar date is a 400 OperationOutcome. Access is as
for the rest of the API: the service relies on the network it is deployed in
(docs/worklist.md, "Access").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Final

from flask import Response, jsonify, request

from service.api.blueprint import bp
from service.errors import RequestError
from service.web.runtime import runtime
from service.worklist.listing import worklist_csv, worklist_json
from service.worklist.recording import load_worklist

MAX_RANGE_DAYS: Final = 366
DEFAULT_SPAN_DAYS: Final = 6
CSV_TYPE: Final = "text/csv; charset=utf-8"


def _day(name: str) -> date | None:
    value = request.args.get(name)
    if value is None:
        return None
    if len(value) != 10:
        raise RequestError(f"{name} must be a date, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RequestError(f"{name} must be a date, YYYY-MM-DD") from None


def requested_range() -> tuple[date, date]:
    """The range asked for (see the module's rules).

    Raises:
        RequestError: a bad date, ``from`` after ``to``, or a range that is too long.
    """
    end = _day("to") or datetime.fromtimestamp(runtime().clock(), UTC).date()
    start = _day("from") or end - timedelta(days=DEFAULT_SPAN_DAYS)
    if start > end:
        raise RequestError("from must not be after to")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise RequestError(f"the range may span at most {MAX_RANGE_DAYS} days")
    return start, end


def _csv(start: date, end: date) -> Response:
    response = Response(worklist_csv(load_worklist(start, end)), content_type=CSV_TYPE)
    name = f"worklist-{start.isoformat()}-{end.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/api/worklist")
def worklist() -> Response:
    """The worklist of a date range (JSON, or CSV when asked for by ``Accept``)."""
    start, end = requested_range()
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    if best == "text/csv":
        return _csv(start, end)
    return jsonify(worklist_json(load_worklist(start, end)))


@bp.get("/api/worklist.csv")
def worklist_as_csv() -> Response:
    """The worklist of a date range as CSV."""
    return _csv(*requested_range())
