"""FHIR references: the ``Type/id`` key of a reference, a resource's own key, local rewriting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def rewrite_references(node: Any, local: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: rewrite_references(v, local) for k, v in node.items()}
        ref = out.get("reference")
        if isinstance(ref, str) and ref in local:
            out["reference"] = local[ref]
        return out
    if isinstance(node, list):
        return [rewrite_references(item, local) for item in node]
    return node


def reference_key(reference: str) -> str:
    """``Type/id`` of a reference, whether relative, absolute or versioned."""
    if reference.startswith("urn:"):
        return reference
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else reference


def identity(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource.get('id', '?')}"
