"""The date range a worklist is asked for (the API and the page read it the same way).

Days are UTC calendar days, both ends included. Without ``to``: today; without ``from``: six
days before ``to`` (a week, the board's rhythm). A range is at most ``MAX_RANGE_DAYS`` long
(bounded work per request).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from service.errors import RequestError

MAX_RANGE_DAYS: Final = 366
DEFAULT_SPAN_DAYS: Final = 6
#: Dates outside these years are refused: arithmetic on them could leave the calendar.
FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 9998


def _day(name: str, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    if len(value) != 10:
        raise RequestError(f"{name} must be a date, YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RequestError(f"{name} must be a date, YYYY-MM-DD") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise RequestError(f"{name} must be a date from {FIRST_YEAR} to {LAST_YEAR}")
    return day


def requested_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The range from the ``from`` and ``to`` values sent (see the module's rules).

    Raises:
        RequestError: a value that is not a calendar date, ``from`` after ``to``, or a range
            longer than ``MAX_RANGE_DAYS``.
    """
    last = _day("to", end) or today
    first = _day("from", start) or last - timedelta(days=DEFAULT_SPAN_DAYS)
    if first > last:
        raise RequestError("from must not be after to")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise RequestError(f"the range may span at most {MAX_RANGE_DAYS} days")
    return first, last
