"""Reading a Bundle into one patient's resources, with a server's OperationOutcomes as issues."""

from __future__ import annotations

from typing import Any

from service.fhir import models
from service.fhir.extract.issues import InvalidInput, Issue
from service.fhir.extract.references import rewrite_references

ACCEPTED_BUNDLE_TYPES = frozenset({"collection", "searchset", "transaction"})


def resources_from_bundle(bundle: object) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The resources of a collection, searchset or transaction Bundle, references made local.

    ``urn:uuid:`` references between entries are rewritten to ``Type/id``. OperationOutcomes in
    the Bundle (a server's warnings in a searchset) become issues.

    Raises:
        InvalidInput: when the input is not such a Bundle or an entry is not a FHIR resource.
    """
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInput("the input is not a FHIR Bundle")
    if bundle.get("type") not in ACCEPTED_BUNDLE_TYPES:
        raise InvalidInput(
            f"Bundle type {bundle.get('type')!r} is not one of collection, searchset, transaction"
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidInput("Bundle.entry is not a list")
    resources: list[dict[str, Any]] = []
    issues: list[Issue] = []
    local: dict[str, str] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not models.is_resource_type(
            resource.get("resourceType")
        ):
            raise InvalidInput(f"Bundle entry {index} does not hold a FHIR resource")
        if resource["resourceType"] == "OperationOutcome":
            issues.extend(outcome_issues(resource))
            continue
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and resource.get("id"):
            local[full_url] = f"{resource['resourceType']}/{resource['id']}"
        resources.append(resource)
    return [rewrite_references(r, local) for r in resources], issues


def outcome_issues(outcome: dict[str, Any]) -> list[Issue]:
    issues = []
    for item in outcome.get("issue") or []:
        severity = item.get("severity", "warning")
        text = item.get("diagnostics") or (item.get("details") or {}).get("text") or "no detail"
        issues.append(
            Issue("warning" if severity == "information" else severity, f"server reported: {text}")
        )
    return issues
