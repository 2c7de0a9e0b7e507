"""Metastatic burden as the prognostic scores need it: counts that may be partial, organ sites.

A count read from the chart's diagnoses is only a lower bound: the absence of a diagnosis is not
evidence of absence. Only an explicit count (a clinician's Observation) closes the upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final


@dataclass(frozen=True, slots=True)
class Count:
    """A number known exactly (``high == low``) or only from below (``high is None``)."""

    low: int
    high: int | None

    def __post_init__(self) -> None:
        if self.low < 0 or (self.high is not None and self.high < self.low):
            raise ValueError(f"invalid count {self.low}..{self.high}")

    @classmethod
    def exact(cls, n: int) -> Count:
        """A count known exactly."""
        return cls(n, n)

    @classmethod
    def at_least(cls, n: int) -> Count:
        """A count known only to be n or more."""
        return cls(n, None)

    @property
    def is_exact(self) -> bool:
        """True when the count is known exactly."""
        return self.high == self.low

    def values_up_to(self, ceiling: int) -> range:
        """The possible values, with every value at or above ceiling folded into ceiling."""
        top = min(self.high, ceiling) if self.high is not None else ceiling
        low = min(self.low, ceiling)
        return range(low, max(top, low) + 1)

    def describe(self) -> str:
        """The count as text: ``"2"`` or ``"at least 2"``."""
        return str(self.low) if self.is_exact else f"at least {self.low}"


class Organ(Enum):
    """Organ sites of metastases that the scores distinguish."""

    BRAIN = "brain"
    LUNG = "lung"
    LIVER = "liver"
    ADRENAL = "adrenal gland"
    KIDNEY = "kidney"


# Visceral sites per the FHIR contract (Tomita, Bauer); Tokuhashi's major internal organs.
VISCERAL_ORGANS: Final = frozenset({Organ.BRAIN, Organ.LUNG, Organ.LIVER, Organ.ADRENAL})
TOKUHASHI_MAJOR_ORGANS: Final = frozenset({Organ.LUNG, Organ.LIVER, Organ.KIDNEY, Organ.BRAIN})


class OrganMetastases(Enum):
    """Tokuhashi: metastases to the major internal organs (a clinician's classification)."""

    NONE = "no metastases"
    REMOVABLE = "removable"
    UNREMOVABLE = "unremovable"


class VisceralMetastases(Enum):
    """Tomita: visceral metastases (a clinician's classification)."""

    NONE = "no visceral metastases"
    TREATABLE = "treatable"
    UNTREATABLE = "untreatable"


@dataclass(frozen=True, slots=True)
class Metastases:
    """Everything known about the metastatic burden of one patient.

    Attributes:
        extraspinal_bone: Number of extraspinal bone metastasis foci.
        vertebral: Number of vertebrae involved.
        organ_sites: Organs with metastases on record (from diagnoses).
        organ_answer: Tokuhashi major-organ classification, when a clinician recorded it.
        visceral_answer: Tomita visceral classification, when a clinician recorded it.
    """

    extraspinal_bone: Count = Count(0, None)
    vertebral: Count = Count(1, None)
    organ_sites: frozenset[Organ] = frozenset()
    organ_answer: OrganMetastases | None = None
    visceral_answer: VisceralMetastases | None = None

    @property
    def bone_total(self) -> Count:
        """All bone metastases, spine included."""
        high = None
        if self.extraspinal_bone.high is not None and self.vertebral.high is not None:
            high = self.extraspinal_bone.high + self.vertebral.high
        return Count(self.extraspinal_bone.low + self.vertebral.low, high)

    @property
    def visceral_present(self) -> bool | None:
        """True, False or unknown: are there visceral metastases?"""
        if self.visceral_answer is not None:
            return self.visceral_answer is not VisceralMetastases.NONE
        if self.organ_sites & VISCERAL_ORGANS:
            return True
        return None
