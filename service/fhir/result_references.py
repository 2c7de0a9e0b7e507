"""How results written one by one cite each other, and how an earlier copy of one is found.

A result created with an id is cited by ``Type/id``; one the server gave no id is cited
logically, by its identifier (R4 Reference.identifier). Looking for an earlier copy searches by
identifier (or, for the Provenance, by tag) and checks that a match carries it: a server that
ignores the parameter answers with everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.fhir import codes


def reference_to(
    reference: str | None, identifier: str, resource: dict[str, Any]
) -> dict[str, Any]:
    """How later results cite a written one: its server id (``Type/id``), else logically, by
    its identifier (a server that gave no id)."""
    if reference:
        return {"reference": reference}
    return {
        "type": resource["resourceType"],
        "identifier": {"system": codes.RESULT_IDENTIFIER_SYSTEM, "value": identifier},
    }


def carries(resource: dict[str, Any], condition: str) -> bool:
    """Whether a search match really carries the identifier (or tag) looked for."""
    name, _, token = condition.partition("=")
    system, _, value = token.partition("|")
    if name == "identifier":
        candidates = resource.get("identifier")
        pairs = [(i.get("system"), i.get("value")) for i in candidates or [] if isinstance(i, dict)]
    else:
        meta = resource.get("meta") if isinstance(resource.get("meta"), dict) else {}
        pairs = [
            (t.get("system"), t.get("code")) for t in meta.get("tag") or [] if isinstance(t, dict)
        ]
    return (system, value) in pairs


def lookup_params(resource: dict[str, Any], condition: str) -> dict[str, str]:
    """The search for an earlier copy of a result: its identifier (or tag), narrowed to its
    patient and code, which some servers require of every Observation search (Epic)."""
    params = dict([condition.split("=", 1)])
    subject = (resource.get("subject") or {}).get("reference", "")
    if subject.startswith("Patient/"):
        params["patient"] = subject
    coding = ((resource.get("code") or {}).get("coding") or [{}])[0]
    if coding.get("system") and coding.get("code"):
        params["code"] = f"{coding['system']}|{coding['code']}"
    return params


def resolve_references(
    resource: dict[str, Any], written: Mapping[str, dict[str, Any]]
) -> tuple[dict[str, Any], int]:
    """Replace ``urn:uuid`` references to written results (by their server id, or logically by
    identifier); drop those to results not written, counting them."""
    dropped = 0

    def walk(node: Any) -> Any:
        nonlocal dropped
        if isinstance(node, dict):
            reference = node.get("reference")
            if isinstance(reference, str) and reference in written:
                rest = {k: walk(v) for k, v in node.items() if k != "reference"}
                return {**rest, **written[reference]}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            kept = []
            for item in node:
                ref = item.get("reference") if isinstance(item, dict) else None
                if isinstance(ref, str) and ref.startswith("urn:uuid:") and ref not in written:
                    dropped += 1
                    continue
                kept.append(walk(item))
            return kept
        return node

    return walk(resource), dropped
