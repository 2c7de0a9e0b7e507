"""FHIR references: the ``Type/id`` key of a reference, a resource's own key, the patient a
resource is about, local rewriting. Shared by the extraction and the FHIR client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def rewrite_references(node: Any, local: Mapping[str, str]) -> Any:
    """A copy of ``node`` with every ``reference`` found in ``local`` replaced by its value."""
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
    """``Type/id`` of a resource (``?`` for a missing id)."""
    return f"{resource['resourceType']}/{resource.get('id', '?')}"


def subject_reference(resource: Mapping[str, Any]) -> str | None:
    """The reference to the patient a resource is about (``subject``, else ``patient``), or
    None when there is none or it is not a Reference with a string ``reference``."""
    for element in ("subject", "patient"):
        value = resource.get(element)
        if isinstance(value, dict):
            reference = value.get("reference")
            return reference if isinstance(reference, str) and reference else None
        if value is not None:
            return None
    return None
