"""``python -m sandbox.ehr``: options to configuration, and the real process on a free port."""

from __future__ import annotations

import json
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from sandbox.ehr.__main__ import build_parser, config_from_args
from tests.sandbox.smart_support import SMART_DATA

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_RS384 = SMART_DATA / "example-jwks-RS384.public-PUBLISHED-TEST-KEY.json"


def configure(*argv: str):
    return config_from_args(build_parser().parse_args(list(argv)))


def test_the_app_options_register_the_noms_cds_app():
    config = configure(
        "--app-launch-url",
        "http://127.0.0.1:5000/smart/launch",
        "--app-redirect-uri",
        "http://127.0.0.1:5000/smart/callback",
    )
    (app,) = config.auth.clients
    assert app.client_id == "noms-cds-smart-app"
    assert app.kind == "public"
    assert app.launch_url == "http://127.0.0.1:5000/smart/launch"
    assert app.redirect_uris == ("http://127.0.0.1:5000/smart/callback",)
    assert config.smart is True


def test_confidential_apps_and_a_backend_client(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret\n")
    config = configure(
        "--app-launch-url",
        "http://127.0.0.1:5000/launch",
        "--app-redirect-uri",
        "http://127.0.0.1:5000/cb",
        "--app-client-type",
        "confidential-symmetric",
        "--app-client-secret-file",
        str(secret),
        "--backend-client-id",
        "noms-cds-backend",
        "--backend-jwks-file",
        str(PUBLIC_RS384),
    )
    app, backend = config.auth.clients
    assert app.check_client_secret("s3cret")
    assert backend.kind == "backend-service" and backend.jwks["keys"][0]["kty"] == "RSA"


def test_a_clients_file_adds_registrations(tmp_path):
    (tmp_path / "keys.json").write_text(PUBLIC_RS384.read_text())
    clients = tmp_path / "clients.json"
    clients.write_text(
        json.dumps(
            {
                "clients": [
                    {
                        "client_id": "other-app",
                        "type": "confidential-asymmetric",
                        "redirect_uris": ["http://127.0.0.1:7000/cb"],
                        "jwks_file": "keys.json",
                    }
                ]
            }
        )
    )
    (registration,) = configure("--clients", str(clients)).auth.clients
    assert registration.client_id == "other-app" and registration.auth_method == "private_key_jwt"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--app-redirect-uri", "http://x/cb"], "needs --app-launch-url"),
        (["--app-launch-url", "http://x/launch"], "redirect URI"),
        (["--backend-client-id", "b"], "needs --backend-jwks-file"),
        (
            [
                "--app-launch-url",
                "http://x/l",
                "--app-redirect-uri",
                "http://x/cb",
                "--app-client-type",
                "confidential-symmetric",
            ],
            "client_secret",
        ),
        (
            [
                "--backend-client-id",
                "b",
                "--backend-jwks-file",
                str(SMART_DATA / "example-jwks-RS384.private-PUBLISHED-TEST-KEY.json"),
            ],
            "public keys only",
        ),
    ],
    ids=[
        "redirect-without-app",
        "app-without-redirect",
        "backend-without-keys",
        "symmetric-without-secret",
        "private-keys-registered",
    ],
)
def test_inconsistent_options_are_refused(argv, message):
    with pytest.raises(ValueError, match=message):
        configure(*argv)


def test_the_command_serves_the_sandbox_ehr_and_stops_on_ctrl_c():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.ehr",
            "--port",
            "0",
            "--no-seed",
            "--app-launch-url",
            "http://127.0.0.1:5000/smart/launch",
            "--app-redirect-uri",
            "http://127.0.0.1:5000/smart/callback",
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(
        target=lambda: [lines.put(line) for line in process.stderr], daemon=True
    )
    reader.start()
    try:
        root = None
        while root is None:
            line = lines.get(timeout=60)
            found = re.search(r"sandbox EHR at (http://127\.0\.0\.1:\d+)/", line)
            root = found.group(1) if found else None
        discovery = requests.get(f"{root}/fhir/.well-known/smart-configuration", timeout=10)
        assert discovery.json()["token_endpoint"] == f"{root}/auth/token"
        assert requests.get(f"{root}/fhir/Patient", timeout=10).status_code == 401
        assert "NOMS-CDS" in requests.get(f"{root}/", timeout=10).text
    finally:
        process.send_signal(signal.SIGINT)
        status = process.wait(timeout=30)
        reader.join(timeout=10)
        process.stderr.close()
    assert status == 0
