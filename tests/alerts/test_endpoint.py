"""The Subscription notification endpoint: secret first, then each named patient read and assessed.

The EHR is the sandbox FHIR store with the demo patients over real HTTP; the notifications are
R4 rest-hook pings and payloads, and the Subscriptions R5 Backport IG's notification Bundles
(tests/data/subscriptions/, with their focus pointed at the demo patients' resources).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.fhir_store import RunningStore
from tests.alerts.test_triggers import alert_app, alerted
from tests.e2e.helpers import Admin

SUBSCRIPTIONS = Path(__file__).resolve().parents[1] / "data" / "subscriptions"
SECRET = "Bearer subscription-secret-0123456789"
AUTH = {"Authorization": SECRET}
URL = "/fhir/subscription-notification"
EMERGENT = "11-special-a-breast-myelopathy"  # T6 emergent
URGENT = "02-r2-prostate-low-grade-unstable"  # T11 urgent


@pytest.fixture
def app(make_app: Any, tmp_path: Path, demo_ehr: RunningStore) -> Flask:
    return alert_app(
        make_app, tmp_path, FHIR_BASE_URL=demo_ehr.base_url, SUBSCRIPTION_SECRET=SECRET
    )


def example(name: str) -> dict[str, Any]:
    return json.loads((SUBSCRIPTIONS / name).read_text(encoding="utf-8"))


def id_only(*focus: str) -> dict[str, Any]:
    """The backport's R4 id-only notification, one event per focus reference."""
    bundle = example("r4-notification-id-only.json")
    parameters = bundle["entry"][0]["resource"]["parameter"]
    template = next(p for p in parameters if p["name"] == "notification-event")
    parameters.remove(template)
    for number, reference in enumerate(focus, start=1):
        event = copy.deepcopy(template)
        for part in event["part"]:
            if part["name"] == "focus":
                part["valueReference"] = {"reference": reference}
            if part["name"] == "event-number":
                part["valueString"] = str(number)
        parameters.append(event)
    return bundle


def post(app: Flask, path: str = URL, body: Any = None, headers: Any = AUTH, method: str = "post"):
    data = b"" if body is None else json.dumps(body).encode()
    return getattr(app.test_client(), method)(
        path, data=data, headers=headers, content_type="application/fhir+json"
    )


def an_observation(admin: Admin, patient: str) -> dict[str, Any]:
    return admin.search("Observation", patient=patient)[0]


# -- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-secret-0123456789abc"}, {"Authorization": SECRET + "x"}],
    ids=["missing", "wrong", "longer"],
)
def test_a_missing_or_wrong_secret_is_refused_before_anything_is_read(
    app: Flask, demo_admin: Admin, headers: dict[str, str]
):
    patient = demo_admin.patient_id(EMERGENT)
    demo_admin.clear_log()
    answer = post(app, f"{URL}/Patient/{patient}", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    outcome = answer.get_json(force=True)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "login"
    assert demo_admin.request_count() == 0  # the EHR was never read
    assert alerted(app) == Counter()


def test_without_a_configured_secret_every_notification_is_refused(
    make_app: Any, tmp_path: Path, demo_ehr: RunningStore, demo_admin: Admin
):
    app = alert_app(make_app, tmp_path, FHIR_BASE_URL=demo_ehr.base_url)
    patient = demo_admin.patient_id(EMERGENT)
    assert post(app, f"{URL}/Patient/{patient}").status_code == 401


def test_a_custom_header_and_a_rotation_of_secrets(
    make_app: Any, tmp_path: Path, demo_ehr: RunningStore, demo_admin: Admin
):
    old, new = "old-secret-0123456789abcdef", "new-secret-0123456789abcdef"
    app = alert_app(
        make_app,
        tmp_path,
        FHIR_BASE_URL=demo_ehr.base_url,
        SUBSCRIPTION_HEADER="X-Api-Key",
        SUBSCRIPTION_SECRET=json.dumps([old, new]),
    )
    patient = demo_admin.patient_id(URGENT)
    assert post(app, f"{URL}/Patient/{patient}", headers={"X-Api-Key": old}).status_code == 200
    assert post(app, f"{URL}/Patient/{patient}", headers={"X-Api-Key": new}).status_code == 200
    assert post(app, f"{URL}/Patient/{patient}", headers={"Authorization": old}).status_code == 401


@pytest.mark.parametrize("path", ["Patient/a b", "patient/1", "Patient/" + "1" * 65])
def test_a_url_that_names_no_fhir_resource_is_a_400(app: Flask, path: str):
    answer = post(app, f"{URL}/{path}")
    assert answer.status_code == 400
    assert answer.get_json(force=True)["resourceType"] == "OperationOutcome"


def test_not_a_notification_is_a_400_operation_outcome(app: Flask):
    answer = post(app, body={"resourceType": "Bundle", "type": "searchset", "entry": []})
    assert answer.status_code == 400
    assert answer.get_json(force=True)["resourceType"] == "OperationOutcome"


# -- accepted ------------------------------------------------------------------------------------


def test_handshakes_and_heartbeats_are_acknowledged_without_reading_the_ehr(
    app: Flask, demo_admin: Admin
):
    demo_admin.clear_log()
    for name in ("r4-notification-handshake.json", "r4b-notification-heartbeat.json"):
        answer = post(app, body=example(name))
        assert answer.status_code == 200
        assert answer.get_json()["kind"] in {"handshake", "heartbeat"}
    assert demo_admin.request_count() == 0


def test_an_empty_ping_to_a_patients_endpoint_alerts_once(app: Flask, demo_admin: Admin):
    patient = demo_admin.patient_id(EMERGENT)
    receipts = [post(app, f"{URL}/Patient/{patient}").get_json() for _ in range(3)]
    assert [r["alerts"]["created"] for r in receipts] == [1, 0, 0]
    assert [r["alerts"]["duplicate"] for r in receipts] == [0, 1, 1]
    assert all(r["patientsAssessed"] == 1 and r["unresolved"] == 0 for r in receipts)
    assert alerted(app) == Counter({("T6", "emergent", "ehr"): 1, ("T6", "emergent", "webhook"): 1})


def test_an_empty_ping_to_the_shared_endpoint_names_no_patient(app: Flask, demo_admin: Admin):
    demo_admin.clear_log()
    receipt = post(app).get_json()
    assert receipt["unresolved"] == 1 and receipt["patientsAssessed"] == 0
    assert demo_admin.request_count() == 0


def test_a_backport_bundle_is_followed_from_its_focus_to_the_patient(app: Flask, demo_admin: Admin):
    emergent = demo_admin.patient_id(EMERGENT)
    urgent = demo_admin.patient_id(URGENT)
    focus = [
        f"Observation/{an_observation(demo_admin, emergent)['id']}",
        f"{demo_admin.base_url}/Observation/{an_observation(demo_admin, urgent)['id']}",
        "https://elsewhere.example.org/fhir/Observation/1",  # another server: never read
        f"Patient/{emergent}",  # the same patient again: assessed once
    ]
    demo_admin.clear_log()
    receipt = post(app, body=id_only(*focus)).get_json()
    assert receipt["events"] == 4 and receipt["patientsAssessed"] == 2
    assert receipt["unresolved"] == 1 and receipt["alerts"]["created"] == 2
    assert all("elsewhere" not in entry.get("url", "") for entry in demo_admin.log())
    assert alerted(app) == Counter(
        {
            ("T6", "emergent", "ehr"): 1,
            ("T6", "emergent", "webhook"): 1,
            ("T11", "urgent", "ehr"): 1,
            ("T11", "urgent", "webhook"): 1,
        }
    )


def test_an_r4_rest_hook_payload_put_to_its_resource_url(app: Flask, demo_admin: Admin):
    patient = demo_admin.patient_id(URGENT)
    observation = an_observation(demo_admin, patient)
    path = f"{URL}/Observation/{observation['id']}"
    answer = post(app, path, body=observation, method="put")
    assert answer.status_code == 200 and answer.get_json()["alerts"]["created"] == 1
    # A URL naming another resource than the body is refused.
    assert post(app, f"{URL}/Observation/other", body=observation, method="put").status_code == 400


def test_an_ehr_that_fails_makes_a_503_so_the_sender_retries_and_nothing_is_lost(
    app: Flask, demo_admin: Admin
):
    patient = demo_admin.patient_id(EMERGENT)
    demo_admin.fault(kind="fail", count=50, status=503, method="GET")
    answer = post(app, f"{URL}/Patient/{patient}")
    assert answer.status_code in {502, 503}
    assert answer.get_json(force=True)["resourceType"] == "OperationOutcome"
    assert alerted(app) == Counter()
    demo_admin.reset()
    patient = demo_admin.patient_id(EMERGENT)
    assert post(app, f"{URL}/Patient/{patient}").get_json()["alerts"]["created"] == 1


# -- arbitrary input -------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
SHAPES = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Bundle", "Observation", "Patient", "Parameters"])},
    optional={
        "type": st.sampled_from(["history", "subscription-notification", "searchset"]),
        "id": st.text(max_size=10),
        "entry": st.lists(JSON, max_size=3),
        "subject": JSON,
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(JSON, SHAPES))
def test_arbitrary_bodies_with_the_right_secret_get_a_documented_answer(app: Flask, body: Any):
    answer = post(app, body=body)
    assert answer.status_code in {200, 400, 413, 415}, answer.get_data(as_text=True)
    payload = answer.get_json(force=True)
    if answer.status_code == 200:
        assert set(payload) == {
            "kind",
            "format",
            "events",
            "patientsAssessed",
            "unresolved",
            "alerts",
        }
    else:
        assert payload["resourceType"] == "OperationOutcome"
