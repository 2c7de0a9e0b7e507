"""The app against the sandbox EHR over real HTTP: launch, read, complete, save, refusals.

The app runs in the test client; the sandbox EHR (authorization server and FHIR store) is served
on a loopback port, and the browser's hop to its authorize endpoint is made with requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.ehr import EhrConfig, RunningEhr, app_registration, demo_patients_dir, serve_ehr
from sandbox.fhir_store import StoreConfig, WriteRefusal
from sandbox.smart_auth import AuthConfig
from service.fhir import codes
from smart_app.views import EXTENSION

APP = "http://127.0.0.1:5999"  # never contacted: the test client serves the app
DEMO_SYSTEM = "http://noms-cds.org/fhir/sid/demo-patient"


@contextmanager
def sandbox(store: StoreConfig | None = None) -> Iterator[RunningEhr]:
    registration = app_registration(APP + "/smart/launch", [APP + "/smart/callback"])
    config = EhrConfig(
        store=store or StoreConfig(seed_dir=demo_patients_dir()),
        auth=AuthConfig(clients=(registration,)),
    )
    with serve_ehr(config) as ehr:
        yield ehr


@pytest.fixture
def ehr() -> Iterator[RunningEhr]:
    with sandbox() as running:
        yield running


def patient_id(ehr: RunningEhr, stem: str) -> str:
    for version in ehr.store.data.all_current("Patient"):
        if any(i.get("value") == stem for i in version.resource.get("identifier", [])):
            return version.id
    raise AssertionError(stem)


def launch(client, ehr: RunningEhr, stem: str, **options: Any) -> str:
    """An EHR launch as the sandbox page makes it; return the session's page path."""
    launch_id = ehr.auth.launch(
        "noms-cds-smart-app",
        "clinician",
        patient_id(ehr, stem),
        smart_style_url=ehr.root_url + "/smart-style.json",
        **options,
    )
    response = client.get("/smart/launch", query_string={"iss": ehr.fhir_base, "launch": launch_id})
    assert response.status_code == 302, response.get_data(as_text=True)
    at_ehr = requests.get(response.headers["Location"], allow_redirects=False, timeout=10)
    assert at_ehr.status_code == 302, at_ehr.text
    back = at_ehr.headers["Location"]
    assert back.startswith(APP + "/smart/callback?")
    answer = client.get(back.removeprefix(APP))
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"]


@pytest.fixture
def client(make_app, ehr):
    app = make_app(PUBLIC_BASE_URL=APP, SMART_ISSUERS=ehr.fhir_base)
    return app.test_client()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def written(ehr: RunningEhr, resource_type: str, patient: str) -> list[dict[str, Any]]:
    return [
        v.resource
        for v in ehr.store.data.all_current(resource_type)
        if v.resource.get("subject", {}).get("reference") == f"Patient/{patient}"
        or resource_type == "Provenance"
    ]


def test_an_ehr_launch_reads_the_patient_through_the_sandbox(client, ehr):
    page = launch(client, ehr, "07-r7-nsclc-high-grade-stable-fit")
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "T9" in html
    assert "Dr Amara Okafor" in html  # from the verified id_token


def test_the_sandbox_style_and_no_banner_for_an_ehr_that_shows_its_own(client, ehr):
    page = launch(client, ehr, "07-r7-nsclc-high-grade-stable-fit")
    html = client.get(page).get_data(as_text=True)
    assert "Nilsen" not in html  # need_patient_banner false: the EHR page shows it
    assert "--ehr-background: #f4f6f8;" in client.get(page + "style.css").get_data(as_text=True)
    with_banner = launch(client, ehr, "07-r7-nsclc-high-grade-stable-fit", need_patient_banner=True)
    assert "Nilsen, Greta" in client.get(with_banner).get_data(as_text=True)


def test_completed_findings_are_saved_with_the_user_as_performer(client, ehr):
    stem = "19-chart-lacks-spine-findings"
    patient = patient_id(ehr, stem)
    page = launch(client, ehr, stem)
    html = client.get(page).get_data(as_text=True)
    level = re.search(r'name="([A-Z][0-9]+):escc-grade"', html).group(1)
    form = {
        "csrf_token": csrf_of(html),
        f"{level}:escc-grade": "escc-3",
        f"{level}:sins-bone-lesion": "lesion-lytic",
        "myelopathy": "no",
        "ecog": "1",
    }
    preview = client.post(page + "preview", data=form)
    assert preview.status_code == 200
    assert "Not saved yet" in preview.get_data(as_text=True)
    assert not [o for o in written(ehr, "Observation", patient) if "performer" in o]

    saved = client.post(page + "save", data=form)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    text = saved.get_data(as_text=True)
    assert "Saved to the chart" in text
    entered = [
        o
        for o in written(ehr, "Observation", patient)
        if o.get("performer") == [{"reference": "Practitioner/sandbox-clinician"}]
    ]
    assert {o["code"]["coding"][0]["code"] for o in entered} == {
        "escc-grade",
        "sins-bone-lesion",
        "myelopathy",
        codes.LOINC_ECOG,
    }
    entered_refs = {f"Observation/{o['id']}" for o in entered}
    recommendation = next(
        o
        for o in written(ehr, "Observation", patient)
        if o["code"]["coding"][0]["code"] == "noms-recommendation"
    )
    cited = {ref["reference"] for ref in recommendation.get("derivedFrom", [])}
    assert cited & entered_refs  # the results cite what the clinician entered
    provenance = [
        p
        for p in written(ehr, "Provenance", patient)
        if any(t["reference"] in entered_refs for t in p["target"])
    ]
    assert len(provenance) == 1
    agents = [a["who"] for a in provenance[0]["agent"]]
    assert {"reference": "Practitioner/sandbox-clinician"} in agents

    counts = ehr.store.data.counts()
    again = client.post(page + "save", data=form)  # a second press writes nothing
    assert "Already saved" in again.get_data(as_text=True)
    assert ehr.store.data.counts() == counts


def test_what_the_ehr_refuses_is_shown(make_app):
    store = StoreConfig(
        seed_dir=demo_patients_dir(),
        transactions=False,
        write_refusals=(
            WriteRefusal("RiskAssessment"),
            WriteRefusal("Observation", allowed_categories=("laboratory", "vital-signs")),
        ),
    )
    with sandbox(store) as ehr:
        client = make_app(PUBLIC_BASE_URL=APP, SMART_ISSUERS=ehr.fhir_base).test_client()
        page = launch(client, ehr, "07-r7-nsclc-high-grade-stable-fit")
        html = client.get(page).get_data(as_text=True)
        saved = client.post(page + "save", data={"csrf_token": csrf_of(html), "ecog": "0"})
        text = saved.get_data(as_text=True)
        assert saved.status_code == 200
        assert "Saved in part" in text
        assert "refused" in text and "RiskAssessment" in text


def test_a_standalone_launch_cannot_skip_the_sign_in(client, ehr):
    response = client.get("/smart/launch", query_string={"iss": ehr.fhir_base})
    at_ehr = requests.get(response.headers["Location"], allow_redirects=False, timeout=10)
    assert at_ehr.status_code == 200  # the sandbox's sign-in page: who, which patient, allow?
    assert "launch/patient" in parse_qs(urlsplit(response.headers["Location"]).query)["scope"][0]


def test_sessions_live_in_the_shared_store(client, ehr):
    page = launch(client, ehr, "07-r7-nsclc-high-grade-stable-fit")
    app = client.application
    session = app.extensions[EXTENSION].sessions.load(page.split("/")[3])
    assert session.fhir_base == ehr.fhir_base
    assert session.patient == patient_id(ehr, "07-r7-nsclc-high-grade-stable-fit")


def test_a_form_naming_a_level_the_assessment_lacks_saves_nothing(client, ehr):
    stem = "07-r7-nsclc-high-grade-stable-fit"
    page = launch(client, ehr, stem)
    html = client.get(page).get_data(as_text=True)
    counts = ehr.store.data.counts()
    form = {"csrf_token": csrf_of(html), "C2:escc-grade": "escc-3"}  # T9 is the level here
    answer = client.post(page + "save", data=form)
    assert answer.status_code == 422
    assert "C2: not a level of this assessment" in answer.get_data(as_text=True)
    assert ehr.store.data.counts() == counts
