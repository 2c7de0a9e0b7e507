"""Command line: ``python -m sandbox.fhir_store --port 8090``."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from .app import create_app
from .config import DEFAULT_SEED_DIR, SearchRequirement, StoreConfig, WriteRefusal
from .seeding import SeedError
from .server import make_server

logger = logging.getLogger("sandbox.fhir_store")


def _refusal(text: str) -> WriteRefusal:
    resource_type, _, categories = text.partition(":")
    try:
        return WriteRefusal(
            resource_type,
            allowed_categories=tuple(c for c in categories.split(",") if c) if categories else None,
        )
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _requirement(text: str) -> SearchRequirement:
    resource_type, _, names = text.partition(":")
    try:
        return SearchRequirement(resource_type, tuple(n for n in names.split(",") if n))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.fhir_store",
        description=(
            "Serve the in-memory sandbox FHIR R4 store. The FHIR API is under --base-path, the "
            "admin API (settings, faults, request log, reset) under /_admin. The log has one "
            "line per request, without query strings or bodies."
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8090, help="port (default: %(default)s)")
    parser.add_argument(
        "--base-path", default="/fhir", help="FHIR base path (default: %(default)s)"
    )
    parser.add_argument(
        "--seed-dir",
        type=Path,
        default=DEFAULT_SEED_DIR,
        metavar="DIR",
        help="load every *.json transaction Bundle in DIR at start (default: the demo patients)",
    )
    parser.add_argument("--no-seed", action="store_true", help="start empty")
    parser.add_argument(
        "--latency-ms", type=int, default=0, metavar="N", help="delay every FHIR request by N ms"
    )
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        metavar="T",
        help="require 'Authorization: Bearer T' (repeat for several tokens; /metadata stays open)",
    )
    parser.add_argument("--page-size", type=int, default=50, help="default search page size")
    parser.add_argument(
        "--no-validation", action="store_true", help="do not validate written resources"
    )
    parser.add_argument("--no-transactions", action="store_true", help="refuse transactions")
    parser.add_argument("--no-batch", action="store_true", help="refuse batches")
    parser.add_argument("--no-conditional-create", action="store_true", help="ignore If-None-Exist")
    parser.add_argument(
        "--refuse-writes",
        action="append",
        default=[],
        type=_refusal,
        metavar="TYPE[:CAT,...]",
        help=(
            "refuse create/update of TYPE (422); with categories, only resources in none of "
            "them, e.g. Observation:laboratory,vital-signs (repeatable)"
        ),
    )
    parser.add_argument(
        "--require-search",
        action="append",
        default=[],
        type=_requirement,
        metavar="TYPE:PARAM,...",
        help=(
            "answer 400 to TYPE searches that use none of the PARAMs, as Epic does for "
            "Observation without code or category, e.g. Observation:code,category (repeatable)"
        ),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until interrupted; return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        config = StoreConfig(
            base_path=args.base_path,
            page_size=args.page_size,
            seed_dir=None if args.no_seed else args.seed_dir,
            validate=not args.no_validation,
            latency_ms=args.latency_ms,
            transactions=not args.no_transactions,
            batch=not args.no_batch,
            conditional_create=not args.no_conditional_create,
            bearer_tokens=tuple(args.token),
            write_refusals=tuple(args.refuse_writes),
            search_requirements=tuple(args.require_search),
        )
        app = create_app(config)
    except (ValueError, SeedError) as exc:
        logger.error("cannot start: %s", exc)
        return 2
    server = make_server(app, args.host, args.port)
    root = f"http://{args.host}:{server.server_port}"
    logger.info("FHIR base %s%s, admin API %s/_admin", root, config.base_path, root)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
