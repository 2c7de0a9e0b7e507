"""What extraction tells its reader besides the findings: issues, and input it refuses."""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import RequestError


class InvalidInput(RequestError, ValueError):
    """Input that cannot be assessed at all (not a Bundle, several patients, no patient...)."""

    code = "not-assessable"


@dataclass(frozen=True, slots=True)
class Issue:
    """Something the reader of the assessment must know about the input.

    Messages name resources by type and id only, never by patient identifiers.
    """

    severity: str  # "error", "warning" or "information"
    message: str
    resource: str | None = None
