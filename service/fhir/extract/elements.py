"""Small readers of FHIR elements: codings, vertebral body sites, dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from service.domain.levels import Level, SpinalArea
from service.fhir import codes


def codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def has_code(concept: Any, system: str, code_set: Iterable[str]) -> str | None:
    wanted = set(code_set)
    for coding in codings(concept):
        if coding.get("system") == system and coding.get("code") in wanted:
            return coding["code"]
    return None


def so_code(concept: Any) -> str | None:
    for coding in codings(concept):
        if coding.get("system") == codes.SPINE_ONCOLOGY:
            return coding.get("code")
    return None


def vertebral_levels(body_sites: Any) -> list[Level]:
    levels: list[Level] = []
    for site in body_sites if isinstance(body_sites, list) else [body_sites]:
        for coding in codings(site):
            if coding.get("system") == codes.SNOMED and coding.get("code") in codes.LEVEL_BY_SNOMED:
                levels.append(codes.LEVEL_BY_SNOMED[coding["code"]])
    return list(dict.fromkeys(levels))


def spinal_areas(body_sites: Any) -> list[SpinalArea]:
    """Spinal areas named by grouper body sites: a region, a junction, the column (§11.3)."""
    found: list[SpinalArea] = []
    for code in site_codes(body_sites):
        if code in codes.SPINAL_AREA_BY_SNOMED:
            found.append(codes.SPINAL_AREA_BY_SNOMED[code])
    return list(dict.fromkeys(found))


def site_codes(body_sites: Any) -> set[str]:
    found = set()
    for site in body_sites if isinstance(body_sites, list) else [body_sites]:
        for coding in codings(site):
            if coding.get("system") == codes.SNOMED and coding.get("code"):
                found.add(coding["code"])
    return found


def codes_of(concept: Any) -> set[str]:
    return {c["code"] for c in codings(concept) if c.get("code")}


def parse_when(value: Any) -> datetime | None:
    """A FHIR date, dateTime or instant as an aware UTC datetime (partial dates: first instant)."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    try:
        if len(value) == 4:
            return datetime(int(value), 1, 1, tzinfo=UTC)
        if len(value) == 7:
            return datetime(int(value[:4]), int(value[5:7]), 1, tzinfo=UTC)
        if len(value) == 10:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def observation_when(obs: dict[str, Any]) -> datetime | None:
    period = obs.get("effectivePeriod") or {}
    return parse_when(
        obs.get("effectiveDateTime")
        or obs.get("effectiveInstant")
        or period.get("end")
        or period.get("start")
        or obs.get("issued")
    )


def condition_when(cond: dict[str, Any]) -> datetime | None:
    period = cond.get("onsetPeriod") or {}
    return parse_when(cond.get("onsetDateTime") or period.get("start") or cond.get("recordedDate"))


def procedure_when(proc: dict[str, Any]) -> datetime | None:
    period = proc.get("performedPeriod") or {}
    return parse_when(proc.get("performedDateTime") or period.get("end") or period.get("start"))
