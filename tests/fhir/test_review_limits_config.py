"""The FHIR client's limits are configurable: ``NOMS_FHIR_<LIMIT>`` in the environment (the
service's settings and the command line) and ``--fhir-limit NAME=VALUE`` on the command line,
which wins; bad values are one line naming what to fix. Checked over real HTTP."""

from __future__ import annotations

import io
from dataclasses import fields

import pytest

from service import cli
from service.config import load_settings
from service.errors import ConfigurationError
from service.fhir.limits import Limits, limit_names, limits_from
from tests.e2e.hostile import Exchange, Reply, outcome, serving


def test_every_limit_has_its_variable() -> None:
    source = {f"NOMS_FHIR_{f.name.upper()}": str(f.default + 1) for f in fields(Limits)}
    limits = limits_from(source)
    assert all(getattr(limits, f.name) == f.default + 1 for f in fields(Limits))
    assert limit_names() == tuple(f.name for f in fields(Limits))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "NOMS_FHIR_GATHER_DEADLINE must be a number, not 'soon'"),
        ("-5", "NOMS_FHIR_GATHER_DEADLINE: Limits.gather_deadline must be positive"),
        ("inf", "NOMS_FHIR_GATHER_DEADLINE must be a finite number"),
    ],
)
def test_a_bad_limit_in_the_settings_is_a_configuration_error(value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        load_settings({"NOMS_FHIR_GATHER_DEADLINE": value})
    assert str(info.value) == message


def test_the_settings_carry_the_limits_given() -> None:
    settings = load_settings({"NOMS_FHIR_GATHER_DEADLINE": "45", "NOMS_FHIR_MAX_PAGES": "5"})
    assert settings.fhir_limits == Limits(gather_deadline=45.0, max_pages=5)
    assert load_settings({}).fhir_limits == Limits()


def always_busy(exchange: Exchange, reply: Reply) -> None:
    reply.json(503, outcome("busy"))


def assess(server_url: str, *flags: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["assess", "--fhir-base", server_url, "--patient", "p1", *flags]
    return cli.main(argv, out, err), err.getvalue()


def patient_reads(server) -> int:
    return sum(e.path == "/fhir/Patient/p1" for e in server.exchanges)


def test_a_limit_flag_bounds_the_command_line_client() -> None:
    with serving(always_busy) as server:
        status, err = assess(
            server.base_url, "--fhir-limit", "retries=0", "--fhir-limit", "backoff=0"
        )
    assert status == 4 and err.count("\n") == 1
    assert patient_reads(server) == 1  # one attempt, as asked (default: four)


def test_a_limit_from_the_environment_bounds_the_command_line_and_a_flag_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOMS_FHIR_RETRIES", "0")
    monkeypatch.setenv("NOMS_FHIR_BACKOFF", "0")
    with serving(always_busy) as server:
        assert assess(server.base_url)[0] == 4
    assert patient_reads(server) == 1
    with serving(always_busy) as server:
        assert assess(server.base_url, "--fhir-limit", "retries=2")[0] == 4
    assert patient_reads(server) == 3


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("retries", "--fhir-limit retries: give NAME=VALUE, NAME one of connect_timeout, "),
        ("speed=3", "--fhir-limit speed=3: give NAME=VALUE"),
        ("retries=1.5", "--fhir-limit retries=1.5: must be a whole number, not '1.5'"),
        ("max_pages=0", "--fhir-limit max_pages=0: Limits.max_pages must be positive"),
    ],
)
def test_a_bad_limit_flag_is_one_line_and_exit_2(flag: str, message: str) -> None:
    status, err = assess("http://127.0.0.1:9/fhir", "--fhir-limit", flag)
    assert status == 2 and err.count("\n") == 1
    assert err.startswith(f"noms-cds: error: {message}")


def test_a_bad_limit_in_the_environment_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOMS_FHIR_MAX_RESPONSE_BYTES", "16MB")
    status, err = assess("http://127.0.0.1:9/fhir")
    assert (status, err) == (
        2,
        "noms-cds: error: NOMS_FHIR_MAX_RESPONSE_BYTES must be a whole number, not '16MB'\n",
    )
