"""ImagingStudies: which levels were imaged, when and how (the timeline)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.domain.levels import Level
from service.fhir.extract.elements import parse_when, vertebral_levels
from service.fhir.extract.references import identity


@dataclass(frozen=True, slots=True)
class ImagingSummary:
    """One spine imaging study: what, when and which levels (for the timeline)."""

    reference: str
    modalities: tuple[str, ...]
    started: str | None
    levels: tuple[Level, ...]


def _series_site(site: Any) -> dict[str, Any]:
    """``ImagingStudy.series.bodySite`` (an R4 Coding) as a CodeableConcept for the level reader."""
    return {"coding": [site]} if isinstance(site, dict) else {}


def read_imaging(studies: list[dict[str, Any]]) -> tuple[ImagingSummary, ...]:
    summaries = []
    for study in studies:
        if study.get("status") == "entered-in-error":
            continue
        modalities = {m.get("code") for m in study.get("modality") or [] if m.get("code")}
        levels: list[Level] = []
        for series in study.get("series") or []:
            if (series.get("modality") or {}).get("code"):
                modalities.add(series["modality"]["code"])
            levels.extend(vertebral_levels(_series_site(series.get("bodySite"))))
        summaries.append(
            ImagingSummary(
                identity(study),
                tuple(sorted(modalities)),
                study.get("started"),
                tuple(dict.fromkeys(levels)),
            )
        )
    return tuple(
        sorted(
            summaries,
            key=lambda s: (parse_when(s.started) is None, parse_when(s.started) or datetime.min),
        )
    )
