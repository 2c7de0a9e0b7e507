"""The delivery worker: claim due deliveries, send them, record the outcome; forever.

Run as many workers as wanted, in any processes or replicas sharing the database: leases keep
them off each other's deliveries. A worker stopped by a signal finishes the delivery it is
sending and gives the rest of its batch back; a worker killed outright leaves leases that
expire, after which the deliveries are claimed and sent again (at least once, docs/alerts.md).

    python -m service.alerts.worker --database-url sqlite:////var/lib/noms/noms.db \\
        --ehr-base https://ehr.example.org/fhir --ehr-token-file /run/secrets/ehr-token \\
        --webhook-url https://hooks.example.org/spine --webhook-secret-file /run/secrets/hook

(``noms-cds deliver-alerts``, :mod:`service.alerts.deliver`, runs the same worker with the
service's ``NOMS_`` settings instead.)
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from service.alerts.errors import DeliveryError
from service.alerts.outbox import ClaimedDelivery, Outbox
from service.alerts.retry import (
    DEFAULT_BASE_DELAY_SECONDS,
    DEFAULT_FAILING_AFTER_ATTEMPTS,
    DEFAULT_MAX_DELAY_SECONDS,
    RetryPolicy,
)
from service.alerts.senders import EhrSender, Sender, WebhookSender
from service.errors import ConfigurationError
from service.fhir.auth import BearerToken, NoAuth
from service.storage.database import Database, open_database

logger = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 120.0
DEFAULT_BATCH_SIZE = 10
DEFAULT_IDLE_SECONDS = 1.0


def default_owner() -> str:
    """A worker's name in leases: host, process and a random suffix (no patient data)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class DeliveryWorker:
    """Deliver the outbox's due deliveries through one sender per channel.

    Args:
        outbox: the outbox to work on.
        senders: channel name to sender; only these channels are claimed.
        owner: the name written into leases (default: host, pid, random suffix).
        lease_seconds: how long a claim is exclusive. It must exceed twice the longest request
            any sender can make (its timeouts), or a slow send could outlive its lease.
        batch_size: deliveries claimed at once (sent one after the other).
        idle_seconds: wait between polls when nothing is due.
    """

    def __init__(
        self,
        outbox: Outbox,
        senders: Mapping[str, Sender],
        *,
        owner: str | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        idle_seconds: float = DEFAULT_IDLE_SECONDS,
    ) -> None:
        if not senders:
            raise ValueError("a worker needs at least one sender")
        if batch_size < 1 or idle_seconds <= 0:
            raise ValueError("batch_size and idle_seconds must be positive")
        self.outbox = outbox
        self.senders = dict(senders)
        self.owner = owner or default_owner()
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        # A delivery is sent only while at least this much of its lease is left.
        self.min_lease_left = max(
            (
                2 * sender.max_seconds_per_request()
                for sender in self.senders.values()
                if hasattr(sender, "max_seconds_per_request")
            ),
            default=0.0,
        )
        if lease_seconds <= self.min_lease_left:
            raise ValueError(
                f"lease_seconds ({lease_seconds}) must exceed twice the senders' longest request "
                f"({self.min_lease_left / 2:g} s)"
            )

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Claim one batch and deliver it; return how many deliveries were attempted."""
        claims = self.outbox.claim(
            self.owner,
            channels=self.senders,
            limit=self.batch_size,
            lease_seconds=self.lease_seconds,
        )
        attempted = 0
        for index, claim in enumerate(claims):
            left = claim.lease_expires_at - self.outbox.clock()
            if (stop is not None and stop.is_set()) or left < timedelta(
                seconds=self.min_lease_left
            ):
                # Stopping, or too little lease left for a safe send: give the rest back.
                self.outbox.release(claims[index:])
                break
            self._deliver(claim)
            attempted += 1
        return attempted

    def _deliver(self, claim: ClaimedDelivery) -> None:
        sender = self.senders[claim.channel]
        try:
            sender(claim)
        except DeliveryError as exc:
            next_at = self.outbox.fail(
                claim, str(exc), permanent=exc.permanent, retry_after=exc.retry_after
            )
            logger.warning(
                "delivery %s (%s) attempt %d failed: %s; next attempt %s",
                claim.delivery_id,
                claim.channel,
                claim.attempt,
                exc,
                next_at.isoformat(timespec="seconds") if next_at else "by another worker",
            )
        except Exception as exc:  # a bug in a sender must not stop every other delivery
            message = f"unexpected error in the {claim.channel} sender ({type(exc).__name__})"
            self.outbox.fail(claim, message)
            logger.error("delivery %s attempt %d: %s", claim.delivery_id, claim.attempt, message)
        else:
            self.outbox.complete(claim)
            logger.info(
                "delivery %s (%s) attempt %d delivered",
                claim.delivery_id,
                claim.channel,
                claim.attempt,
            )

    def run(self, stop: threading.Event, *, exit_when_idle: bool = False) -> None:
        """Deliver until ``stop`` is set (or, with ``exit_when_idle``, until nothing is due).

        A database that cannot be reached is waited for, not fatal: nothing is lost meanwhile.
        """
        logger.info("alert delivery worker %s started (%s)", self.owner, ", ".join(self.senders))
        while not stop.is_set():
            try:
                attempted = self.run_once(stop)
            except SQLAlchemyError as exc:
                logger.error("the outbox database failed (%s); retrying", type(exc).__name__)
                attempted = 0
            if attempted == 0:
                if exit_when_idle:
                    break
                stop.wait(self.idle_seconds)
        logger.info("alert delivery worker %s stopped", self.owner)


# -- the command line ----------------------------------------------------------------------------


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the worker's settings to ``parser`` (used by ``noms-cds`` too)."""
    parser.add_argument(
        "--database-url", required=True, help="sqlite:///FILE or postgresql+psycopg://..."
    )
    parser.add_argument("--ehr-base", help="FHIR base URL of the EHR (enables the 'ehr' channel)")
    parser.add_argument("--ehr-mode", choices=("transaction", "individual"), default="transaction")
    parser.add_argument(
        "--ehr-token-file", type=Path, help="file holding a bearer token for the EHR"
    )
    parser.add_argument(
        "--webhook-url", help="the spine team's webhook (enables the 'webhook' channel)"
    )
    parser.add_argument(
        "--webhook-secret-file", type=Path, help="file holding the webhook's shared secret"
    )
    parser.add_argument("--lease-seconds", type=float, default=DEFAULT_LEASE_SECONDS)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--idle-seconds", type=float, default=DEFAULT_IDLE_SECONDS)
    parser.add_argument("--base-delay", type=float, default=DEFAULT_BASE_DELAY_SECONDS)
    parser.add_argument("--max-delay", type=float, default=DEFAULT_MAX_DELAY_SECONDS)
    parser.add_argument("--failing-after", type=int, default=DEFAULT_FAILING_AFTER_ATTEMPTS)
    parser.add_argument("--connect-timeout", type=float, default=5.0, help="seconds per connection")
    parser.add_argument("--timeout", type=float, default=20.0, help="read timeout per request (s)")
    parser.add_argument("--exit-when-idle", action="store_true", help="stop when nothing is due")


def _secret_file(path: Path, what: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the {what} file: {exc.strerror}") from exc
    if not value:
        raise ConfigurationError(f"the {what} file is empty")
    return value


def senders_from_arguments(args: argparse.Namespace) -> dict[str, Sender]:
    """The channels the arguments configure (``ehr``, ``webhook``)."""
    senders: dict[str, Sender] = {}
    timeout = (args.connect_timeout, args.timeout)
    if args.ehr_base:
        auth = (
            BearerToken(_secret_file(args.ehr_token_file, "EHR token"))
            if args.ehr_token_file
            else NoAuth()
        )
        senders["ehr"] = EhrSender(args.ehr_base, auth=auth, mode=args.ehr_mode, timeout=timeout)
    if args.webhook_url:
        if not args.webhook_secret_file:
            raise ConfigurationError("--webhook-url needs --webhook-secret-file")
        secret = _secret_file(args.webhook_secret_file, "webhook secret")
        try:
            senders["webhook"] = WebhookSender(args.webhook_url, secret, timeout=timeout)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from exc
    if not senders:
        raise ConfigurationError("configure at least one channel: --ehr-base or --webhook-url")
    return senders


def worker_from_arguments(args: argparse.Namespace) -> tuple[DeliveryWorker, Database]:
    """Open the database (migrating it) and build the worker the arguments describe."""
    senders = senders_from_arguments(args)
    database = open_database(args.database_url)
    policy = RetryPolicy(args.base_delay, args.max_delay, args.failing_after)
    worker = DeliveryWorker(
        Outbox(database, policy=policy),
        senders,
        lease_seconds=args.lease_seconds,
        batch_size=args.batch_size,
        idle_seconds=args.idle_seconds,
    )
    return worker, database


def main(argv: Sequence[str] | None = None) -> int:
    """Run the worker until SIGTERM/SIGINT (or idle, with ``--exit-when-idle``)."""
    parser = argparse.ArgumentParser(prog="python -m service.alerts.worker", description=__doc__)
    add_worker_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        worker, database = worker_from_arguments(args)
    except (ConfigurationError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    stop = threading.Event()

    def _stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        worker.run(stop, exit_when_idle=args.exit_when_idle)
    finally:
        database.dispose()
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised by the tests as a subprocess
    raise SystemExit(main())
