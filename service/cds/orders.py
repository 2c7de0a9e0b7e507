"""Which draft orders of an order hook concern the spine, and which levels each one concerns.

CDS Hooks Library 1.0.1: ``order-select`` sends every draft order in ``context.draftOrders`` and
names the newly selected ones in ``context.selections`` (``Type/id``); ``order-sign`` sends the
orders being signed. A ServiceRequest is a spine order when its code is a spine MR/CT, a
radiotherapy or a spine surgery code of ``service/fhir/codes/`` (sources in
docs/cds-hooks.md), or when it is an imaging or surgical order (by category) whose bodySite
names a vertebra. The levels it concerns are those its bodySite names; without them, those of
the regions its code covers; without either, the whole spine. Anything else (medications,
diets, orders for another patient, entries that are not resources) concerns no level.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from service.domain.levels import Level, Region
from service.fhir import codes

IGNORED_STATUSES: Final = frozenset({"entered-in-error", "revoked"})


class OrderKind(Enum):
    """What a spine order asks for."""

    SPINE_IMAGING = "spine imaging"
    RADIOTHERAPY = "radiotherapy"
    SPINE_SURGERY = "spine surgery"


@dataclass(frozen=True, slots=True)
class SpineOrder:
    """One draft order that concerns the spine.

    Attributes:
        kind: What it asks for.
        reference: ``ServiceRequest/{id}`` (or ``ServiceRequest`` when the draft has no id).
        levels: The levels it concerns.
        levels_named: Whether its bodySite names those levels (rather than its code's regions or
            the whole spine).
    """

    kind: OrderKind
    reference: str
    levels: frozenset[Level]
    levels_named: bool


def _codings(concepts: Any) -> Iterator[tuple[str, str]]:
    """(system, code) of each well-formed coding of a CodeableConcept or a list of them."""
    for concept in concepts if isinstance(concepts, list) else [concepts]:
        if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
            continue
        for coding in concept["coding"]:
            if isinstance(coding, dict):
                system, code = coding.get("system"), coding.get("code")
                if isinstance(system, str) and isinstance(code, str):
                    yield system, code.strip()


def levels_of_regions(regions: Iterable[Region]) -> frozenset[Level]:
    """Every level of the regions (all levels for none)."""
    wanted = set(regions)
    return frozenset(level for level in Level if not wanted or level.region in wanted)


def _named_levels(order: Mapping[str, Any]) -> frozenset[Level]:
    return frozenset(
        codes.LEVEL_BY_SNOMED[code]
        for system, code in _codings(order.get("bodySite"))
        if system == codes.SNOMED and code in codes.LEVEL_BY_SNOMED
    )


def _kind_and_regions(order: Mapping[str, Any]) -> tuple[OrderKind, tuple[Region, ...]] | None:
    for coding in _codings(order.get("code")):
        if coding in codes.SPINE_IMAGING_ORDERS:
            return OrderKind.SPINE_IMAGING, codes.SPINE_IMAGING_ORDERS[coding]
        if coding in codes.RADIOTHERAPY_ORDERS:
            return OrderKind.RADIOTHERAPY, ()
        if coding in codes.SPINE_SURGERY_ORDERS:
            return OrderKind.SPINE_SURGERY, ()
    return None


def _kind_by_category(order: Mapping[str, Any]) -> OrderKind | None:
    categories = set(_codings(order.get("category")))
    if (codes.SNOMED, codes.CATEGORY_IMAGING.code) in categories:
        return OrderKind.SPINE_IMAGING
    if (codes.SNOMED, codes.CATEGORY_SURGICAL.code) in categories:
        return OrderKind.SPINE_SURGERY
    return None


def _for_other_patient(order: Mapping[str, Any], patient_id: str) -> bool:
    subject = order.get("subject")
    reference = subject.get("reference") if isinstance(subject, dict) else None
    if not isinstance(reference, str):
        return False  # a draft without a subject is the patient's in the hook's context
    return reference.rstrip("/").rsplit("/", 2)[-2:] != ["Patient", patient_id]


def classify(order: Mapping[str, Any], patient_id: str) -> SpineOrder | None:
    """The spine order ``order`` is, or None when it concerns no level of this patient."""
    if order.get("resourceType") != "ServiceRequest" or order.get("status") in IGNORED_STATUSES:
        return None
    if _for_other_patient(order, patient_id):
        return None
    named = _named_levels(order)
    found = _kind_and_regions(order)
    if found is None:
        kind = _kind_by_category(order) if named else None
        if kind is None:
            return None
        found = (kind, ())
    kind, regions = found
    order_id = order.get("id")
    reference = f"ServiceRequest/{order_id}" if isinstance(order_id, str) else "ServiceRequest"
    return SpineOrder(kind, reference, named or levels_of_regions(regions), bool(named))


def _reference(resource: Mapping[str, Any]) -> str | None:
    kind, resource_id = resource.get("resourceType"), resource.get("id")
    if isinstance(kind, str) and isinstance(resource_id, str):
        return f"{kind}/{resource_id}"
    return None


def draft_orders(hook: str, context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The orders the hook is about: the selected ones for order-select, all for order-sign."""
    entries = context.get("draftOrders", {}).get("entry")
    resources = [
        entry["resource"]
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict)
    ]
    if hook != "order-select":
        return resources
    selected = set(context.get("selections") or ())
    return [resource for resource in resources if _reference(resource) in selected]


def spine_orders(hook: str, context: Mapping[str, Any]) -> tuple[SpineOrder, ...]:
    """The spine orders among the hook's draft orders, in their order."""
    patient_id = context["patientId"]
    found = (classify(resource, patient_id) for resource in draft_orders(hook, context))
    return tuple(order for order in found if order is not None)
