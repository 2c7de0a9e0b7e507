"""A real Synthea patient (Austin: NSCLC, 188 Observations, 69 Procedures) read over HTTP with
paging: nothing lost between pages, and the same assessment as from the file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.fhir_store import RunningStore, StoreConfig, serve_store
from service.workflow import assess_bundle, assess_patient
from tests.conftest import AUSTIN, SYNTHEA, load
from tests.e2e.helpers import NOW, Admin, clinical_view, make_client

SYNTHEA_SYSTEM = "https://github.com/synthetichealth/synthea"
AUSTIN_ID = "f23eef30-acb2-49da-8091-159b61dc1ed5"


@pytest.fixture(scope="module")
def store() -> Iterator[RunningStore]:
    """The two Synthea patients on a loopback port (overrides the demo store of conftest)."""
    with serve_store(StoreConfig(seed_dir=SYNTHEA)) as running:
        yield running


@pytest.fixture
def austin_id(admin: Admin) -> str:
    (patient,) = admin.search("Patient", identifier=f"{SYNTHEA_SYSTEM}|{AUSTIN_ID}")
    admin.clear_log()
    return patient["id"]


@pytest.mark.parametrize(("page_size", "pages"), [(200, 1), (20, 3), (10, 5)])
def test_paging_gathers_everything_with_one_request_per_extra_page(
    admin: Admin, austin_id: str, page_size: int, pages: int
) -> None:
    client, _ = make_client(admin, page_size=page_size)
    resources, issues = client.gather(austin_id)
    assert issues == []
    procedures = [r for r in resources if r["resourceType"] == "Procedure"]
    assert len(procedures) == len({p["id"] for p in procedures}) == 48  # radiotherapy ones
    # metadata, the batch, then the next pages of the Procedure search (the only long one)
    assert client.requests_sent == admin.request_count() == 2 + pages - 1


def test_austin_from_the_store_is_assessed_as_from_the_file(admin: Admin, austin_id: str) -> None:
    client, _ = make_client(admin, page_size=10)
    live = assess_patient(client, austin_id, now=NOW)
    from_file = assess_bundle(load(AUSTIN), now=NOW)
    assert clinical_view(live.report) == clinical_view(from_file)
    assert live.report.assessment.findings == from_file.assessment.findings


def test_the_page_cap_is_reported(admin: Admin, austin_id: str) -> None:
    client, _ = make_client(admin, page_size=10, max_pages=2)
    resources, issues = client.gather(austin_id)
    assert [i.message for i in issues] == [
        "Procedure search stopped after 2 pages: some data may be missing"
    ]
    assert sum(r["resourceType"] == "Procedure" for r in resources) == 20
