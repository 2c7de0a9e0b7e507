"""FHIR resources → the clinical core's findings, keeping the resource behind every value.

Rules (fhir-contract §1): entered-in-error is ignored; Observations count when final, amended or
corrected, and when preliminary (the result is then flagged); Conditions count when clinically
active, recurrent or relapsed (or with no clinical status) and not refuted. When one finding has
several values the newest wins and the disagreement is reported, never merged; when no value is
newest (undated, or tied) the finding is left unknown. Nothing is inferred that the chart does not
say: absent diagnoses are not "no metastases", imaging never implies myelopathy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from service.domain.escc import Grade
from service.domain.findings import (
    LesionFindings,
    OutOfScope,
    PatientFindings,
    StabilityCall,
    input_key,
)
from service.domain.histology import (
    UNSPECIFIED_SITE,
    Histology,
    PrimaryCancer,
    SiteProfile,
    classify,
)
from service.domain.levels import Level
from service.domain.metastases import (
    TOKUHASHI_MAJOR_ORGANS,
    VISCERAL_ORGANS,
    Count,
    Metastases,
    Organ,
    OrganMetastases,
    VisceralMetastases,
)
from service.domain.neurology import Asia
from service.domain.performance import PerformanceStatus
from service.fhir import codes, models

RELEVANT_TYPES = frozenset({"Patient", "Condition", "Observation", "Procedure", "ImagingStudy"})
USABLE_OBSERVATION_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
ACTIVE_CONDITION_STATUS = frozenset({"active", "recurrence", "relapse"})
USABLE_PROCEDURE_STATUS = frozenset({"completed", "in-progress"})
ACCEPTED_BUNDLE_TYPES = frozenset({"collection", "searchset", "transaction"})


class InvalidInput(ValueError):
    """Input that cannot be assessed at all (not a Bundle, several patients, no patient...)."""


@dataclass(frozen=True, slots=True)
class Issue:
    """Something the reader of the assessment must know about the input.

    Messages name resources by type and id only, never by patient identifiers.
    """

    severity: str  # "error", "warning" or "information"
    message: str
    resource: str | None = None


@dataclass(frozen=True, slots=True)
class ImagingSummary:
    """One spine imaging study: what, when and which levels (for the timeline)."""

    reference: str
    modalities: tuple[str, ...]
    started: str | None
    levels: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class Extraction:
    """The findings of one patient and where each came from.

    Attributes:
        patient_id: The Patient's logical id.
        findings: The clinical core's input.
        sources: Input key → references of the resources whose value was used.
        focus: Level → references of the spinal metastasis Conditions at that level.
        imaging: Spine imaging studies, oldest first.
        issues: Conflicts, ignored resources, unusable values.
    """

    patient_id: str
    findings: PatientFindings
    sources: Mapping[str, tuple[str, ...]]
    focus: Mapping[Level, tuple[str, ...]]
    imaging: tuple[ImagingSummary, ...] = ()
    issues: tuple[Issue, ...] = ()

    def references(self, keys: Iterable[str]) -> tuple[str, ...]:
        """The resources behind these input keys, without repeats, in first-seen order."""
        return tuple(dict.fromkeys(ref for key in keys for ref in self.sources.get(key, ())))


# --- Bundles and references ---------------------------------------------------------------


def resources_from_bundle(bundle: object) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The resources of a collection, searchset or transaction Bundle, references made local.

    ``urn:uuid:`` references between entries are rewritten to ``Type/id``. OperationOutcomes in
    the Bundle (a server's warnings in a searchset) become issues.

    Raises:
        InvalidInput: when the input is not such a Bundle or an entry is not a FHIR resource.
    """
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise InvalidInput("the input is not a FHIR Bundle")
    if bundle.get("type") not in ACCEPTED_BUNDLE_TYPES:
        raise InvalidInput(
            f"Bundle type {bundle.get('type')!r} is not one of collection, searchset, transaction"
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidInput("Bundle.entry is not a list")
    resources: list[dict[str, Any]] = []
    issues: list[Issue] = []
    local: dict[str, str] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not models.is_resource_type(
            resource.get("resourceType")
        ):
            raise InvalidInput(f"Bundle entry {index} does not hold a FHIR resource")
        if resource["resourceType"] == "OperationOutcome":
            issues.extend(_outcome_issues(resource))
            continue
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str) and resource.get("id"):
            local[full_url] = f"{resource['resourceType']}/{resource['id']}"
        resources.append(resource)
    return [_rewrite_references(r, local) for r in resources], issues


def _outcome_issues(outcome: dict[str, Any]) -> list[Issue]:
    issues = []
    for item in outcome.get("issue") or []:
        severity = item.get("severity", "warning")
        text = item.get("diagnostics") or (item.get("details") or {}).get("text") or "no detail"
        issues.append(
            Issue("warning" if severity == "information" else severity, f"server reported: {text}")
        )
    return issues


def _rewrite_references(node: Any, local: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite_references(v, local) for k, v in node.items()}
        ref = out.get("reference")
        if isinstance(ref, str) and ref in local:
            out["reference"] = local[ref]
        return out
    if isinstance(node, list):
        return [_rewrite_references(item, local) for item in node]
    return node


def reference_key(reference: str) -> str:
    """``Type/id`` of a reference, whether relative, absolute or versioned."""
    if reference.startswith("urn:"):
        return reference
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else reference


def _identity(resource: dict[str, Any]) -> str:
    return f"{resource['resourceType']}/{resource.get('id', '?')}"


# --- Small readers of FHIR elements ------------------------------------------------------------


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _has_code(concept: Any, system: str, code_set: Iterable[str]) -> str | None:
    wanted = set(code_set)
    for coding in _codings(concept):
        if coding.get("system") == system and coding.get("code") in wanted:
            return coding["code"]
    return None


def _so_code(concept: Any) -> str | None:
    for coding in _codings(concept):
        if coding.get("system") == codes.SPINE_ONCOLOGY:
            return coding.get("code")
    return None


def _levels(body_sites: Any) -> list[Level]:
    levels: list[Level] = []
    for site in body_sites if isinstance(body_sites, list) else [body_sites]:
        for coding in _codings(site):
            if coding.get("system") == codes.SNOMED and coding.get("code") in codes.LEVEL_BY_SNOMED:
                levels.append(codes.LEVEL_BY_SNOMED[coding["code"]])
    return list(dict.fromkeys(levels))


def _site_codes(body_sites: Any) -> set[str]:
    found = set()
    for site in body_sites if isinstance(body_sites, list) else [body_sites]:
        for coding in _codings(site):
            if coding.get("system") == codes.SNOMED and coding.get("code"):
                found.add(coding["code"])
    return found


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


def _observation_when(obs: dict[str, Any]) -> datetime | None:
    period = obs.get("effectivePeriod") or {}
    return parse_when(
        obs.get("effectiveDateTime")
        or obs.get("effectiveInstant")
        or period.get("end")
        or period.get("start")
        or obs.get("issued")
    )


def _condition_when(cond: dict[str, Any]) -> datetime | None:
    period = cond.get("onsetPeriod") or {}
    return parse_when(cond.get("onsetDateTime") or period.get("start") or cond.get("recordedDate"))


def _procedure_when(proc: dict[str, Any]) -> datetime | None:
    period = proc.get("performedPeriod") or {}
    return parse_when(proc.get("performedDateTime") or period.get("end") or period.get("start"))


# --- Collecting candidate values -------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    value: Any
    when: datetime | None
    ref: str
    preliminary: bool = False


@dataclass
class _Collector:
    """Candidate values per input key, and everything learnt on the way."""

    candidates: dict[str, list[_Candidate]] = field(default_factory=lambda: defaultdict(list))
    issues: list[Issue] = field(default_factory=list)
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    conflicting: set[str] = field(default_factory=set)
    preliminary: set[str] = field(default_factory=set)

    def add(
        self, key: str, value: Any, when: datetime | None, ref: str, preliminary: bool = False
    ) -> None:
        self.candidates[key].append(_Candidate(value, when, ref, preliminary))

    def note(self, severity: str, message: str, resource: str | None = None) -> None:
        self.issues.append(Issue(severity, message, resource))

    def resolve(self, key: str, describe: Callable[[Any], str] = str) -> Any:
        """The value for key: the newest; disagreement reported; no newest → unknown."""
        found = self.candidates.get(key) or []
        if not found:
            return None
        newest_when = max((c.when for c in found if c.when), default=None)
        values = {c.value for c in found}
        if len(values) > 1:
            self.conflicting.add(key)
            newest = [c for c in found if c.when == newest_when] if newest_when else found
            if newest_when is None or len({c.value for c in newest}) > 1:
                self.note(
                    "warning",
                    f"{key}: the chart holds conflicting values "
                    f"({', '.join(sorted(describe(v) for v in values))}) and none is "
                    "the newest; the value is left unknown",
                )
                return None
            chosen = newest[0]
            self.note(
                "warning",
                f"{key}: the chart holds conflicting values "
                f"({', '.join(sorted(describe(v) for v in values))}); the newest "
                f"({describe(chosen.value)}) is used",
                chosen.ref,
            )
        else:
            dated = [c for c in found if c.when == newest_when] if newest_when else found
            chosen = dated[0]
        self.sources[key] = (chosen.ref,)
        if chosen.preliminary:
            self.preliminary.add(key)
        return chosen.value


def _enum_name(value: Any) -> str:
    return getattr(value, "value", str(value))


# --- The extraction --------------------------------------------------------------------------


def extract(
    resources: Iterable[dict[str, Any]],
    patient_id: str | None = None,
    today: date | None = None,
    issues: Iterable[Issue] = (),
) -> Extraction:
    """Read one patient's resources into findings.

    Args:
        resources: FHIR resources as JSON dicts (other resource types are ignored).
        patient_id: The patient's id when known (the Patient resource may be absent).
        today: Reference date for the age (defaults to today, UTC).
        issues: Issues already found upstream (e.g. while reading a Bundle).

    Raises:
        InvalidInput: when the resources belong to several patients or to none.
    """
    collector = _Collector(issues=list(issues))
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        resource_type = resource.get("resourceType")
        if resource_type not in RELEVANT_TYPES:
            continue
        try:
            models.validate(resource)
        except models.InvalidResource as exc:
            collector.note(
                "warning", f"skipped: not a valid FHIR R4 resource ({exc})", _identity(resource)
            )
            continue
        by_type[resource_type].append(resource)

    patient_id = _patient_id(by_type, patient_id)
    patient_ref = f"Patient/{patient_id}"
    for resource_type in ("Condition", "Observation", "Procedure", "ImagingStudy"):
        mine = []
        for resource in by_type[resource_type]:
            subject = (resource.get("subject") or resource.get("patient") or {}).get("reference")
            if subject and reference_key(subject) != patient_ref:
                raise InvalidInput("the input holds resources of several patients")
            mine.append(resource)
        by_type[resource_type] = mine

    patient = by_type["Patient"][0] if by_type["Patient"] else None
    conditions = _read_conditions(by_type["Condition"], collector)
    _read_observations(by_type["Observation"], collector, conditions.level_of_condition)
    _read_procedures(by_type["Procedure"], collector)
    imaging = _read_imaging(by_type["ImagingStudy"])
    findings = _assemble(collector, conditions, patient, today or datetime.now(UTC).date())
    return Extraction(
        patient_id=patient_id,
        findings=findings,
        sources=dict(collector.sources),
        focus={level: tuple(refs) for level, refs in conditions.spinal_levels.items()},
        imaging=imaging,
        issues=tuple(collector.issues),
    )


def _patient_id(by_type: Mapping[str, list[dict[str, Any]]], given: str | None) -> str:
    ids = {p.get("id") for p in by_type["Patient"]}
    if len(ids) > 1:
        raise InvalidInput("the input holds several Patient resources")
    if ids and None in ids:
        raise InvalidInput("the Patient resource has no id")
    if ids:
        (found,) = ids
        if given and given != found:
            raise InvalidInput("the Patient resource is not the patient asked for")
        return str(found)
    if given:
        return given
    subjects = {
        reference_key(ref)
        for resources in by_type.values()
        for r in resources
        if (ref := (r.get("subject") or r.get("patient") or {}).get("reference"))
    }
    patients = {s for s in subjects if s.startswith("Patient/")}
    if len(patients) > 1:
        raise InvalidInput("the input holds resources of several patients")
    if not patients:
        raise InvalidInput("the input names no patient")
    return patients.pop().split("/", 1)[1]


# --- Conditions ------------------------------------------------------------------------------


@dataclass
class _Conditions:
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
    clinical = _codes_of(cond.get("clinicalStatus"))
    verification = _codes_of(cond.get("verificationStatus"))
    if "entered-in-error" in verification:
        return False, "entered in error"
    if "refuted" in verification:
        return False, "refuted"
    if clinical and not clinical & ACTIVE_CONDITION_STATUS:
        return False, f"clinical status {', '.join(sorted(clinical))}"
    return True, ""


def _codes_of(concept: Any) -> set[str]:
    return {c["code"] for c in _codings(concept) if c.get("code")}


def _primary_code(cond: dict[str, Any]) -> tuple[SiteProfile, Histology | None] | None:
    """Site and histology of a primary-cancer Condition, or None when it is not one."""
    site: SiteProfile | None = None
    histology: Histology | None = None
    is_cancer = codes.MCODE_PRIMARY_CANCER_PROFILE in (
        (cond.get("meta") or {}).get("profile") or []
    )
    for coding in _codings(cond.get("code")):
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
            for coding in _codings(extension.get("valueCodeableConcept")):
                if coding.get("system") == codes.ICDO3:
                    histology = codes.histology_from_icdo3(coding.get("code") or "") or histology
                    is_cancer = True
    if not is_cancer:
        return None
    return site or UNSPECIFIED_SITE, histology


def _is_secondary(cond: dict[str, Any]) -> bool:
    for coding in _codings(cond.get("code")):
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
        for c in _codings(cond.get("code"))
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


def _read_conditions(conditions: list[dict[str, Any]], c: _Collector) -> _Conditions:
    out = _Conditions()
    for cond in conditions:
        ref = _identity(cond)
        usable, why = _condition_usable(cond)
        primary = _primary_code(cond)
        pairs = {(x.get("system"), x.get("code")) for x in _codings(cond.get("code"))}
        if not usable:
            # Only diagnoses the assessment reads are worth a word; a resolved sinusitis is not.
            if primary:
                c.note("information", f"primary cancer ({primary[0].name}) not used: {why}", ref)
            elif _is_secondary(cond) or pairs & _NEURO_CONDITIONS:
                c.note("information", f"diagnosis not used: {why}", ref)
            continue
        when = _condition_when(cond)
        levels = _levels(cond.get("bodySite"))
        sites = _site_codes(cond.get("bodySite"))
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
    out: _Conditions,
    c: _Collector,
) -> None:
    icd = _icd(cond)
    snomed = {x.get("code") for x in _codings(cond.get("code")) if x.get("system") == codes.SNOMED}
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


# --- Observations ----------------------------------------------------------------------------


def _read_observations(
    observations: list[dict[str, Any]], c: _Collector, level_of_condition: Mapping[str, list[Level]]
) -> None:
    for obs in observations:
        ref = _identity(obs)
        status = obs.get("status")
        if status not in USABLE_OBSERVATION_STATUS:
            if status != "entered-in-error":
                c.note("information", f"Observation with status {status!r} not used", ref)
            continue
        preliminary = status == "preliminary"
        when = _observation_when(obs)
        concept = obs.get("code")
        so_code = _so_code(concept)
        if so_code is not None:
            _read_so_observation(obs, so_code, ref, when, preliminary, c, level_of_condition)
            continue
        loinc = {x.get("code") for x in _codings(concept) if x.get("system") == codes.LOINC}
        if codes.LOINC_ECOG in loinc:
            _read_performance(
                obs, "ecog", codes.ECOG_ANSWERS, range(0, 6), ref, when, preliminary, c
            )
        elif codes.LOINC_KARNOFSKY in loinc:
            _read_performance(
                obs, "kps", codes.KARNOFSKY_ANSWERS, range(0, 101, 10), ref, when, preliminary, c
            )
        elif codes.LOINC_ASIA in loinc:
            grade = _letter(obs)
            if grade in {g.value for g in Asia}:
                c.add("asia", Asia(grade), when, ref, preliminary)
            else:
                c.note("warning", "ASIA impairment scale value not understood: not used", ref)
        elif loinc & codes.LOINC_ALBUMIN:
            _read_albumin(obs, ref, when, preliminary, c)


def _letter(obs: dict[str, Any]) -> str | None:
    if isinstance(obs.get("valueString"), str):
        return obs["valueString"].strip().upper()[:1] or None
    for coding in _codings(obs.get("valueCodeableConcept")):
        code = (coding.get("code") or "").strip().upper()
        if len(code) == 1:
            return code
    return None


def _read_performance(
    obs: dict[str, Any],
    key: str,
    answers: Mapping[str, int],
    allowed: range,
    ref: str,
    when: datetime | None,
    preliminary: bool,
    c: _Collector,
) -> None:
    value = obs.get("valueInteger")
    if value is None and isinstance(obs.get("valueQuantity"), dict):
        number = obs["valueQuantity"].get("value")
        value = int(number) if isinstance(number, int | float) and number == int(number) else None
    if value is None:
        value = next(
            (
                answers[x["code"]]
                for x in _codings(obs.get("valueCodeableConcept"))
                if x.get("system") == codes.LOINC and x.get("code") in answers
            ),
            None,
        )
    if value is None or value not in allowed:
        c.note("warning", f"{key.upper()} value missing or out of range: not used", ref)
        return
    dead = (key == "ecog" and value == 5) or (key == "kps" and value == 0)
    if dead:
        c.note("error", f"{key.upper()} {value} means the patient died: not used", ref)
        return
    c.add(key, value, when, ref, preliminary)


def _read_albumin(
    obs: dict[str, Any], ref: str, when: datetime | None, preliminary: bool, c: _Collector
) -> None:
    quantity = obs.get("valueQuantity") or {}
    value = quantity.get("value")
    unit = quantity.get("code") or quantity.get("unit")
    system = quantity.get("system")
    if (
        not isinstance(value, int | float)
        or unit not in codes.ALBUMIN_UNITS_TO_G_PER_DL
        or (system not in (None, codes.UCUM))
    ):
        c.note("error", f"albumin with unit {unit!r} is not in g/dL or g/L: not used", ref)
        return
    c.add(
        "albumin", round(value * codes.ALBUMIN_UNITS_TO_G_PER_DL[unit], 3), when, ref, preliminary
    )


_PATIENT_LEVEL_CODED: dict[str, Mapping[str, Any]] = {
    "frankel-grade": codes.FRANKEL,
    "ambulatory-status": codes.AMBULATORY,
    "major-organ-metastases": codes.ORGAN_METASTASES,
    "visceral-metastases": codes.VISCERAL_METASTASES,
}
_PATIENT_LEVEL_BOOLEAN = (
    "myelopathy",
    "cauda-equina-syndrome",
    "functional-radiculopathy",
    "surgical-candidate",
)
_LEVEL_CODED: dict[str, Mapping[str, Any]] = {
    **codes.LESION_IMAGING_FINDINGS,
    "sins-pain": codes.PAIN,
    "stability-assessment": codes.STABILITY,
}


def _read_so_observation(
    obs: dict[str, Any],
    code: str,
    ref: str,
    when: datetime | None,
    preliminary: bool,
    c: _Collector,
    level_of_condition: Mapping[str, list[Level]],
) -> None:
    if "dataAbsentReason" in obs:
        return
    answer = _so_code(obs.get("valueCodeableConcept"))
    if code in _LEVEL_CODED or code == "prior-radiation":
        levels = _levels(obs.get("bodySite"))
        if not levels:
            for focus in obs.get("focus") or []:
                levels.extend(level_of_condition.get(reference_key(focus.get("reference", "")), []))
        if not levels:
            c.note("warning", f"{code} without a vertebral bodySite: not used", ref)
            return
        if code == "prior-radiation":
            value: Any = obs.get("valueBoolean")
        else:
            value = _LEVEL_CODED[code].get(answer or "")
        if value is None:
            c.note("warning", f"{code}: value not in the contract's answer list: not used", ref)
            return
        for level in dict.fromkeys(levels):
            c.add(input_key(code, level), value, when, ref, preliminary)
        return
    if code in _PATIENT_LEVEL_CODED:
        value = _PATIENT_LEVEL_CODED[code].get(answer or "")
    elif code in _PATIENT_LEVEL_BOOLEAN:
        value = obs.get("valueBoolean")
    elif code in ("extraspinal-bone-metastases-count", "vertebral-metastases-count"):
        value = obs.get("valueInteger")
        value = value if isinstance(value, int) and value >= 0 else None
    elif code == "sois":
        value = _sois_value(obs)
    else:
        c.note("warning", f"{code} is not an input of the assessment: not used", ref)
        return
    if value is None:
        c.note(
            "warning", f"{code}: value missing or not in the contract's answer list: not used", ref
        )
        return
    c.add(code, value, when, ref, preliminary)


def _sois_value(obs: dict[str, Any]) -> str | None:
    for key in ("valueInteger", "valueString", "valueDecimal"):
        if key in obs:
            return str(obs[key])
    if "valueQuantity" in obs:
        return str(obs["valueQuantity"].get("value"))
    concept = obs.get("valueCodeableConcept") or {}
    return concept.get("text") or next(
        (x.get("display") or x.get("code") for x in _codings(concept)), None
    )


# --- Procedures and imaging ------------------------------------------------------------------


def _read_procedures(procedures: list[dict[str, Any]], c: _Collector) -> None:
    for proc in procedures:
        if proc.get("status") not in USABLE_PROCEDURE_STATUS:
            continue
        if not _has_code(proc.get("code"), codes.SNOMED, codes.RADIOTHERAPY_PROCEDURES):
            continue
        levels = _levels(proc.get("bodySite"))
        for level in levels:
            c.add(input_key("prior-radiation", level), True, _procedure_when(proc), _identity(proc))


def _read_imaging(studies: list[dict[str, Any]]) -> tuple[ImagingSummary, ...]:
    summaries = []
    for study in studies:
        if study.get("status") == "entered-in-error":
            continue
        modalities = {m.get("code") for m in study.get("modality") or [] if m.get("code")}
        levels: list[Level] = []
        for series in study.get("series") or []:
            if (series.get("modality") or {}).get("code"):
                modalities.add(series["modality"]["code"])
            levels.extend(_levels(series.get("bodySite")))
        summaries.append(
            ImagingSummary(
                _identity(study),
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


# --- Assembly --------------------------------------------------------------------------------


def _age(patient: dict[str, Any] | None, today: date, c: _Collector) -> int | None:
    """Age today, or at death for a patient recorded as deceased (which is reported)."""
    patient = patient or {}
    died = parse_when(patient.get("deceasedDateTime"))
    if died or patient.get("deceasedBoolean") is True:
        c.note("error", "the patient is recorded as deceased", _identity(patient))
        if died:
            today = died.date()
    born = parse_when(patient.get("birthDate"))
    if born is None:
        return None
    years = today.year - born.year
    return years - ((today.month, today.day) < (born.month, born.day))


def _assemble(
    c: _Collector, cond: _Conditions, patient: dict[str, Any] | None, today: date
) -> PatientFindings:
    # Primary cancer(s): a classification per distinct primary; the newest diagnosis first.
    primaries = sorted(
        cond.primaries, key=lambda p: p[2] or datetime.min.replace(tzinfo=UTC), reverse=True
    )
    distinct = list(dict.fromkeys(p for p, _, _ in primaries))
    if primaries:
        c.sources["primary-cancer"] = tuple(ref for _, ref, _ in primaries)
    if len({p.radiosensitivity for p in distinct}) > 1:
        c.conflicting.add("primary-cancer")
        c.note(
            "warning",
            "several primary cancers with different radiosensitivity are on "
            f"record ({'; '.join(p.description for p in distinct)})",
        )

    metastases = _metastases(c, cond)
    lesions = _lesions(c, cond)
    ecog, kps = c.resolve("ecog"), c.resolve("kps")
    return PatientFindings(
        age=_age(patient, today, c),
        sex=(patient or {}).get("gender"),
        primaries=tuple(distinct),
        myelopathy=c.resolve("myelopathy"),
        cauda_equina=c.resolve("cauda-equina-syndrome"),
        functional_radiculopathy=c.resolve("functional-radiculopathy"),
        performance=PerformanceStatus(ecog=ecog, kps=kps),
        frankel=c.resolve("frankel-grade", _enum_name),
        asia=c.resolve("asia", _enum_name),
        ambulatory=c.resolve("ambulatory-status", _enum_name),
        albumin_g_per_dl=c.resolve("albumin"),
        metastases=metastases,
        surgical_candidate=c.resolve("surgical-candidate"),
        sois=c.resolve("sois"),
        lesions=lesions,
        conflicting=frozenset(c.conflicting),
        preliminary=frozenset(c.preliminary),
    )


def _metastases(c: _Collector, cond: _Conditions) -> Metastases:
    levels_on_record = set(cond.spinal_levels) | {
        Level(key.split("/")[0])
        for key in c.candidates
        if "/" in key and key.split("/")[1] in codes.LESION_IMAGING_FINDINGS
    }
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
    if cond.bone_unknown_site and extraspinal is None:
        # A bone metastasis of unknown site is spinal or not; it only raises the total.
        extraspinal_count = Count(extraspinal_count.low, None)

    organ_answer = c.resolve("major-organ-metastases", _enum_name)
    visceral_answer = c.resolve("visceral-metastases", _enum_name)
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


def _lesions(c: _Collector, cond: _Conditions) -> tuple[LesionFindings, ...]:
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
        if level not in levels:
            c.note(
                "warning",
                f"{', '.join(sorted(names))} recorded for {level.value}, where no "
                "metastasis is on record: not used",
            )
    lesions = []
    for level in sorted(levels, key=lambda lv: lv.index):

        def get(name: str, level: Level = level) -> Any:
            return c.resolve(input_key(name, level), _enum_name)

        escc_grade: Grade | None = get("escc-grade")
        cord = bool(cond.cord_compression.get(level))
        if cord:
            c.sources[input_key("cord-compression", level)] = tuple(cond.cord_compression[level])
        level_refs = cond.spinal_levels.get(level) or cond.cord_compression.get(level) or []
        if level_refs:
            c.sources[input_key("level", level)] = tuple(level_refs)
        scope = cond.out_of_scope.get(level)
        prior = _prior_radiation(c, level)
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
                prior_radiation=prior,
                surgeon_stability=surgeon,
                out_of_scope=scope[0] if scope else None,
            )
        )
        if scope:
            c.sources[input_key("out-of-scope", level)] = (scope[1],)
    return tuple(lesions)


def _prior_radiation(c: _Collector, level: Level) -> bool | None:
    """Prior radiation at a level: any source saying yes wins (safer: SRS, not cEBRT)."""
    key = input_key("prior-radiation", level)
    found = c.candidates.get(key) or []
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
    return c.resolve(key)
