"""Shared fixtures: test data files and small FHIR builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# Real SQLite and PostgreSQL databases (fixtures postgres_url, sqlite_db_url, database_url).
pytest_plugins = ["tests.databases"]

DATA = Path(__file__).parent / "data"
SYNTHEA = DATA / "synthea"
AUSTIN = SYNTHEA / "Austin_Franecki_f23eef30-acb2-49da-8091-159b61dc1ed5.json"  # NSCLC
DARIN = SYNTHEA / "Darin_Skiles_31c343e9-5d7f-444e-9be4-56b1a6ec6146.json"  # colon, resolved
DEMO = Path(__file__).parent.parent / "sandbox" / "patients"


def load(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def austin() -> dict[str, Any]:
    return load(AUSTIN)


@pytest.fixture
def darin() -> dict[str, Any]:
    return load(DARIN)
