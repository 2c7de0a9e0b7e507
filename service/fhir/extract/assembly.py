"""Assembly: resolved candidates and Conditions into the clinical core's findings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from service.domain.escc import Grade
from service.domain.findings import LesionFindings, PatientFindings, StabilityCall, input_key
from service.domain.histology import PrimaryCancer
from service.domain.levels import Level
from service.domain.metastases import (
    TOKUHASHI_MAJOR_ORGANS,
    VISCERAL_ORGANS,
    Count,
    Metastases,
    OrganMetastases,
    VisceralMetastases,
)
from service.domain.neurology import Asia, Frankel, NeuroFindingKind, frankel_asia_agree
from service.domain.performance import PerformanceStatus, ecog_kps_agree
from service.fhir import codes
from service.fhir.extract.collector import Candidate, Collector, enum_name
from service.fhir.extract.conditions import Conditions
from service.fhir.extract.elements import parse_when
from service.fhir.extract.observations import NEUROLOGY_BY_LEVEL
from service.fhir.extract.references import identity


def _age(patient: dict[str, Any] | None, today: date, c: Collector) -> int | None:
    """Age today, or at death for a patient recorded as deceased (which is reported)."""
    patient = patient or {}
    died = parse_when(patient.get("deceasedDateTime"))
    if died or patient.get("deceasedBoolean") is True:
        c.note("error", "the patient is recorded as deceased", identity(patient))
        if died:
            today = died.date()
    born = parse_when(patient.get("birthDate"))
    if born is None:
        return None
    years = today.year - born.year
    return years - ((today.month, today.day) < (born.month, born.day))


def assemble(
    c: Collector, cond: Conditions, patient: dict[str, Any] | None, today: date
) -> PatientFindings:
    metastases = _metastases(c, cond)
    lesions = _lesions(c, cond)
    distinct = _primaries(c, cond, active_spine=bool(lesions or cond.spinal_without_level))
    performance_status = _performance(c)
    albumin = c.resolve("albumin", _say_albumin)
    frankel, asia = _palsy_grades(c)
    return PatientFindings(
        age=_age(patient, today, c),
        sex=(patient or {}).get("gender"),
        primaries=tuple(distinct),
        other_cancers=tuple(dict.fromkeys(text for text, _ in cond.other_cancers)),
        myelopathy=c.resolve("myelopathy"),
        cauda_equina=c.resolve("cauda-equina-syndrome"),
        functional_radiculopathy=c.resolve("functional-radiculopathy"),
        performance=performance_status,
        frankel=frankel,
        asia=asia,
        ambulatory=c.resolve("ambulatory-status", enum_name),
        albumin_g_per_dl=albumin[0] if albumin else None,
        albumin_comparator=albumin[1] if albumin else None,
        metastases=metastases,
        surgical_candidate=c.resolve("surgical-candidate"),
        leptomeningeal=_leptomeningeal(c, cond),
        sois=c.resolve("sois"),
        lesions=lesions,
        unlocated_spinal_metastases=len(cond.spinal_without_level),
        conflicting=frozenset(c.conflicting),
        preliminary=frozenset(c.preliminary),
    )


def _say_albumin(value: Any) -> str:
    g_per_dl, comparator = value
    return f"{comparator.value if comparator else ''}{g_per_dl:g} g/dL"


def _across_scales(
    c: Collector, first: str, second: str, agree: bool, said: str
) -> tuple[bool, bool] | None:
    """Which of one finding's two scales to keep (docs/clinical-rules.md §15.7).

    The newest value wins across both scales; when the two disagree beyond the published
    correspondences the conflict is reported; at the same time (or undated), agreeing values both
    stand and disagreeing ones leave the finding unknown. Returns (keep first, keep second), or
    None when both are dropped.
    """
    when_first, when_second = c.chosen[first].when, c.chosen[second].when
    refs = f"{c.chosen[first].ref}, {c.chosen[second].ref}"
    if when_first and when_second and when_first != when_second:
        keep_first = when_first > when_second
        if not agree:
            c.conflicting.update((first, second))
            c.note("warning", f"{said} disagree ({refs}); the newest is used")
        c.sources.pop(second if keep_first else first)
        return keep_first, not keep_first
    if agree:
        return True, True  # both stand; the score reads its own scale first
    c.conflicting.update((first, second))
    c.note("warning", f"{said} disagree and none is the newest ({refs}); both are left unknown")
    c.sources.pop(first)
    c.sources.pop(second)
    return None


def _performance(c: Collector) -> PerformanceStatus:
    """ECOG and Karnofsky: the newest across both scales (docs/clinical-rules.md §15.7)."""
    ecog, kps = c.resolve("ecog"), c.resolve("kps")
    if ecog is None or kps is None:
        return PerformanceStatus(ecog=ecog, kps=kps)
    keep = _across_scales(
        c, "ecog", "kps", ecog_kps_agree(ecog, kps), f"ECOG {ecog} and Karnofsky {kps}%"
    )
    if keep is None:
        return PerformanceStatus()
    return PerformanceStatus(ecog=ecog if keep[0] else None, kps=kps if keep[1] else None)


def _palsy_grades(c: Collector) -> tuple[Frankel | None, Asia | None]:
    """Frankel and ASIA: the newest across both scales (docs/clinical-rules.md §15.7)."""
    frankel, asia = c.resolve("frankel-grade", enum_name), c.resolve("asia", enum_name)
    if frankel is None or asia is None:
        return frankel, asia
    keep = _across_scales(
        c,
        "asia",
        "frankel-grade",
        frankel_asia_agree(frankel, asia),
        f"Frankel {frankel.value} and AIS {asia.value}",
    )
    if keep is None:
        return None, None
    return (frankel if keep[1] else None), (asia if keep[0] else None)


def _primaries(c: Collector, cond: Conditions, active_spine: bool) -> list[PrimaryCancer]:
    """A classification per distinct primary, the newest diagnosis first.

    docs/clinical-rules.md §15.6: a primary recorded as resolved, in remission or inactive still
    counts while a spinal metastasis is active (the metastasis proves active disease), and says so.
    """
    found = list(cond.primaries)
    for primary, ref, when, status in cond.inactive_primaries:
        if active_spine:
            recorded = replace(primary, description=f"{primary.description} (recorded as {status})")
            found.append((recorded, ref, when))
            c.note(
                "information",
                f"primary cancer ({primary.description}) recorded as {status}: counted, because "
                "a spinal metastasis is active",
                ref,
            )
        else:
            c.note(
                "information",
                f"primary cancer ({primary.description}) not used: clinical status {status}",
                ref,
            )
    found.sort(key=lambda p: p[2] or datetime.min.replace(tzinfo=UTC), reverse=True)
    distinct = list(dict.fromkeys(p for p, _, _ in found))
    if found:
        c.sources["primary-cancer"] = tuple(ref for _, ref, _ in found)
    for _, ref in cond.other_cancers:
        c.note("information", "cancer on record that cannot be the primary: listed, not used", ref)
    if len({p.radiosensitivity for p in distinct}) > 1:
        c.conflicting.add("primary-cancer")
        c.note(
            "warning",
            "several primary cancers with different radiosensitivity are on "
            f"record ({'; '.join(p.description for p in distinct)})",
        )
    return distinct


def _leptomeningeal(c: Collector, cond: Conditions) -> bool:
    if cond.leptomeningeal:
        c.sources["leptomeningeal"] = tuple(cond.leptomeningeal)
    return bool(cond.leptomeningeal)


def _metastases(c: Collector, cond: Conditions) -> Metastases:
    levels_on_record = set(cond.spinal_levels) | {
        Level(key.split("/")[0])
        for key in c.candidates
        if "/" in key and key.split("/")[1] in codes.LESION_IMAGING_FINDINGS
    }
    # The coccyx is no vertebral body for Tokuhashi's count; it stays a bone metastasis of a site
    # the counts do not name (docs/clinical-rules.md §15.10).
    coccygeal = Level.COCCYX in levels_on_record
    levels_on_record.discard(Level.COCCYX)
    derived_vertebral = len(levels_on_record) + len(cond.spinal_without_level)
    vertebral = c.resolve("vertebral-metastases-count")
    if vertebral is not None:
        if vertebral < max(derived_vertebral, 1):
            c.conflicting.add("vertebral-metastases-count")
            c.note(
                "warning",
                f"vertebral-metastases-count {vertebral} is lower than the "
                f"{derived_vertebral} vertebrae with metastases on record; the count is used",
            )
        vertebral_count = Count.exact(max(vertebral, 1))
    else:
        vertebral_count = Count.at_least(max(derived_vertebral, 1))
        refs = [r for refs in cond.spinal_levels.values() for r in refs]
        if refs:
            c.sources["vertebral-metastases-count"] = tuple(dict.fromkeys(refs))

    extraspinal = c.resolve("extraspinal-bone-metastases-count")
    if extraspinal is not None:
        derived = len(cond.extraspinal_bone_sites)
        if extraspinal < derived:
            c.conflicting.add("extraspinal-bone-metastases-count")
            c.note(
                "warning",
                f"extraspinal-bone-metastases-count {extraspinal} is lower than "
                f"the {derived} extraspinal bone metastases on record; the count is used",
            )
        extraspinal_count = Count.exact(extraspinal)
    else:
        extraspinal_count = Count.at_least(len(cond.extraspinal_bone_sites))
        if cond.extraspinal_bone_sites:
            c.sources["extraspinal-bone-metastases-count"] = tuple(
                dict.fromkeys(ref for ref, _ in cond.extraspinal_bone_sites)
            )
    if (cond.bone_unknown_site or coccygeal) and extraspinal is None:
        # A bone metastasis of unknown site is spinal or not; it only raises the total.
        extraspinal_count = Count(extraspinal_count.low, None)

    organ_answer = c.resolve("major-organ-metastases", enum_name)
    visceral_answer = c.resolve("visceral-metastases", enum_name)
    organ_refs = tuple(dict.fromkeys(r for refs in cond.organ_sites.values() for r in refs))
    visceral_on_record = set(cond.organ_sites) & VISCERAL_ORGANS
    if visceral_answer is VisceralMetastases.NONE and visceral_on_record:
        c.conflicting.add("visceral-metastases")
        c.note(
            "warning",
            "visceral-metastases says none, but visceral metastases are on record; "
            "the clinician's answer is used",
        )
    if organ_answer is OrganMetastases.NONE and (set(cond.organ_sites) & TOKUHASHI_MAJOR_ORGANS):
        c.conflicting.add("major-organ-metastases")
        c.note(
            "warning",
            "major-organ-metastases says none, but metastases to a major organ "
            "are on record; the clinician's answer is used",
        )
    if visceral_answer is None and organ_refs:
        c.sources["visceral-metastases"] = organ_refs
    if organ_answer is None and organ_refs:
        c.sources["major-organ-metastases"] = organ_refs
    return Metastases(
        extraspinal_bone=extraspinal_count,
        vertebral=vertebral_count,
        organ_sites=frozenset(cond.organ_sites),
        organ_answer=organ_answer,
        visceral_answer=visceral_answer,
    )


def _lesions(c: Collector, cond: Conditions) -> tuple[LesionFindings, ...]:
    levels = set(cond.spinal_levels) | set(cond.cord_compression) | set(cond.out_of_scope)
    level_keys: dict[Level, set[str]] = defaultdict(set)
    for key in c.candidates:
        if "/" in key:
            level_name, name = key.split("/", 1)
            level_keys[Level(level_name)].add(name)
    for level, names in level_keys.items():
        if names & set(codes.LESION_IMAGING_FINDINGS):
            levels.add(level)
    for level, names in level_keys.items():
        if names == {"prior-radiation"} and any(_near(level, lesion) for lesion in levels):
            continue  # radiation next to a lesion is used for the adjacency flag (§15.9)
        if level not in levels:
            c.note(
                "warning",
                f"{', '.join(sorted(names))} recorded for {level.value}, where no "
                "metastasis is on record: not used",
            )
    lesions = []
    for level in sorted(levels, key=lambda lv: lv.index):

        def get(name: str, level: Level = level) -> Any:
            return c.resolve(input_key(name, level), enum_name)

        escc_grade: Grade | None = get("escc-grade")
        cord = bool(cond.cord_compression.get(level))
        if cord:
            c.sources[input_key("cord-compression", level)] = tuple(cond.cord_compression[level])
        level_refs = cond.spinal_levels.get(level) or cond.cord_compression.get(level) or []
        if level_refs:
            c.sources[input_key("level", level)] = tuple(level_refs)
        scope = cond.out_of_scope.get(level)
        prior = _prior_radiation(c, level)
        adjacent = _adjacent_radiation(c, level)
        myelopathy, cauda_equina = (_neurology_at(c, name, level) for name in NEUROLOGY_BY_LEVEL)
        surgeon: StabilityCall | None = get("stability-assessment")
        lesions.append(
            LesionFindings(
                level=level,
                pain=get("sins-pain"),
                bone_lesion=get("sins-bone-lesion"),
                alignment=get("sins-alignment"),
                collapse=get("sins-collapse"),
                posterolateral=get("sins-posterolateral"),
                escc_grade=escc_grade,
                cord_compression_reported=cord,
                myelopathy=myelopathy,
                cauda_equina=cauda_equina,
                prior_radiation=prior,
                prior_radiation_adjacent=adjacent,
                surgeon_stability=surgeon,
                out_of_scope=scope[0] if scope else None,
            )
        )
        if scope:
            c.sources[input_key("out-of-scope", level)] = (scope[1],)
    return tuple(lesions)


def _neurology_at(c: Collector, name: str, level: Level) -> bool | None:
    """A finding recorded for this level: the newest of its own records and the patient's.

    docs/clinical-rules.md §15.1: with a body site a finding applies to that level only; the
    patient-level records (no body site) apply everywhere by anatomy, so they compete with the
    level's own by date. None when no record names the level (the patient-level value applies).
    """
    key = input_key(name, level)
    own = c.candidates.get(key)
    if not own:
        return None
    kind = NeuroFindingKind(name)
    if not kind.can_arise_at(level):
        c.note(
            "warning",
            f"{kind.label} recorded at {level.label}, where it cannot arise "
            "(docs/clinical-rules.md §15.1): not an input there",
            own[0].ref,
        )
        return None
    c.candidates[key] = [*own, *c.candidates.get(name, [])]
    return c.resolve(key)


def _near(level: Level, lesion: Level) -> bool:
    return level.overlaps(lesion) or level in lesion.neighbours()


def _radiation_records(c: Collector, level: Level) -> list[Candidate]:
    """Every prior-radiation record that covers a level: its own, an overlapping level's (the
    unsegmented sacrum and S1-S5) and its region's (docs/clinical-rules.md §15.9)."""
    found: list[Candidate] = []
    for other in Level:
        if level.overlaps(other):
            found += c.candidates.get(input_key("prior-radiation", other), [])
    if level.is_segment and level.region in c.region_radiation:
        found += c.region_radiation[level.region]
    return found


def _prior_radiation(c: Collector, level: Level) -> bool | None:
    """Prior radiation at a level: any source saying yes wins (safer: SRS, not cEBRT)."""
    key = input_key("prior-radiation", level)
    found = _radiation_records(c, level)
    yes = [x for x in found if x.value is True]
    if yes and len(yes) < len(found):
        c.conflicting.add(key)
        c.note(
            "warning",
            f"{key}: the chart both records and denies prior radiation; prior radiation is assumed",
            yes[0].ref,
        )
    if yes:
        c.sources[key] = tuple(dict.fromkeys(x.ref for x in yes))
        if any(x.preliminary for x in yes):
            c.preliminary.add(key)
        return True
    c.candidates[key] = found
    return c.resolve(key)


def _adjacent_radiation(c: Collector, level: Level) -> tuple[Level, ...]:
    """Neighbouring levels (± 1) with radiotherapy on record that does not cover the level itself.

    docs/clinical-rules.md §15.9: radiation next to a lesion raises a flag for a review of the
    field overlap; only the same level (or its region) is special case H.
    """
    covering = {id(x) for x in _radiation_records(c, level)}
    near: list[Level] = []
    refs: list[str] = []
    for neighbour in level.neighbours():
        records = [
            x for x in _radiation_records(c, neighbour) if x.value is True and id(x) not in covering
        ]
        if records:
            near.append(neighbour)
            refs += [x.ref for x in records]
    if refs:
        c.sources[input_key("prior-radiation-adjacent", level)] = tuple(dict.fromkeys(refs))
    return tuple(near)
