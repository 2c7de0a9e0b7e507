"""The bounds on every exchange with a FHIR server (documented in docs/integration.md "Limits").

Defaults suit a clinician waiting for an answer in the EHR; a web service passes tighter ones
for a CDS Hooks call, a batch job looser ones. Each can be set as ``NOMS_FHIR_<NAME>`` (the
service's settings and the command line read them with :func:`limits_from`), and on the
command line as ``--fhir-limit NAME=VALUE``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from service.fhir import jsonio
from service.fhir.untrusted import DEFAULT_TEXT_LIMIT

MIB = 1024 * 1024
ENV_PREFIX = "NOMS_FHIR_"  # NOMS_FHIR_GATHER_DEADLINE sets Limits.gather_deadline


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on every exchange with a FHIR server; the defaults suit a clinician waiting.

    Attributes:
        connect_timeout: Seconds to open a connection.
        read_timeout: Longest silence on an open connection, in seconds.
        request_deadline: Seconds one attempt may take from sending to the last byte of the
            answer, however the server trickles it.
        gather_deadline: Seconds to gather one patient's data, every request, page and retry
            included.
        write_deadline: Seconds one write-back may take, from reading the capabilities to the
            last result's answer (retries, redirects and waits included); results not sent
            by then are reported failed, as not sent.
        max_response_bytes: Largest answer, counted on the wire and again after decompression.
        max_depth: Deepest nesting of JSON arrays and objects in an answer.
        max_redirects: Same-base redirects a read follows.
        retries: Further attempts after a temporary failure (0: one attempt).
        backoff: First wait between attempts, doubled for each further one, in seconds.
        retry_wait_budget: Seconds one request may spend waiting between its attempts (backoff
            and ``Retry-After`` together); a server asking for more is not waited for.
        max_gather_bytes: Bytes of answers (after decompression) one gathering reads in all,
            every search and page together; past it no further page is asked for (reported).
        max_gather_resources: Search entries one gathering reads in all (used or not); past
            it likewise.
        max_pages: Pages of one search followed before stopping (which is reported).
        page_size: ``_count`` asked for.
        max_workers: Requests sent in parallel when gathering.
        max_text: Characters of server text (diagnostics) shown in one message.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    request_deadline: float = 15.0
    gather_deadline: float = 30.0
    write_deadline: float = 60.0
    max_response_bytes: int = 16 * MIB
    max_depth: int = jsonio.DEFAULT_MAX_DEPTH
    max_redirects: int = 3
    retries: int = 3
    backoff: float = 0.5
    retry_wait_budget: float = 10.0
    max_gather_bytes: int = 64 * MIB
    max_gather_resources: int = 20_000
    max_pages: int = 25
    page_size: int = 200  # Oracle Health caps Observation _count at 200
    max_workers: int = 6
    max_text: int = DEFAULT_TEXT_LIMIT

    def __post_init__(self) -> None:
        positive = {
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "request_deadline": self.request_deadline,
            "gather_deadline": self.gather_deadline,
            "write_deadline": self.write_deadline,
            "max_response_bytes": self.max_response_bytes,
            "max_depth": self.max_depth,
            "max_gather_bytes": self.max_gather_bytes,
            "max_gather_resources": self.max_gather_resources,
            "max_pages": self.max_pages,
            "page_size": self.page_size,
            "max_workers": self.max_workers,
            "max_text": self.max_text,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive")
        not_negative = {
            "max_redirects": self.max_redirects,
            "retries": self.retries,
            "backoff": self.backoff,
            "retry_wait_budget": self.retry_wait_budget,
        }
        for name, value in not_negative.items():
            if value < 0:
                raise ValueError(f"Limits.{name} must not be negative")


@dataclass(slots=True)
class Budget:
    """What one gathering may still read, shared by its searches (thread-safe).

    Each answer is capped on its own (``max_response_bytes``, ``max_pages``); the budget bounds
    their sum, which many pages of many searches could otherwise grow without limit.
    """

    max_bytes: int
    max_resources: int
    spent_bytes: int = 0
    entries_read: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def of(cls, limits: Limits) -> Budget:
        """A fresh budget for one gathering (or one search on its own)."""
        return cls(limits.max_gather_bytes, limits.max_gather_resources)

    def spend(self, size: int, resources: int = 0) -> None:
        """Count an answer's bytes and the search entries read from it."""
        with self._lock:
            self.spent_bytes += size
            self.entries_read += resources

    @property
    def exhausted(self) -> bool:
        """Whether no further page may be asked for."""
        return self.spent_bytes >= self.max_bytes or self.entries_read >= self.max_resources

    def reason(self) -> str:
        """What was reached, for the warning that reports the stop."""
        return (
            f"the gathering's budget ({jsonio.describe_size(self.max_bytes)} of answers, "
            f"{self.max_resources} resources) was reached: some data may be missing"
        )


def limit_names() -> tuple[str, ...]:
    """The names of the limits, as fields of :class:`Limits` (``gather_deadline``)."""
    return tuple(f.name for f in fields(Limits))


def limits_from(
    source: Mapping[str, Any], prefix: str = ENV_PREFIX, base: Limits | None = None
) -> Limits:
    """``base`` (default: the defaults) with each limit ``source`` gives: a key of ``prefix``
    and the limit's name in capitals (``NOMS_FHIR_GATHER_DEADLINE=60``), an empty value
    leaving it as it is. Whole numbers for counts and bytes, any number for seconds.

    Raises:
        ValueError: a value that is not a number of the limit's kind, or out of its range; the
            message names the key.
    """
    changes: dict[str, int | float] = {}
    for limit in fields(Limits):
        key = prefix + limit.name.upper()
        raw = source.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        kind = type(limit.default)
        try:
            value = kind(raw.strip()) if isinstance(raw, str) else kind(raw)
        except (TypeError, ValueError):
            what = "a whole number" if kind is int else "a number"
            raise ValueError(f"{key} must be {what}, not {str(raw)[:40]!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"{key} must be a finite number")
        changes[limit.name] = value
    try:
        return replace(base or Limits(), **changes)
    except ValueError as exc:
        name = str(exc).split()[0].removeprefix("Limits.")
        raise ValueError(f"{prefix}{name.upper()}: {exc}") from None
