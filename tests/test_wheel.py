"""The wheel as a user gets it: built, installed in a fresh virtual environment, run.

Marked ``wheel`` (``pytest -m wheel`` runs only this; ``-m "not wheel"`` skips it). It installs
the wheel's dependencies from the package index, pinned by constraints.txt.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest
import requests

from service import demo as demo_package
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
DEMO_PATIENT = ROOT / "service" / "demo" / "patients" / "05-r5-breast-high-grade-stable.json"

pytestmark = pytest.mark.wheel


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: int = 600):
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    built = run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, ROOT, cwd=ROOT
    )
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = dist.glob("noms_cds-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    pip = run(
        env_dir / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "-c",
        ROOT / "constraints.txt",
        wheel,
        cwd=env_dir,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    return env_dir


def test_the_wheel_holds_the_service_only(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("noms_cds-")}
    assert tops == {"service", "smart_app"}
    assert "service/demo/patients/01-r1-breast-low-grade-stable.json" in names
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: Apache-2.0" in text


def test_assess_runs_from_the_installed_wheel(installed: Path, tmp_path: Path):
    result = run(
        installed / "bin" / "noms-cds",
        "assess",
        "--bundle",
        DEMO_PATIENT,
        "--format",
        "text",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "T" in result.stdout and len(result.stdout.splitlines()) > 3
    demo = run(installed / "bin" / "noms-cds", "demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert f"{len(demo_package.patient_names())} demo patients assessed." in demo.stdout


def test_the_sandbox_is_not_installed(installed: Path, tmp_path: Path):
    result = run(installed / "bin" / "python", "-c", "import sandbox", cwd=tmp_path)
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr


def test_serve_runs_from_the_installed_wheel(installed: Path, tmp_path: Path):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("NOMS_") and key not in {"PYTHONPATH", "PROMETHEUS_MULTIPROC_DIR"}
    }
    env.update(
        NOMS_BIND=f"127.0.0.1:{port}", NOMS_WORKERS="1", NOMS_STATE_DIR=str(tmp_path / "state")
    )
    log = tmp_path / "serve.log"
    with log.open("w") as stream:
        server = subprocess.Popen(
            [str(installed / "bin" / "noms-cds"), "serve"],
            cwd=tmp_path,
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text()
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0, log.read_text()
