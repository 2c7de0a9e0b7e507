"""Time to treatment on the rapid-access pathway for spinal metastases (docs/worklist.md).

Programmes that reorganised care around the imaging report (a structured spine-MRI report, a
risk score on every report, an automatic alert to the spine team and a weekly tumour board) cut
the time from first symptoms to the end of treatment from 11-14 weeks to 6-8 weeks. This module
measures the same pathway per patient from dated milestones and sums it up for a programme.

Rules (clinical safety, docs/worklist.md):

- A milestone is either dated, *looked for and not found* (the chart was read and has none:
  the patient is still waiting), or *not looked for* (the source did not carry that kind of
  resource). Only the first makes an interval end; a missing date is never zero.
- An interval is ``done`` (both ends dated), ``running`` (start dated, end looked for and not
  found: the days so far, up to ``today``), ``unknown`` (start undated, or end not looked for) or
  ``inconsistent`` (the end comes before the start, or the start lies after ``today``).
- The target is checked on first symptoms → treatment start. When the symptoms' onset is not
  dated, imaging → treatment stands in *only to say that the target was missed*: symptoms come
  before the imaging they prompt, so a longer time from imaging proves the target missed, a
  shorter one proves nothing.
- The default target is 56 days, the upper bound of the 6-8 weeks the programmes reached: a
  patient flagged at 8 weeks is beyond what those programmes achieved, and the flag does not
  fire on patients still inside the range they report.
- A programme's median of an interval is taken over its ``done`` intervals only (a running one
  would pull it down); the counts of running and unknown ones are reported next to it.

Standard library only.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Final

#: The default target from first symptoms to treatment start, in days (8 weeks).
DEFAULT_TARGET_DAYS: Final = 56


class Milestone(StrEnum):
    """The dated steps of the pathway."""

    SYMPTOMS = "symptoms"
    FIRST_IMAGING = "first-imaging"
    SPINE_TEAM = "spine-team"
    BIOPSY = "biopsy"
    TUMOUR_BOARD = "tumour-board"
    TREATMENT = "treatment"


class IntervalState(StrEnum):
    """How much is known of an interval."""

    DONE = "done"
    RUNNING = "running"
    UNKNOWN = "unknown"
    INCONSISTENT = "inconsistent"


@dataclass(frozen=True, slots=True)
class Event:
    """One dated milestone.

    Attributes:
        on: The day it happened.
        reference: The resource it was read from (``Type/id``), when there is one.
        kind: What it was, in words ("radiotherapy", "spine surgery"), when that matters.
    """

    on: date
    reference: str | None = None
    kind: str | None = None


@dataclass(frozen=True, slots=True)
class PathwayEvents:
    """A patient's dated milestones and which milestones were looked for at all.

    Attributes:
        found: The first event of each milestone found.
        looked_for: The milestones whose resources were read (found or not).
    """

    found: Mapping[Milestone, Event] = field(default_factory=dict)
    looked_for: frozenset[Milestone] = frozenset()

    def __post_init__(self) -> None:
        if not set(self.found) <= self.looked_for:
            raise ValueError("a milestone found must also be looked for")


@dataclass(frozen=True, slots=True)
class IntervalSpec:
    """An interval of the pathway: from one milestone to another."""

    key: str
    label: str
    start: Milestone
    end: Milestone


#: The intervals measured, in the order every surface shows them.
INTERVALS: Final = (
    IntervalSpec(
        "imaging-to-spine-team",
        "First spine imaging to spine team",
        Milestone.FIRST_IMAGING,
        Milestone.SPINE_TEAM,
    ),
    IntervalSpec(
        "imaging-to-tumour-board",
        "First spine imaging to tumour board",
        Milestone.FIRST_IMAGING,
        Milestone.TUMOUR_BOARD,
    ),
    IntervalSpec(
        "imaging-to-treatment",
        "First spine imaging to treatment start",
        Milestone.FIRST_IMAGING,
        Milestone.TREATMENT,
    ),
    IntervalSpec(
        "symptoms-to-treatment",
        "First symptoms to treatment start",
        Milestone.SYMPTOMS,
        Milestone.TREATMENT,
    ),
)
INTERVAL_KEYS: Final = tuple(spec.key for spec in INTERVALS)


@dataclass(frozen=True, slots=True)
class Interval:
    """One interval of one patient.

    Attributes:
        key: Which interval (``INTERVALS``).
        label: Its name in words.
        state: ``done``, ``running``, ``unknown`` or ``inconsistent``.
        days: Days from start to end (done) or to ``today`` (running); None otherwise.
        start: The start's day, when dated.
        end: The end's day, when dated.
    """

    key: str
    label: str
    state: IntervalState
    days: int | None
    start: date | None
    end: date | None

    def text(self) -> str:
        """The interval in words ("12 days", "43 days so far", "unknown")."""
        if self.state is IntervalState.DONE:
            return f"{self.days} days"
        if self.state is IntervalState.RUNNING:
            return f"{self.days} days so far"
        if self.state is IntervalState.INCONSISTENT:
            return "dates inconsistent"
        return "unknown"


def _interval(spec: IntervalSpec, events: PathwayEvents, today: date) -> Interval:
    start = events.found.get(spec.start)
    end = events.found.get(spec.end)
    start_on = start.on if start else None
    end_on = end.on if end else None

    def made(state: IntervalState, days: int | None = None) -> Interval:
        return Interval(spec.key, spec.label, state, days, start_on, end_on)

    if start_on is None:
        return made(IntervalState.UNKNOWN)
    if end_on is not None:
        days = (end_on - start_on).days
        return made(IntervalState.DONE, days) if days >= 0 else made(IntervalState.INCONSISTENT)
    if spec.end not in events.looked_for:
        return made(IntervalState.UNKNOWN)
    if start_on > today:
        return made(IntervalState.INCONSISTENT)
    return made(IntervalState.RUNNING, (today - start_on).days)


def intervals(events: PathwayEvents, today: date) -> tuple[Interval, ...]:
    """Every interval of ``INTERVALS`` for one patient, as of ``today``."""
    return tuple(_interval(spec, events, today) for spec in INTERVALS)


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """Whether a patient is past the target time to treatment.

    Attributes:
        past: True (past it, or still waiting beyond it), False (within it, or within it so far),
            None (cannot be told).
        basis: The interval the answer rests on (its key), or None.
        days: Its days (done or so far), or None.
        target_days: The target used.
        text: The answer in words.
    """

    past: bool | None
    basis: str | None
    days: int | None
    target_days: int
    text: str


def check_target(found: Iterable[Interval], target_days: int = DEFAULT_TARGET_DAYS) -> TargetCheck:
    """Check first symptoms → treatment start against ``target_days`` (see the module's rules).

    Raises:
        ValueError: a target that is not a positive number of days.
    """
    if target_days <= 0:
        raise ValueError("the target must be a positive number of days")
    by_key = {interval.key: interval for interval in found}
    measured = (IntervalState.DONE, IntervalState.RUNNING)
    weeks = f"{target_days / 7:g} weeks"
    symptoms = by_key.get("symptoms-to-treatment")
    if symptoms is not None and symptoms.state in measured and symptoms.days is not None:
        past = symptoms.days > target_days
        waiting = symptoms.state is IntervalState.RUNNING
        if past:
            text = f"past the {weeks} target" + (" and not yet treated" if waiting else "")
        else:
            text = f"within the {weeks} target" + (" so far" if waiting else "")
        return TargetCheck(past, symptoms.key, symptoms.days, target_days, text)
    imaging = by_key.get("imaging-to-treatment")
    if (
        imaging is not None
        and imaging.state in measured
        and imaging.days is not None
        and imaging.days > target_days
    ):
        # Symptoms precede the imaging they prompt: the whole interval is longer still.
        text = f"past the {weeks} target (counted from imaging: symptom onset not dated)"
        return TargetCheck(True, imaging.key, imaging.days, target_days, text)
    return TargetCheck(
        None, None, None, target_days, f"{weeks} target: cannot tell (symptom onset not dated)"
    )


@dataclass(frozen=True, slots=True)
class IntervalSummary:
    """One interval over a programme's patients.

    Attributes:
        key: Which interval.
        label: Its name in words.
        median_days: The median of the done intervals, or None when there is none.
        done_days: The done intervals' days, smallest first (what the plot shows).
        running_days: The running intervals' days so far, smallest first.
        unknown: How many patients' interval is unknown or inconsistent.
    """

    key: str
    label: str
    median_days: float | None
    done_days: tuple[int, ...]
    running_days: tuple[int, ...]
    unknown: int

    @property
    def done(self) -> int:
        """How many patients' interval is done."""
        return len(self.done_days)


def summarize(per_patient: Iterable[Iterable[Interval]]) -> tuple[IntervalSummary, ...]:
    """The programme's medians per interval (over done intervals), with the other counts."""
    done: dict[str, list[int]] = {spec.key: [] for spec in INTERVALS}
    running: dict[str, list[int]] = {spec.key: [] for spec in INTERVALS}
    unknown = dict.fromkeys(done, 0)
    for patient in per_patient:
        for interval in patient:
            if interval.key not in done:
                continue
            if interval.state is IntervalState.DONE and interval.days is not None:
                done[interval.key].append(interval.days)
            elif interval.state is IntervalState.RUNNING and interval.days is not None:
                running[interval.key].append(interval.days)
            else:
                unknown[interval.key] += 1
    return tuple(
        IntervalSummary(
            spec.key,
            spec.label,
            statistics.median(done[spec.key]) if done[spec.key] else None,
            tuple(sorted(done[spec.key])),
            tuple(sorted(running[spec.key])),
            unknown[spec.key],
        )
        for spec in INTERVALS
    )
