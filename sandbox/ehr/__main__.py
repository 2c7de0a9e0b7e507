"""Command line: ``python -m sandbox.ehr --port 8090 --app-launch-url URL ...``."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sandbox.fhir_store import SeedError, StoreConfig
from sandbox.fhir_store.server import make_server
from sandbox.smart_auth import AuthConfig, ClientRegistration, load_clients

from .app import NOMS_APP_CLIENT_ID, EhrConfig, app_registration, create_ehr_app
from .patients import demo_patients_dir

logger = logging.getLogger("sandbox.ehr")
APP_KINDS = ("public", "confidential-symmetric", "confidential-asymmetric")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.ehr",
        description=(
            "Serve the sandbox EHR on one port: the FHIR store under /fhir (requiring this "
            "server's SMART tokens), the SMART authorization server under /auth, and the EHR "
            "page at / that launches a registered SMART app in an iframe."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8090, help="port, 0 for any free one")
    parser.add_argument("--app-launch-url", metavar="URL", help="launch URL of the SMART app")
    parser.add_argument(
        "--app-redirect-uri",
        action="append",
        default=[],
        metavar="URL",
        help="a redirect URI of the SMART app (repeatable; at least one with --app-launch-url)",
    )
    parser.add_argument("--app-client-id", default=NOMS_APP_CLIENT_ID, metavar="ID")
    parser.add_argument("--app-name", default="NOMS-CDS", help="the app's name on the pages")
    parser.add_argument(
        "--app-client-type", choices=APP_KINDS, default="public", help="(default: %(default)s)"
    )
    parser.add_argument(
        "--app-client-secret-file",
        type=Path,
        metavar="FILE",
        help="file holding the secret of a confidential-symmetric app",
    )
    parser.add_argument(
        "--app-jwks-file",
        type=Path,
        metavar="FILE",
        help="public JWKS of a confidential-asymmetric app",
    )
    parser.add_argument(
        "--backend-client-id",
        metavar="ID",
        help="register a SMART Backend Services client (needs --backend-jwks-file)",
    )
    parser.add_argument("--backend-jwks-file", type=Path, metavar="FILE")
    parser.add_argument(
        "--clients", type=Path, metavar="FILE", help="more registrations: {'clients': [...]}"
    )
    parser.add_argument(
        "--signing-key", type=Path, metavar="FILE", help="private RSA JWK for id_tokens"
    )
    parser.add_argument(
        "--public-url", metavar="URL", help="the root URL apps use, if not the request's host"
    )
    parser.add_argument(
        "--no-smart", action="store_true", help="leave the FHIR store open (no tokens needed)"
    )
    parser.add_argument("--no-seed", action="store_true", help="start without demo patients")
    parser.add_argument("--latency-ms", type=int, default=0, metavar="N")
    return parser


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc


def config_from_args(args: argparse.Namespace) -> EhrConfig:
    """Build the configuration from parsed arguments.

    Raises:
        ValueError: inconsistent or unreadable options.
    """
    clients: list[ClientRegistration] = []
    if args.app_launch_url:
        secret = None
        if args.app_client_secret_file:
            try:
                secret = args.app_client_secret_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"cannot read {args.app_client_secret_file}") from exc
        clients.append(
            app_registration(
                args.app_launch_url,
                args.app_redirect_uri,
                client_id=args.app_client_id,
                kind=args.app_client_type,
                client_secret=secret,
                jwks=_read_json(args.app_jwks_file) if args.app_jwks_file else None,
                name=args.app_name,
            )
        )
    elif args.app_redirect_uri:
        raise ValueError("--app-redirect-uri needs --app-launch-url")
    if args.backend_client_id:
        if not args.backend_jwks_file:
            raise ValueError("--backend-client-id needs --backend-jwks-file")
        clients.append(
            ClientRegistration(
                args.backend_client_id,
                "backend-service",
                name="Backend service",
                jwks=_read_json(args.backend_jwks_file),
            )
        )
    if args.clients:
        clients.extend(load_clients(args.clients))
    return EhrConfig(
        store=StoreConfig(
            seed_dir=None if args.no_seed else demo_patients_dir(), latency_ms=args.latency_ms
        ),
        auth=AuthConfig(
            clients=tuple(clients),
            signing_key_file=args.signing_key,
            public_url=args.public_url,
        ),
        smart=not args.no_smart,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox EHR until interrupted; return the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        app = create_ehr_app(config_from_args(args))
    except (ValueError, SeedError) as exc:
        logger.error("cannot start: %s", exc)
        return 2
    server = make_server(app, args.host, args.port)
    root = (
        args.public_url.rstrip("/")
        if args.public_url
        else f"http://{args.host}:{server.server_port}"
    )
    logger.info(
        "sandbox EHR at %s/ (FHIR base %s/fhir, SMART discovery "
        "%s/fhir/.well-known/smart-configuration)",
        root,
        root,
        root,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
