"""What the store knows about FHIR resource types: the R4B models, their elements, validation."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from fhir.resources.R4B import fhirtypes, get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from .errors import FhirError

#: FHIR ``id`` datatype (R4 datatypes.html#id).
ID_RE = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
TYPE_NAME_RE = re.compile(r"^[A-Z][A-Za-z]+$")

# Abstract bases are not resource types a server can hold.
_ABSTRACT = frozenset({"Resource", "DomainResource"})
_MAX_VALIDATION_MESSAGES = 5


@lru_cache(maxsize=1)
def r4b_resource_types() -> tuple[str, ...]:
    """Return every concrete resource type that fhir.resources models in its R4B package.

    Loading every model takes about a second, so the answer is computed once per process.
    """
    names = []
    for attribute in dir(fhirtypes):
        if not attribute.endswith("Type") or not TYPE_NAME_RE.match(attribute[:-4]):
            continue
        name = attribute[:-4]
        if name in _ABSTRACT:
            continue
        try:
            model = get_fhir_model_class(name)
        except (ValueError, AttributeError, ImportError):
            continue
        if isinstance(model, type) and issubclass(model, Resource):
            names.append(name)
    return tuple(sorted(names))


@cache
def element_names(resource_type: str) -> frozenset[str]:
    """Return the top-level element names of a resource type (empty if the type is unknown)."""
    try:
        model = get_fhir_model_class(resource_type)
    except (ValueError, AttributeError, ImportError):
        return frozenset()
    return frozenset(
        (info.alias or name) for name, info in model.model_fields.items() if "__" not in name
    )


def validate_resource(resource: dict[str, Any], *, expression: str | None = None) -> None:
    """Parse a resource with its fhir.resources R4B model.

    The models check structure, cardinality, primitive formats, choice exclusivity and unknown
    elements, which is what R4 http.html calls "basic FHIR validation rules"; failing them is a
    400 Bad Request. They do not check invariants, bindings or profiles.

    Raises:
        FhirError: 400 with the first few validation messages.
    """
    resource_type = resource.get("resourceType")
    try:
        model = get_fhir_model_class(str(resource_type))
    except (ValueError, AttributeError, ImportError) as exc:
        raise FhirError(
            400, f"unknown resourceType {resource_type!r}", code="structure", expression=expression
        ) from exc
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        messages = []
        for error in exc.errors()[:_MAX_VALIDATION_MESSAGES]:
            location = ".".join(str(part) for part in error.get("loc", ()))
            messages.append(f"{location}: {error.get('msg')}" if location else error.get("msg"))
        more = exc.error_count() - len(messages)
        if more > 0:
            messages.append(f"... and {more} more")
        raise FhirError(
            400,
            f"{resource_type} failed R4B validation: " + "; ".join(messages),
            code="structure",
            expression=expression,
        ) from exc
    except (ValueError, TypeError) as exc:
        raise FhirError(
            400,
            f"{resource_type} failed R4B validation: {exc}",
            code="structure",
            expression=expression,
        ) from exc
