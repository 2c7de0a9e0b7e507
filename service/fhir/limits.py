"""The bounds on every exchange with a FHIR server (documented in docs/integration.md "Limits").

Defaults suit a clinician waiting for an answer in the EHR; a web service passes tighter ones
for a CDS Hooks call, a batch job looser ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.fhir import jsonio
from service.fhir.untrusted import DEFAULT_TEXT_LIMIT

MIB = 1024 * 1024


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
            "max_pages": self.max_pages,
            "page_size": self.page_size,
            "max_workers": self.max_workers,
            "max_text": self.max_text,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ValueError(f"Limits.{name} must be positive")
        if min(self.max_redirects, self.retries, self.backoff, self.retry_wait_budget) < 0:
            raise ValueError(
                "Limits.max_redirects, retries, backoff, retry_wait_budget must not be negative"
            )
