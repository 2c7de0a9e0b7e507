"""Primary cancers as a Condition states them: site, morphology, and whether it can be one.

docs/clinical-rules.md §15.6 (and docs/fhir-input.md, primary cancer): one mapping table of codes
(``service/fhir/codes/``); a cancer code outside it is unclassified and shown with its display
and code, never dropped; non-melanoma skin cancer and in-situ neoplasms are listed, never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain.histology import (
    MELANOMA_OF_SKIN,
    UNKNOWN_PRIMARY,
    UNSPECIFIED_SITE,
    Histology,
    PrimaryCancer,
    SiteProfile,
    classify,
)
from service.fhir import codes
from service.fhir.extract.elements import codings


@dataclass(frozen=True, slots=True)
class PrimaryRead:
    """What a primary-cancer Condition says, before its clinical status is weighed.

    Attributes:
        site, histology: The site and morphology group of the mapping table.
        morphology: The recorded morphology (ICD-O-3 display or code), mapped or not.
        name: The chart's own label and code when the code is outside the mapping table.
        not_candidate: Why the cancer cannot be the primary of a bone metastasis (non-melanoma
            skin cancer, in-situ neoplasm: docs/clinical-rules.md §15.6), else None.
    """

    site: SiteProfile
    histology: Histology | None = None
    morphology: str | None = None
    name: str | None = None
    not_candidate: str | None = None

    def classify(self) -> PrimaryCancer:
        """The classification for every instrument."""
        return classify(self.site, self.histology, morphology=self.morphology, name=self.name)

    @property
    def label(self) -> str:
        """How the cancer is named in messages."""
        return self.name or self.site.name


_SYSTEM_NAMES = {codes.ICD10CM: "ICD-10-CM", codes.ICD10: "ICD-10", codes.SNOMED: "SNOMED CT"}
_MAX_LABEL = 120  # chart text shown back is bounded


def _label(coding: dict[str, Any]) -> str:
    display = coding.get("display") if isinstance(coding.get("display"), str) else None
    system = _SYSTEM_NAMES.get(coding.get("system"), "code")
    text = f"{display[:_MAX_LABEL]} ({system} {coding.get('code')})" if display else None
    return text or f"cancer coded {system} {coding.get('code')}"


# docs/clinical-rules.md §15.6: a SNOMED CT cancer code outside the mapping table is still a
# cancer on record. Without the mCODE profile, the chart's own words say so: a display naming a
# malignancy, and none of the words that make it something other than a diagnosis of one.
_MALIGNANT_WORDS = (
    "malignant",
    "carcinoma",
    "cancer",
    "sarcoma",
    "lymphoma",
    "myeloma",
    "melanoma",
    "leukemia",
    "leukaemia",
    "mesothelioma",
    "blastoma",
    "seminoma",
    "chordoma",
    "plasmacytoma",
)
_NOT_A_CANCER_DIAGNOSIS = (
    "suspected",
    "history",
    "benign",
    "in situ",
    "secondary",
    "metasta",
    "screening",
    "risk",
    "family",
    "fear",
    "uncertain",
    "premalignant",
    "pre-malignant",
    "(situation)",
    "(finding)",
    "(procedure)",
)


# Sites where a basal cell morphology is a skin cancer (docs/clinical-rules.md §15.6).
_SKIN_OR_UNKNOWN_SITES = frozenset({UNSPECIFIED_SITE, UNKNOWN_PRIMARY, MELANOMA_OF_SKIN})


def _names_a_malignancy(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    words = text.lower()
    return any(w in words for w in _MALIGNANT_WORDS) and not any(
        w in words for w in _NOT_A_CANCER_DIAGNOSIS
    )


def _marked_primary_cancer(cond: dict[str, Any]) -> bool:
    """The chart marks the Condition as a primary cancer: the mCODE profile, any version."""
    profiles = (cond.get("meta") or {}).get("profile") or []
    return any(
        isinstance(p, str) and p.partition("|")[0] == codes.MCODE_PRIMARY_CANCER_PROFILE
        for p in profiles
    )


def primary_code(cond: dict[str, Any]) -> PrimaryRead | None:
    """What a primary-cancer Condition says, or None when it is not one."""
    site: SiteProfile | None = None
    histology: Histology | None = None
    morphology: str | None = None
    unmapped: str | None = None
    not_candidate: str | None = None
    site_named = False  # a site other than skin or unknown (for a basal cell morphology)
    is_cancer = _marked_primary_cancer(cond)
    for coding in codings(cond.get("code")):
        system, code = coding.get("system"), coding.get("code") or ""
        found = None
        if system in (codes.ICD10, codes.ICD10CM):
            if codes.not_candidate_primary_icd(code) and not not_candidate:
                not_candidate = codes.not_candidate_primary_icd(code)
                unmapped = unmapped or _label(coding)
            if codes.is_primary_malignant_icd(code):
                is_cancer = True
                found = codes.primary_from_icd(code)
                unmapped = unmapped or (None if found else _label(coding))
        elif system == codes.SNOMED and code in codes.PRIMARY_SNOMED:
            is_cancer = True
            found = codes.PRIMARY_SNOMED[code]
        elif system == codes.SNOMED and code:
            unmapped = unmapped or _label(coding)
            if _names_a_malignancy(coding.get("display")):
                is_cancer = True
        if found:
            if site is None or site is UNSPECIFIED_SITE:
                site = found.site
            histology = histology or found.histology
            site_named = site_named or found.site not in _SKIN_OR_UNKNOWN_SITES
    for extension in cond.get("extension") or []:
        if extension.get("url") == codes.MCODE_HISTOLOGY_EXTENSION:
            for coding in codings(extension.get("valueCodeableConcept")):
                if coding.get("system") == codes.ICDO3 and coding.get("code"):
                    code = coding["code"]
                    histology = codes.histology_from_icdo3(code) or histology
                    not_candidate = not_candidate or codes.not_candidate_morphology(
                        code, site_named=site_named
                    )
                    display = coding.get("display")
                    morphology = (
                        display[:_MAX_LABEL] if isinstance(display, str) else f"ICD-O-3 {code}"
                    )
                    is_cancer = True
    if not_candidate:
        # A behaviour or morphology that rules the cancer out wins over the site code.
        return PrimaryRead(site or UNSPECIFIED_SITE, name=unmapped, not_candidate=not_candidate)
    if not is_cancer:
        return None
    return PrimaryRead(
        site or UNSPECIFIED_SITE, histology, morphology, None if site else unmapped, None
    )
