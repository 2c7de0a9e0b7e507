"""The report of a write-back: each result's outcome, told as it is, and its summary in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

CREATED, EXISTING, REFUSED, FAILED = "created", "existing", "refused", "failed"
MAYBE_STORED = "it may have been stored all the same: writing again adds no duplicate"


@dataclass(frozen=True)
class WriteOutcome:
    """What happened to one result.

    Attributes:
        resource_type: The result's type.
        identifier: Its identifier value (the tag code of a Provenance).
        status: ``created``, ``existing``, ``refused`` or ``failed``.
        reference: ``Type/id`` on the server, when the server said; None otherwise (a result
            created without an id is cited by its identifier).
        message: Why it was refused or failed, or what else the reader should know.
    """

    resource_type: str
    identifier: str
    status: str
    reference: str | None = None
    message: str = ""


@dataclass(frozen=True)
class WriteReport:
    """Every result's outcome; nothing is dropped silently."""

    mode: str  # "transaction" or "individual"
    outcomes: tuple[WriteOutcome, ...]
    notes: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        """How many results ended with this status."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def complete(self) -> bool:
        """True when every result is on the server (created now or before)."""
        return all(o.status in (CREATED, EXISTING) for o in self.outcomes)


def summarize(report: WriteReport) -> Iterable[str]:
    """Lines telling the user what was written, what was refused and why."""
    yield (
        f"write-back ({report.mode}): {report.count(CREATED)} created, "
        f"{report.count(EXISTING)} already there, {report.count(REFUSED)} refused, "
        f"{report.count(FAILED)} failed"
    )
    for outcome in report.outcomes:
        if outcome.status in (REFUSED, FAILED):
            yield (
                f"  {outcome.status}: {outcome.resource_type} {outcome.identifier}: "
                f"{outcome.message}"
            )
    yield from (f"  note: {n}" for n in report.notes)
