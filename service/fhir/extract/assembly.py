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
from service.domain.neurology import NeuroFindingKind
from service.fhir import codes
from service.fhir.extract.collector import Collector, enum_name
from service.fhir.extract.conditions import Conditions
from service.fhir.extract.elements import parse_when
from service.fhir.extract.observations import NEUROLOGY_BY_LEVEL
from service.fhir.extract.radiation import (
    adjacent_radiation,
    near,
    possible_radiation,
    prior_radiation,
)
from service.fhir.extract.references import identity
from service.fhir.extract.scales import palsy_grades, performance_status, say_albumin


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
    _unplaced_sources(c, cond)
    distinct = _primaries(c, cond, active_spine=bool(lesions or cond.spinal_without_level))
    performance = performance_status(c)
    albumin = c.resolve("albumin", say_albumin)
    frankel, asia = palsy_grades(c)
    return PatientFindings(
        age=_age(patient, today, c),
        sex=(patient or {}).get("gender"),
        primaries=tuple(distinct),
        other_cancers=tuple(dict.fromkeys(text for text, _ in cond.other_cancers)),
        myelopathy=c.resolve("myelopathy"),
        cauda_equina=c.resolve("cauda-equina-syndrome"),
        functional_radiculopathy=c.resolve("functional-radiculopathy"),
        performance=performance,
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
        unlocated_spinal_metastases=tuple(area for _, area in cond.spinal_without_level),
        bone_metastases_unknown_site=len(cond.bone_unknown_site),
        unlocated_cord_compressions=len(cond.cord_compression_without_level),
        neurology_elsewhere=_neurology_elsewhere(c, lesions),
        conflicting=frozenset(c.conflicting),
        preliminary=frozenset(c.preliminary),
    )


_STATUS_WORDS = {"remission": "in remission"}


def _primaries(c: Collector, cond: Conditions, active_spine: bool) -> list[PrimaryCancer]:
    """A classification per distinct primary, the newest diagnosis first.

    docs/clinical-rules.md §15.6: a primary recorded as resolved, in remission or inactive still
    counts while a spinal metastasis is active (the metastasis proves active disease), and says so.
    """
    found = list(cond.primaries)
    for primary, ref, when, code in cond.inactive_primaries:
        # The clinical status in words: "recorded as in remission", "recorded as resolved".
        status = _STATUS_WORDS.get(code, code)
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
                f"primary cancer ({primary.description}) not used: recorded as {status}",
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
    derived_vertebral = len(levels_on_record) + len({ref for ref, _ in cond.spinal_without_level})
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
        if names == {"prior-radiation"} and any(near(level, lesion) for lesion in levels):
            continue  # radiation next to a lesion is used for the adjacency flag (§15.9)
        # Neurology at a level without a metastasis is the patient's (_neurology_elsewhere).
        names = names - set(NEUROLOGY_BY_LEVEL)
        if names and level not in levels:
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
        prior = prior_radiation(c, level)
        adjacent = adjacent_radiation(c, level)
        possible = possible_radiation(c, level, prior)
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
                prior_radiation_possible=possible,
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
        # Kept as recorded: no input of this level's plan, but a finding present here is one no
        # level explains, so the patient's urgency stays open (docs/clinical-rules.md §15.1).
        c.note(
            "warning",
            f"{kind.label} recorded at {level.label}, where it cannot arise "
            "(docs/clinical-rules.md §15.1): not an input there; look for another level or cause",
            own[0].ref,
        )
        return c.resolve(key)
    c.candidates[key] = [*own, *c.candidates.get(name, [])]
    return c.resolve(key)


def _neurology_elsewhere(
    c: Collector, lesions: tuple[LesionFindings, ...]
) -> tuple[tuple[str, Level], ...]:
    """Myelopathy or CES recorded present at a level with no metastasis on record.

    docs/clinical-rules.md §15.1: a record with a body site applies to that level only, so no
    assessed level explains it; it keeps the patient's urgency open and is cited there.
    """
    assessed = {lesion.level for lesion in lesions}
    found: list[tuple[str, Level]] = []
    for key in list(c.candidates):
        level_name, _, name = key.partition("/")
        if name not in NEUROLOGY_BY_LEVEL or Level(level_name) in assessed:
            continue
        level = Level(level_name)
        if c.resolve(key) is True:
            found.append((name, level))
            c.note(
                "warning",
                f"{NeuroFindingKind(name).label} recorded at {level.label}, where no metastasis "
                "is on record: no assessed level explains it, so the patient's urgency stays open",
                c.sources[key][0],
            )
    return tuple(sorted(found, key=lambda f: (f[1].index, f[0])))


def _unplaced_sources(c: Collector, cond: Conditions) -> None:
    """Cite what no assessed level accounts for on the patient's urgency (§15.2)."""
    for key, refs in (
        ("unlocated-spinal-metastasis", [ref for ref, _ in cond.spinal_without_level]),
        ("bone-metastasis-unknown-site", cond.bone_unknown_site),
        ("cord-compression", cond.cord_compression_without_level),
    ):
        if refs:
            c.sources[key] = tuple(dict.fromkeys(refs))
