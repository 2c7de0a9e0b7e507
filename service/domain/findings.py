"""The clinical core's input: one patient's findings, and the lesions by vertebral level.

Every field may be None (not known): the core never fills a gap with a "normal" value. Inputs are
named like the contract's codes (``sins-pain``, ``escc-grade``, ``myelopathy``...); a level-specific
input is keyed ``"<level>/<name>"`` (see :func:`input_key`) when conflicts or preliminary values are
reported, so a flag lands only on the levels whose recommendation uses that value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from service.domain.escc import Grade
from service.domain.histology import PrimaryCancer, Radiosensitivity
from service.domain.levels import Level, SpinalArea
from service.domain.metastases import Metastases
from service.domain.nesms import Comparator
from service.domain.neurology import Ambulatory, Asia, Frankel
from service.domain.performance import PerformanceStatus
from service.domain.sins import Alignment, BoneLesion, Collapse, Pain, Posterolateral


class StabilityCall(Enum):
    """The spine surgeon's judgement of stability for SINS 7–12."""

    STABLE = "stable"
    UNSTABLE = "unstable"


class OutOfScope(Enum):
    """A lesion NOMS, ESCC and SINS do not cover (docs/clinical-rules.md §9.3, §15.10).

    Leptomeningeal disease is not here: it hands every level to a clinician but leaves the bone
    lesions' scores standing (docs/clinical-rules.md §15.11).
    """

    INTRAMEDULLARY = "intramedullary metastasis"
    COCCYGEAL = "coccygeal metastasis"


def myelopathy_or_ces(myelopathy: bool | None, cauda_equina: bool | None) -> bool | None:
    """True if either is present, False if both are known absent, else unknown (None)."""
    if myelopathy or cauda_equina:
        return True
    if myelopathy is False and cauda_equina is False:
        return False
    return None


def input_key(name: str, level: Level | None = None) -> str:
    """The key of an input: the bare name, or ``"T9/sins-pain"`` for a level's input."""
    return name if level is None else f"{level.value}/{name}"


@dataclass(frozen=True, slots=True)
class LesionFindings:
    """What the chart says about the metastasis at one vertebral level.

    ``myelopathy`` and ``cauda_equina`` are set only when a record names this level (a body
    site); otherwise the patient-level finding applies, by anatomy (docs/clinical-rules.md §15.1).
    ``prior_radiation`` covers the level itself (or its region); ``prior_radiation_adjacent``
    names neighbouring levels irradiated before (§15.9); ``prior_radiation_possible`` says that
    radiotherapy whose site is not given (no body site, or a vertebra without its level) is on
    record, so it may have covered this level.
    """

    level: Level
    pain: Pain | None = None
    bone_lesion: BoneLesion | None = None
    alignment: Alignment | None = None
    collapse: Collapse | None = None
    posterolateral: Posterolateral | None = None
    escc_grade: Grade | None = None
    cord_compression_reported: bool = False
    myelopathy: bool | None = None
    cauda_equina: bool | None = None
    prior_radiation: bool | None = None
    prior_radiation_adjacent: tuple[Level, ...] = ()
    prior_radiation_possible: bool = False
    surgeon_stability: StabilityCall | None = None
    out_of_scope: OutOfScope | None = None


@dataclass(frozen=True, slots=True)
class PatientFindings:
    """Everything the clinical core uses for one patient.

    Attributes:
        primaries: Every primary cancer that counts (several when the chart is ambiguous): the
            active ones, and those recorded as resolved while a spinal metastasis is active.
        other_cancers: Cancers on record that cannot be the primary of a bone metastasis
            (non-melanoma skin, in situ): shown, never used (docs/clinical-rules.md §15.6).
        myelopathy, cauda_equina, functional_radiculopathy: True, False or unknown.
        surgical_candidate: The clinician's judgement "able to tolerate surgery" (NOMS "S").
        leptomeningeal: Leptomeningeal disease is on record (docs/clinical-rules.md §15.11).
        lesions: One entry per vertebral level with a metastasis, cranial to caudal.
        unlocated_spinal_metastases: The spinal area of each spinal metastasis on record
            without a level (its region, or the vertebral column when no site is given).
        bone_metastases_unknown_site: Bone metastases on record without a body site: they may
            be spinal (docs/clinical-rules.md §15.2).
        unlocated_cord_compressions: Spinal cord compressions on record without a level.
        neurology_elsewhere: Myelopathy or CES recorded present at a level with no metastasis on
            record, as (finding name, level) (docs/clinical-rules.md §15.1).
        conflicting: Input keys whose sources disagreed (the newest value was used).
        preliminary: Input keys whose value came from a preliminary Observation.
    """

    age: int | None = None
    sex: str | None = None
    primaries: tuple[PrimaryCancer, ...] = ()
    other_cancers: tuple[str, ...] = ()
    myelopathy: bool | None = None
    cauda_equina: bool | None = None
    functional_radiculopathy: bool | None = None
    performance: PerformanceStatus = field(default_factory=PerformanceStatus)
    frankel: Frankel | None = None
    asia: Asia | None = None
    ambulatory: Ambulatory | None = None
    albumin_g_per_dl: float | None = None
    albumin_comparator: Comparator | None = None
    metastases: Metastases = field(default_factory=Metastases)
    surgical_candidate: bool | None = None
    leptomeningeal: bool = False
    sois: str | None = None
    lesions: tuple[LesionFindings, ...] = ()
    unlocated_spinal_metastases: tuple[SpinalArea, ...] = ()
    bone_metastases_unknown_site: int = 0
    unlocated_cord_compressions: int = 0
    neurology_elsewhere: tuple[tuple[str, Level], ...] = ()
    conflicting: frozenset[str] = frozenset()
    preliminary: frozenset[str] = frozenset()

    @property
    def myelopathy_or_ces(self) -> bool | None:
        """Myelopathy or cauda equina syndrome (NOMS treats them alike, §9.1), patient-level."""
        return myelopathy_or_ces(self.myelopathy, self.cauda_equina)

    @property
    def radiosensitivity(self) -> Radiosensitivity | None:
        """The NOMS class when every primary on record agrees; None when none or they differ."""
        classes = {p.radiosensitivity for p in self.primaries}
        return classes.pop() if len(classes) == 1 else None
