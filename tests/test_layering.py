"""Import rules between the layers (docs/architecture.md), checked by parsing the code with ast.

- ``service/domain`` imports only the standard library and itself;
- ``service/fhir`` never imports Flask or Authlib;
- in ``service/`` and ``smart_app/`` only ``service/fhir/models.py`` imports ``fhir.resources``
  (or the ``fhir_core`` it is built on), and nothing imports ``sandbox``;
- no import cycles among the modules of ``service/`` nor among those of ``sandbox/``, counting
  every import that runs, inside functions too (a lazy import hides a cycle, it does not break
  it); imports under ``if TYPE_CHECKING:`` never run and are left out.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT / "service" / "domain"
FHIR = ROOT / "service" / "fhir"
FORBIDDEN_IN_FHIR = frozenset({"flask", "authlib"})
SERVICE = ROOT / "service"
SMART_APP = ROOT / "smart_app"
SANDBOX = ROOT / "sandbox"
MODELS = FHIR / "models.py"
FHIR_MODEL_PACKAGES = ("fhir.resources", "fhir_core")


def from_module(node: ast.ImportFrom, package: str) -> str:
    """The absolute dotted name of the module a ``from ... import`` reads from, a relative one
    resolved against ``package`` (the dotted package of the file)."""
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """Every module the source imports, as (line, absolute dotted name)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, from_module(node, package)))
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


# --- the FHIR models and the sandbox -----------------------------------------------------------


def imports_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def application_files() -> list[Path]:
    return python_files(SERVICE) + python_files(SMART_APP)


def test_only_models_imports_the_fhir_models():
    assert MODELS.is_file()  # the rule below must not pass because the module moved
    offending = [
        f"{path.relative_to(ROOT)} line {line}: {name}"
        for path in application_files()
        if path != MODELS
        for line, name in file_imports(path)
        if any(imports_package(name, package) for package in FHIR_MODEL_PACKAGES)
    ]
    assert offending == []
    assert any(imports_package(name, "fhir.resources") for _, name in file_imports(MODELS)), (
        "models.py is the door to fhir.resources"
    )


def test_service_never_imports_the_sandbox():
    offending = [
        f"{path.relative_to(ROOT)} line {line}: {name}"
        for path in application_files()
        for line, name in file_imports(path)
        if imports_package(name, "sandbox")
    ]
    assert offending == []


# --- import cycles ------------------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: those under ``if TYPE_CHECKING:`` are left out."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph(sources: Mapping[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Module → the modules of the same tree it imports.

    ``sources`` maps a module name to (source, is a package ``__init__``). ``from a import b``
    is an edge to ``a.b`` when that is a module of the tree, else to ``a``. Importing ``a.b``
    runs ``a/__init__`` first, but that is not counted as an edge: a package that re-exports
    its modules would otherwise always be in a cycle with them.
    """
    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        package = module if is_package else module.rpartition(".")[0]
        edges: set[str] = set()
        for node in runtime_imports(ast.parse(source)):
            if isinstance(node, ast.Import):
                edges.update(alias.name for alias in node.names if alias.name in sources)
            elif isinstance(node, ast.ImportFrom):
                base = from_module(node, package)
                for alias in node.names:
                    if f"{base}.{alias.name}" in sources:
                        edges.add(f"{base}.{alias.name}")
                    elif base in sources:
                        edges.add(base)
        graph[module] = edges - {module}
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def tree_sources(folder: Path) -> dict[str, tuple[str, bool]]:
    return {
        module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for path in python_files(folder)
    }


@pytest.mark.parametrize("folder", [SERVICE, SANDBOX], ids=lambda folder: folder.name)
def test_no_import_cycles(folder: Path):
    sources = tree_sources(folder)
    assert len(sources) > 10  # the tree is where the rule expects it
    assert cycles(import_graph(sources)) == []


def test_cycle_checker_finds_cycles_and_only_cycles():
    # The rule must be able to fail: a lazy import inside a function still closes a cycle.
    sources = {
        "pkg": ("from pkg.engine import Store\nfrom pkg.bundles import run\n", True),
        "pkg.engine": ("def seed():\n    from .bundles import run\n", False),
        "pkg.bundles": ("from typing import TYPE_CHECKING\nfrom pkg import engine\n", False),
        "pkg.leaf": ("import pkg.engine\n", False),
        # For annotations only: such an import never runs, so it closes no cycle.
        "pkg.typed": ("import typing\nif typing.TYPE_CHECKING:\n    import pkg.leaf\n", False),
    }
    graph = import_graph(sources)
    assert graph["pkg.bundles"] == {"pkg.engine"}
    assert graph["pkg.engine"] == {"pkg.bundles"}
    assert graph["pkg.typed"] == set()
    assert cycles(graph) == [["pkg.bundles", "pkg.engine"]]
    del sources["pkg.engine"]
    sources["pkg.engine"] = ("import json\n", False)
    assert cycles(import_graph(sources)) == []
