"""``noms-cds assess --fhir-base`` against the store over HTTP: output, write-back, exit status,
bearer tokens."""

from __future__ import annotations

import io
import json

from service.cli import main
from service.workflow import assess_bundle
from tests.e2e.helpers import Admin, demo_bundle

STEM = "07-r7-nsclc-high-grade-stable-fit"
TOKEN = "e2e-test-token"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


def assess_args(admin: Admin, patient_id: str, *more: str) -> list[str]:
    return ["assess", "--fhir-base", admin.base_url, "--patient", patient_id, *more]


def coded_values(bundle: dict) -> list[tuple[str, str]]:
    """(code, value) of each result, without ids, references or times."""
    out = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        code = resource["code"]["coding"][0]["code"]
        value = {k: v for k, v in resource.items() if k.startswith("value")}
        out.append((code, json.dumps(value, sort_keys=True)))
    return out


def test_assess_prints_the_same_results_as_for_the_file(admin: Admin) -> None:
    status, out, err = run(*assess_args(admin, admin.patient_id(STEM)))
    assert status == 0 and err == ""
    printed = json.loads(out)
    assert printed["type"] == "collection"
    expected = assess_bundle(demo_bundle(STEM)).collection_bundle()
    assert coded_values(printed) == coded_values(expected)


def test_write_then_write_again(admin: Admin) -> None:
    patient_id = admin.patient_id(STEM)
    before = admin.counts()
    status, _, err = run(*assess_args(admin, patient_id, "--write", "--format", "text"))
    assert status == 0
    # One level: 11 results (urgency of the patient and of T9 included) and a Provenance.
    assert err == "write-back (transaction): 12 created, 0 already there, 0 refused, 0 failed\n"
    after = admin.counts()
    assert sum(after.values()) - sum(before.values()) == 12
    status, _, err = run(*assess_args(admin, patient_id, "--write", "--format", "text"))
    assert status == 0
    assert err == "write-back (transaction): 0 created, 12 already there, 0 refused, 0 failed\n"
    assert admin.counts() == after


def test_unknown_patient_is_exit_4(admin: Admin) -> None:
    status, out, err = run(*assess_args(admin, "no-such-patient"))
    assert (status, out) == (4, "")
    assert err.count("\n") == 1 and "HTTP 404" in err


def test_bearer_token_required_by_the_store(admin: Admin) -> None:
    patient_id = admin.patient_id(STEM)  # looked up before the store wants a token
    admin.settings(bearer_tokens=[TOKEN])

    status, out, err = run(*assess_args(admin, patient_id, "--token", TOKEN, "--write"))
    assert status == 0 and json.loads(out)["type"] == "collection"
    assert "12 created" in err

    for more in ([], ["--token", "not-the-token"]):
        status, out, err = run(*assess_args(admin, patient_id, *more))
        assert (status, out) == (4, "")
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("noms-cds: FHIR server refused access: ")
        assert "--token or --backend-config" in err
        assert "HTTP 401" in err and "bearer token is required" in err
