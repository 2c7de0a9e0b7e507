"""An assessment → the profiled Observations, RiskAssessments and Provenance of the contract.

Shapes as in docs/fhir-output.md. Identifiers are deterministic (identity.py): what a result says
and the rule-set version, never the package version, prose or time, so writing the same assessment
twice, or again after an upgrade that changes no rule, creates nothing new.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.domain.assessment import Assessment, LevelAssessment
from service.domain.escc import Category
from service.domain.findings import input_key
from service.domain.levels import Level
from service.domain.noms import Recommendation
from service.domain.risk import RiskEstimate
from service.domain.scoring import Item, ScoreResult
from service.domain.urgency import Tier, Urgency, headline
from service.fhir import codes
from service.fhir.codes import Code, so
from service.fhir.extract import Extraction
from service.fhir.identity import identity_content, result_identifier

SERVICE_NAME = "NOMS-CDS"
URN_NAMESPACE = uuid.UUID("6f1f3c2e-9a57-4c1e-8d0b-2b7c7f0e5a11")  # ours: fullUrls of results
__all__ = [
    "Emitted",
    "emit",
    "identity_content",
]  # the Provenance and the collection Bundle of a write: service/fhir/provenance.py


@dataclass(frozen=True, slots=True)
class Emitted:
    """One result resource with the URN other entries use to refer to it."""

    full_url: str
    resource: dict[str, Any]

    @property
    def identifier(self) -> str:
        """The result identifier's value."""
        return self.resource["identifier"][0]["value"]


def _quantity(value: int) -> dict[str, Any]:
    return {"value": value, "system": codes.UCUM, "code": "{score}", "unit": "{score}"}


def _points(item: Item) -> dict[str, Any]:
    if item.points is not None:
        return {"valueInteger": item.points}
    if item.unknown:
        return {"dataAbsentReason": codes.DATA_ABSENT_UNKNOWN.concept()}
    return {
        "valueRange": {"low": _quantity(item.possible[0]), "high": _quantity(item.possible[-1])}
    }


def _total(result: ScoreResult) -> dict[str, Any]:
    if result.total is not None:
        return {"valueInteger": result.total}
    return {"valueRange": {"low": _quantity(result.low), "high": _quantity(result.high)}}


def _describe_points(item: Item) -> str:
    if item.points is not None:
        return str(item.points)
    return f"{item.possible[0]}–{item.possible[-1]}"


def _explain(result: ScoreResult) -> str:
    parts = [f"{item.label}: {item.answer} ({_describe_points(item)})" for item in result.items]
    text = f"Total {result.describe_total()}. " + "; ".join(parts) + "."
    if result.missing:
        text += " Missing: " + ", ".join(result.missing) + "."
    if result.notes:
        text += " " + " ".join(result.notes)
    return text + f" Source: {result.reference}."


class _Builder:
    """Builds the result resources of one assessment."""

    def __init__(
        self, assessment: Assessment, extraction: Extraction, now: datetime, version: str
    ) -> None:
        self.assessment = assessment
        self.extraction = extraction
        self.patient_ref = f"Patient/{extraction.patient_id}"
        self.instant = now.isoformat(timespec="seconds").replace("+00:00", "Z")
        self.method = {"text": f"{assessment.rule_set} ({SERVICE_NAME} {version})"}
        self.emitted: list[Emitted] = []

    # -- common parts --

    def _status(self, keys: Iterable[str]) -> str:
        return "preliminary" if set(keys) & self.assessment.findings.preliminary else "final"

    def _observation(
        self,
        kind: str,
        profile: str,
        code: str,
        keys: Sequence[str],
        level: Level | None,
        body: dict[str, Any],
    ) -> Emitted:
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "meta": {"profile": [profile]},
            "status": self._status(keys),
            "category": [codes.SURVEY_CATEGORY.concept()],
            "code": so(code).concept(),
            "subject": {"reference": self.patient_ref},
        }
        focus = self.extraction.focus.get(level, ()) if level else ()
        if focus:
            resource["focus"] = [{"reference": ref} for ref in focus]
        resource["effectiveDateTime"] = self.instant
        resource["issued"] = self.instant
        if level is not None:
            resource["bodySite"] = codes.VERTEBRA[level].concept()
        resource["method"] = self.method
        resource.update(body)
        inputs = self.extraction.references(keys)
        derived = [r for r in inputs if r.split("/")[0] in codes.DERIVED_FROM_TYPES]
        supporting = [r for r in inputs if r not in derived]
        if supporting:
            resource["extension"] = [
                {"url": codes.SUPPORTING_INFO_EXTENSION, "valueReference": {"reference": ref}}
                for ref in supporting
            ]
        if derived:
            resource["derivedFrom"] = [{"reference": ref} for ref in derived]
        return self._finish(kind, level, resource)

    def _finish(self, kind: str, level: Level | None, resource: dict[str, Any]) -> Emitted:
        value = result_identifier(self.patient_ref, kind, level, resource, self.assessment.rule_set)
        resource["identifier"] = [{"system": codes.RESULT_IDENTIFIER_SYSTEM, "value": value}]
        # identifier first after meta, for readers of the JSON
        ordered = {
            "resourceType": resource["resourceType"],
            "meta": resource["meta"],
            "identifier": resource["identifier"],
        }
        ordered.update({k: v for k, v in resource.items() if k not in ordered})
        emitted = Emitted(f"urn:uuid:{uuid.uuid5(URN_NAMESPACE, value)}", ordered)
        self.emitted.append(emitted)
        return emitted

    def _score(
        self,
        kind: str,
        profile: str,
        code: str,
        result: ScoreResult,
        keys: Sequence[str],
        level: Level | None,
        interpretation: Code | None,
    ) -> Emitted:
        components = []
        for item in result.items:
            component_code = codes.SCORE_ITEMS[result.instrument][item.key]
            components.append({"code": so(component_code).concept(), **_points(item)})
        body: dict[str, Any] = _total(result)
        if interpretation is not None:
            body["interpretation"] = [interpretation.concept()]
        body["note"] = [{"text": _explain(result)}]
        body["component"] = components
        return self._observation(kind, profile, code, keys, level, body)

    # -- patient-level results --

    def radiosensitivity(self) -> Emitted:
        findings = self.assessment.findings
        radio = self.assessment.radiosensitivity
        body: dict[str, Any]
        if radio is not None:
            body = {"valueCodeableConcept": so(codes.RADIOSENSITIVITY[radio]).concept()}
            text = "; ".join(p.description for p in findings.primaries) + f": {radio.value}."
        else:
            body = {"dataAbsentReason": codes.DATA_ABSENT_UNKNOWN.concept()}
            text = (
                "No primary cancer on record."
                if not findings.primaries
                else "Primary cancers on record differ in radiosensitivity: "
                + "; ".join(
                    f"{p.description} ({p.radiosensitivity.value})" for p in findings.primaries
                )
                + "."
            )
        body["note"] = [
            {
                "text": text + " Class = response to conventional external beam "
                "radiotherapy (NOMS, docs/clinical-rules.md §3)."
            }
        ]
        return self._observation(
            "radiosensitivity",
            codes.PROFILE_RADIOSENSITIVITY,
            "radiosensitivity",
            ("primary-cancer",),
            None,
            body,
        )

    def prognostic_scores(self) -> list[Emitted]:
        a = self.assessment
        out = []
        for kind, profile, code, result in (
            ("tokuhashi", codes.PROFILE_TOKUHASHI, "tokuhashi-revised-score", a.tokuhashi),
            ("tomita", codes.PROFILE_TOMITA, "tomita-score", a.tomita),
            ("modified-bauer", codes.PROFILE_BAUER, "modified-bauer-score", a.modified_bauer),
            ("nesms", codes.PROFILE_NESMS, "nesms-score", a.nesms),
        ):
            keys = result.inputs
            if kind == "nesms":  # NESMS rests on the modified Bauer's inputs too
                keys = (*keys, *a.modified_bauer.inputs)
            band = result.band
            interpretation = so(band.code) if band and kind in ("tokuhashi", "tomita") else None
            out.append(self._score(kind, profile, code, result, keys, None, interpretation))
        return out

    # -- per-level results --

    def sins(self, la: LevelAssessment) -> Emitted:
        band = la.sins.band
        interpretation = so(codes.SINS_BAND[band.code]) if band else None
        return self._score(
            "sins",
            codes.PROFILE_SINS,
            "sins-score",
            la.sins,
            (*la.sins_inputs, input_key("level", la.level)),
            la.level,
            interpretation,
        )

    def escc(self, la: LevelAssessment) -> Emitted:
        result = la.escc
        body: dict[str, Any] = {}
        if result.category is not None:
            category = "escc-high-grade" if result.category is Category.HIGH else "escc-low-grade"
            body["valueCodeableConcept"] = so(category).concept()
        else:
            body["dataAbsentReason"] = codes.DATA_ABSENT_UNKNOWN.concept()
        grade: dict[str, Any] = (
            {"valueCodeableConcept": so(codes.ESCC_GRADE_CODE[result.grade]).concept()}
            if result.grade is not None
            else {"dataAbsentReason": codes.DATA_ABSENT_UNKNOWN.concept()}
        )
        components = [{"code": so("escc-grade").concept(), **grade}]
        if result.flag_1c:
            components.append(
                {
                    "code": so("noms-flag").concept(),
                    "valueCodeableConcept": so("flag-escc-1c").concept(),
                }
            )
        notes = list(result.notes) or []
        if result.missing:
            notes.append("Missing: " + ", ".join(result.missing) + ".")
        if notes:
            body["note"] = [{"text": " ".join(notes)}]
        body["component"] = components
        return self._observation(
            "escc", codes.PROFILE_ESCC, "escc-category", la.escc_inputs, la.level, body
        )

    def recommendation(self, la: LevelAssessment) -> Emitted:
        rec: Recommendation = la.recommendation
        components: list[dict[str, Any]] = [
            {
                "code": so("noms-radiation").concept(),
                "valueCodeableConcept": so(codes.RADIATION[rec.radiation]).concept(),
            },
            {
                "code": so("noms-surgery").concept(),
                "valueCodeableConcept": so(codes.SURGERY[rec.surgery]).concept(),
            },
            {
                "code": so("noms-stabilization").concept(),
                "valueCodeableConcept": so(codes.STABILIZATION[rec.stabilization]).concept(),
            },
        ]
        components += [
            {"code": so("noms-rule").concept(), "valueString": rule} for rule in rec.rules
        ]
        components += [
            {
                "code": so("noms-flag").concept(),
                "valueCodeableConcept": so(codes.FLAG[flag]).concept(),
            }
            for flag in rec.flags
        ]
        components += [
            {"code": so("noms-missing").concept(), "valueString": name} for name in rec.missing
        ]
        body = {
            "valueCodeableConcept": so(codes.PLAN[rec.plan]).concept(),
            "note": [{"text": "\n".join(rec.rationale)}],
            "component": components,
        }
        keys = (*la.noms_inputs, input_key("level", la.level))
        return self._observation(
            "noms-recommendation",
            codes.PROFILE_RECOMMENDATION,
            "noms-recommendation",
            keys,
            la.level,
            body,
        )

    def urgency(self, u: Urgency, keys: Sequence[str], level: Level | None) -> Emitted:
        """The urgency of a level (with bodySite) or of the patient (docs/clinical-rules.md
        §15.2): the tier when certain, else undetermined with the range as components."""

        def tier(t: Tier) -> dict[str, Any]:
            return so(codes.URGENCY_TIER[t]).concept()

        value = so(codes.URGENCY_TIER[u.tier] if u.tier else "urgency-undetermined")
        components: list[dict[str, Any]] = [
            {"code": so("urgency-at-least").concept(), "valueCodeableConcept": tier(u.at_least)},
            {"code": so("urgency-at-most").concept(), "valueCodeableConcept": tier(u.at_most)},
        ]
        components += [
            {"code": so("urgency-reason").concept(), "valueString": reason} for reason in u.reasons
        ]
        components += [
            {"code": so("noms-missing").concept(), "valueString": name} for name in u.deciding
        ]
        body = {
            "valueCodeableConcept": value.concept(),
            "note": [{"text": headline(u)}],
            "component": components,
        }
        return self._observation(
            "spine-urgency", codes.PROFILE_URGENCY, "spine-urgency", keys, level, body
        )

    def risk_assessment(self, la: LevelAssessment, basis: Sequence[Emitted]) -> Emitted:
        rec = la.recommendation
        level = la.level.value

        def prediction(estimate: RiskEstimate) -> dict[str, Any]:
            entry: dict[str, Any] = {"outcome": so(estimate.outcome).concept()}
            if estimate.risk is not None:
                entry["qualitativeRisk"] = Code(
                    codes.RISK_PROBABILITY,
                    estimate.risk.value,
                    f"{estimate.risk.value.capitalize()} likelihood",
                ).concept()
            entry["rationale"] = f"{level}: {estimate.rationale}"
            return entry

        resource: dict[str, Any] = {
            "resourceType": "RiskAssessment",
            "meta": {"profile": [codes.PROFILE_ASSESSMENT]},
            "status": self._status(la.noms_inputs),
            "code": so("noms-assessment").concept(),
            "subject": {"reference": self.patient_ref},
            "occurrenceDateTime": self.instant,
        }
        focus = self.extraction.focus.get(la.level, ())
        if focus:
            resource["condition"] = {"reference": focus[0]}
        resource["method"] = self.method
        resource["basis"] = [{"reference": e.full_url} for e in basis]
        resource["prediction"] = [prediction(la.neurologic_risk), prediction(la.mechanical_risk)]
        resource["mitigation"] = (
            f"{level}: {rec.plan.value} (rules {', '.join(rec.rules)}). "
            + " ".join(rec.rationale[1:2])
        )
        return self._finish("noms-assessment", la.level, resource)


def emit(
    assessment: Assessment, extraction: Extraction, now: datetime, version: str
) -> list[Emitted]:
    """Every result resource of an assessment: the patient's urgency first, then the patient's
    results, then level by level (each level's urgency first)."""
    builder = _Builder(assessment, extraction, now, version)
    builder.urgency(assessment.urgency, assessment.urgency_inputs, None)
    radiosensitivity = builder.radiosensitivity()
    builder.prognostic_scores()
    for la in assessment.levels:
        builder.urgency(la.urgency, (*la.urgency_inputs, input_key("level", la.level)), la.level)
        recommendation = builder.recommendation(la)
        if la.lesion.out_of_scope is not None:
            builder.risk_assessment(la, (recommendation,))
            continue
        sins = builder.sins(la)
        escc = builder.escc(la)
        builder.risk_assessment(la, (sins, escc, recommendation, radiosensitivity))
    return builder.emitted
