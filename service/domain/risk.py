"""Qualitative risks shown on the NOMS RiskAssessment: a restatement of the published bands.

Not a prediction model. Neurologic deterioration follows the ESCC category and the presence of
myelopathy or cauda equina syndrome; mechanical failure follows the SINS band (Fourney 2011) or,
for SINS 7–12, the spine surgeon's call. When the inputs leave it open the risk is None and the
rationale says why (docs/fhir-output.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from service.domain.escc import Category, EsccResult, Grade
from service.domain.findings import StabilityCall
from service.domain.scoring import ScoreResult


class Risk(Enum):
    """Qualitative risk (HL7 risk-probability codes low / moderate / high)."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class RiskEstimate:
    """One predicted outcome with its qualitative risk, or None and the reason."""

    outcome: str
    risk: Risk | None
    rationale: str


def neurologic(escc: EsccResult, myelopathy_or_ces: bool | None) -> RiskEstimate:
    """Risk of neurologic deterioration at a level."""
    outcome = "neurologic-deterioration"
    if myelopathy_or_ces:
        return RiskEstimate(outcome, Risk.HIGH, "myelopathy or cauda equina syndrome present")
    if escc.category is Category.HIGH:
        return RiskEstimate(outcome, Risk.HIGH, "high-grade epidural cord compression (ESCC 2-3)")
    if escc.category is Category.LOW:
        if myelopathy_or_ces is None:
            return RiskEstimate(
                outcome,
                None,
                "low-grade compression, but myelopathy is not recorded: high if present",
            )
        if escc.grade is Grade.G1C:
            return RiskEstimate(
                outcome, Risk.MODERATE, "ESCC 1c: cord abutment without compression, no myelopathy"
            )
        grade = escc.grade.value if escc.grade else "0-1b"  # LOW always carries a grade
        return RiskEstimate(outcome, Risk.LOW, f"ESCC {grade} without cord abutment or myelopathy")
    return RiskEstimate(outcome, None, "ESCC category unknown")


def mechanical(sins: ScoreResult, call: StabilityCall | None) -> RiskEstimate:
    """Risk of mechanical failure (fracture progression, instability) at a level."""
    outcome = "mechanical-failure"
    band = sins.band
    total = f"SINS {sins.describe_total()}"
    if band is not None and band.code != "potentially-unstable":
        contradicted = (band.code == "stable" and call is StabilityCall.UNSTABLE) or (
            band.code == "unstable" and call is StabilityCall.STABLE
        )
        if contradicted:
            return RiskEstimate(
                outcome,
                None,
                f"{total} ({band.label}) contradicts the surgeon's "
                f"call ({call.value if call else ''})",
            )
        risk = Risk.LOW if band.code == "stable" else Risk.HIGH
        return RiskEstimate(outcome, risk, f"{total}: {band.label}")
    if call is not None:
        risk = Risk.HIGH if call is StabilityCall.UNSTABLE else Risk.LOW
        return RiskEstimate(outcome, risk, f"{total}; surgeon's call: {call.value}")
    if band is not None:
        return RiskEstimate(
            outcome, Risk.MODERATE, f"{total}: potentially unstable, no surgeon's call yet"
        )
    labels = " or ".join(b.label for b in sins.possible_bands)
    return RiskEstimate(outcome, None, f"{total}: could be {labels}")
