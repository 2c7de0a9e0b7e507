"""Conditions: primary cancers, metastases by site and level, cord compression, neurology."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.domain.findings import OutOfScope, input_key
from service.domain.histology import PrimaryCancer
from service.domain.levels import Level, SpinalArea
from service.domain.metastases import Organ
from service.fhir import codes
from service.fhir.extract.collector import Collector
from service.fhir.extract.elements import (
    codes_of,
    codings,
    condition_when,
    site_codes,
    spinal_areas,
    vertebral_levels,
)
from service.fhir.extract.primaries import primary_code
from service.fhir.extract.references import identity

ACTIVE_CONDITION_STATUS = frozenset({"active", "recurrence", "relapse"})


@dataclass
class Conditions:
    primaries: list[tuple[PrimaryCancer, str, datetime | None]] = field(default_factory=list)
    # Primaries recorded as resolved, in remission or inactive, with that status: they count
    # while a spinal metastasis is active (docs/clinical-rules.md §15.6).
    inactive_primaries: list[tuple[PrimaryCancer, str, datetime | None, str]] = field(
        default_factory=list
    )
    # Cancers that cannot be the primary (non-melanoma skin, in situ): listed, never used.
    other_cancers: list[tuple[str, str]] = field(default_factory=list)
    spinal_levels: dict[Level, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Spinal metastases without a level, with the area their body site names (§15.2).
    spinal_without_level: list[tuple[str, SpinalArea]] = field(default_factory=list)
    bone_unknown_site: list[str] = field(default_factory=list)
    cord_compression_without_level: list[str] = field(default_factory=list)
    extraspinal_bone_sites: list[tuple[str, str]] = field(default_factory=list)
    organ_sites: dict[Organ, list[str]] = field(default_factory=lambda: defaultdict(list))
    cord_compression: dict[Level, list[str]] = field(default_factory=lambda: defaultdict(list))
    out_of_scope: dict[Level, tuple[OutOfScope, str]] = field(default_factory=dict)
    leptomeningeal: list[str] = field(default_factory=list)
    level_of_condition: dict[str, list[Level]] = field(default_factory=dict)


def _condition_usable(cond: dict[str, Any]) -> tuple[bool, str]:
    clinical = codes_of(cond.get("clinicalStatus"))
    verification = codes_of(cond.get("verificationStatus"))
    if "entered-in-error" in verification:
        return False, "entered in error"
    if "refuted" in verification:
        return False, "refuted"
    if clinical and not clinical & ACTIVE_CONDITION_STATUS:
        return False, f"clinical status {', '.join(sorted(clinical))}"
    return True, ""


def _is_secondary(cond: dict[str, Any]) -> bool:
    for coding in codings(cond.get("code")):
        system, code = coding.get("system"), (coding.get("code") or "").upper()
        # C7B: secondary neuroendocrine tumours (ICD-10-CM), docs/clinical-rules.md §15.6.
        if system in (codes.ICD10, codes.ICD10CM) and code[:3] in ("C77", "C78", "C79", "C7B"):
            return True
        if system == codes.SNOMED and (
            code in codes.SPINAL_METASTASIS_SNOMED or code in codes.SECONDARY_ORGAN_SNOMED
        ):
            return True
    return False


def _icd(cond: dict[str, Any]) -> list[str]:
    return [
        (c.get("code") or "").upper()
        for c in codings(cond.get("code"))
        if c.get("system") in (codes.ICD10, codes.ICD10CM)
    ]


def _organ_of_icd(code: str) -> Organ | None:
    if code.startswith("C78.0"):
        return Organ.LUNG
    if code.startswith("C78.7"):
        return Organ.LIVER
    if code in ("C79.3", "C79.31"):
        return Organ.BRAIN
    if code.startswith("C79.7"):
        return Organ.ADRENAL
    if code.startswith("C79.0"):
        return Organ.KIDNEY
    return None


_NEURO_CONDITIONS = (
    codes.CORD_COMPRESSION | codes.CAUDA_EQUINA_SYNDROME | codes.MYELOPATHY_CONDITION
)


def read_conditions(conditions: list[dict[str, Any]], c: Collector) -> Conditions:
    out = Conditions()
    for cond in conditions:
        ref = identity(cond)
        usable, why = _condition_usable(cond)
        primary = primary_code(cond)
        pairs = {(x.get("system"), x.get("code")) for x in codings(cond.get("code"))}
        if primary and primary.not_candidate:
            if usable or why.startswith("clinical status"):
                out.other_cancers.append((f"{primary.label}: {primary.not_candidate}", ref))
            continue
        if not usable:
            if primary and why.startswith("clinical status"):
                out.inactive_primaries.append(
                    (
                        primary.classify(),
                        ref,
                        condition_when(cond),
                        why.removeprefix("clinical status "),
                    )
                )
            # Only diagnoses the assessment reads are worth a word; a resolved sinusitis is not.
            elif primary:
                c.note("information", f"primary cancer ({primary.label}) not used: {why}", ref)
            elif _is_secondary(cond) or pairs & _NEURO_CONDITIONS:
                c.note("information", f"diagnosis not used: {why}", ref)
            continue
        when = condition_when(cond)
        levels = vertebral_levels(cond.get("bodySite"))
        sites = site_codes(cond.get("bodySite"))
        if pairs & codes.CORD_COMPRESSION:
            for level in levels:
                out.cord_compression[level].append(ref)
            if not levels:
                # docs/clinical-rules.md §15.2: high-grade compression somewhere; the patient's
                # urgency counts it even though no level can.
                out.cord_compression_without_level.append(ref)
                c.note(
                    "warning",
                    "spinal cord compression without a vertebral level: not attributed to a "
                    "level; the patient's urgency counts it (record the level)",
                    ref,
                )
            continue
        if pairs & codes.CAUDA_EQUINA_SYNDROME:
            _add_neurology(c, "cauda-equina-syndrome", levels, when, ref)
            continue
        if pairs & codes.MYELOPATHY_CONDITION:
            _add_neurology(c, "myelopathy", levels, when, ref)
            continue
        if _is_secondary(cond):
            _read_metastasis(cond, ref, levels, sites, out, c)
            continue
        if primary:
            if primary.name:
                c.note(
                    "information",
                    f"primary cancer {primary.name}: not in the NOMS-CDS mapping table, "
                    "so it is unclassified for every score (a clinician classifies it)",
                    ref,
                )
            out.primaries.append((primary.classify(), ref, when))
    return out


def _add_neurology(
    c: Collector, name: str, levels: list[Level], when: datetime | None, ref: str
) -> None:
    """A neurology diagnosis: at its levels when it names them, else for the patient (§15.1)."""
    for level in levels:
        c.add(input_key(name, level), True, when, ref)
    if not levels:
        c.add(name, True, when, ref)


def _read_metastasis(
    cond: dict[str, Any],
    ref: str,
    levels: list[Level],
    sites: set[str],
    out: Conditions,
    c: Collector,
) -> None:
    icd = _icd(cond)
    snomed = {x.get("code") for x in codings(cond.get("code")) if x.get("system") == codes.SNOMED}
    spinal_cord = bool(sites & codes.SPINAL_CORD_SITES)
    if spinal_cord and (codes.ICD_INTRAMEDULLARY in icd or codes.SCT_SECONDARY_MALIGNANT in snomed):
        for level in levels:
            out.out_of_scope[level] = (OutOfScope.INTRAMEDULLARY, ref)
        if not levels:
            c.note(
                "warning",
                "intramedullary metastasis without a vertebral level: NOMS does not "
                "apply to it, and it is not attributed to a level",
                ref,
            )
        return
    if codes.ICD_LEPTOMENINGEAL in icd:
        out.leptomeningeal.append(ref)
        return
    if codes.ICD_INTRAMEDULLARY in icd:
        c.note(
            "warning",
            "secondary neoplasm of other parts of the nervous system (C79.49) without a "
            "spinal-cord body site: a clinician must check for leptomeningeal or intramedullary "
            "disease (no spinal-meninges code is verified, docs/clinical-rules.md §15.11)",
            ref,
        )
        return
    bone = bool(set(icd) & codes.ICD_SECONDARY_BONE) or bool(
        snomed & {codes.SCT_SECONDARY_BONE, codes.SCT_SECONDARY_VERTEBRAL_COLUMN}
    )
    generic = codes.SCT_SECONDARY_MALIGNANT in snomed
    if levels and (bone or generic):
        out.level_of_condition[ref] = levels
        for level in levels:
            out.spinal_levels[level].append(ref)
        if Level.COCCYX in levels:
            # docs/clinical-rules.md §15.10: reported as outside SINS and NOMS, never counted
            # silently as extraspinal bone.
            out.out_of_scope[Level.COCCYX] = (OutOfScope.COCCYGEAL, ref)
        return
    spinal_sites = set(codes.LEVEL_BY_SNOMED) | set(codes.SPINAL_AREA_BY_SNOMED)
    areas = spinal_areas(cond.get("bodySite"))
    vertebral_column = codes.SCT_SECONDARY_VERTEBRAL_COLUMN in snomed
    if (areas and (bone or generic)) or vertebral_column:
        # docs/clinical-rules.md §15.2: a metastasis coded to a spinal region, a junction or the
        # column is spinal disease whose level is not given, never extraspinal bone.
        areas = areas or [SpinalArea.VERTEBRAL_COLUMN]
        out.spinal_without_level.extend((ref, area) for area in areas)
        c.note(
            "warning",
            f"spinal metastasis in the {', '.join(a.label for a in areas)} without a vertebral "
            "level: counted, but no level can be assessed (record the level)",
            ref,
        )
        if bone:
            out.extraspinal_bone_sites.extend((ref, s) for s in sites if s not in spinal_sites)
        return
    organs = {codes.ORGAN_BY_SNOMED[s] for s in sites if s in codes.ORGAN_BY_SNOMED}
    organs |= {o for code in icd if (o := _organ_of_icd(code))}
    organs |= {codes.SECONDARY_ORGAN_SNOMED[s] for s in snomed if s in codes.SECONDARY_ORGAN_SNOMED}
    for organ in organs:
        out.organ_sites[organ].append(ref)
    if bone:
        non_spinal = [s for s in sites if s not in spinal_sites]
        if non_spinal:
            out.extraspinal_bone_sites.extend((ref, s) for s in non_spinal)
        else:
            out.bone_unknown_site.append(ref)
            c.note(
                "warning",
                "bone metastasis without a body site: it may be spinal, so the patient's urgency "
                "stays open (record its site)",
                ref,
            )


def is_read(cond: dict[str, Any]) -> bool:
    """Whether :func:`read_conditions` uses this Condition at all (a primary cancer, a
    metastasis, cord compression, cauda equina syndrome or myelopathy), from its plain JSON: the
    extraction validates only the Conditions this says yes to."""
    pairs = {(x.get("system"), x.get("code")) for x in codings(cond.get("code"))}
    return bool(pairs & _NEURO_CONDITIONS or _is_secondary(cond) or primary_code(cond))
