"""Unit tests of the sandbox store's parts: search values, config rules, storage, CLI."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import sandbox.fhir_store
from sandbox.fhir_store import FaultRule, FhirError, SearchRequirement, StoreConfig, WriteRefusal
from sandbox.fhir_store.__main__ import build_parser, main
from sandbox.fhir_store.search import parse_date_range, parse_search, split_escaped
from sandbox.fhir_store.storage import ResourceStore


@pytest.mark.parametrize(
    ("value", "separator", "parts"),
    [
        ("a,b", ",", ["a", "b"]),
        (r"a\,b,c", ",", ["a,b", "c"]),
        (r"sys|a\|b", "|", ["sys", "a|b"]),
        (r"x\|y,z", ",", [r"x\|y", "z"]),  # kept escaped for the inner '|' split
        ("", ",", [""]),
    ],
)
def test_split_escaped(value: str, separator: str, parts: list[str]) -> None:
    assert split_escaped(value, separator) == parts


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2024", utc(2024, 1, 1), utc(2025, 1, 1)),
        ("2024-12", utc(2024, 12, 1), utc(2025, 1, 1)),
        ("2024-02-28", utc(2024, 2, 28), utc(2024, 2, 29)),
        ("2024-02-28T10:15", utc(2024, 2, 28, 10, 15), utc(2024, 2, 28, 10, 16)),
        ("2024-02-28T10:15:30Z", utc(2024, 2, 28, 10, 15, 30), utc(2024, 2, 28, 10, 15, 31)),
        ("2024-02-28T10:15:30+02:00", utc(2024, 2, 28, 8, 15, 30), utc(2024, 2, 28, 8, 15, 31)),
        ("2024-02-28T10:15:30 02:00", utc(2024, 2, 28, 8, 15, 30), utc(2024, 2, 28, 8, 15, 31)),
        (
            "2024-02-28T10:15:30.25Z",
            utc(2024, 2, 28, 10, 15, 30, 250000),
            utc(2024, 2, 28, 10, 15, 30, 260000),
        ),
    ],
)
def test_date_ranges(value: str, start: datetime, end: datetime) -> None:
    assert parse_date_range(value) == (start, end)


@pytest.mark.parametrize("value", ["24", "2024-13", "2024-02-30", "yesterday", "2024-02-28T25:00"])
def test_bad_dates(value: str) -> None:
    with pytest.raises(FhirError) as caught:
        parse_date_range(value)
    assert caught.value.status == 400


def test_search_parameters_depend_on_the_type() -> None:
    query = parse_search(
        "Patient",
        [("patient", "1"), ("identifier", "x"), ("_count", "5")],
        default_count=50,
        max_count=500,
    )
    assert query.applied == (("identifier", "x"), ("_count", "5"))  # Patient has no 'patient'
    with pytest.raises(FhirError):
        parse_search("Patient", [("patient", "1")], default_count=50, max_count=500, strict=True)


@pytest.mark.parametrize(
    ("rule", "method", "path", "expected"),
    [
        (FaultRule("fail"), "GET", "Patient/1", True),
        (FaultRule("fail", method="get"), "GET", "metadata", True),
        (FaultRule("fail", method="POST"), "GET", "Patient", False),
        (FaultRule("fail", resource_type="Observation"), "GET", "Observation", True),
        (FaultRule("fail", resource_type="Observation"), "GET", "ObservationDefinition", False),
        (FaultRule("fail", path_prefix="Observation"), "GET", "ObservationDefinition", True),
        (FaultRule("fail", path_prefix="/"), "POST", "", True),
        (FaultRule("fail", path_prefix="/"), "POST", "Observation", False),
        (FaultRule("fail", path_prefix=""), "GET", "metadata", False),
        (FaultRule("hang", path_prefix="Patient/1"), "GET", "Patient/2", False),
    ],
)
def test_fault_matching(rule: FaultRule, method: str, path: str, expected: bool) -> None:
    assert rule.matches(method, path) is expected


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: StoreConfig(base_path="fhir"), "base_path"),
        (lambda: StoreConfig(base_path="/fhir/"), "base_path"),
        (lambda: StoreConfig(base_path="/_admin"), "_admin"),
        (lambda: StoreConfig(page_size=600), "page_size"),
        (lambda: StoreConfig(bearer_tokens="abc"), "bearer_tokens"),  # type: ignore[arg-type]
        (lambda: StoreConfig(resource_types=("observation",)), "resource type"),
        (lambda: StoreConfig(latency_ms=-5), "latency_ms"),
        (lambda: WriteRefusal("RiskAssessment", status=200), "status"),
        (lambda: WriteRefusal("Observation", allowed_categories="lab"), "allowed_categories"),  # type: ignore[arg-type]
        (lambda: SearchRequirement("Observation", ()), "any_of"),
        (lambda: SearchRequirement("Observation", "code"), "any_of"),  # type: ignore[arg-type]
        (lambda: FaultRule("crash"), "kind"),  # type: ignore[arg-type]
        (lambda: FaultRule("fail", count=0), "count"),
        (lambda: FaultRule("hang", hang_seconds=-1), "hang_seconds"),
        (lambda: FaultRule("fail", retry_after=-1), "retry_after"),
    ],
)
def test_configuration_is_checked(factory: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        factory()


def test_unknown_resource_types_are_rejected_at_start() -> None:
    from sandbox.fhir_store import create_app

    with pytest.raises(ValueError, match="Observatio"):
        create_app(StoreConfig(seed_dir=None, resource_types=("Observatio",)))


def test_atomic_block_rolls_back_writes_and_counters() -> None:
    store = ResourceStore()
    kept = store.put("Patient", store.allocate_id("Patient"), {"resourceType": "Patient"})
    with pytest.raises(RuntimeError), store.atomic():
        store.put("Patient", store.allocate_id("Patient"), {"resourceType": "Patient"})
        store.put("Patient", kept.id, {"resourceType": "Patient"})
        raise RuntimeError
    assert store.counts() == {"Patient": 1}
    assert store.current("Patient", kept.id) is kept
    assert store.allocate_id("Patient") == "2"


def test_server_ids_skip_ids_chosen_by_clients() -> None:
    store = ResourceStore()
    store.put("Patient", "1", {"resourceType": "Patient"})
    assert store.allocate_id("Patient") == "2"


def test_last_updated_never_goes_backwards() -> None:
    moments = iter([utc(2024, 5, 1), utc(2024, 4, 1)])
    store = ResourceStore(clock=lambda: next(moments))
    first = store.put("Patient", "a", {"resourceType": "Patient"})
    second = store.put("Patient", "b", {"resourceType": "Patient"})
    assert second.last_updated == first.last_updated + timedelta(microseconds=1)


# -- command line -------------------------------------------------------------------------------


def test_command_line_options() -> None:
    args = build_parser().parse_args(
        [
            "--port",
            "0",
            "--seed-dir",
            "/tmp/x",
            "--latency-ms",
            "50",
            "--token",
            "a",
            "--token",
            "b",
            "--refuse-writes",
            "RiskAssessment",
            "--refuse-writes",
            "Observation:laboratory,vital-signs",
            "--no-conditional-create",
            "--require-search",
            "Observation:code,category",
        ]
    )
    assert args.port == 0 and args.latency_ms == 50 and args.token == ["a", "b"]
    assert args.seed_dir == Path("/tmp/x")
    assert args.refuse_writes == [
        WriteRefusal("RiskAssessment"),
        WriteRefusal("Observation", allowed_categories=("laboratory", "vital-signs")),
    ]
    assert args.no_conditional_create is True
    assert args.require_search == [SearchRequirement("Observation", ("code", "category"))]


def test_command_line_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--seed-dir", "--latency-ms", "--token"):
        assert option in out


def test_command_line_refuses_a_bad_seed_directory(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert main(["--seed-dir", str(tmp_path), "--port", "0"]) == 2


# -- boundaries ---------------------------------------------------------------------------------


def test_store_imports_neither_service_nor_smart_app() -> None:
    package_dir = Path(sandbox.fhir_store.__file__).parent
    for path in package_dir.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in ("service", "smart_app"), (path.name, name)
