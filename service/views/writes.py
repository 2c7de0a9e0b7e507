"""What a write-back did, as every surface shows it (API answer, SMART page, CLI lines)."""

from __future__ import annotations

from typing import Any, Final

from service.fhir.write_report import CREATED, EXISTING, FAILED, REFUSED, WriteReport

STATUSES: Final = (CREATED, EXISTING, REFUSED, FAILED)


def write_view(report: WriteReport) -> dict[str, Any]:
    """The write report as JSON: counts first, then every result's outcome, then the notes.

    Nothing is dropped: a refused or failed result is listed with the server's reason
    (docs/fhir-output.md, write-back).
    """
    return {
        "mode": report.mode,
        "complete": report.complete,
        "counts": {status: report.count(status) for status in STATUSES},
        "outcomes": [
            {
                "resourceType": outcome.resource_type,
                "identifier": outcome.identifier,
                "status": outcome.status,
                **({"reference": outcome.reference} if outcome.reference else {}),
                **({"message": outcome.message} if outcome.message else {}),
            }
            for outcome in report.outcomes
        ],
        "notes": list(report.notes),
    }
