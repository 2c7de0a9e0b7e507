"""Reading a Bundle into one patient's resources, with a server's OperationOutcomes as issues.

The checks of a Bundle's shape (entries and links are objects) are shared with the FHIR client,
which reads servers' searchsets with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from service.fhir import models
from service.fhir.extract.issues import InvalidInput, Issue
from service.fhir.extract.references import rewrite_references
from service.fhir.outcomes import outcome_issues as outcome_items
from service.fhir.untrusted import clean_text

ACCEPTED_BUNDLE_TYPES = frozenset({"collection", "searchset", "transaction"})


def bundle_entries(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """A Bundle's entries, each checked to be an object.

    Raises:
        InvalidInput: ``entry`` is not a list, or one entry is not an object.
    """
    entries = bundle.get("entry")
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InvalidInput("Bundle.entry is not a list")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InvalidInput(f"Bundle entry {index} is not an object")
    return entries


def bundle_link(bundle: dict[str, Any], relation: str) -> str | None:
    """The URL of a Bundle's link with this relation (``next``), if any.

    Raises:
        InvalidInput: ``link`` is not a list, a link is not an object, or the URL not a string.
    """
    links = bundle.get("link")
    if links is None:
        return None
    if not isinstance(links, list):
        raise InvalidInput("Bundle.link is not a list")
    for index, link in enumerate(links):
        if not isinstance(link, dict):
            raise InvalidInput(f"Bundle link {index} is not an object")
        if link.get("relation") == relation:
            url = link.get("url")
            if not isinstance(url, str) or not url.strip():
                raise InvalidInput(f"Bundle link {index} ({relation}) has no URL")
            return url
    return None


@dataclass(frozen=True, slots=True)
class BundleContents:
    """A Bundle's resources as sent, how to make their references local, and the issues of
    the OperationOutcomes it held.

    Attributes:
        resources: The resources in entry order (OperationOutcomes left out), not rewritten.
        local: ``fullUrl`` → ``Type/id``, for the references between entries.
        issues: What the Bundle's OperationOutcomes said.
    """

    resources: list[dict[str, Any]]
    local: dict[str, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def localized(self) -> list[dict[str, Any]]:
        """Every resource with its references between entries rewritten to ``Type/id``."""
        if not self.local:
            return list(self.resources)
        return [rewrite_references(r, self.local) for r in self.resources]


def read_bundle(bundle: object) -> BundleContents:
    """The contents of a collection, searchset or transaction Bundle (references not yet
    rewritten: the extraction rewrites only the resources it reads).

    Raises:
        InvalidInput: when the input is not such a Bundle or an entry is not a FHIR resource.
    """
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInput("the input is not a FHIR Bundle")
    bundle_type = bundle.get("type")
    if not isinstance(bundle_type, str) or bundle_type not in ACCEPTED_BUNDLE_TYPES:
        shown = clean_text(repr(bundle.get("type")), limit=40)
        raise InvalidInput(f"Bundle type {shown} is not one of collection, searchset, transaction")
    resources: list[dict[str, Any]] = []
    issues: list[Issue] = []
    local: dict[str, str] = {}
    known: dict[str, bool] = {}  # resource type names seen: a record repeats a few of them
    for index, entry in enumerate(bundle_entries(bundle)):
        resource = entry.get("resource")
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            raise InvalidInput(f"Bundle entry {index} does not hold a FHIR resource")
        if (is_type := known.get(kind)) is None:
            is_type = known[kind] = models.is_resource_type(kind)
        if not is_type:
            raise InvalidInput(f"Bundle entry {index} does not hold a FHIR resource")
        if resource["resourceType"] == "OperationOutcome":
            issues.extend(outcome_issues(resource))
            continue
        full_url = entry.get("fullUrl")
        resource_id = resource.get("id")
        if isinstance(full_url, str) and isinstance(resource_id, str) and resource_id:
            local[full_url] = f"{resource['resourceType']}/{resource_id}"
        resources.append(resource)
    return BundleContents(resources, local, issues)


def resources_from_bundle(bundle: object) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The resources of a collection, searchset or transaction Bundle, references made local.

    ``urn:uuid:`` references between entries are rewritten to ``Type/id``. OperationOutcomes in
    the Bundle (a server's warnings in a searchset) become issues.

    Raises:
        InvalidInput: when the input is not such a Bundle or an entry is not a FHIR resource.
    """
    contents = read_bundle(bundle)
    return contents.localized(), contents.issues


def outcome_issues(
    outcome: dict[str, Any], source: str = "server reported", *, secrets: Iterable[str] = ()
) -> list[Issue]:
    """The issues of an OperationOutcome, their text cleaned for showing (it is not ours), with
    ``secrets`` (the credentials that fetched it) redacted before the text is bounded."""
    issues = []
    for item in outcome_items(outcome):
        severity = item.get("severity")
        details = item.get("details")
        text = (
            item.get("diagnostics")
            or (details.get("text") if isinstance(details, dict) else None)
            or "no detail"
        )
        shown = "error" if severity in ("error", "fatal") else "warning"
        issues.append(Issue(shown, f"{source}: {clean_text(text, secrets=secrets)}"))
    return issues
