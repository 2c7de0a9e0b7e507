"""Time to treatment: intervals per patient, the target check, the programme's medians."""

from __future__ import annotations

from datetime import date

import pytest

from service.domain.pathway import (
    DEFAULT_TARGET_DAYS,
    INTERVAL_KEYS,
    Event,
    IntervalState,
    Milestone,
    PathwayEvents,
    check_target,
    intervals,
    summarize,
)

TODAY = date(2026, 12, 2)
ALL = frozenset(Milestone)
M = Milestone
S = IntervalState


def events(looked_for: frozenset[Milestone] = ALL, **dated: date) -> PathwayEvents:
    found = {Milestone(name.replace("_", "-")): Event(on) for name, on in dated.items()}
    return PathwayEvents(found, looked_for)


def by_key(found: PathwayEvents) -> dict[str, tuple[IntervalState, int | None]]:
    return {i.key: (i.state, i.days) for i in intervals(found, TODAY)}


@pytest.mark.parametrize(
    ("found", "key", "expected"),
    [
        # Both ends dated: done, the days between (0 when on the same day, never "missing").
        (
            events(first_imaging=date(2026, 10, 20), spine_team=date(2026, 10, 23)),
            "imaging-to-spine-team",
            (S.DONE, 3),
        ),
        (
            events(first_imaging=date(2026, 10, 20), spine_team=date(2026, 10, 20)),
            "imaging-to-spine-team",
            (S.DONE, 0),
        ),
        # End looked for and not found: still waiting, days so far.
        (events(first_imaging=date(2026, 10, 20)), "imaging-to-treatment", (S.RUNNING, 43)),
        (events(first_imaging=TODAY), "imaging-to-treatment", (S.RUNNING, 0)),
        # End not looked for (the source had no such resources): unknown, not running.
        (
            events(frozenset({M.FIRST_IMAGING}), first_imaging=date(2026, 10, 20)),
            "imaging-to-spine-team",
            (S.UNKNOWN, None),
        ),
        # Start not dated: unknown even with an end.
        (events(treatment=date(2026, 11, 1)), "symptoms-to-treatment", (S.UNKNOWN, None)),
        (events(), "imaging-to-treatment", (S.UNKNOWN, None)),
        # End before start, or a start in the future: inconsistent, never a negative count.
        (
            events(first_imaging=date(2026, 10, 20), treatment=date(2026, 10, 19)),
            "imaging-to-treatment",
            (S.INCONSISTENT, None),
        ),
        (events(first_imaging=date(2026, 12, 3)), "imaging-to-treatment", (S.INCONSISTENT, None)),
    ],
)
def test_intervals(found: PathwayEvents, key: str, expected):
    assert by_key(found)[key] == expected


def test_every_interval_is_reported_in_order():
    assert tuple(i.key for i in intervals(events(), TODAY)) == INTERVAL_KEYS


def test_a_found_milestone_must_be_looked_for():
    with pytest.raises(ValueError):
        PathwayEvents({M.BIOPSY: Event(TODAY)}, frozenset())


@pytest.mark.parametrize(
    ("found", "past", "basis", "days"),
    [
        # Boundaries of the 56-day target on symptoms -> treatment.
        (events(symptoms=date(2026, 9, 1), treatment=date(2026, 10, 27)), False, "symptoms", 56),
        (events(symptoms=date(2026, 9, 1), treatment=date(2026, 10, 28)), True, "symptoms", 57),
        # Still waiting: past once the days so far exceed the target, within it before.
        (events(symptoms=date(2026, 10, 7)), False, "symptoms", 56),
        (events(symptoms=date(2026, 10, 6)), True, "symptoms", 57),
        # Symptom onset undated: a long time from imaging proves the target missed ...
        (events(first_imaging=date(2026, 10, 6)), True, "imaging", 57),
        (
            events(first_imaging=date(2026, 9, 1), treatment=date(2026, 10, 28)),
            True,
            "imaging",
            57,
        ),
        # ... a short one proves nothing.
        (events(first_imaging=date(2026, 10, 7)), None, None, None),
        (
            events(first_imaging=date(2026, 9, 1), treatment=date(2026, 9, 5)),
            None,
            None,
            None,
        ),
        # Treatment not looked for: nothing is running, nothing can be told.
        (
            events(ALL - {M.TREATMENT}, symptoms=date(2026, 1, 1)),
            None,
            None,
            None,
        ),
    ],
)
def test_target(found: PathwayEvents, past, basis, days):
    check = check_target(intervals(found, TODAY))
    assert (check.past, check.days) == (past, days)
    assert check.basis == (f"{basis}-to-treatment" if basis else None)
    assert check.target_days == DEFAULT_TARGET_DAYS
    assert ("past" in check.text) is bool(past)


def test_the_target_is_configurable():
    found = intervals(events(symptoms=date(2026, 10, 20), treatment=date(2026, 12, 1)), TODAY)
    assert check_target(found, 42).past is False
    assert check_target(found, 41).past is True
    assert "6 weeks" in check_target(found, 42).text
    with pytest.raises(ValueError):
        check_target(found, 0)


def test_medians_are_over_done_intervals_only():
    patients = [
        intervals(events(first_imaging=date(2026, 10, 1), spine_team=date(2026, 10, d)), TODAY)
        for d in (2, 4, 11)
    ] + [
        intervals(events(first_imaging=date(2026, 11, 30)), TODAY),  # waiting 2 days so far
        intervals(events(), TODAY),  # nothing dated
    ]
    summary = {s.key: s for s in summarize(patients)}
    spine = summary["imaging-to-spine-team"]
    assert spine.median_days == 3
    assert spine.done_days == (1, 3, 10)
    assert spine.running_days == (2,)
    assert spine.unknown == 1
    assert spine.done == 3
    board = summary["imaging-to-tumour-board"]
    assert board.median_days is None  # no done interval: no median, never zero
    assert board.running_days == (2, 62, 62, 62)
    assert board.unknown == 1


def test_an_even_count_takes_the_middle_two():
    patients = [
        intervals(events(first_imaging=date(2026, 10, 1), treatment=date(2026, 10, d)), TODAY)
        for d in (11, 21)
    ]
    assert {s.key: s.median_days for s in summarize(patients)}["imaging-to-treatment"] == 15


def test_an_empty_programme_has_no_medians():
    assert all(s.median_days is None and s.done == 0 for s in summarize([]))
