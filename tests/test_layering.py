"""Import rules between the layers (architecture.md), checked by parsing the code with ast."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT / "service" / "domain"
FHIR = ROOT / "service" / "fhir"
FORBIDDEN_IN_FHIR = frozenset({"flask", "authlib"})


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """Every module the source imports, as (line, absolute dotted name).

    Relative imports are resolved against ``package``, the dotted package of the file.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            name = node.module or ""
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, name))
    return found


def file_imports(path: Path) -> list[tuple[int, str]]:
    package = ".".join(path.relative_to(ROOT).parent.parts)
    return imported_modules(path.read_text(encoding="utf-8"), package)


def allowed_in_domain(module: str) -> bool:
    return (
        module.split(".")[0] in sys.stdlib_module_names
        or module == "__future__"
        or module == "service.domain"
        or module.startswith("service.domain.")
    )


def python_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py")) if folder.is_dir() else []


def test_domain_package_is_where_the_rule_expects_it():
    # Keeps the next test from passing vacuously after a move or rename of the package.
    names = {path.stem for path in python_files(DOMAIN)} | {p.name for p in DOMAIN.iterdir()}
    assert {"sins", "escc", "tokuhashi", "tomita", "bauer", "nesms", "noms", "assessment"} <= names


@pytest.mark.parametrize("path", python_files(DOMAIN), ids=lambda path: path.name)
def test_domain_imports_only_stdlib_and_itself(path: Path):
    outside = [
        f"line {line}: {name}" for line, name in file_imports(path) if not allowed_in_domain(name)
    ]
    assert outside == []


def test_fhir_layer_never_imports_flask_or_authlib():
    # service/fhir/ may be empty or absent today; the test guards every file it will contain.
    offending = [
        f"{path.relative_to(ROOT)} line {line}: {name}"
        for path in python_files(FHIR)
        for line, name in file_imports(path)
        if name.split(".")[0] in FORBIDDEN_IN_FHIR
    ]
    assert offending == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import os", True),
        ("import os.path, json", True),
        ("from collections.abc import Sequence", True),
        ("from __future__ import annotations", True),
        ("from service.domain.scoring import Item", True),
        ("from service.domain import sins", True),
        ("from . import scoring", True),
        ("from .escc import Grade", True),
        ("import flask", False),
        ("import os, requests", False),
        ("from fhir.resources.R4B import observation", False),
        ("from service.fhir import codes", False),
        ("from service import workflow", False),
        ("from .. import errors", False),
        ("def f():\n    import pydantic\n", False),
    ],
    ids=[
        "stdlib",
        "stdlib-several",
        "stdlib-submodule",
        "future",
        "domain-absolute",
        "domain-package",
        "domain-relative",
        "domain-relative-module",
        "flask",
        "stdlib-and-requests",
        "fhir-resources",
        "boundary-layer",
        "service-package",
        "relative-out-of-domain",
        "import-inside-function",
    ],
)
def test_checker_tells_allowed_from_forbidden_imports(source: str, expected: bool):
    # The rule must be able to fail: feed the checker sources placed in service.domain.
    names = [name for _, name in imported_modules(source, "service.domain")]
    assert names
    assert all(allowed_in_domain(name) for name in names) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import flask", {"flask"}),
        ("from flask import Blueprint", {"flask"}),
        ("from authlib.integrations.flask_client import OAuth", {"authlib"}),
        ("import requests\nfrom fhir.resources.R4B import bundle", set()),
    ],
    ids=["import-flask", "from-flask", "authlib", "allowed"],
)
def test_checker_finds_web_framework_imports(source: str, expected: set[str]):
    names = {name.split(".")[0] for _, name in imported_modules(source, "service.fhir")}
    assert names & FORBIDDEN_IN_FHIR == expected
