"""Observations: lesion imaging, neurology, performance status, laboratory values, judgements."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from service.domain.findings import input_key
from service.domain.levels import Level
from service.domain.nesms import Comparator, albumin_plausible
from service.domain.neurology import Asia
from service.fhir import codes
from service.fhir.extract.collector import Candidate, Collector
from service.fhir.extract.elements import (
    codings,
    observation_when,
    so_code,
    spinal_areas,
    vertebral_levels,
)
from service.fhir.extract.references import identity, reference_key

USABLE_OBSERVATION_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})


def read_observations(
    observations: list[dict[str, Any]], c: Collector, level_of_condition: Mapping[str, list[Level]]
) -> None:
    for obs in observations:
        ref = identity(obs)
        status = obs.get("status")
        if status not in USABLE_OBSERVATION_STATUS:
            if status != "entered-in-error":
                c.note("information", f"Observation with status {status!r} not used", ref)
            continue
        preliminary = status == "preliminary"
        when = observation_when(obs)
        concept = obs.get("code")
        own_code = so_code(concept)
        if own_code is not None:
            _read_so_observation(obs, own_code, ref, when, preliminary, c, level_of_condition)
            continue
        loinc = {x.get("code") for x in codings(concept) if x.get("system") == codes.LOINC}
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
    for coding in codings(obs.get("valueCodeableConcept")):
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
    c: Collector,
) -> None:
    value = obs.get("valueInteger")
    if value is None and isinstance(obs.get("valueQuantity"), dict):
        number = obs["valueQuantity"].get("value")
        value = int(number) if isinstance(number, int | float) and number == int(number) else None
    if value is None:
        value = next(
            (
                answers[x["code"]]
                for x in codings(obs.get("valueCodeableConcept"))
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
    obs: dict[str, Any], ref: str, when: datetime | None, preliminary: bool, c: Collector
) -> None:
    """Serum albumin in g/dL, with its comparator; implausible values are not used (§15.8)."""
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
    comparator = quantity.get("comparator")
    if comparator is not None and comparator not in {k.value for k in Comparator}:
        c.note("warning", f"albumin with comparator {comparator!r} is not a bound: not used", ref)
        return
    g_per_dl = round(value * codes.ALBUMIN_UNITS_TO_G_PER_DL[unit], 3)
    if not albumin_plausible(g_per_dl):
        c.note(
            "error",
            f"albumin {value:g} {unit} ({g_per_dl:g} g/dL) is implausible, most often a unit "
            "error (docs/clinical-rules.md §15.8): not used",
            ref,
        )
        return
    key = (g_per_dl, Comparator(comparator) if comparator else None)
    c.add("albumin", key, when, ref, preliminary)


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
# Findings that belong to a level when the record names one (docs/clinical-rules.md §15.1).
NEUROLOGY_BY_LEVEL = ("myelopathy", "cauda-equina-syndrome")
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
    c: Collector,
    level_of_condition: Mapping[str, list[Level]],
) -> None:
    if "dataAbsentReason" in obs:
        return
    answer = so_code(obs.get("valueCodeableConcept"))
    if code in _LEVEL_CODED or code == "prior-radiation":
        levels = vertebral_levels(obs.get("bodySite"))
        if not levels:
            for focus in obs.get("focus") or []:
                levels.extend(level_of_condition.get(reference_key(focus.get("reference", "")), []))
        areas = spinal_areas(obs.get("bodySite")) if code == "prior-radiation" else []
        if areas and isinstance(obs.get("valueBoolean"), bool):
            for area in areas:
                candidate = Candidate(obs["valueBoolean"], when, ref, preliminary)
                if area.covers_every_level:
                    c.region_radiation[area].append(candidate)
                elif candidate.value:
                    c.unsited_radiation.append(candidate)
            if not levels:
                return
        if not levels:
            c.note("warning", f"{code} without a vertebral bodySite: not used", ref)
            return
        if code == "prior-radiation":
            value: Any = _boolean(obs)
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
        value = _boolean(obs)
        levels = vertebral_levels(obs.get("bodySite")) if code in NEUROLOGY_BY_LEVEL else []
        if value is not None and levels:
            for level in levels:
                c.add(input_key(code, level), value, when, ref, preliminary)
            return
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
        (x.get("display") or x.get("code") for x in codings(concept)), None
    )


def _boolean(obs: dict[str, Any]) -> bool | None:
    # The R4B models accept "yes" or 1 for a boolean (pydantic's lax mode) but the resource is
    # read as sent: only a JSON true or false is a value.
    value = obs.get("valueBoolean")
    return value if isinstance(value, bool) else None
