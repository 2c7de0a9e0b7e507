"""The one door to ``fhir.resources``: R4B models, wire-compatible with FHIR R4 for what we use.

``fhir.resources`` 8 puts R5 at its top level; R4 servers' JSON must be read with the R4B
subpackage (standards.md §3.6). Nothing else in the project imports it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError


class InvalidResource(ValueError):
    """A resource that does not parse as the R4B model of its type."""


def validate(resource: dict[str, Any]) -> None:
    """Raise InvalidResource unless the resource parses as its R4B model.

    Checks structure, cardinality of required elements, choice types and unknown elements;
    not invariants, bindings or profiles (those are the profiles' job).
    """
    resource_type = resource.get("resourceType")
    model = _model(resource_type)
    if model is None:
        raise InvalidResource(f"unknown resourceType {resource_type!r}")
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise InvalidResource(f"{resource_type}: {first.get('msg', 'invalid')} at {where}") from exc


def is_resource_type(name: object) -> bool:
    """True when name is a FHIR R4B resource type (not a data type)."""
    return _model(name) is not None


def _model(name: object) -> type[Resource] | None:
    if not isinstance(name, str) or not name[:1].isupper() or len(name) > 64:
        return None
    return _model_named(name)


@lru_cache(maxsize=512)  # the R4B resource types are about 150; anything else is one miss
def _model_named(name: str) -> type[Resource] | None:
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return None
    return model if issubclass(model, Resource) else None
