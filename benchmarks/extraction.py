"""Assessing one Synthea record from its bytes, against ``json.loads`` of the same text.

For each Synthea patient in ``tests/data/synthea`` (the largest, Austin Franecki, has 705
entries; the target is stated for it), measured in one run, the cases interleaved round by
round:

- ``json.loads (text)``: the standard library parsing the file's text (already decoded): the
  yardstick of the target, **at most 2x** for ``noms assess``;
- ``json.loads (bytes)``: the same from the file's bytes (what a reader of a file or a socket
  has), decoding included;
- ``orjson.loads (bytes)``: the parser the bounded reader uses, alone, for the share of the
  parse in ``noms assess``;
- ``noms assess``: what ``noms-cds assess --bundle`` does after reading the file: the bounded
  JSON reader (``service.fhir.jsonio``: size, nesting), the Bundle read, the extraction's fast
  path (only what the contract reads is validated), the assessment and the result resources;
- ``noms assess, full validation``: the same with every resource of the five types read made
  local and validated (``screen=False``): the previous way, for comparison;
- ``fhir.resources Bundle``: the peer a FHIR developer reaches for first, parsing the whole
  record into fhir.resources R4B models (``Bundle.model_validate_json``), nothing assessed.

Before timing, the fast and the full path are checked to give identical results.

    .venv/bin/python -m benchmarks.extraction                 # 30 rounds
    .venv/bin/python -m benchmarks.extraction --rounds 60 --json out.json
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from fhir.resources.R4B.bundle import Bundle

from benchmarks.fhir_roundtrips import machine
from service import __version__
from service.domain.assessment import assess
from service.fhir import emit, extract, jsonio, models
from service.workflow import assess_bundle

ROOT = Path(__file__).resolve().parent.parent
SYNTHEA_DIR = ROOT / "tests" / "data" / "synthea"
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TARGET_RATIO = 2.0
YARDSTICK = "json.loads (text)"


@dataclass(frozen=True)
class Record:
    """One patient's Bundle as the benchmark reads it."""

    name: str
    entries: int
    data: bytes
    text: str


@dataclass(frozen=True)
class Row:
    """The result of one case on one record."""

    record: str
    entries: int
    case: str
    median_ms: float
    min_ms: float
    ratio: float  # median of this case / median of the yardstick, same record, same run
    cpu_median_ms: float
    cpu_ratio: float  # the same in CPU time
    target_met: bool | None


def records() -> list[Record]:
    """The Synthea patients, largest first."""
    found = []
    for path in sorted(SYNTHEA_DIR.glob("*.json"), key=lambda p: -p.stat().st_size):
        data = path.read_bytes()
        entries = len(json.loads(data).get("entry", []))
        found.append(Record(path.stem.split("_")[0], entries, data, data.decode("utf-8")))
    return found


def full_validation(data: bytes) -> list[dict[str, Any]]:
    """The previous way: every resource made local and validated, then assessed."""
    bundle = jsonio.loads(data)
    resources, issues = extract.resources_from_bundle(bundle)
    extraction = extract.extract(resources, None, NOW.date(), issues, screen=False)
    emitted = emit.emit(assess(extraction.findings), extraction, NOW, __version__)
    return [e.resource for e in emitted]


def fast(data: bytes) -> list[dict[str, Any]]:
    """``noms-cds assess --bundle`` after reading the file."""
    return [e.resource for e in assess_bundle(jsonio.loads(data), now=NOW).results]


def cases(record: Record) -> dict[str, Callable[[], Any]]:
    return {
        YARDSTICK: lambda: json.loads(record.text),
        "json.loads (bytes)": lambda: json.loads(record.data),
        "orjson.loads (bytes)": lambda: orjson.loads(record.data),
        "noms assess": lambda: fast(record.data),
        "noms assess, full validation": lambda: full_validation(record.data),
        "fhir.resources Bundle": lambda: Bundle.model_validate_json(record.data),
    }


def check_identical(record: Record) -> None:
    """The fast path's results are the full path's, resource for resource."""
    if fast(record.data) != full_validation(record.data):
        raise AssertionError(f"{record.name}: the fast path's results differ from the full path's")


def measure(record: Record, rounds: int, targeted: bool) -> list[Row]:
    """Median and minimum per case over ``rounds`` rounds (after a warm-up).

    In each round every case runs once, in the same order, each after a ``gc.collect()`` and
    with the validation cache emptied (neither timed), so that no case pays for collecting
    another's garbage and none is answered by verdicts cached in an earlier round (the target
    is for a record the service has not seen). Wall time
    (``time.perf_counter``) and the CPU time of this thread (``time.thread_time``: on a shared
    machine, the time the work took without the time spent waiting for a CPU) are both taken;
    the target is judged on each.
    """
    check_identical(record)
    work = cases(record)
    for run in work.values():
        run()
    wall: dict[str, list[float]] = {case: [] for case in work}
    cpu: dict[str, list[float]] = {case: [] for case in work}
    for _ in range(rounds):
        for case, run in work.items():
            gc.collect()
            models.clear_validation_cache()  # every round cold: no verdict of the last one kept
            started, started_cpu = time.perf_counter(), time.thread_time()
            run()
            cpu[case].append(time.thread_time() - started_cpu)
            wall[case].append(time.perf_counter() - started)
    yardstick = statistics.median(wall[YARDSTICK])
    yardstick_cpu = statistics.median(cpu[YARDSTICK])
    rows = []
    for case in work:
        median = statistics.median(wall[case])
        median_cpu = statistics.median(cpu[case])
        ratio, ratio_cpu = median / yardstick, median_cpu / yardstick_cpu
        rows.append(
            Row(
                record.name,
                record.entries,
                case,
                round(median * 1000, 2),
                round(min(wall[case]) * 1000, 2),
                round(ratio, 2),
                round(median_cpu * 1000, 2),
                round(ratio_cpu, 2),
                max(ratio, ratio_cpu) <= TARGET_RATIO
                if targeted and case == "noms assess"
                else None,
            )
        )
    return rows


def run(rounds: int = 30, only: Sequence[str] = ()) -> list[Row]:
    """Measure every record (or those named in ``only``)."""
    rows = []
    for index, record in enumerate(records()):
        if not only or record.name in only:
            rows.extend(measure(record, rounds, targeted=index == 0))
    return rows


def table(rows: Sequence[Row]) -> str:
    """The rows as a markdown table."""
    lines = [
        "| record | entries | case | median ms | min ms | × json.loads (text) "
        "| CPU median ms | CPU × json.loads | ≤ 2×? |",
        "|---|---:|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in rows:
        met = "" if r.target_met is None else ("yes" if r.target_met else "**no**")
        lines.append(
            f"| {r.record} | {r.entries} | {r.case} | {r.median_ms:.1f} | {r.min_ms:.1f} | "
            f"{r.ratio:.2f} | {r.cpu_median_ms:.1f} | {r.cpu_ratio:.2f} | {met} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--only", action="append", default=[], metavar="RECORD")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    rows = run(args.rounds, args.only)
    print(f"Machine: {machine()}\nRounds: {args.rounds}\n")
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    return 0 if all(r.target_met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
