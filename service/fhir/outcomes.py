"""OperationOutcomes as servers send them: anything may be missing or of the wrong type."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from service.fhir.untrusted import DEFAULT_TEXT_LIMIT, clean_text


def is_outcome(body: Any) -> bool:
    """Whether a parsed body is an OperationOutcome."""
    return isinstance(body, dict) and body.get("resourceType") == "OperationOutcome"


def outcome_issues(body: Any) -> list[dict[str, Any]]:
    """The issues of an OperationOutcome that are objects (a server may send anything)."""
    if not is_outcome(body) or not isinstance(body.get("issue"), list):
        return []
    return [issue for issue in body["issue"] if isinstance(issue, dict)]


def outcome_has_error(body: Any) -> bool:
    """Whether an OperationOutcome reports an error (severity ``error`` or ``fatal``)."""
    return any(issue.get("severity") in ("error", "fatal") for issue in outcome_issues(body))


def outcome_text(body: Any, *, secrets: Iterable[str] = (), limit: int = DEFAULT_TEXT_LIMIT) -> str:
    """What an OperationOutcome says, cleaned for showing; empty for anything else."""
    texts = []
    for issue in outcome_issues(body):
        details = issue.get("details")
        text = (
            issue.get("diagnostics")
            or (details.get("text") if isinstance(details, dict) else None)
            or issue.get("code")
        )
        if text:
            texts.append(text if isinstance(text, str) else str(text))
    return clean_text("; ".join(texts), secrets=secrets, limit=limit)
