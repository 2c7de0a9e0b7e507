"""The ``noms-cds`` command line: assess a patient's FHIR data, run the demo."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from service import __version__, demo, seed, summary
from service.config import load_settings
from service.domain.errors import InvalidInput as InvalidClinicalInput
from service.errors import (
    ConfigurationError,
    FhirAuthError,
    FhirError,
    InvalidJson,
    ServiceError,
)
from service.fhir import jsonio, provenance
from service.fhir.auth import Auth, BearerToken, NoAuth, backend_services_from_config
from service.fhir.client import FhirClient
from service.fhir.extract import InvalidInput
from service.fhir.limits import ENV_PREFIX, limit_names, limits_from
from service.fhir.writeback import summarize
from service.views import report_view
from service.workflow import Report, assess_bundle, assess_patient, assess_questionnaire_response

DEMO_PATIENTS = demo.patients_dir()


class CliError(Exception):
    """A problem with the user's input: printed as one line, exit status 2."""


def _read_json(path: str) -> Any:
    """A JSON file, or standard input for ``-``, bounded in size and depth (service.fhir.jsonio)."""
    try:
        if path != "-":
            return jsonio.load_path(path)
        stdin = sys.stdin
        if hasattr(stdin, "buffer"):
            return jsonio.load(stdin.buffer, what="standard input")
        # A text stream without bytes underneath (tests, embedding): read it in chunks too.
        chunks = (text.encode("utf-8") for text in iter(lambda: stdin.read(65536), ""))
        return jsonio.load(chunks, what="standard input")
    except InvalidJson as exc:
        raise CliError(str(exc)) from exc


def _assess_file(path: str) -> Report:
    try:
        return assess_bundle(_read_json(path))
    except (InvalidInput, InvalidClinicalInput) as exc:
        raise CliError(f"{path}: {exc}") from exc


def _assess_report(args: argparse.Namespace) -> Report:
    """Assess from a structured spine-MRI report (docs/structured-report.md): the response file
    alone (a QuestionnaireResponse, or a Bundle holding one), or added to the chart's Bundle."""
    body = _read_json(args.questionnaire_response)
    if args.bundle:
        chart = _read_json(args.bundle)
        if not isinstance(chart, dict) or not isinstance(chart.get("entry", []), list):
            raise CliError(f"{args.bundle}: not a FHIR Bundle")
        if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
            raise CliError(f"{args.questionnaire_response}: with --bundle, give the response alone")
        body = {**chart, "entry": [*chart.get("entry", []), {"resource": body}]}
    try:
        assessed = assess_questionnaire_response(body)
    except (InvalidInput, InvalidClinicalInput) as exc:
        raise CliError(f"{args.questionnaire_response}: {exc}") from exc
    if args.extracted:
        text = json.dumps(provenance.collection_bundle(assessed.extracted), indent=2) + "\n"
        try:
            Path(args.extracted).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{args.extracted}: cannot write ({exc.strerror})") from exc
    return assessed.report


def _print_issues(report: Report, err: TextIO) -> None:
    for issue in report_view(report).issues:
        if issue.severity != "information":
            print(f"{issue.severity}: {issue.message}{issue.where()}", file=err)


def _client(args: argparse.Namespace) -> FhirClient:
    """The client of ``--fhir-base``, with the limits of the environment (``NOMS_FHIR_*``)
    and of ``--fhir-limit NAME=VALUE`` (which wins); the defaults where neither says."""
    names = limit_names()
    from_environment = any(k.removeprefix(ENV_PREFIX).lower() in names for k in os.environ)
    if not from_environment and not args.fhir_limit:
        return FhirClient(args.fhir_base, _auth(args))
    try:
        limits = limits_from(os.environ)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    for item in args.fhir_limit or ():
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in names:
            raise CliError(f"--fhir-limit {item}: give NAME=VALUE, NAME one of {', '.join(names)}")
        key = ENV_PREFIX + name.upper()
        try:
            limits = limits_from({key: value}, base=limits)
        except ValueError as exc:
            reason = str(exc).removeprefix(key).lstrip(": ")
            raise CliError(f"--fhir-limit {item}: {reason}") from None
    return FhirClient(args.fhir_base, _auth(args), limits=limits)


def _auth(args: argparse.Namespace) -> Auth:
    if args.token and args.backend_config:
        raise CliError("give either --token or --backend-config, not both")
    if args.token:
        return BearerToken(args.token)
    if args.backend_config:
        return backend_services_from_config(Path(args.backend_config))
    return NoAuth()


def cmd_assess(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Assess one Bundle, or one patient on a FHIR server, and print the results."""
    if args.extracted and not args.questionnaire_response:
        raise CliError("--extracted needs --questionnaire-response FILE")
    if args.questionnaire_response:
        if args.fhir_base or args.write:
            raise CliError("--questionnaire-response reads files: give --bundle FILE, not a server")
        report = _assess_report(args)
        write = None
    elif bool(args.bundle) == bool(args.fhir_base):
        raise CliError("give either --bundle FILE or --fhir-base URL with --patient ID")
    elif args.bundle:
        if args.write:
            raise CliError("--write needs a FHIR server (--fhir-base)")
        report = _assess_file(args.bundle)
        write = None
    else:
        if not args.patient:
            raise CliError("--fhir-base needs --patient ID")
        client = _client(args)
        try:
            live = assess_patient(client, args.patient, write=args.write)
        except (InvalidInput, InvalidClinicalInput) as exc:
            raise CliError(f"patient {args.patient}: {exc}") from exc
        report, write = live.report, live.write
    if args.format == "text":
        print(summary.render(report), file=out)
    else:
        _print_issues(report, err)
        json.dump(report.collection_bundle(), out, indent=2)
        print(file=out)
    if write is not None:
        for line in summarize(write):
            print(line, file=err)
        return 0 if write.complete else 3
    return 0


def cmd_seed(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Upload the demo patients to a FHIR server."""
    files = sorted(Path(args.patients).glob("*.json"))
    if not files:
        raise CliError(f"no demo patients in {args.patients}")
    client = _client(args)
    for path in files:
        patient_id = seed.upload(client, _read_json(str(path)))
        print(f"{patient_id}\t{path.stem}", file=out)
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


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the web service under gunicorn, configured by the NOMS_ variables (README)."""
    load_settings()  # a bad setting ends here, in one line, before gunicorn starts
    # exec: gunicorn becomes this process, so SIGTERM reaches it directly (graceful stop), and
    # prometheus-client is first imported after service/gunicorn_conf.py set up its folder.
    command = [sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf"]
    os.execv(sys.executable, command)  # noqa: S606 (our own interpreter, fixed arguments)
    return 0  # not reached


def cmd_deliver_alerts(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the alert delivery worker, configured by the NOMS_ variables (docs/alerts.md)."""
    from service.alerts.deliver import deliver, report

    if args.report:
        state = report(load_settings())
        json.dump(state, out, indent=2)
        print(file=out)
        return 1 if state["failing"] else 0
    return deliver(load_settings(), once=args.once)


def cmd_api_key(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Make an API key for a client: print it once, and its entry of NOMS_API_KEYS."""
    import secrets

    from service.api.auth import key_digest
    from service.config.api_keys import api_keys

    key = secrets.token_urlsafe(32)  # 256 random bits
    entry = {args.name: key_digest(key)}
    api_keys("API_KEYS", entry)  # a name the setting would refuse is refused now
    print(f"key: {key}", file=out)
    print(
        "Give the key to the client (it is not kept anywhere). Add this entry to the JSON", file=out
    )
    print(
        "object of NOMS_API_KEYS (or NOMS_API_KEYS_FILE); the service keeps only the digest:",
        file=out,
    )
    print(json.dumps(entry), file=out)
    return 0


def _auth_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fhir-limit",
        action="append",
        metavar="NAME=VALUE",
        help="a bound on the exchanges with the server (docs/integration.md, Limits), e.g. "
        "gather_deadline=60; repeatable; overrides NOMS_FHIR_<NAME>",
    )
    parser.add_argument(
        "--token", metavar="T", help="bearer access token for the server (e.g. from a SMART launch)"
    )
    parser.add_argument(
        "--backend-config",
        metavar="FILE",
        help="SMART Backend Services settings (JSON: token_url, client_id, "
        "private_key, kid, scope)",
    )


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
        help="assess one patient, from a Bundle file or a FHIR server",
        description="Read one patient's resources from a Bundle (collection, searchset or "
        "transaction) or from a FHIR server; print a collection Bundle of the result resources, "
        "or a summary. Exit status: 0 ok, 2 bad input, 3 some results not written, "
        "4 FHIR server error.",
    )
    assess.add_argument(
        "--bundle", metavar="FILE", help="the Bundle as a JSON file, or - for standard input"
    )
    assess.add_argument(
        "--questionnaire-response",
        metavar="FILE",
        help="a completed spine-MRI report (QuestionnaireResponse, or a Bundle holding one and "
        "the chart); with --bundle, the report is added to that chart",
    )
    assess.add_argument(
        "--extracted",
        metavar="FILE",
        help="with --questionnaire-response: write the findings extracted from the report "
        "(a collection Bundle) to FILE",
    )
    assess.add_argument("--fhir-base", metavar="URL", help="read the patient from this server")
    assess.add_argument("--patient", metavar="ID", help="the patient's id on that server")
    _auth_arguments(assess)
    assess.add_argument(
        "--write",
        action="store_true",
        help="write the results back to the server (conditional creates)",
    )
    assess.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json: FHIR Bundle of results (default); text: readable summary",
    )
    assess.set_defaults(handler=cmd_assess)

    seed_cmd = commands.add_parser(
        "seed",
        help="upload the demo patients to a FHIR server",
        description="Upload each demo patient (idempotent: resources are PUT with their fixed "
        "ids); prints the patient id and the scenario name of each.",
    )
    seed_cmd.add_argument("--fhir-base", required=True, metavar="URL")
    seed_cmd.add_argument("--patients", default=str(DEMO_PATIENTS), metavar="DIR")
    _auth_arguments(seed_cmd)
    seed_cmd.set_defaults(handler=cmd_seed)

    serve = commands.add_parser(
        "serve",
        help="run the web service (gunicorn; settings from NOMS_ variables)",
        description="Run the CDS Hooks service and the API under gunicorn. Every setting comes "
        "from an NOMS_ environment variable (see the README); SIGTERM stops it gracefully.",
    )
    serve.set_defaults(handler=cmd_serve)

    deliver = commands.add_parser(
        "deliver-alerts",
        help="deliver the alert outbox to the EHR and the webhook (settings from NOMS_ variables)",
        description="Claim due alert deliveries from the outbox, send them, retry failures with "
        "backoff; until SIGTERM, or with --once until nothing is due. Run one or more beside the "
        "service (docs/alerts.md).",
    )
    deliver.add_argument("--once", action="store_true", help="stop when nothing is due")
    deliver.add_argument(
        "--report",
        action="store_true",
        help="print the outbox's state as JSON instead (exit status 1 when a delivery is failing)",
    )
    deliver.set_defaults(handler=cmd_deliver_alerts)

    api_key = commands.add_parser(
        "api-key",
        help="make an API key for a client of the JSON API and the worklist page",
        description="Print a new random key and its NOMS_API_KEYS entry (the SHA-256 digest).",
    )
    api_key.add_argument("name", help="the client's name (logged when it calls)")
    api_key.set_defaults(handler=cmd_api_key)

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
    except (CliError, ConfigurationError) as exc:
        print(f"noms-cds: error: {exc}", file=err)
        return 2
    except FhirAuthError as exc:
        print(
            f"noms-cds: FHIR server refused access: {exc} (give --token or --backend-config)",
            file=err,
        )
        return 4
    except FhirError as exc:
        print(f"noms-cds: FHIR server error: {exc}", file=err)
        return 4
    except ServiceError as exc:  # any other refusal of the service's own: the input's fault
        print(f"noms-cds: error: {exc}", file=err)
        return 2


if __name__ == "__main__":
    sys.exit(main())
