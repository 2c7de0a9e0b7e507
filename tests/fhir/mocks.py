"""What mocked FHIR servers answer in client tests (responses): CapabilityStatements, searchsets."""

from __future__ import annotations

from typing import Any

BASE = "https://ehr.test/fhir"


def capability(
    batch: bool = True,
    transaction: bool = True,
    conditional: bool = True,
    creatable: tuple[str, ...] = ("Observation", "RiskAssessment", "Provenance"),
) -> dict[str, Any]:
    interactions = [{"code": c} for c, on in (("batch", batch), ("transaction", transaction)) if on]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "kind": "instance",
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "interaction": interactions,
                "resource": [
                    {
                        "type": t,
                        "interaction": [{"code": "create"}],
                        "conditionalCreate": conditional,
                    }
                    for t in creatable
                ],
            }
        ],
    }


def searchset(resources: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle
