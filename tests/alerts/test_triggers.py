"""Which assessments alert, what the alert says, and the CDS and API call sites that enqueue them.

The assessments are the demo patients' (service/demo/patients); the app is the real one, its
outbox an SQLite file; the CDS client's EHR is the sandbox FHIR store over HTTP.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from sandbox.fhir_store import RunningStore
from service.alerts.documents import ehr_transaction, webhook_body
from service.alerts.keys import ALERT_IDENTIFIER_SYSTEM, AlertFinding, is_alert_key
from service.alerts.outbox import Outbox
from service.alerts.senders import EhrSender
from service.alerts.triggers import EXTENSION, alert_contents
from service.storage.models import alert_deliveries
from service.views import report_view
from tests.alerts.helpers import WEBHOOK_SECRET
from tests.cds import tokens
from tests.cds.conftest import BASE, bearer
from tests.cds.prefetching import prefetch_from
from tests.e2e.helpers import Admin, demo_bundle
from tests.e2e.helpers import assess_file as assess_demo

CARE_TEAM = "CareTeam/spine-oncology"
HOOK_URL = "http://127.0.0.1:9/hooks/spine"  # never called here: enqueueing only


def alert_app(make_app: Any, tmp_path: Path, **extra: Any) -> Flask:
    """The service with both channels on, its outbox in ``tmp_path``."""
    settings = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'noms.sqlite3'}",
        "FHIR_BASE_URL": "http://127.0.0.1:9/fhir",
        "ALERT_CARE_TEAM": CARE_TEAM,
        "ALERT_WEBHOOK_URL": HOOK_URL,
        "ALERT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        **extra,
    }
    return make_app(**settings)


def outbox_of(app: Flask) -> Outbox:
    alerting = app.extensions[EXTENSION]
    alerting.drain()
    return alerting.outbox()


def alerted(app: Flask) -> Counter[tuple[str, str, str]]:
    """(scope, tier, channel) of every delivery in the app's outbox."""
    return Counter((d.scope, d.tier, d.channel) for d in outbox_of(app).deliveries())


# -- which assessments alert -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("01-r1-breast-low-grade-stable", []),  # routine: no alert
        ("02-r2-prostate-low-grade-unstable", [("T11", "urgent", True)]),
        ("11-special-a-breast-myelopathy", [("T6", "emergent", True)]),
        ("18-two-levels-nsclc", [("L3", "urgent", True)]),  # T4 is routine: one alert
        ("19-chart-lacks-spine-findings", [("T8", "emergent", False)]),  # possibly emergent
        ("21-myelopathy-no-level-explains", [("patient", "emergent", False)]),
        ("22-sacrum-segment-not-given", [("sacrum", "urgent", False)]),
    ],
)
def test_a_level_alerts_at_its_highest_possible_tier_when_urgent_or_emergent(stem, expected):
    view = report_view(assess_demo(stem))
    contents = alert_contents(view, "api")
    assert [(c.finding.scope, c.finding.tier, c.certain) for c in contents] == expected
    for content in contents:
        assert content.finding.patient == f"Patient/{view.patient.id}"
        assert is_alert_key(content.finding.key)
        assert content.headline.split(":")[0] in {
            "URGENT",
            "EMERGENT",
            "POSSIBLY EMERGENT",
            "POSSIBLY URGENT",
        }


def test_the_ehr_document_is_a_communication_and_a_task_to_the_care_team_created_once():
    view = report_view(assess_demo("11-special-a-breast-myelopathy"))
    [content] = alert_contents(view, "api")
    bundle = ehr_transaction(content, CARE_TEAM, "2026-11-01T12:00:00+00:00")
    communication, task = (entry["resource"] for entry in bundle["entry"])
    assert communication["recipient"] == [{"reference": CARE_TEAM}]
    assert communication["subject"] == {"reference": f"Patient/{view.patient.id}"}
    assert communication["priority"] == task["priority"] == "stat"
    assert communication["payload"][0]["contentString"].startswith(
        "Spinal metastasis alert (level T6): EMERGENT"
    )
    assert task["owner"] == {"reference": CARE_TEAM}
    assert task["focus"] == {"reference": bundle["entry"][0]["fullUrl"]}
    assert "coding" not in task["code"]  # text only: no invented code
    for entry in bundle["entry"]:
        assert entry["resource"]["identifier"] == [
            {"system": ALERT_IDENTIFIER_SYSTEM, "value": content.finding.key}
        ]
        assert entry["request"]["ifNoneExist"].endswith(content.finding.key)
    # The sender's own check of a document it may resend: every entry a conditional create.
    assert EhrSender._checked_entries(bundle) == bundle["entry"]
    body = webhook_body(content, "2026-11-01T12:00:00+00:00")
    assert body["id"] == content.finding.key and body["tier"] == "emergent"
    assert body["patient"] == f"Patient/{view.patient.id}" and body["certain"] is True


# -- the API --------------------------------------------------------------------------------------


def post_bundle(app: Flask, bundle: dict[str, Any]) -> Any:
    return app.test_client().post(
        "/api/assessments", data=json.dumps(bundle), content_type="application/fhir+json"
    )


def test_the_api_enqueues_one_alert_per_finding_however_often_it_is_assessed(make_app, tmp_path):
    app = alert_app(make_app, tmp_path)
    for _ in range(3):
        assert post_bundle(app, demo_bundle("11-special-a-breast-myelopathy")).status_code == 200
        assert post_bundle(app, demo_bundle("01-r1-breast-low-grade-stable")).status_code == 200
    assert alerted(app) == Counter({("T6", "emergent", "ehr"): 1, ("T6", "emergent", "webhook"): 1})


def counted(app: Flask, name: str, **labels: str) -> float:
    """A counter's value as /metrics shows it (0 when not yet counted)."""
    text = app.test_client().get("/metrics").get_data(as_text=True)
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    line = next((x for x in text.splitlines() if x.startswith(f"{name}{{{wanted}}}")), None)
    return float(line.split()[-1]) if line else 0.0


def test_metrics_count_what_was_enqueued_and_what_failed(make_app, tmp_path):
    app = alert_app(make_app, tmp_path)
    labels = {"tier": "emergent", "trigger": "api"}
    name = "noms_cds_alerts_enqueued_total"
    before = [counted(app, name, outcome=o, **labels) for o in ("created", "duplicate")]
    for _ in range(2):
        post_bundle(app, demo_bundle("12-special-b-myeloma-myelopathy"))
    after = [counted(app, name, outcome=o, **labels) for o in ("created", "duplicate")]
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    broken = alert_app(
        make_app, tmp_path / "b", DATABASE_URL=f"sqlite:///{blocker / 'noms.sqlite3'}"
    )
    failures = counted(broken, "noms_cds_alerts_enqueue_failures_total", trigger="api")
    post_bundle(broken, demo_bundle("12-special-b-myeloma-myelopathy"))
    assert counted(broken, "noms_cds_alerts_enqueue_failures_total", trigger="api") == failures + 1


def test_a_new_alert_when_the_tier_rises_none_when_it_falls(make_app, tmp_path):
    app = alert_app(make_app, tmp_path, ALERT_CARE_TEAM="", FHIR_BASE_URL="")
    urgent = demo_bundle("07-r7-nsclc-high-grade-stable-fit")  # T9 urgent
    emergent = demo_bundle("12-special-b-myeloma-myelopathy")  # T9 emergent
    patient = next(
        e["resource"]["id"] for e in urgent["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    other = next(
        e["resource"]["id"] for e in emergent["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    # The same patient, seen first at urgent, then at emergent, then at urgent again.
    emergent = json.loads(json.dumps(emergent).replace(other, patient))
    for bundle in (urgent, emergent, urgent, emergent):
        assert post_bundle(app, bundle).status_code == 200
    assert alerted(app) == Counter(
        {("T9", "urgent", "webhook"): 1, ("T9", "emergent", "webhook"): 1}
    )


def test_an_outbox_that_cannot_be_written_never_breaks_the_answer(make_app, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app = alert_app(make_app, tmp_path, DATABASE_URL=f"sqlite:///{blocker / 'noms.sqlite3'}")
    bundle = demo_bundle("11-special-a-breast-myelopathy")
    with caplog.at_level(logging.ERROR, logger="noms_cds.alerts"):
        answer = post_bundle(app, bundle)
    assert answer.status_code == 200
    assert answer.get_json()["assessment"]["patient"]["urgency"]["at_most"] == "emergent"
    [record] = [
        r for r in caplog.records if r.name == "noms_cds.alerts" and r.levelno >= logging.ERROR
    ]
    patient = report_view(assess_demo("11-special-a-breast-myelopathy")).patient.id
    assert "could not be enqueued" in record.getMessage()
    assert patient not in record.getMessage() and patient not in str(record.__dict__)


def test_without_a_channel_nothing_is_enqueued(make_app, tmp_path):
    # The database is still opened: the assessment becomes a worklist entry (docs/worklist.md).
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'noms.sqlite3'}")
    assert post_bundle(app, demo_bundle("11-special-a-breast-myelopathy")).status_code == 200
    with sqlite3.connect(tmp_path / "noms.sqlite3") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        alerts = connection.execute("SELECT count(*) FROM alerts").fetchone()[0]
        deliveries = connection.execute("SELECT count(*) FROM alert_deliveries").fetchone()[0]
    assert {"alerts", "alert_deliveries", "worklist_entries"} <= tables
    assert alerts == deliveries == 0


# -- CDS patient-view ----------------------------------------------------------------------------


def cds_app(make_app: Any, tmp_path: Path, ehr: RunningStore, **extra: Any) -> Flask:
    issuers = {
        tokens.SANDBOX_ISSUER: {
            "jwks": tokens.sandbox_public_jwks(),
            "fhir_servers": [ehr.base_url],
        }
    }
    return alert_app(
        make_app, tmp_path, PUBLIC_BASE_URL=BASE, CDS_ISSUERS=json.dumps(issuers), **extra
    )


def patient_view(app: Flask, key: Any, patient: str, prefetch: dict[str, Any]) -> Any:
    path = "/cds-services/spine-mets-noms"
    body = {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "context": {"userId": "Practitioner/example", "patientId": patient},
        "prefetch": prefetch,
    }
    return app.test_client().post(
        path, data=json.dumps(body), headers=bearer(key, path), content_type="application/json"
    )


def test_the_cds_call_enqueues_the_alert_once_and_answers_its_card(
    make_app, tmp_path, demo_ehr: RunningStore, demo_admin: Admin
):
    key = tokens.sandbox_private_key()
    app = cds_app(make_app, tmp_path, demo_ehr)
    patient = demo_admin.patient_id("20-emergent-nsclc-c5-cord-compression-myelopathy")
    prefetch = prefetch_from(demo_ehr.base_url, patient)
    for _ in range(3):
        answer = patient_view(app, key, patient, prefetch)
        assert answer.status_code == 200
        assert answer.get_json()["cards"][0]["indicator"] == "critical"
    assert alerted(app) == Counter({("C5", "emergent", "ehr"): 1, ("C5", "emergent", "webhook"): 1})
    [state] = [d for d in outbox_of(app).deliveries() if d.channel == "webhook"]
    with outbox_of(app).database.read() as connection:
        query = select(alert_deliveries.c.body).where(alert_deliveries.c.id == state.delivery_id)
        body = json.loads(connection.execute(query).scalar_one())
    assert body["patient"] == f"Patient/{patient}" and body["trigger"] == "cds-patient-view"
    assert body["id"] == AlertFinding(f"Patient/{patient}", "C5", "emergent").key


def test_a_broken_outbox_never_costs_the_cds_card(
    make_app, tmp_path, demo_ehr: RunningStore, demo_admin: Admin, caplog
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    key = tokens.sandbox_private_key()
    app = cds_app(
        make_app, tmp_path, demo_ehr, DATABASE_URL=f"sqlite:///{blocker / 'noms.sqlite3'}"
    )
    patient = demo_admin.patient_id("11-special-a-breast-myelopathy")
    with caplog.at_level(logging.ERROR, logger="noms_cds.alerts"):
        answer = patient_view(app, key, patient, prefetch_from(demo_ehr.base_url, patient))
        app.extensions[EXTENSION].drain()
    assert answer.status_code == 200 and answer.get_json()["cards"][0]["indicator"] == "critical"
    messages = [
        r.getMessage()
        for r in caplog.records
        if r.name == "noms_cds.alerts" and r.levelno >= logging.ERROR
    ]
    assert messages == ["alerts could not be enqueued (ConfigurationError)"]
