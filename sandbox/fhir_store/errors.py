"""FHIR errors raised by the sandbox store and their OperationOutcome form."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

# Default OperationOutcome.issue.code per HTTP status (R4 IssueType value set), used when the
# raising code does not name a more precise one.
_DEFAULT_ISSUE_CODES: dict[int, str] = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    410: "expired",
    412: "conflict",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    500: "exception",
    502: "transient",
    503: "transient",
    504: "timeout",
}


def status_line(status: int) -> str:
    """Return ``"201 Created"``-style text for ``Bundle.entry.response.status``."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def operation_outcome(
    diagnostics: str,
    *,
    severity: str = "error",
    code: str = "processing",
    expression: str | None = None,
) -> dict[str, Any]:
    """Build a one-issue OperationOutcome resource as JSON."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


class FhirError(Exception):
    """A failed FHIR interaction: an HTTP status plus the OperationOutcome that explains it."""

    def __init__(
        self,
        status: int,
        diagnostics: str,
        *,
        code: str | None = None,
        expression: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Create the error.

        Args:
            status: HTTP status code (4xx or 5xx).
            diagnostics: human-readable explanation, put into ``issue.diagnostics``.
            code: R4 IssueType code; defaults to one that fits the status.
            expression: optional FHIRPath of the offending element, e.g. ``Bundle.entry[2]``.
            headers: extra HTTP headers for the response (e.g. ``WWW-Authenticate``).
        """
        super().__init__(diagnostics)
        self.status = status
        self.diagnostics = diagnostics
        self.code = code or _DEFAULT_ISSUE_CODES.get(status, "processing")
        self.expression = expression
        self.headers = dict(headers or {})

    def outcome(self) -> dict[str, Any]:
        """Return the OperationOutcome that goes with this error."""
        return operation_outcome(self.diagnostics, code=self.code, expression=self.expression)
