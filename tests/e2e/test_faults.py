"""Injected faults survived over real HTTP: temporary errors, rate limits, hangs and timeouts,
including a write whose answer is lost (retried without a duplicate), and errors that persist.

No retry waits for real: a client's ``sleep`` records the wait it was asked for and only lets the
store finish what the client already sent (tests.e2e.helpers.Sleeps); so the hang tests last as
long as the hang, and nothing outlives its test."""

from __future__ import annotations

import functools
import io
from typing import Any

import pytest

from service import cli
from service.errors import FhirTemporaryError
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.fhir.provenance import provenance
from service.fhir.writeback import write_results
from service.workflow import assess_patient
from tests.e2e.helpers import (
    NOW,
    Admin,
    assess_file,
    clinical_view,
    expected_types,
    make_client,
    per_type,
)

STEM = "07-r7-nsclc-high-grade-stable-fit"
HANG_SECONDS = 1.0
SHORT_READ_TIMEOUT = 0.4  # far above a normal answer here (milliseconds), far below the hang


def log_of(admin: Admin, *methods: str) -> list[tuple[str, str, int]]:
    return [
        (r["method"], r["path"], r["status"])
        for r in admin.log()
        if not methods or r["method"] in methods
    ]


@pytest.mark.parametrize(
    ("fault", "waits"),
    [
        ({"status": 503, "count": 2}, [0.5, 1.0]),  # exponential backoff
        ({"status": 502, "count": 1}, [0.5]),
        ({"status": 429, "retry_after": 7, "count": 1}, [7.0]),  # Retry-After honoured
    ],
    ids=["503-twice", "502", "429-retry-after"],
)
def test_temporary_errors_while_gathering_are_retried(
    admin: Admin, fault: dict[str, Any], waits: list[float]
) -> None:
    patient_id = admin.patient_id(STEM)
    admin.clear_log()
    admin.fault(kind="fail", method="POST", path_prefix="/", **fault)
    client, sleeps = make_client(admin, backoff=0.5)
    live = assess_patient(client, patient_id, now=NOW)
    assert clinical_view(live.report) == clinical_view(assess_file(STEM))
    assert sleeps.waits == waits
    failures = [("POST", "/fhir", fault["status"])] * fault["count"]
    assert log_of(admin) == [("GET", "/fhir/metadata", 200), *failures, ("POST", "/fhir", 200)]


def test_a_failing_page_of_a_search_is_retried(admin: Admin) -> None:
    patient_id = admin.patient_id(STEM)
    admin.clear_log()
    admin.fault(kind="fail", status=503, method="GET", path_prefix="/", count=1)
    client, sleeps = make_client(admin, page_size=5)  # 17 Observations: 4 pages
    live = assess_patient(client, patient_id, now=NOW)
    assert clinical_view(live.report) == clinical_view(assess_file(STEM))
    assert sleeps.waits == [0.5]
    pages = [status for method, path, status in log_of(admin, "GET") if path == "/fhir"]
    assert pages[0] == 503 and pages.count(200) == len(pages) - 1 >= 3


def test_a_hanging_request_times_out_and_the_retry_succeeds(admin: Admin) -> None:
    patient_id = admin.patient_id(STEM)
    admin.clear_log()
    admin.fault(kind="hang", hang_seconds=HANG_SECONDS, method="POST", path_prefix="/")
    client, sleeps = make_client(admin, read_timeout=SHORT_READ_TIMEOUT)
    live = assess_patient(client, patient_id, now=NOW)
    assert clinical_view(live.report) == clinical_view(assess_file(STEM))
    assert sleeps.waits == [0.5] and client.requests_sent == 3
    # The hung batch was answered too, after the client had given up on it.
    assert log_of(admin, "POST") == [("POST", "/fhir", 200)] * 2


def test_a_persistent_error_gives_up_with_a_temporary_error(admin: Admin) -> None:
    patient_id = admin.patient_id(STEM)
    admin.fault(kind="fail", status=500, count=100)
    client, sleeps = make_client(admin, retries=3)
    with pytest.raises(FhirTemporaryError, match="HTTP 500"):
        assess_patient(client, patient_id)
    # The failing CapabilityStatement means "capabilities unknown" (read once, not retried):
    # the patient's read and its four searches are then each tried four times.
    assert len(sleeps.waits) == 5 * 3
    assert admin.request_count() == 1 + 1 + 5 * 4  # look-up, metadata, 4 attempts of each


def test_cli_persistent_500_is_one_line_and_exit_4(
    admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "FhirClient", functools.partial(FhirClient, limits=Limits(backoff=0)))
    patient_id = admin.patient_id(STEM)
    admin.fault(kind="fail", status=500, count=100)
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(["assess", "--fhir-base", admin.base_url, "--patient", patient_id], out, err)
    assert status == 4
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and "Traceback" not in err.getvalue()
    assert lines[0].startswith("noms-cds: FHIR server error: ") and "HTTP 500" in lines[0]


# -- a write whose answer is lost ------------------------------------------------------------


def assessed(admin: Admin, client: FhirClient) -> tuple[Any, Any]:
    report = assess_patient(client, admin.patient_id(STEM), now=NOW).report
    prov = provenance(report.results, report.extraction, report.assessed_at, "test")
    return report, prov


@pytest.mark.parametrize(
    ("settings", "hung", "mode"),
    [
        ({}, {"path_prefix": "/"}, "transaction"),
        ({"transactions": False}, {"resource_type": "Observation"}, "individual"),
        ({"conditional_create": False}, {"resource_type": "Observation"}, "individual"),
    ],
    ids=["transaction", "conditional-create", "look-then-create"],
)
def test_a_write_that_times_out_is_retried_without_a_duplicate(
    admin: Admin, settings: dict[str, bool], hung: dict[str, str], mode: str
) -> None:
    admin.settings(**settings)
    client, sleeps = make_client(admin, read_timeout=SHORT_READ_TIMEOUT)
    report, prov = assessed(admin, client)
    before = admin.counts()
    admin.clear_log()
    # The first write request hangs past the client's timeout, then the store carries it out.
    admin.fault(kind="hang", hang_seconds=HANG_SECONDS, method="POST", **hung)
    written = write_results(client, report.results, prov)
    assert written.mode == mode and written.complete
    assert len(sleeps.waits) == 1
    assert per_type(before, admin.counts()) == expected_types(report)
    assert written.count("created") + written.count("existing") == len(report.results) + 1
    posts = log_of(admin, "POST")
    if mode == "transaction":  # the hung transaction was committed; its retry matched it all
        assert posts == [("POST", "/fhir", 200)] * 2
        assert written.count("existing") == len(report.results) + 1
    else:  # one create per result; the retry of the hung one found it (200) or sent nothing
        assert [status for _, _, status in posts].count(201) == len(report.results) + 1
