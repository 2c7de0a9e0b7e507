"""Conditions: primary cancers, metastases by site and level, cord compression, neurology."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.domain.findings import OutOfScope
from service.domain.histology import (
    UNSPECIFIED_SITE,
    Histology,
    PrimaryCancer,
    SiteProfile,
    classify,
)
from service.domain.levels import Level
from service.domain.metastases import Organ
from service.fhir import codes
from service.fhir.extract.collector import Collector
from service.fhir.extract.elements import (
    codes_of,
    codings,
    condition_when,
    site_codes,
    vertebral_levels,
)
from service.fhir.extract.references import identity

ACTIVE_CONDITION_STATUS = frozenset({"active", "recurrence", "relapse"})


@dataclass
class Conditions:
    primaries: list[tuple[PrimaryCancer, str, datetime | None]] = field(default_factory=list)
    spinal_levels: dict[Level, list[str]] = field(default_factory=lambda: defaultdict(list))
    spinal_without_level: list[str] = field(default_factory=list)
    bone_unknown_site: list[str] = field(default_factory=list)
    extraspinal_bone_sites: list[tuple[str, str]] = field(default_factory=list)
    organ_sites: dict[Organ, list[str]] = field(default_factory=lambda: defaultdict(list))
    cord_compression: dict[Level, list[str]] = field(default_factory=lambda: defaultdict(list))
    out_of_scope: dict[Level, tuple[OutOfScope, str]] = field(default_factory=dict)
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


def _primary_code(cond: dict[str, Any]) -> tuple[SiteProfile, Histology | None] | None:
    """Site and histology of a primary-cancer Condition, or None when it is not one."""
    site: SiteProfile | None = None
    histology: Histology | None = None
    is_cancer = codes.MCODE_PRIMARY_CANCER_PROFILE in (
        (cond.get("meta") or {}).get("profile") or []
    )
    for coding in codings(cond.get("code")):
        system, code = coding.get("system"), coding.get("code") or ""
        found = None
        if system in (codes.ICD10, codes.ICD10CM) and codes.is_primary_malignant_icd(code):
            is_cancer = True
            found = codes.primary_from_icd(code)
        elif system == codes.SNOMED and code in codes.PRIMARY_SNOMED:
            is_cancer = True
            found = codes.PRIMARY_SNOMED[code]
        if found:
            if site is None or site is UNSPECIFIED_SITE:
                site = found.site
            histology = histology or found.histology
    for extension in cond.get("extension") or []:
        if extension.get("url") == codes.MCODE_HISTOLOGY_EXTENSION:
            for coding in codings(extension.get("valueCodeableConcept")):
                if coding.get("system") == codes.ICDO3:
                    histology = codes.histology_from_icdo3(coding.get("code") or "") or histology
                    is_cancer = True
    if not is_cancer:
        return None
    return site or UNSPECIFIED_SITE, histology


def _is_secondary(cond: dict[str, Any]) -> bool:
    for coding in codings(cond.get("code")):
        system, code = coding.get("system"), (coding.get("code") or "").upper()
        if system in (codes.ICD10, codes.ICD10CM) and code[:3] in ("C77", "C78", "C79"):
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
        primary = _primary_code(cond)
        pairs = {(x.get("system"), x.get("code")) for x in codings(cond.get("code"))}
        if not usable:
            # Only diagnoses the assessment reads are worth a word; a resolved sinusitis is not.
            if primary:
                c.note("information", f"primary cancer ({primary[0].name}) not used: {why}", ref)
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
                c.note(
                    "warning",
                    "spinal cord compression without a vertebral level: not attributed to a level",
                    ref,
                )
            continue
        if pairs & codes.CAUDA_EQUINA_SYNDROME:
            c.add("cauda-equina-syndrome", True, when, ref)
            continue
        if pairs & codes.MYELOPATHY_CONDITION:
            c.add("myelopathy", True, when, ref)
            continue
        if _is_secondary(cond):
            _read_metastasis(cond, ref, levels, sites, out, c)
            continue
        if primary:
            site, histology = primary
            out.primaries.append((classify(site, histology), ref, when))
    return out


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
    bone = bool(set(icd) & codes.ICD_SECONDARY_BONE) or bool(
        snomed & {codes.SCT_SECONDARY_BONE, codes.SCT_SECONDARY_VERTEBRAL_COLUMN}
    )
    generic = codes.SCT_SECONDARY_MALIGNANT in snomed
    if levels and (bone or generic):
        out.level_of_condition[ref] = levels
        for level in levels:
            out.spinal_levels[level].append(ref)
        return
    if codes.SCT_SECONDARY_VERTEBRAL_COLUMN in snomed:
        out.spinal_without_level.append(ref)
        c.note(
            "warning",
            "spinal metastasis without a vertebral level: counted, but no level can be assessed",
            ref,
        )
        return
    organs = {codes.ORGAN_BY_SNOMED[s] for s in sites if s in codes.ORGAN_BY_SNOMED}
    organs |= {o for code in icd if (o := _organ_of_icd(code))}
    organs |= {codes.SECONDARY_ORGAN_SNOMED[s] for s in snomed if s in codes.SECONDARY_ORGAN_SNOMED}
    for organ in organs:
        out.organ_sites[organ].append(ref)
    if bone:
        non_spinal = [s for s in sites if s not in codes.LEVEL_BY_SNOMED]
        if non_spinal:
            out.extraspinal_bone_sites.extend((ref, s) for s in non_spinal)
        else:
            out.bone_unknown_site.append(ref)
            c.note(
                "information",
                "bone metastasis without a body site: counted as a bone metastasis of unknown site",
                ref,
            )


def is_read(cond: dict[str, Any]) -> bool:
    """Whether :func:`read_conditions` uses this Condition at all (a primary cancer, a
    metastasis, cord compression, cauda equina syndrome or myelopathy), from its plain JSON: the
    extraction validates only the Conditions this says yes to."""
    pairs = {(x.get("system"), x.get("code")) for x in codings(cond.get("code"))}
    return bool(pairs & _NEURO_CONDITIONS or _is_secondary(cond) or _primary_code(cond))
