"""The built-in demo patients: synthetic FHIR transaction Bundles shipped as package data.

They are built by ``python -m sandbox.build_patients`` (the builder is a development tool and is
not in the wheel); the service reads them through :mod:`importlib.resources`, so an installed
wheel finds them wherever it is installed.
"""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


def patients() -> Traversable:
    """The folder of demo patient Bundles inside the installed package."""
    return files(__name__) / "patients"


def patients_dir() -> Path:
    """The demo patients' folder as a file-system path (the package is installed as files)."""
    folder = patients()
    if not isinstance(folder, Path):  # e.g. a zip import, which the project does not ship
        raise RuntimeError("the demo patients are not on the file system")
    return folder


def patient_names() -> list[str]:
    """Every demo patient's scenario name (the file stem), in file order."""
    return sorted(
        p.name.removesuffix(".json") for p in patients().iterdir() if p.name.endswith(".json")
    )


def load_patient(name: str) -> dict[str, Any]:
    """One demo patient's transaction Bundle, by scenario name."""
    return json.loads((patients() / f"{name}.json").read_text(encoding="utf-8"))
