"""The pathway's dated milestones read from FHIR: ImagingStudy, Encounter, Procedure, Condition.

What counts (docs/worklist.md, "Where the dates come from"):

- **First symptoms**: the earliest ``onset[x]`` of a spinal metastasis Condition (a secondary
  bone or vertebral-column code with a vertebral body site). FHIR defines ``Condition.onset`` as
  when the condition began in the clinician's opinion; charts record the first symptoms there.
  ``recordedDate`` is *not* used: it is when someone wrote it down.
- **First spine imaging**: the earliest ``started`` of an ImagingStudy with a vertebral series
  body site or a spine MR/CT procedure code (the order codes the service already recognizes).
- **Spine team**: the first Encounter that took place (arrived, triaged, in progress, on leave or
  finished) with a spine or oncology specialty as its service type or type, or whose reason is
  the spinal metastasis or a cord compression (by reference or by code).
- **Biopsy**: a Procedure coded SNOMED CT 86273004 "Biopsy".
- **Tumour board**: a Procedure or Encounter coded NCI Thesaurus C93304 "Tumor Board Review".
  UNVERIFIED beyond one public profile: read, never written; an EHR's own code belongs here.
- **Treatment start**: the start of a radiotherapy Procedure (the radiotherapy codes the
  extraction reads) or a spine-surgery Procedure (the CPT codes the order service recognizes).

Only events on or after the first spine imaging count (or, with no imaging, after the symptoms'
onset): a radiotherapy course or an oncology visit before them belongs to an earlier episode
(prior radiation, the primary's care). Dates must be precise to the day; a partial date ("2026-10")
is not a day and leaves the milestone undated. Entered-in-error, cancelled, not-done and planned
resources never count.

A milestone is *looked for* when the resources given could hold it: ``read_types`` names the
resource types that were read in full for the patient (a Bundle sent whole: all of them; a CDS
prefetch without Encounters: not the spine team).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any, Final

from service.domain.pathway import Event, Milestone, PathwayEvents
from service.fhir import codes
from service.fhir.extract.elements import codings, vertebral_levels
from service.fhir.extract.references import identity, reference_key, rewrite_references

NCIT: Final = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"

# Specialties of a spine or oncology team, as Encounter.serviceType or type (SNOMED CT practice
# setting codes; V-2: the FHIR practice-setting value set as copied in national IGs, e.g. the
# Dutch HealthcareService examples, and public specialty tables).
SPINE_TEAM_SPECIALTIES: Final = frozenset(
    {
        "394610002",  # Surgery-Neurosurgery
        "394801008",  # Trauma & orthopaedics
        "394592004",  # Clinical oncology
        "394593009",  # Medical oncology
        "419815003",  # Radiation oncology
    }
)
# Biopsy (procedure): V-2, the is-a root of a pediatric-cancer IG's biopsy value set and public
# terminology tables.
BIOPSY_SNOMED: Final = frozenset({"86273004"})
# Tumour board review: V-1 only (NCI Thesaurus, one public FHIR profile). UNVERIFIED.
TUMOUR_BOARD: Final = frozenset({(NCIT, "C93304")})
# The Encounter statuses of a visit that took place (FHIR R4 encounter-status).
HAPPENED_ENCOUNTER: Final = frozenset({"arrived", "triaged", "in-progress", "onleave", "finished"})
# The Procedure statuses of something that was done or begun (FHIR R4 event-status).
HAPPENED_PROCEDURE: Final = frozenset({"in-progress", "completed", "on-hold"})
_SPINE_IMAGING_CODES: Final = frozenset(codes.SPINE_IMAGING_ORDERS)
_TREATMENT: Final = {
    **{pair: "radiotherapy" for pair in codes.RADIOTHERAPY_ORDERS},
    **{pair: "spine surgery" for pair in codes.SPINE_SURGERY_ORDERS},
}

#: Which resource types each milestone is read from.
SOURCES: Final[Mapping[Milestone, frozenset[str]]] = {
    Milestone.SYMPTOMS: frozenset({"Condition"}),
    Milestone.FIRST_IMAGING: frozenset({"ImagingStudy"}),
    Milestone.SPINE_TEAM: frozenset({"Encounter"}),
    Milestone.BIOPSY: frozenset({"Procedure"}),
    Milestone.TUMOUR_BOARD: frozenset({"Procedure", "Encounter"}),
    Milestone.TREATMENT: frozenset({"Procedure"}),
}
ALL_TYPES: Final = frozenset().union(*SOURCES.values())


def _day(value: Any) -> date | None:
    """A FHIR date or dateTime precise to the day, as that day (the date as written)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _pairs(concept: Any) -> set[tuple[str, str]]:
    return {(c.get("system", ""), c.get("code", "")) for c in codings(concept)}


def _concepts(resource: Mapping[str, Any], *names: str) -> list[Any]:
    found: list[Any] = []
    for name in names:
        value = resource.get(name)
        found.extend(value if isinstance(value, list) else [value] if value else [])
    return found


def _is_spinal_metastasis(condition: Mapping[str, Any]) -> bool:
    pairs = _pairs(condition.get("code"))
    coded = any(
        (system == codes.SNOMED and code in codes.SPINAL_METASTASIS_SNOMED)
        or (system in (codes.ICD10, codes.ICD10CM) and code in codes.ICD_SECONDARY_BONE)
        for system, code in pairs
    )
    return coded and bool(vertebral_levels(condition.get("bodySite") or []))


def _usable_condition(condition: Mapping[str, Any]) -> bool:
    verification = {c.get("code") for c in codings(condition.get("verificationStatus"))}
    return not verification & {"refuted", "entered-in-error"}


def _spine_reasons(resources: Iterable[Mapping[str, Any]]) -> tuple[set[str], set[tuple[str, str]]]:
    """The references of spinal-metastasis and cord-compression Conditions, and their codes."""
    refs: set[str] = set()
    for r in resources:
        if r.get("resourceType") != "Condition" or not _usable_condition(r):
            continue
        if _is_spinal_metastasis(r) or _pairs(r.get("code")) & codes.CORD_COMPRESSION:
            refs.add(identity(dict(r)))
    reason_codes = {(codes.SNOMED, c) for c in codes.SPINAL_METASTASIS_SNOMED}
    reason_codes |= {(codes.ICD10CM, c) for c in codes.ICD_SECONDARY_BONE}
    reason_codes |= {(codes.ICD10, c) for c in codes.ICD_SECONDARY_BONE}
    return refs, reason_codes | set(codes.CORD_COMPRESSION)


def _spine_imaging(study: Mapping[str, Any]) -> bool:
    if study.get("status") in ("entered-in-error", "cancelled", "registered"):
        return False
    sites = [s.get("bodySite") for s in study.get("series") or [] if isinstance(s, dict)]
    if vertebral_levels([{"coding": [s]} for s in sites if isinstance(s, dict)]):
        return True
    return any(_pairs(c) & _SPINE_IMAGING_CODES for c in _concepts(study, "procedureCode"))


def _spine_team(
    encounter: Mapping[str, Any], reason_refs: set[str], reason_codes: set[tuple[str, str]]
) -> bool:
    if encounter.get("status") not in HAPPENED_ENCOUNTER:
        return False
    for concept in _concepts(encounter, "serviceType", "type"):
        if any(s == codes.SNOMED and c in SPINE_TEAM_SPECIALTIES for s, c in _pairs(concept)):
            return True
    for reference in _concepts(encounter, "reasonReference"):
        ref = reference.get("reference") if isinstance(reference, dict) else None
        if isinstance(ref, str) and reference_key(ref) in reason_refs:
            return True
    return any(_pairs(c) & reason_codes for c in _concepts(encounter, "reasonCode"))


def _procedure_start(procedure: Mapping[str, Any]) -> date | None:
    period = _dict(procedure.get("performedPeriod"))
    return _day(procedure.get("performedDateTime") or period.get("start"))


def _candidates(
    resources: list[dict[str, Any]],
) -> dict[Milestone, list[Event]]:
    reason_refs, reason_codes = _spine_reasons(resources)
    found: dict[Milestone, list[Event]] = {m: [] for m in Milestone}

    def add(milestone: Milestone, on: date | None, r: dict[str, Any], kind: str | None = None):
        if on is not None:
            found[milestone].append(Event(on, identity(r), kind))

    for r in resources:
        kind = r.get("resourceType")
        if kind == "Condition" and _usable_condition(r) and _is_spinal_metastasis(r):
            period = _dict(r.get("onsetPeriod"))
            add(Milestone.SYMPTOMS, _day(r.get("onsetDateTime") or period.get("start")), r)
        elif kind == "ImagingStudy" and _spine_imaging(r):
            add(Milestone.FIRST_IMAGING, _day(r.get("started")), r)
        elif kind == "Encounter":
            on = _day(_dict(r.get("period")).get("start"))
            board = any(_pairs(c) & TUMOUR_BOARD for c in _concepts(r, "type", "serviceType"))
            if r.get("status") in HAPPENED_ENCOUNTER and board:
                add(Milestone.TUMOUR_BOARD, on, r)
            elif _spine_team(r, reason_refs, reason_codes):
                add(Milestone.SPINE_TEAM, on, r)
        elif kind == "Procedure" and r.get("status") in HAPPENED_PROCEDURE:
            pairs = _pairs(r.get("code"))
            on = _procedure_start(r)
            if pairs & TUMOUR_BOARD:
                add(Milestone.TUMOUR_BOARD, on, r)
            elif any(s == codes.SNOMED and c in BIOPSY_SNOMED for s, c in pairs):
                add(Milestone.BIOPSY, on, r)
            else:
                treatment = next((_TREATMENT[p] for p in sorted(pairs) if p in _TREATMENT), None)
                if treatment is not None:
                    add(Milestone.TREATMENT, on, r, treatment)
    return found


def pathway_events(
    resources: Iterable[dict[str, Any]],
    *,
    read_types: Collection[str] = ALL_TYPES,
    local: Mapping[str, str] | None = None,
) -> PathwayEvents:
    """One patient's pathway milestones, from their FHIR resources.

    Args:
        resources: The patient's resources (any types; the others are ignored).
        read_types: The resource types read in full for the patient: a milestone whose types
            were not all read is "not looked for" unless an event of it was found.
        local: A Bundle's ``fullUrl`` → ``Type/id`` map, for references between its entries.
    """
    given = [r for r in resources if isinstance(r, dict)]
    if local:
        given = [rewrite_references(r, local) for r in given]
    candidates = _candidates(given)
    anchor_list = candidates[Milestone.FIRST_IMAGING] or candidates[Milestone.SYMPTOMS]
    anchor = min((e.on for e in anchor_list), default=None)
    found: dict[Milestone, Event] = {}
    for milestone, events in candidates.items():
        if milestone not in (Milestone.SYMPTOMS, Milestone.FIRST_IMAGING) and anchor is not None:
            events = [e for e in events if e.on >= anchor]
        if events:
            found[milestone] = min(events, key=lambda e: (e.on, e.reference or ""))
    read = set(read_types)
    looked_for = frozenset(m for m, types in SOURCES.items() if types <= read) | set(found)
    return PathwayEvents(found, frozenset(looked_for))
