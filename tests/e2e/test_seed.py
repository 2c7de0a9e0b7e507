"""``noms-cds seed`` into an empty store over HTTP: every demo patient lands, seeding again
changes nothing, and a seeded patient is assessed exactly as its file is."""

from __future__ import annotations

import io
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.fhir_store import RunningStore, StoreConfig, serve_store
from service.cli import main
from service.workflow import assess_patient
from tests.e2e.helpers import (
    DEMO,
    DEMO_STEMS,
    NOW,
    Admin,
    assess_file,
    demo_bundle,
    make_client,
)

TOKEN = "seed-token"


@pytest.fixture(scope="module")
def store() -> Iterator[RunningStore]:
    """An empty store on a loopback port (overrides the demo store of conftest)."""
    with serve_store(StoreConfig(seed_dir=None)) as running:
        yield running


def demo_counts(stems: tuple[str, ...] = DEMO_STEMS) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for stem in stems:
        counts.update(e["resource"]["resourceType"] for e in demo_bundle(stem)["entry"])
    return dict(counts)


def seed(admin: Admin, *more: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["seed", "--fhir-base", admin.base_url, *more], out, err)
    return status, out.getvalue(), err.getvalue()


def patient_ids(printed: str) -> dict[str, str]:
    """Scenario name -> patient id, from what ``seed`` prints."""
    return {stem: pid for pid, stem in (line.split("\t") for line in printed.splitlines())}


def test_seed_uploads_every_demo_patient_and_is_idempotent(admin: Admin) -> None:
    assert admin.counts() == {}
    status, out, err = seed(admin)
    assert (status, err) == (0, "")
    ids = patient_ids(out)
    assert sorted(ids) == list(DEMO_STEMS)
    counts = admin.counts()
    assert counts == demo_counts()
    for stem, patient_id in ids.items():  # each findable by its demo identifier
        assert admin.patient_id(stem) == patient_id

    status, again, _ = seed(admin)
    assert status == 0 and again == out
    assert admin.counts() == counts


def test_seed_without_transactions_puts_one_by_one(admin: Admin, tmp_path: Path) -> None:
    admin.settings(transactions=False)
    stems = DEMO_STEMS[:2]
    for stem in stems:
        shutil.copy(DEMO / f"{stem}.json", tmp_path)
    for _ in range(2):
        status, out, _ = seed(admin, "--patients", str(tmp_path))
        assert status == 0 and sorted(patient_ids(out)) == list(stems)
        assert admin.counts() == demo_counts(stems)
    assert {r["method"] for r in admin.log() if r["path"] != "/fhir/metadata"} == {"PUT"}


def test_seed_with_a_token(admin: Admin, tmp_path: Path) -> None:
    admin.settings(bearer_tokens=[TOKEN])
    shutil.copy(DEMO / f"{DEMO_STEMS[0]}.json", tmp_path)
    status, _, err = seed(admin, "--patients", str(tmp_path))
    assert status == 4 and "HTTP 401" in err and err.count("\n") == 1
    assert admin.counts() == {}
    status, _, _ = seed(admin, "--patients", str(tmp_path), "--token", TOKEN)
    assert status == 0 and admin.counts() == demo_counts(DEMO_STEMS[:1])


@pytest.mark.parametrize("stem", [DEMO_STEMS[6], DEMO_STEMS[17]])
def test_a_seeded_patient_gives_the_very_results_of_its_file(admin: Admin, stem: str) -> None:
    # seed keeps the demo ids, so even the result identifiers (which hash the patient and the
    # resources cited) are those of the file's assessment.
    status, out, _ = seed(admin)
    assert status == 0
    client, _ = make_client(admin)
    live = assess_patient(client, patient_ids(out)[stem], write=True, now=NOW)
    from_file = assess_file(stem)
    assert [e.resource for e in live.report.results] == [e.resource for e in from_file.results]
    assert live.write is not None and live.write.count("created") == len(from_file.results) + 1

    text = io.StringIO()
    args = ["assess", "--format", "text", "--fhir-base", admin.base_url, "--patient"]
    assert main([*args, patient_ids(out)[stem]], text, io.StringIO()) == 0
    from_file_text = io.StringIO()
    assert (
        main(
            ["assess", "--format", "text", "--bundle", str(DEMO / f"{stem}.json")],
            from_file_text,
            io.StringIO(),
        )
        == 0
    )
    assert text.getvalue() == from_file_text.getvalue()
