"""The programme's intervals as an SVG chart, drawn by matplotlib (docs/worklist.md).

One row per interval of the pathway: a filled dot per patient whose interval is done, an open
dot per patient still waiting (the days so far), a bar at the median of the done ones, and the
target as a dashed line. Patients with the same number of days are stacked, not jittered at
random, so the same worklist always draws the same picture. Unknown intervals are not drawn:
the row's label counts them.

The figure is built with matplotlib's object API (``Figure``, no ``pyplot`` state: safe in a
threaded server) on the Agg/SVG backend; text stays text (``svg.fonttype: none``) and the ids
matplotlib writes are salted with a constant, so the SVG is reproducible. Each row's marks are
grouped under an id (``interval-<key>``, ``median-<key>``, ``target``) that tests and styles can
find.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import Final

import matplotlib
from matplotlib.figure import Figure

from service.domain.pathway import IntervalSummary

SVG_TYPE: Final = "image/svg+xml"
DONE_COLOUR: Final = "#1f4e79"
RUNNING_COLOUR: Final = "#a33b00"
TARGET_COLOUR: Final = "#5a5a5a"
_RC: Final = {"svg.fonttype": "none", "svg.hashsalt": "noms-cds-worklist", "font.size": 9}


def _stacked(days: Sequence[int], row: float, span: float) -> tuple[list[int], list[float]]:
    """x, y of dots: equal values stacked from the row's line over at most ``span`` (signed),
    so that a tall stack never reaches the next row."""
    counts = Counter(days)
    step = span / max(counts.values(), default=1)
    step = max(-0.09, step) if span < 0 else min(0.09, step)
    seen: Counter[int] = Counter()
    xs: list[int] = []
    ys: list[float] = []
    for value in days:
        xs.append(value)
        ys.append(row + step * seen[value])
        seen[value] += 1
    return xs, ys


def _label(summary: IntervalSummary) -> str:
    median = "no median" if summary.median_days is None else f"median {summary.median_days:g} d"
    counts = f"{summary.done} done, {len(summary.running_days)} waiting, {summary.unknown} unknown"
    return f"{summary.label}\n{median}; {counts}"


def intervals_svg(programme: Sequence[IntervalSummary], target_days: int) -> str:
    """The chart of the programme's intervals (an SVG document)."""
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(8.0, 1.3 + 0.9 * len(programme)), layout="constrained")
        axes = figure.subplots()
        rows = list(reversed(programme))  # the first interval at the top
        for row, summary in enumerate(rows):
            done = axes.scatter(
                *_stacked(summary.done_days, row - 0.08, -0.3),
                s=22,
                color=DONE_COLOUR,
                label="done" if row == 0 else None,
                zorder=3,
            )
            done.set_gid(f"interval-{summary.key}")
            running = axes.scatter(
                *_stacked(summary.running_days, row + 0.08, 0.3),
                s=22,
                facecolors="white",
                edgecolors=RUNNING_COLOUR,
                label="waiting (days so far)" if row == 0 else None,
                zorder=3,
            )
            running.set_gid(f"running-{summary.key}")
            if summary.median_days is not None:
                (median,) = axes.plot(
                    [summary.median_days] * 2,
                    [row - 0.35, row + 0.35],
                    color=DONE_COLOUR,
                    linewidth=2.5,
                    label="median of done" if row == 0 else None,
                )
                median.set_gid(f"median-{summary.key}")
        target = axes.axvline(
            target_days,
            color=TARGET_COLOUR,
            linestyle="--",
            linewidth=1,
            label=f"target ({target_days} days)",
        )
        target.set_gid("target")
        axes.set_yticks(range(len(rows)), [_label(s) for s in rows])
        axes.set_ylim(-0.6, len(rows) - 0.4)
        axes.set_xlim(left=0)
        axes.set_xlabel("days")
        axes.grid(axis="x", color="#dddddd", linewidth=0.6)
        axes.set_axisbelow(True)
        figure.legend(loc="outside lower center", ncols=4, fontsize=8, frameon=False)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
