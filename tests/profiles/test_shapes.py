"""Resources that must validate and resources that must fail, each for a stated reason.

Every case starts from one of the compiled examples (profiles/fsh-generated/resources/) and
changes one thing. The positive table covers the shapes docs/fhir-output.md allows beyond the
examples (Range totals, unknown items, preliminary results, URN references, ...); the negative
table is mCODE's tests_errors.csv idea: the resource, and the text its problem must contain.
"""

import copy
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from tests.profiles.validation import examples, validate, validate_claimed

SO = "http://noms-cds.org/fhir/CodeSystem/spine-oncology"
UCUM = "http://unitsofmeasure.org"
DAR_UNKNOWN = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "unknown"}
    ]
}

SINS = "Observation/sins-score-t9"
ESCC = "Observation/escc-category-t9"
RADIOSENSITIVITY = "Observation/radiosensitivity-breast"
TOKUHASHI = "Observation/tokuhashi-revised-score-13"
TOMITA = "Observation/tomita-score-range"
BAUER = "Observation/modified-bauer-score-3"
NESMS = "Observation/nesms-score-3"
RECOMMENDATION = "Observation/noms-recommendation-t9"
ASSESSMENT = "RiskAssessment/noms-assessment-t9"
PROVENANCE = "Provenance/noms-provenance-t9"
IMAGING = "Observation/lesion-imaging-finding-t9-lytic"
PAIN = "Observation/lesion-pain-t9-mechanical"
PRIOR_RADIATION = "Observation/prior-radiation-t9-none"
NEUROLOGY = "Observation/neurology-finding-no-myelopathy"
FRANKEL = "Observation/frankel-grade-e"
COUNT = "Observation/metastasis-count-extraspinal-bone"
ORGANS = "Observation/organ-metastases-major-none"
JUDGEMENT = "Observation/clinician-judgement-t9-stable"
SOIS = "Observation/sois-t9"
URGENCY = "Observation/spine-urgency-t9-possibly-emergent"

Change = Callable[[dict[str, Any]], object]


class Case(NamedTuple):
    id: str
    example: str
    change: Change
    reason: str = ""


def concept(code: str, system: str = SO) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def score(value: int) -> dict[str, Any]:
    return {"value": value, "system": UCUM, "code": "{score}", "unit": "{score}"}


def score_range(low: int, high: int) -> dict[str, Any]:
    return {"low": score(low), "high": score(high)}


def component(resource: dict[str, Any], code: str) -> dict[str, Any]:
    """The (first) component with this code."""
    return next(c for c in resource["component"] if c["code"]["coding"][0]["code"] == code)


def components(resource: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [c for c in resource["component"] if c["code"]["coding"][0]["code"] == code]


def steps(*changes: Change) -> Change:
    def apply(resource: dict[str, Any]) -> None:
        for change in changes:
            change(resource)

    return apply


def drop(*keys: str) -> Change:
    return lambda resource: [resource.pop(key) for key in keys]


def put(**values: Any) -> Change:
    return lambda resource: resource.update(copy.deepcopy(values))


def set_points(code: str, points: Any) -> Change:
    def apply(resource: dict[str, Any]) -> None:
        item = component(resource, code)
        for key in [key for key in item if key.startswith("value") or key == "dataAbsentReason"]:
            del item[key]
        if points is None:
            item["dataAbsentReason"] = copy.deepcopy(DAR_UNKNOWN)
        elif isinstance(points, dict):
            item["valueRange"] = copy.deepcopy(points)
        else:
            item["valueInteger"] = points

    return apply


def total(value: Any) -> Change:
    def apply(resource: dict[str, Any]) -> None:
        resource.pop("valueInteger", None)
        resource.pop("valueRange", None)
        if isinstance(value, dict):
            resource["valueRange"] = copy.deepcopy(value)
        else:
            resource["valueInteger"] = value

    return apply


def set_code(path: Callable[[dict[str, Any]], dict[str, Any]], code: str) -> Change:
    return lambda resource: path(resource)["coding"][0].update(code=code)


def set_component_value(code: str, **value: Any) -> Change:
    def apply(resource: dict[str, Any]) -> None:
        item = component(resource, code)
        for key in [key for key in item if key.startswith("value")]:
            del item[key]
        item.update(copy.deepcopy(value))

    return apply


def add_component(code: str, **value: Any) -> Change:
    return lambda resource: resource["component"].append(
        {"code": concept(code), **copy.deepcopy(value)}
    )


def remove_components(code: str) -> Change:
    def apply(resource: dict[str, Any]) -> None:
        resource["component"] = [
            c for c in resource["component"] if c["code"]["coding"][0]["code"] != code
        ]

    return apply


def prediction(resource: dict[str, Any], outcome: str) -> dict[str, Any]:
    return next(p for p in resource["prediction"] if p["outcome"]["coding"][0]["code"] == outcome)


def profile_of(example: str) -> str:
    return examples()[example]["meta"]["profile"][0]


def build(example: str, change: Change) -> dict[str, Any]:
    resource = copy.deepcopy(examples()[example])
    change(resource)
    return resource


# ---------------------------------------------------------------------------------------------
# Shapes that must validate
# ---------------------------------------------------------------------------------------------

MUST_PASS = [
    Case(
        "sins-range-with-unknown-and-partial-items",
        SINS,
        steps(
            set_points("sins-pain", None),
            set_points("sins-collapse", score_range(1, 3)),
            total(score_range(5, 12)),
            drop("interpretation"),
        ),
    ),
    Case(
        "sins-range-with-certain-band",
        SINS,
        steps(
            set_points("sins-pain", None),
            set_points("sins-alignment", 4),
            total(score_range(13, 16)),
            put(interpretation=[concept("sins-unstable")]),
        ),
    ),
    Case("sins-without-band", SINS, drop("interpretation")),
    Case("sins-preliminary", SINS, put(status="preliminary")),
    Case("sins-without-focus", SINS, drop("focus")),
    Case(
        "sins-with-urn-references-and-note",
        SINS,
        put(
            derivedFrom=[{"reference": "urn:uuid:0f5c3a3e-3c59-5b5e-9d0e-1f2a3b4c5d6e"}],
            note=[{"text": "Pain recorded 3 days before imaging."}],
        ),
    ),
    Case(
        "condition-and-procedure-inputs-as-supportingInfo",
        SINS,
        put(
            extension=[
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo",
                    "valueReference": {"reference": "Condition/t9-cord-compression"},
                },
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/workflow-supportingInfo",
                    "valueReference": {"reference": "Procedure/t9-radiotherapy-2023"},
                },
            ]
        ),
    ),
    Case(
        "sins-with-an-extra-category",
        SINS,
        lambda r: r["category"].append(concept("exam", "http://example.org/local-category")),
    ),
    Case(
        "escc-high-grade-without-sub-grade",
        ESCC,
        steps(
            set_code(lambda r: r["valueCodeableConcept"], "escc-high-grade"),
            remove_components("noms-flag"),
            lambda r: component(r, "escc-grade").pop("valueCodeableConcept"),
            lambda r: component(r, "escc-grade").update(dataAbsentReason=DAR_UNKNOWN),
        ),
    ),
    Case(
        "escc-grade-3-high-grade",
        ESCC,
        steps(
            set_code(lambda r: r["valueCodeableConcept"], "escc-high-grade"),
            remove_components("noms-flag"),
            set_component_value("escc-grade", valueCodeableConcept=concept("escc-3")),
        ),
    ),
    Case(
        "escc-unknown",
        ESCC,
        steps(
            drop("valueCodeableConcept"),
            put(dataAbsentReason=DAR_UNKNOWN),
            remove_components("noms-flag"),
            lambda r: component(r, "escc-grade").pop("valueCodeableConcept"),
            lambda r: component(r, "escc-grade").update(dataAbsentReason=DAR_UNKNOWN),
        ),
    ),
    Case(
        "radiosensitivity-absent-without-primary",
        RADIOSENSITIVITY,
        steps(drop("valueCodeableConcept", "extension"), put(dataAbsentReason=DAR_UNKNOWN)),
    ),
    Case(
        "radiosensitivity-unclassified",
        RADIOSENSITIVITY,
        set_code(lambda r: r["valueCodeableConcept"], "histology-unclassified"),
    ),
    Case(
        "tokuhashi-range-band-certain",
        TOKUHASHI,
        steps(set_points("tokuhashi-general-condition", None), total(score_range(12, 14))),
    ),
    Case(
        "tomita-complete-with-band",
        TOMITA,
        steps(
            set_points("tomita-visceral-metastases", 0),
            total(3),
            put(interpretation=[concept("tomita-long-term-control")]),
        ),
    ),
    Case(
        "bauer-range",
        BAUER,
        steps(set_points("bauer-solitary-skeletal-metastasis", None), total(score_range(3, 4))),
    ),
    Case(
        "nesms-uncapped",
        NESMS,
        steps(set_points("nesms-albumin", 0), total(3)),
    ),
    Case(
        "nesms-range",
        NESMS,
        steps(set_points("nesms-albumin", None), total(score_range(2, 3))),
    ),
    Case(
        "recommendation-needs-clinician-input",
        RECOMMENDATION,
        steps(
            set_code(lambda r: r["valueCodeableConcept"], "plan-needs-clinician-input"),
            set_component_value("noms-radiation", valueCodeableConcept=concept("cebrt")),
            set_component_value(
                "noms-stabilization",
                valueCodeableConcept=concept("stabilization-surgical-consultation"),
            ),
            add_component("noms-flag", valueCodeableConcept=concept("flag-sins-indeterminate")),
            add_component("noms-rule", valueString="special-C"),
            add_component("noms-missing", valueString="stability-assessment"),
            add_component("noms-missing", valueString="surgical-candidate"),
        ),
    ),
    Case("recommendation-without-flags", RECOMMENDATION, remove_components("noms-flag")),
    Case(
        "assessment-risk-left-open",
        ASSESSMENT,
        lambda r: prediction(r, "mechanical-failure").pop("qualitativeRisk"),
    ),
    Case(
        "assessment-basis-as-bundle-urns",
        ASSESSMENT,
        put(basis=[{"reference": "urn:uuid:6f1d2c3b-4a59-5e6f-8a7b-9c0d1e2f3a4b"}]),
    ),
    Case(
        "provenance-without-user-or-inputs",
        PROVENANCE,
        steps(lambda r: r.update(agent=r["agent"][:1]), drop("entity")),
    ),
    Case(
        "imaging-escc-grade",
        IMAGING,
        steps(
            set_code(lambda r: r["code"], "escc-grade"),
            set_code(lambda r: r["valueCodeableConcept"], "escc-2"),
        ),
    ),
    Case(
        "imaging-finding-indeterminate",
        IMAGING,
        steps(drop("valueCodeableConcept"), put(dataAbsentReason=DAR_UNKNOWN)),
    ),
    Case(
        "imaging-with-period",
        IMAGING,
        steps(
            drop("effectiveDateTime"),
            put(effectivePeriod={"start": "2025-06-02T09:00:00Z", "end": "2025-06-02T10:00:00Z"}),
        ),
    ),
    Case(
        "judgement-surgical-candidate",
        JUDGEMENT,
        steps(
            set_code(lambda r: r["code"], "surgical-candidate"),
            drop("valueCodeableConcept", "bodySite"),
            put(valueBoolean=True),
        ),
    ),
    Case(
        "organs-visceral-treatable",
        ORGANS,
        steps(
            set_code(lambda r: r["code"], "visceral-metastases"),
            set_code(lambda r: r["valueCodeableConcept"], "visceral-treatable"),
        ),
    ),
    Case("count-zero", COUNT, put(valueInteger=0)),
    # Urgency (docs/clinical-rules.md §15.2)
    Case("urgency-patient-without-bodySite", URGENCY, drop("bodySite", "focus")),
    Case(
        "urgency-certain-emergent",
        URGENCY,
        steps(
            put(valueCodeableConcept=concept("urgency-emergent")),
            set_component_value(
                "urgency-at-least", valueCodeableConcept=concept("urgency-emergent")
            ),
            remove_components("noms-missing"),
        ),
    ),
    Case(
        "urgency-none",
        URGENCY,
        steps(
            drop("bodySite", "focus"),
            put(valueCodeableConcept=concept("urgency-none")),
            set_component_value("urgency-at-least", valueCodeableConcept=concept("urgency-none")),
            set_component_value("urgency-at-most", valueCodeableConcept=concept("urgency-none")),
            remove_components("noms-missing"),
        ),
    ),
    Case("sois-as-integer", SOIS, steps(drop("valueString"), put(valueInteger=7))),
]


@pytest.mark.parametrize("case", MUST_PASS, ids=[case.id for case in MUST_PASS])
def test_shape_validates(case):
    assert validate(build(case.example, case.change), profile_of(case.example)) == []


# ---------------------------------------------------------------------------------------------
# Resources that must fail, and why
# ---------------------------------------------------------------------------------------------

MUST_FAIL = [
    # Common to the results
    Case("per-level-result-without-bodySite", SINS, drop("bodySite"), "bodySite: Field required"),
    Case(
        "bodySite-not-a-vertebra",
        SINS,
        put(bodySite=concept("421060004", "http://snomed.info/sct")),  # vertebral column
        "noms-vertebra-vs",
    ),
    Case(
        "wrong-code",
        SINS,
        set_code(lambda r: r["code"], "tomita-score"),
        f'code: Value does not fulfill pattern: {{ "coding": [ {{ "system": "{SO}", '
        '"code": "sins-score" }',
    ),
    Case(
        "value-and-dataAbsentReason",
        SINS,
        put(dataAbsentReason=DAR_UNKNOWN),
        "[obs-6]",
    ),
    Case(
        "neither-value-nor-dataAbsentReason",
        RADIOSENSITIVITY,
        drop("valueCodeableConcept"),
        "[noms-value-or-absent]",
    ),
    Case("no-meta-profile", SINS, drop("meta"), "meta: Field required"),
    Case("no-identifier", SINS, drop("identifier"), "identifier: Field required"),
    Case(
        "identifier-in-another-system",
        SINS,
        lambda r: r["identifier"][0].update(system="http://example.org/ids"),
        'identifier.0.system: Value does not fulfill pattern: "http://noms-cds.org/fhir/sid/result"',
    ),
    Case(
        "identifier-value-without-hash",
        SINS,
        lambda r: r["identifier"][0].update(value="sins-T9"),
        "[noms-result-identifier]",
    ),
    Case(
        "two-identifiers",
        SINS,
        lambda r: r["identifier"].append(copy.deepcopy(r["identifier"][0])),
        "identifier: List should have at most 1 item",
    ),
    Case(
        "status-not-final-or-preliminary",
        SINS,
        put(status="amended"),
        "noms-result-status-vs",
    ),
    Case(
        "no-survey-category",
        SINS,
        put(
            category=[concept("exam", "http://terminology.hl7.org/CodeSystem/observation-category")]
        ),
        "Observation.category:survey: slice needs at least 1, found 0",
    ),
    Case(
        "subject-not-a-patient",
        SINS,
        put(subject={"reference": "Group/ward-7"}),
        "Observation.subject: reference to a Group, allowed: Patient",
    ),
    Case("no-method", SINS, drop("method"), "method: Field required"),
    Case(
        "derivedFrom-a-condition",
        RADIOSENSITIVITY,
        put(derivedFrom=[{"reference": "Condition/breast-cancer"}]),
        "Observation.derivedFrom[0]: reference to a Condition, allowed: DocumentReference or",
    ),
    Case(
        "assessment-condition-not-a-condition",
        ASSESSMENT,
        put(condition={"reference": "Observation/sins-score-t9"}),
        "RiskAssessment.condition: reference to a Observation, allowed: Condition",
    ),
    Case("no-effective", SINS, drop("effectiveDateTime"), "effective[x] must have one value set"),
    Case("no-issued", SINS, drop("issued"), "issued: Field required"),
    # SINS
    Case(
        "total-without-components",
        SINS,
        drop("component"),
        "component: Field required",
    ),
    Case(
        "component-code-outside-the-slices",
        SINS,
        set_code(lambda r: component(r, "sins-location")["code"], "sins-score"),
        "Observation.component:location: slice needs at least 1, found 0",
    ),
    Case(
        "seventh-component",
        SINS,
        add_component("noms-flag", valueCodeableConcept=concept("flag-escc-1c")),
        "component: List should have at most 6 items",
    ),
    Case(
        "component-twice",
        SINS,
        set_code(lambda r: component(r, "sins-location")["code"], "sins-pain"),
        "Observation.component:pain: slice allows at most 1, found 2",
    ),
    Case(
        "component-with-neither-points-nor-reason",
        SINS,
        steps(
            set_points("sins-pain", None),
            lambda r: component(r, "sins-pain").pop("dataAbsentReason"),
            total(score_range(6, 9)),
            drop("interpretation"),
        ),
        "[noms-component-value-or-absent]",
    ),
    Case(
        "component-points-as-string",
        SINS,
        set_component_value("sins-pain", valueString="3"),
        "Type choice element value[x] cannot use non-allowed type 'String'",
    ),
    Case(
        "sins-points-out-of-range",
        SINS,
        steps(set_points("sins-pain", 2), total(8)),
        "[noms-sins-points]",
    ),
    Case(
        "sins-range-points-out-of-range",
        SINS,
        steps(set_points("sins-alignment", score_range(0, 5)), total(score_range(9, 14))),
        "[noms-sins-points]",
    ),
    Case("total-not-the-sum", SINS, total(10), "[noms-total-is-sum]"),
    Case(
        "range-total-with-every-item-known",
        SINS,
        steps(total(score_range(9, 9)), drop("interpretation")),
        "[noms-total-is-sum]",
    ),
    Case(
        "integer-total-with-an-unknown-item",
        SINS,
        steps(set_points("sins-pain", None), total(6), drop("interpretation")),
        "[noms-total-is-sum]",
    ),
    Case(
        "range-without-high",
        SINS,
        steps(
            set_points("sins-pain", None),
            total({"low": score(6)}),
            drop("interpretation"),
        ),
        "[noms-score-range]",
    ),
    Case(
        "range-not-in-score-units",
        SINS,
        steps(
            set_points("sins-pain", None),
            total({"low": {"value": 6, "unit": "points"}, "high": {"value": 9, "unit": "points"}}),
            drop("interpretation"),
        ),
        "[noms-score-range]",
    ),
    Case(
        "range-low-above-high",
        SINS,
        steps(set_points("sins-pain", None), total(score_range(9, 6)), drop("interpretation")),
        "[noms-score-range]",
    ),
    Case(
        "band-contradicts-total",
        SINS,
        set_code(lambda r: r["interpretation"][0], "sins-stable"),
        "[noms-sins-band]",
    ),
    Case(
        "band-for-an-uncertain-range",
        SINS,
        steps(set_points("sins-pain", None), total(score_range(6, 9))),
        "[noms-sins-band]",
    ),
    Case(
        "band-from-another-score",
        SINS,
        put(interpretation=[concept("tomita-terminal-care")]),
        "noms-sins-band-vs",
    ),
    # ESCC
    Case(
        "escc-category-contradicts-grade",
        ESCC,
        steps(
            set_component_value("escc-grade", valueCodeableConcept=concept("escc-2")),
            remove_components("noms-flag"),
        ),
        "[noms-escc-category-matches-grade]",
    ),
    Case(
        "escc-1c-without-flag",
        ESCC,
        remove_components("noms-flag"),
        "[noms-escc-flag]",
    ),
    Case(
        "escc-flag-with-another-flag",
        ESCC,
        set_component_value("noms-flag", valueCodeableConcept=concept("flag-reirradiation")),
        "[noms-escc-flag]",
    ),
    Case(
        "escc-without-grade",
        ESCC,
        remove_components("escc-grade"),
        "Observation.component:grade: slice needs at least 1, found 0",
    ),
    Case(
        "escc-grade-not-a-grade",
        ESCC,
        set_component_value("escc-grade", valueCodeableConcept=concept("escc-low-grade")),
        "noms-escc-grade-vs",
    ),
    Case(
        "escc-with-interpretation",
        ESCC,
        put(interpretation=[concept("sins-stable")]),
        "interpretation: Input should be None",
    ),
    # Radiosensitivity
    Case(
        "patient-level-result-with-bodySite",
        RADIOSENSITIVITY,
        put(bodySite=concept("33766003", "http://snomed.info/sct")),
        "bodySite: Input should be None",
    ),
    Case(
        "radiosensitivity-class-unknown-code",
        RADIOSENSITIVITY,
        set_code(lambda r: r["valueCodeableConcept"], "radiosensitive"),
        "noms-radiosensitivity-vs",
    ),
    # Tokuhashi, Tomita, Bauer, NESMS
    Case(
        "tokuhashi-primary-site-6",
        TOKUHASHI,
        steps(set_points("tokuhashi-primary-site", 6), total(14)),
        "[noms-tokuhashi-points]",
    ),
    Case(
        "tokuhashi-item-3",
        TOKUHASHI,
        steps(set_points("tokuhashi-palsy", 3), total(14)),
        "[noms-tokuhashi-points]",
    ),
    Case(
        "tokuhashi-band-contradicts-total",
        TOKUHASHI,
        set_code(lambda r: r["interpretation"][0], "survival-lt-6-months"),
        "[noms-tokuhashi-band]",
    ),
    Case(
        "tokuhashi-five-items",
        TOKUHASHI,
        remove_components("tokuhashi-palsy"),
        "component: List should have at least 6 items",
    ),
    Case(
        "tomita-rapid-growth-3",
        TOMITA,
        steps(
            set_points("tomita-primary-growth", 3),
            total(score_range(5, 9)),
        ),
        "[noms-tomita-points]",
    ),
    Case(
        "tomita-band-for-an-uncertain-range",
        TOMITA,
        put(interpretation=[concept("tomita-long-term-control")]),
        "[noms-tomita-band]",
    ),
    Case(
        "tomita-total-below-2",
        TOMITA,
        steps(
            set_points("tomita-visceral-metastases", 0),
            set_points("tomita-bone-metastases", 0),
            set_points("tomita-primary-growth", 1),
            total(1),
        ),
        "[noms-tomita-points]",
    ),
    Case(
        "bauer-item-2",
        BAUER,
        steps(set_points("bauer-solitary-skeletal-metastasis", 2), total(5)),
        "[noms-bauer-points]",
    ),
    Case("nesms-above-3", NESMS, total(4), "[noms-nesms-points]"),
    Case("nesms-not-the-capped-sum", NESMS, total(2), "[noms-nesms-points]"),
    Case(
        "nesms-bauer-item-1",
        NESMS,
        steps(set_points("nesms-modified-bauer", 1), total(3)),
        "[noms-nesms-points]",
    ),
    # NOMS recommendation
    Case(
        "recommendation-without-radiation",
        RECOMMENDATION,
        remove_components("noms-radiation"),
        "Observation.component:radiation: slice needs at least 1, found 0",
    ),
    Case(
        "recommendation-two-surgery-parts",
        RECOMMENDATION,
        add_component("noms-surgery", valueCodeableConcept=concept("separation-surgery")),
        "Observation.component:surgery: slice allows at most 1, found 2",
    ),
    Case(
        "recommendation-without-rule",
        RECOMMENDATION,
        remove_components("noms-rule"),
        "Observation.component:rule: slice needs at least 1, found 0",
    ),
    Case(
        "recommendation-plan-not-a-plan",
        RECOMMENDATION,
        set_code(lambda r: r["valueCodeableConcept"], "cebrt"),
        "noms-plan-vs",
    ),
    Case(
        "recommendation-radiation-not-an-option",
        RECOMMENDATION,
        set_component_value("noms-radiation", valueCodeableConcept=concept("plan-cebrt")),
        "noms-radiation-vs",
    ),
    Case(
        "recommendation-unknown-flag",
        RECOMMENDATION,
        set_component_value("noms-flag", valueCodeableConcept=concept("flag-urgent")),
        "noms-flag-vs",
    ),
    Case(
        "recommendation-rule-as-code",
        RECOMMENDATION,
        set_component_value("noms-rule", valueCodeableConcept=concept("R1")),
        "component.3: Type choice element value[x] must have one value set",
    ),
    Case(
        "recommendation-without-plan",
        RECOMMENDATION,
        steps(drop("valueCodeableConcept"), put(dataAbsentReason=DAR_UNKNOWN)),
        "dataAbsentReason: Input should be None",
    ),
    # NOMS assessment
    Case(
        "assessment-with-one-prediction",
        ASSESSMENT,
        lambda r: r.update(prediction=r["prediction"][:1]),
        "prediction: List should have at least 2 items",
    ),
    Case(
        "assessment-same-outcome-twice",
        ASSESSMENT,
        lambda r: r["prediction"].__setitem__(1, copy.deepcopy(r["prediction"][0])),
        "RiskAssessment.prediction:mechanicalFailure: slice needs at least 1, found 0",
    ),
    Case(
        "assessment-risk-certain",
        ASSESSMENT,
        set_code(lambda r: prediction(r, "neurologic-deterioration")["qualitativeRisk"], "certain"),
        "noms-qualitative-risk-vs",
    ),
    Case(
        "assessment-without-rationale",
        ASSESSMENT,
        lambda r: prediction(r, "mechanical-failure").pop("rationale"),
        "rationale: Field required",
    ),
    Case(
        "assessment-with-probability",
        ASSESSMENT,
        lambda r: prediction(r, "mechanical-failure").update(probabilityDecimal=12),
        "probabilityDecimal: Input should be None",
    ),
    Case("assessment-without-basis", ASSESSMENT, drop("basis"), "basis: Field required"),
    Case(
        "assessment-without-mitigation",
        ASSESSMENT,
        drop("mitigation"),
        "mitigation: Field required",
    ),
    # Provenance
    Case("provenance-without-target", PROVENANCE, drop("target"), "target: Field required"),
    Case(
        "provenance-without-write-tag",
        PROVENANCE,
        lambda r: r["meta"].update(tag=[{"system": "http://example.org/tags", "code": "x"}]),
        "[noms-provenance-tag]",
    ),
    Case(
        "provenance-without-service-agent",
        PROVENANCE,
        lambda r: r.update(agent=r["agent"][1:]),
        "Provenance.agent:service: slice needs at least 1, found 0",
    ),
    Case(
        "provenance-service-not-a-device",
        PROVENANCE,
        lambda r: r["agent"][0]["who"].update(type="Organization"),
        'who.type: Value does not fulfill pattern: "Device"',
    ),
    Case(
        "provenance-user-not-a-practitioner",
        PROVENANCE,
        lambda r: r["agent"][1].update(who={"reference": "Patient/example"}),
        "Provenance.agent[1].who: reference to a Patient, allowed: Practitioner",
    ),
    Case(
        "provenance-update-not-create",
        PROVENANCE,
        set_code(lambda r: r["activity"], "UPDATE"),
        "activity: Value does not fulfill pattern",
    ),
    Case(
        "provenance-entity-not-a-source",
        PROVENANCE,
        lambda r: r["entity"][0].update(role="derivation"),
        'entity.0.role: Value does not fulfill pattern: "source"',
    ),
    # Input findings
    Case(
        "imaging-answer-of-another-finding",
        IMAGING,
        set_code(lambda r: r["valueCodeableConcept"], "escc-2"),
        "[noms-imaging-answer]",
    ),
    Case(
        "imaging-finding-not-imaging",
        IMAGING,
        put(
            category=[concept("exam", "http://terminology.hl7.org/CodeSystem/observation-category")]
        ),
        "Observation.category:imaging: slice needs at least 1, found 0",
    ),
    Case(
        "imaging-finding-sins-location",
        IMAGING,
        set_code(lambda r: r["code"], "sins-location"),
        "noms-lesion-imaging-finding-vs",
    ),
    Case("imaging-finding-without-level", IMAGING, drop("bodySite"), "bodySite: Field required"),
    Case(
        "imaging-focus-not-a-condition",
        IMAGING,
        put(focus=[{"reference": "Observation/other"}]),
        "Observation.focus[0]: reference to a Observation, allowed: Condition",
    ),
    Case(
        "pain-answer-not-a-pain-answer",
        PAIN,
        set_code(lambda r: r["valueCodeableConcept"], "lesion-lytic"),
        "noms-sins-pain-vs",
    ),
    Case(
        "finding-without-effective-time",
        PAIN,
        drop("effectiveDateTime"),
        "effective[x] must have one value set",
    ),
    Case(
        "prior-radiation-as-code",
        PRIOR_RADIATION,
        steps(drop("valueBoolean"), put(valueCodeableConcept=concept("stable"))),
        "Type choice element value[x] cannot use non-allowed type 'CodeableConcept'",
    ),
    Case(
        "neurology-finding-not-neurologic",
        NEUROLOGY,
        set_code(lambda r: r["code"], "prior-radiation"),
        "noms-neurology-finding-vs",
    ),
    Case(
        "frankel-unknown-grade",
        FRANKEL,
        set_code(lambda r: r["valueCodeableConcept"], "frankel-f"),
        "noms-frankel-grade-vs",
    ),
    Case("negative-count", COUNT, put(valueInteger=-1), "[noms-count-not-negative]"),
    Case(
        "organ-answer-of-another-finding",
        ORGANS,
        set_code(lambda r: r["code"], "visceral-metastases"),
        "[noms-organ-metastases-answer]",
    ),
    Case(
        "stability-assessment-without-level",
        JUDGEMENT,
        drop("bodySite"),
        "[noms-judgement-answer]",
    ),
    Case(
        "surgical-candidate-as-code",
        JUDGEMENT,
        set_code(lambda r: r["code"], "surgical-candidate"),
        "[noms-judgement-answer]",
    ),
    Case(
        "finding-without-subject",
        SOIS,
        drop("subject"),
        "subject: Field required",
    ),
    # Urgency (docs/clinical-rules.md §15.2)
    Case(
        "urgency-value-claims-a-tier-while-a-range-is-open",
        URGENCY,
        put(valueCodeableConcept=concept("urgency-urgent")),
        "[noms-urgency-value]",
    ),
    Case(
        "urgency-routine-while-emergent-is-possible",
        URGENCY,
        steps(
            put(valueCodeableConcept=concept("urgency-routine")),
            set_component_value(
                "urgency-at-least", valueCodeableConcept=concept("urgency-routine")
            ),
        ),
        "[noms-urgency-value]",
    ),
    Case(
        "urgency-at-least-above-at-most",
        URGENCY,
        steps(
            set_component_value(
                "urgency-at-least", valueCodeableConcept=concept("urgency-emergent")
            ),
            set_component_value("urgency-at-most", valueCodeableConcept=concept("urgency-urgent")),
        ),
        "[noms-urgency-order]",
    ),
    Case(
        "urgency-without-at-most",
        URGENCY,
        remove_components("urgency-at-most"),
        "atMost",
    ),
    Case(
        "urgency-without-a-reason",
        URGENCY,
        remove_components("urgency-reason"),
        "reason",
    ),
    Case(
        "urgency-tier-outside-the-value-set",
        URGENCY,
        set_component_value(
            "urgency-at-most", valueCodeableConcept=concept("urgency-undetermined")
        ),
        "noms-urgency-tier-vs",
    ),
]


@pytest.mark.parametrize("case", MUST_FAIL, ids=[case.id for case in MUST_FAIL])
def test_shape_fails_for_its_reason(case):
    problems = validate(build(case.example, case.change), profile_of(case.example))
    assert any(case.reason in problem for problem in problems), problems


def test_case_ids_are_unique():
    ids = [case.id for case in MUST_PASS + MUST_FAIL]
    assert len(ids) == len(set(ids))


def test_validate_refuses_an_unknown_profile():
    resource = examples()[SINS]
    assert validate(resource, "http://example.org/StructureDefinition/other") == [
        "http://example.org/StructureDefinition/other: not a NOMS-CDS profile"
    ]


def test_validate_refuses_another_resource_type():
    assert validate(examples()[PROVENANCE], examples()[SINS]["meta"]["profile"][0]) == [
        "resourceType: 'Provenance' is not a Observation"
    ]


def test_a_resource_claiming_no_profile_of_ours_is_a_problem():
    resource = build(SINS, drop("meta"))
    assert validate_claimed(resource) == ["meta.profile: claims no NOMS-CDS profile"]
