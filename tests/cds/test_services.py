"""The NOMS-CDS services on the wire: discovery, patient-view, order-select/order-sign, feedback.

The EHR is the sandbox FHIR store on a loopback port (the demo patients); the prefetch is what a
CDS client would send (tests/cds/prefetching.py); every card is checked against the CDS Hooks
2.0 rules (tests/cds/card_rules.py).
"""

from __future__ import annotations

import copy
import json
import uuid

import pytest
from flask import Flask

from service.fhir import codes, models
from service.storage.database import open_database
from service.storage.feedback import feedback_for_service
from tests.cds import tokens
from tests.cds.card_rules import problems
from tests.cds.conftest import BASE, bearer
from tests.cds.prefetching import prefetch_from

HOOKS = tokens.CDS_DATA / "hooks"
PATIENT_VIEW = "/cds-services/spine-mets-noms"
ORDERS = "/cds-services/spine-mets-noms-orders"
EMERGENT = "11-special-a-breast-myelopathy"  # ESCC 3 with myelopathy at T6
ROUTINE = "01-r1-breast-low-grade-stable"  # T7, low-grade, stable
TWO_LEVELS = "18-two-levels-nsclc"  # L3 urgent (SINS 12, mechanical pain), T4 routine
OPEN = "19-chart-lacks-spine-findings"  # T8, nothing known: possibly emergent
VERTEBRA = {level.value: code for level, code in codes.VERTEBRA.items()}


@pytest.fixture
def app(make_app, fhir_store, tmp_path) -> Flask:
    issuers = {
        tokens.SANDBOX_ISSUER: {
            "jwks": tokens.sandbox_public_jwks(),
            "fhir_servers": [fhir_store.base_url],
        }
    }
    return make_app(
        PUBLIC_BASE_URL=BASE,
        CDS_ISSUERS=json.dumps(issuers),
        SMART_LAUNCH_URL="https://cds.example.org/smart/launch",
        DATABASE_URL=f"sqlite:///{tmp_path / 'noms.sqlite3'}",
    )


def call(app: Flask, key, path: str, body: dict):
    return app.test_client().post(
        path, data=json.dumps(body), headers=bearer(key, path), content_type="application/json"
    )


def hook_body(hook: str, patient_id: str, prefetch=None, fhir_server=None, **context) -> dict:
    body = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": patient_id, **context},
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    if fhir_server is not None:
        body["fhirServer"] = fhir_server
    return body


def cards_of(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert problems(body) == []
    return body["cards"]


def test_discovery_lists_both_services_with_their_prefetch(app: Flask):
    services = app.test_client().get("/cds-services").get_json()["services"]
    assert [(s["id"], s["hook"]) for s in services] == [
        ("spine-mets-noms", "patient-view"),
        ("spine-mets-noms-orders", "order-select"),
        ("spine-mets-noms-orders", "order-sign"),
    ]
    for service in services:
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert set(service["prefetch"]) == {
            "patient",
            "conditions",
            "observations",
            "procedures",
            "imagingStudies",
        }


# ---- patient-view -----------------------------------------------------------------------------


def test_an_emergent_patient_gets_a_critical_card(app, fhir_store, store_admin, sandbox_key):
    patient = store_admin.patient_id(EMERGENT)
    prefetch = prefetch_from(fhir_store.base_url, patient)
    store_admin.clear_log()
    [card] = cards_of(
        call(app, sandbox_key, PATIENT_VIEW, hook_body("patient-view", patient, prefetch))
    )
    assert store_admin.request_count() == 0  # full prefetch: nothing fetched
    assert card["indicator"] == "critical"
    assert card["summary"] == "T6: EMERGENT - urgent decompression/stabilization, then radiation"
    assert card["source"]["url"] == "https://doi.org/10.1634/theoncologist.2012-0293"
    assert "ESCC | grade 3 (high-grade)" in card["detail"]
    assert "**Rules:**" in card["detail"] and "special-A" in card["detail"]
    [link] = card["links"]
    assert link == {
        "label": "Open the spine assessment",
        "url": "https://cds.example.org/smart/launch",
        "type": "smart",
        "appContext": '{"level": "T6"}',
    }
    # Special case A: surgery first, then cEBRT (a radiosensitive solid tumour).
    assert [s["label"] for s in card["suggestions"]] == [
        "Spine surgery consultation",
        "Radiation oncology consultation",
    ]
    assert card["selectionBehavior"] == "any"
    [action] = card["suggestions"][0]["actions"]
    referral = action["resource"]
    models.validate(referral)  # a valid FHIR R4 ServiceRequest
    assert referral["intent"] == "proposal" and referral["priority"] == "stat"
    assert referral["subject"] == {"reference": f"Patient/{patient}"}
    assert referral["code"]["coding"] == [codes.PATIENT_REFERRAL.coding()]
    assert referral["bodySite"][0]["coding"][0]["code"] == VERTEBRA["T6"].code
    assert referral["reasonReference"][0]["reference"].startswith("Condition/")
    assert {r["code"] for r in card["overrideReasons"]} >= {"action-completed", "need-more-info"}


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        (ROUTINE, [("info", "T7: ROUTINE - conventional external beam radiotherapy (cEBRT)")]),
        (
            TWO_LEVELS,
            [
                ("warning", "L3: URGENT - needs clinician input"),
                ("info", "T4: ROUTINE - stereotactic radiosurgery (SRS)"),
            ],
        ),
        (
            OPEN,
            [
                (
                    "warning",
                    "T8: POSSIBLY EMERGENT - needs clinician input "
                    "(record the ESCC grade and myelopathy)",
                )
            ],
        ),
    ],
)
def test_cards_per_level_most_urgent_first(
    app, fhir_store, store_admin, sandbox_key, stem, expected
):
    patient = store_admin.patient_id(stem)
    body = hook_body("patient-view", patient, prefetch_from(fhir_store.base_url, patient))
    cards = cards_of(call(app, sandbox_key, PATIENT_VIEW, body))
    assert [(c["indicator"], c["summary"]) for c in cards] == expected


def test_no_card_without_a_spinal_metastasis(app, make_app, sandbox_key, austin):
    from service.fhir.extract import resources_from_bundle

    resources, _ = resources_from_bundle(austin)
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    prefetch = {"patient": patient}
    for key, kind in (
        ("conditions", "Condition"),
        ("observations", "Observation"),
        ("procedures", "Procedure"),
        ("imagingStudies", "ImagingStudy"),
    ):
        found = [{"resource": r} for r in resources if r["resourceType"] == kind]
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": found}
    body = hook_body("patient-view", patient["id"], prefetch)
    assert cards_of(call(app, sandbox_key, PATIENT_VIEW, body)) == []


def test_a_partial_prefetch_is_completed_from_the_fhir_server(
    app, fhir_store, store_admin, sandbox_key
):
    patient = store_admin.patient_id(TWO_LEVELS)
    full = prefetch_from(fhir_store.base_url, patient)
    expected = [
        c["summary"]
        for c in cards_of(
            call(app, sandbox_key, PATIENT_VIEW, hook_body("patient-view", patient, full))
        )
    ]
    partial = {key: full[key] for key in ("patient", "procedures")}
    partial["imagingStudies"] = None  # no data
    store_admin.clear_log()
    body = hook_body("patient-view", patient, partial, fhir_store.base_url)
    assert [c["summary"] for c in cards_of(call(app, sandbox_key, PATIENT_VIEW, body))] == expected
    fetched = sorted(entry["path"].rsplit("/", 1)[-1] for entry in store_admin.log())
    assert fetched == ["Condition", "Observation"]


def test_no_prefetch_is_fetched_entirely(app, fhir_store, store_admin, sandbox_key):
    patient = store_admin.patient_id(EMERGENT)
    body = hook_body("patient-view", patient, None, fhir_store.base_url)
    [card] = cards_of(call(app, sandbox_key, PATIENT_VIEW, body))
    assert card["indicator"] == "critical"


def test_no_prefetch_and_no_fhir_access_is_412(app, fhir_store, store_admin, sandbox_key):
    patient = store_admin.patient_id(EMERGENT)
    for body in (
        hook_body("patient-view", patient),
        hook_body("patient-view", patient, fhir_server="https://other-ehr.example.org/fhir"),
    ):
        store_admin.clear_log()
        response = call(app, sandbox_key, PATIENT_VIEW, body)
        assert response.status_code == 412
        outcome = response.get_json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert "the prefetch lacks" in outcome["issue"][0]["diagnostics"]
        assert store_admin.request_count() == 0


def test_a_failing_fhir_server_is_never_no_cards(app, fhir_store, store_admin, sandbox_key):
    patient = store_admin.patient_id(EMERGENT)
    store_admin.fault(kind="fail", status=503, count=10, resource_type="Condition")
    store_admin.settings(batch=False)
    body = hook_body("patient-view", patient, None, fhir_store.base_url)
    response = call(app, sandbox_key, PATIENT_VIEW, body)
    assert response.status_code == 503
    assert response.get_json()["resourceType"] == "OperationOutcome"


# ---- order-select and order-sign --------------------------------------------------------------


def spec_context(name: str, patient_id: str) -> dict:
    """A CDS Hooks docs R4 example context, for our patient (tests/data/cds-hooks/ORIGIN.md)."""
    context = json.loads((HOOKS / name).read_text(encoding="utf-8"))["context"]
    text = json.dumps(context).replace("1288992", patient_id)
    return json.loads(text)


def order_body(hook, patient, prefetch, context) -> dict:
    return {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": prefetch,
    }


@pytest.mark.parametrize(
    ("hook", "example"),
    [
        ("order-select", "order-select-context-r4.json"),
        ("order-sign", "order-sign-context-r4.json"),
    ],
)
def test_the_spec_examples_give_a_card_only_where_an_emergency_is_possible(
    app, fhir_store, store_admin, sandbox_key, hook, example
):
    # A diet and an antibiotic are not spine orders: a routine patient gets no card, but a
    # clinician ordering anything for a patient with an emergency must hear of it.
    for stem, expected in ((ROUTINE, []), (EMERGENT, ["critical"]), (OPEN, ["warning"])):
        patient = store_admin.patient_id(stem)
        prefetch = prefetch_from(fhir_store.base_url, patient)
        body = order_body(hook, patient, prefetch, spec_context(example, patient))
        cards = cards_of(call(app, sandbox_key, ORDERS, body))
        assert [c["indicator"] for c in cards] == expected, stem


def spine_order(order_id: str, coding: tuple[str, str], *levels: str) -> dict:
    resource = {
        "resourceType": "ServiceRequest",
        "id": order_id,
        "status": "draft",
        "intent": "order",
        "code": {"coding": [{"system": coding[0], "code": coding[1]}]},
    }
    if levels:
        resource["bodySite"] = [{"coding": [VERTEBRA[level].coding()]} for level in levels]
    return resource


def orders_context(patient: str, hook: str, *orders: dict) -> dict:
    for order in orders:
        order["subject"] = {"reference": f"Patient/{patient}"}
    context = {
        "userId": "Practitioner/example",
        "patientId": patient,
        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": o} for o in orders]},
    }
    if hook == "order-select":
        context["selections"] = [f"ServiceRequest/{orders[-1]['id']}"]
    return context


@pytest.mark.parametrize(
    ("hook", "orders", "levels"),
    [
        # MRI of the thoracic spine (CPT, as the CDS Hooks sandbox sends it): T4 only.
        ("order-select", [spine_order("mri", (codes.CPT, "72146"))], ["T4"]),
        # MR lumbar spine (LOINC): L3 only.
        ("order-sign", [spine_order("mr", (codes.LOINC, "24968-0"))], ["L3"]),
        # Radiotherapy to L3 (bodySite names the level).
        ("order-select", [spine_order("rt", (codes.SNOMED, "1217123003"), "L3")], ["L3"]),
        # Spine surgery without a level: the whole spine.
        ("order-sign", [spine_order("op", (codes.CPT, "63047"))], ["L3", "T4"]),
        # order-select looks at the selection only (the last order): a brain MRI, no card.
        (
            "order-select",
            [
                spine_order("rt", (codes.SNOMED, "1217123003")),
                spine_order("brain", (codes.CPT, "70551")),
            ],
            [],
        ),
    ],
)
def test_spine_orders_get_the_cards_of_the_levels_they_concern(
    app, fhir_store, store_admin, sandbox_key, hook, orders, levels
):
    patient = store_admin.patient_id(TWO_LEVELS)
    prefetch = prefetch_from(fhir_store.base_url, patient)
    body = order_body(
        hook, patient, prefetch, orders_context(patient, hook, *copy.deepcopy(orders))
    )
    cards = cards_of(call(app, sandbox_key, ORDERS, body))
    assert [c["summary"].split(":")[0] for c in cards] == levels
    for card in cards:
        assert "Ordered: " in card["detail"]


def test_an_order_hook_without_data_is_412(app, store_admin, sandbox_key):
    patient = store_admin.patient_id(TWO_LEVELS)
    context = orders_context(patient, "order-sign", spine_order("mri", (codes.CPT, "72146")))
    body = {"hook": "order-sign", "hookInstance": str(uuid.uuid4()), "context": context}
    assert call(app, sandbox_key, ORDERS, body).status_code == 412


# ---- every demo patient, every card ------------------------------------------------------------


def test_every_demo_patients_cards_follow_the_spec(app, fhir_store, store_admin, sandbox_key):
    from tests.e2e.helpers import DEMO_STEMS

    for stem in DEMO_STEMS:
        patient = store_admin.patient_id(stem)
        body = hook_body("patient-view", patient, prefetch_from(fhir_store.base_url, patient))
        cards = cards_of(call(app, sandbox_key, PATIENT_VIEW, body))
        assert cards, stem  # every demo patient has a spinal metastasis
        for card in cards:
            assert len(card["summary"]) < 140
            for suggestion in card.get("suggestions", []):
                for action in suggestion["actions"]:
                    models.validate(action["resource"])


# ---- feedback ---------------------------------------------------------------------------------


def test_feedback_is_kept_without_the_comment(app, sandbox_key, tmp_path):
    path = PATIENT_VIEW + "/feedback"
    card = str(uuid.uuid4())
    body = {
        "feedback": [
            {
                "card": card,
                "outcome": "overridden",
                "overrideReason": {
                    "reason": codes.OVERRIDE_REASONS[0].coding(),
                    "userComment": "patient Jane Doe declined",
                },
                "outcomeTimestamp": "2026-11-30T10:00:00Z",
            }
        ]
    }
    response = call(app, sandbox_key, path, body)
    assert response.status_code == 200
    database = open_database(f"sqlite:///{tmp_path / 'noms.sqlite3'}")
    [kept] = feedback_for_service(database, "spine-mets-noms")
    assert (kept.card_uuid, kept.outcome, kept.override_reason_code) == (
        card,
        "overridden",
        "action-completed",
    )
    too_long = {"feedback": [{**body["feedback"][0], "card": "x" * 65}]}
    assert call(app, sandbox_key, path, too_long).status_code == 400
