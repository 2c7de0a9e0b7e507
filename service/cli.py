"""The ``noms-cds`` command line: assess a patient's FHIR data, run the demo."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from service import __version__, summary
from service.domain.errors import InvalidInput as InvalidClinicalInput
from service.fhir.extract import InvalidInput
from service.workflow import Report, assess_bundle

DEMO_PATIENTS = Path(__file__).resolve().parent.parent / "sandbox" / "patients"


class CliError(Exception):
    """A problem with the user's input: printed as one line, exit status 2."""


def _read_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno})") from exc


def _assess_file(path: str) -> Report:
    try:
        return assess_bundle(_read_json(path))
    except (InvalidInput, InvalidClinicalInput) as exc:
        raise CliError(f"{path}: {exc}") from exc


def _print_issues(report: Report, err: TextIO) -> None:
    for issue in report.extraction.issues:
        if issue.severity != "information":
            where = f" [{issue.resource}]" if issue.resource else ""
            print(f"{issue.severity}: {issue.message}{where}", file=err)


def cmd_assess(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Assess one Bundle and print the results."""
    report = _assess_file(args.bundle)
    if args.format == "text":
        print(summary.render(report), file=out)
    else:
        _print_issues(report, err)
        json.dump(report.collection_bundle(), out, indent=2)
        print(file=out)
    return 0


def cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Assess every built-in demo patient and print the summaries."""
    files = sorted(Path(args.patients).glob("*.json"))
    if not files:
        raise CliError(f"no demo patients in {args.patients}")
    for path in files:
        report = _assess_file(str(path))
        print(f"== {path.stem}", file=out)
        print(summary.render(report), file=out)
        print(file=out)
    print(f"{len(files)} demo patients assessed.", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for tests and documentation)."""
    parser = argparse.ArgumentParser(
        prog="noms-cds",
        description="Spinal metastasis scores and NOMS recommendations from FHIR R4 data.",
    )
    parser.add_argument("--version", action="version", version=f"noms-cds {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    assess = commands.add_parser(
        "assess",
        help="assess one patient's FHIR Bundle",
        description="Read a Bundle (collection, searchset or transaction) holding one patient's "
        "resources; print a collection Bundle of the result resources, or a summary.",
    )
    assess.add_argument(
        "--bundle",
        required=True,
        metavar="FILE",
        help="the Bundle as a JSON file, or - for standard input",
    )
    assess.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json: FHIR Bundle of results (default); text: readable summary",
    )
    assess.set_defaults(handler=cmd_assess)

    demo = commands.add_parser("demo", help="assess the built-in demo patients")
    demo.add_argument(
        "--patients",
        default=str(DEMO_PATIENTS),
        metavar="DIR",
        help="folder of transaction Bundles (default: the built-in demo patients)",
    )
    demo.set_defaults(handler=cmd_demo)
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input)."""
    out, err = out or sys.stdout, err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args, out, err)
    except CliError as exc:
        print(f"noms-cds: error: {exc}", file=err)
        return 2


if __name__ == "__main__":
    sys.exit(main())
