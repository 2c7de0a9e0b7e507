"""The CapabilityStatement, built from the store's current configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .search import supported_params

if TYPE_CHECKING:
    from .engine import FhirStore

SOFTWARE_NAME = "NOMS-CDS sandbox FHIR store"

_PARAM_DOCS = {
    "patient": "bare id, Patient/id or an absolute URL ending in Patient/id",
    "subject": "bare id (any type), Type/id or an absolute URL ending in Type/id",
    "_lastUpdated": "prefixes eq ne gt ge lt le sa eb; date or dateTime precision",
}


def capability_statement(store: FhirStore, base_url: str) -> dict[str, Any]:
    """Describe what the store does right now (switches and refusals are read at call time).

    R4 http.html "capabilities": servers SHALL provide a CapabilityStatement saying which
    interactions and resources they support, so clients can adapt; the sandbox keeps it honest
    when a test turns transactions, batch or conditional create off, or refuses writes.
    """
    controls = store.controls
    with controls.lock:
        transactions = controls.transactions
        batch = controls.batch
        conditional_create = controls.conditional_create
        refusals = {rule.resource_type: rule for rule in controls.write_refusals}
        requirements = controls.search_requirements
        auth = bool(controls.bearer_tokens)

    resources = []
    for resource_type in store.resource_types:
        interactions = ["read", "vread", "search-type"]
        entry: dict[str, Any] = {"type": resource_type}
        rule = refusals.get(resource_type)
        if rule is None or rule.allowed_categories is not None:
            interactions += ["create", "update"]
        notes = []
        if rule is not None and rule.allowed_categories is not None:
            notes.append(
                "create and update only with category " + " or ".join(rule.allowed_categories)
            )
        notes += [
            "searches must use one of: " + ", ".join(r.any_of)
            for r in requirements
            if r.resource_type == resource_type
        ]
        if notes:
            entry["documentation"] = "; ".join(notes)
        entry.update(
            {
                "interaction": [{"code": code} for code in interactions],
                "versioning": "versioned",
                "readHistory": False,
                "updateCreate": True,
                "conditionalCreate": conditional_create and "create" in interactions,
                "conditionalRead": "not-supported",
                "conditionalUpdate": False,
                "conditionalDelete": "not-supported",
                "searchParam": [
                    {"name": name, "type": kind, **_doc(name)}
                    for name, kind in supported_params(resource_type).items()
                ],
            }
        )
        resources.append(entry)

    rest: dict[str, Any] = {
        "mode": "server",
        "documentation": (
            "Unknown search parameters are ignored unless Prefer: handling=strict; _count, "
            "_summary=count and _sort (_lastUpdated, _id) are supported; next links page "
            "through a snapshot of the matches taken at the first request."
        ),
        "resource": resources,
    }
    if store.access_policy is not None:
        rest["security"] = store.access_policy.security(base_url)
    elif auth:
        rest["security"] = {
            "description": "Send Authorization: Bearer <token>; /metadata is open.",
        }
    system = [code for code, on in (("transaction", transactions), ("batch", batch)) if on]
    if system:
        rest["interaction"] = [{"code": code} for code in system]

    return {
        "resourceType": "CapabilityStatement",
        "id": "sandbox-fhir-store",
        "status": "active",
        "date": store.started,
        "publisher": "NOMS-CDS",
        "kind": "instance",
        "software": {"name": SOFTWARE_NAME},
        "implementation": {
            "description": "In-memory FHIR R4 sandbox for demos and tests",
            "url": base_url,
        },
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [rest],
    }


def _doc(name: str) -> dict[str, str]:
    return {"documentation": _PARAM_DOCS[name]} if name in _PARAM_DOCS else {}
