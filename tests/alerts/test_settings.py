"""The alert settings: validated at start-up in one line naming the variable, secrets never shown;
``noms-cds deliver-alerts`` refuses to start without a channel."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from service.cli import main
from service.config import load_settings
from service.errors import ConfigurationError

SECRET = "webhook-secret-0123456789abcdef"


def settings(tmp_path: Path, **values: object):
    return load_settings({"STATE_DIR": str(tmp_path), **values}, prefix="")


def test_alerts_are_off_by_default(tmp_path: Path):
    alerts = settings(tmp_path).alerts
    assert alerts.channels == () and not alerts.enabled
    assert alerts.subscription_header == "Authorization" and alerts.subscription_secrets == ()
    assert (alerts.lease_seconds, alerts.batch_size, alerts.failing_after) == (120.0, 10, 8)


def test_both_channels_and_a_rotation(tmp_path: Path):
    alerts = settings(
        tmp_path,
        FHIR_BASE_URL="https://ehr.example.org/fhir",
        ALERT_CARE_TEAM="CareTeam/spine-1",
        ALERT_WEBHOOK_URL="https://hooks.example.org/spine",
        ALERT_WEBHOOK_SECRET=json.dumps([SECRET, SECRET + "-next"]),
        SUBSCRIPTION_SECRET="Bearer subscription-secret-0123",
    ).alerts
    assert alerts.channels == ("ehr", "webhook")
    assert alerts.webhook_secrets == (SECRET, SECRET + "-next")
    assert alerts.subscription_secrets == ("Bearer subscription-secret-0123",)
    assert SECRET not in repr(alerts) and "subscription-secret" not in repr(alerts)


def test_secrets_may_come_from_files(tmp_path: Path):
    (tmp_path / "hook").write_text(SECRET + "\n", encoding="utf-8")
    alerts = settings(
        tmp_path,
        ALERT_WEBHOOK_URL="http://127.0.0.1:9/hook",
        ALERT_WEBHOOK_SECRET_FILE=str(tmp_path / "hook"),
    ).alerts
    assert alerts.webhook_secrets == (SECRET,)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"ALERT_CARE_TEAM": "CareTeam/spine"},
            "NOMS_ALERT_CARE_TEAM: needs NOMS_FHIR_BASE_URL (the EHR it is on)",
        ),
        (
            {"FHIR_BASE_URL": "https://ehr.example.org/fhir", "ALERT_CARE_TEAM": "Group/spine"},
            "NOMS_ALERT_CARE_TEAM: must be a reference CareTeam/<id>, not 'Group/spine'",
        ),
        (
            {"ALERT_WEBHOOK_URL": "https://hooks.example.org/spine"},
            "NOMS_ALERT_WEBHOOK_URL: needs NOMS_ALERT_WEBHOOK_SECRET",
        ),
        (
            {"ALERT_WEBHOOK_URL": "http://hooks.example.org/spine", "ALERT_WEBHOOK_SECRET": SECRET},
            "NOMS_ALERT_WEBHOOK_URL: http://hooks.example.org/spine must use https (http only "
            "for a loopback address)",
        ),
        (
            {"ALERT_WEBHOOK_SECRET": SECRET},
            "NOMS_ALERT_WEBHOOK_SECRET: is for NOMS_ALERT_WEBHOOK_URL, not set",
        ),
        (
            {"SUBSCRIPTION_SECRET": "Bearer short"},
            "NOMS_SUBSCRIPTION_SECRET: each secret needs at least 16 characters",
        ),
        (
            {"SUBSCRIPTION_HEADER": "Bad Header"},
            "NOMS_SUBSCRIPTION_HEADER: must be an HTTP header name, not 'Bad Header'",
        ),
        (
            {"ALERT_LEASE_SECONDS": "30"},
            "NOMS_ALERT_LEASE_SECONDS: must exceed twice the connect and read timeouts (50 s)",
        ),
        (
            {"ALERT_BASE_DELAY": "1000"},
            "NOMS_ALERT_BASE_DELAY: must not exceed NOMS_ALERT_MAX_DELAY",
        ),
        (
            {"ALERT_POLL_SECONDS": "soon"},
            "NOMS_ALERT_POLL_SECONDS: must be a number from 0.01 to 300, not 'soon'",
        ),
    ],
)
def test_a_setting_that_cannot_work_is_one_line_naming_it(
    tmp_path: Path, values: dict, message: str
):
    with pytest.raises(ConfigurationError) as raised:
        settings(tmp_path, **values)
    assert str(raised.value) == message


def test_a_short_secret_is_refused_without_being_shown(tmp_path: Path):
    with pytest.raises(ConfigurationError) as raised:
        settings(
            tmp_path,
            ALERT_WEBHOOK_URL="https://hooks.example.org/spine",
            ALERT_WEBHOOK_SECRET="tiny-secret",
        )
    assert "tiny-secret" not in str(raised.value)


def test_deliver_alerts_without_a_channel_refuses_to_start_in_one_line(monkeypatch, tmp_path):
    for name in ("NOMS_ALERT_CARE_TEAM", "NOMS_ALERT_WEBHOOK_URL", "NOMS_ALERT_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOMS_STATE_DIR", str(tmp_path))
    err = io.StringIO()
    assert main(["deliver-alerts", "--once"], out=io.StringIO(), err=err) == 2
    assert err.getvalue().splitlines() == [
        "noms-cds: error: no alert channel is configured: set NOMS_ALERT_CARE_TEAM (with "
        "NOMS_FHIR_BASE_URL) or NOMS_ALERT_WEBHOOK_URL (with NOMS_ALERT_WEBHOOK_SECRET)"
    ]
