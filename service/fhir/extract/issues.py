"""What extraction tells its reader besides the findings: issues, and input it refuses."""

from __future__ import annotations

from dataclasses import dataclass

from service.errors import RequestError
from service.fhir.untrusted import clean_text

MESSAGE_LIMIT = 1000  # characters of one issue's message (a server's text within is 300 at most)
RESOURCE_LIMIT = 200  # characters of the ``Type/id`` an issue names (FHIR ids are 64 at most)


class InvalidInput(RequestError, ValueError):
    """Input that cannot be assessed at all (not a Bundle, several patients, no patient...)."""

    code = "not-assessable"


@dataclass(frozen=True, slots=True)
class Issue:
    """Something the reader of the assessment must know about the input.

    Messages name resources by type and id only, never by patient identifiers. Both often carry
    what a server or a file named (ids, codes, diagnostics), so they are cleaned here, in the
    one place every issue passes: bounded, one line, no control or bidirectional characters
    (``service.fhir.untrusted``).
    """

    severity: str  # "error", "warning" or "information"
    message: str
    resource: str | None = None

    def __post_init__(self) -> None:
        # Frozen: the cleaned values replace what was given, once, at construction.
        object.__setattr__(self, "message", clean_text(self.message, limit=MESSAGE_LIMIT))
        if self.resource is not None:
            object.__setattr__(self, "resource", clean_text(self.resource, limit=RESOURCE_LIMIT))
