"""The EHR page: patient list, EHR launch of an app inside an iframe, standalone link."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sandbox.ehr import EhrConfig, create_ehr_app
from sandbox.ehr.pages import SMART_STYLE
from sandbox.fhir_store import StoreConfig
from sandbox.smart_auth import AuthConfig
from service import demo
from tests.sandbox.smart_support import (
    APP_LAUNCH_URL,
    APP_ORIGIN,
    PUBLIC_APP,
    exchange,
    field_values,
    forms_of,
    start_flow,
)


class Frames(HTMLParser):
    """The ``src`` of every iframe, and the text of the patient banner."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.links: list[tuple[str, str | None]] = []
        self.banner: list[str] = []
        self._in_banner = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "iframe":
            self.sources.append(values["src"])
        if tag == "a":
            self.links.append((values.get("href", ""), values.get("target")))
        if tag == "section" and values.get("class") == "banner":
            self._in_banner = 1
        elif self._in_banner:
            self._in_banner += 1

    def handle_endtag(self, tag):
        if self._in_banner:
            self._in_banner -= 1

    def handle_data(self, data):
        if self._in_banner and data.strip():
            self.banner.append(data.strip())


def parse(html: str) -> Frames:
    frames = Frames()
    frames.feed(html)
    return frames


def launch_from_page(ehr, patient: str, **form: str) -> requests.Response:
    data = {"app": PUBLIC_APP, "patient": patient, **form}
    created = requests.post(ehr.root_url + "/launch", data=data, allow_redirects=False)
    assert created.status_code == 303
    return requests.get(ehr.root_url + created.headers["Location"], timeout=10)


def test_the_patient_list_shows_every_demo_patient_with_a_launch_button(smart_ehr, patients):
    page = requests.get(smart_ehr.root_url + "/", timeout=10)
    assert page.status_code == 200
    launch_forms = [
        f
        for f in forms_of(page.text)
        if f["action"] == "/launch" and field_values(f, "app") == [PUBLIC_APP]
    ]
    assert [field_values(f, "patient")[0] for f in launch_forms] == patients
    for card in smart_ehr.auth.directory.patients():
        assert card.name in page.text
    assert len(patients) == len(demo.patient_names())


def test_the_page_offers_the_sandbox_users(smart_ehr):
    page = requests.get(smart_ehr.root_url + "/", params={"user": "radiologist"}, timeout=10)
    (signed_in,) = [f for f in forms_of(page.text) if f["action"] == "/"]
    assert field_values(signed_in, "user") == ["clinician", "radiologist", "oncologist"]
    launch_form = next(f for f in forms_of(page.text) if f["action"] == "/launch")
    assert field_values(launch_form, "user") == ["radiologist"]


def test_the_standalone_link_opens_the_app_with_iss(smart_ehr):
    page = requests.get(smart_ehr.root_url + "/", timeout=10)
    links = [
        (href, target) for href, target in parse(page.text).links if href.startswith(APP_ORIGIN)
    ]
    standalone = [href for href, target in links if target == "_blank"]
    assert len(standalone) >= 1
    url = standalone[0]
    assert url.startswith(APP_LAUNCH_URL + "?")
    assert parse_qs(urlsplit(url).query) == {"iss": [smart_ehr.fhir_base]}


def test_an_ehr_launch_shows_the_app_in_an_iframe_with_iss_and_launch(smart_ehr, patients):
    page = launch_from_page(smart_ehr, patients[6], user="clinician")
    assert page.status_code == 200
    (src,) = parse(page.text).sources
    assert src.startswith(APP_LAUNCH_URL + "?")
    query = parse_qs(urlsplit(src).query)
    assert query["iss"] == [smart_ehr.fhir_base]
    launch = query["launch"][0]
    assert f"frame-src 'self' {APP_ORIGIN}" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    card = smart_ehr.auth.directory.patient(patients[6])
    assert card.name in parse(page.text).banner

    # The app, given iss and launch, gets the patient of the launch and no banner duty.
    flow = start_flow(smart_ehr, scope="launch openid fhirUser patient/*.rs", launch=launch)
    token = exchange(smart_ehr, flow, requests.get(flow.url, allow_redirects=False, timeout=10))
    assert token["patient"] == patients[6]
    assert token["need_patient_banner"] is False
    style = requests.get(token["smart_style_url"], timeout=10)
    assert style.json() == SMART_STYLE


def test_when_the_app_shows_the_banner_the_ehr_does_not(smart_ehr, patients):
    page = launch_from_page(smart_ehr, patients[0], banner="app")
    assert parse(page.text).banner == []
    launch = parse_qs(urlsplit(parse(page.text).sources[0]).query)["launch"][0]
    flow = start_flow(smart_ehr, scope="launch patient/*.rs", launch=launch)
    token = exchange(smart_ehr, flow, requests.get(flow.url, allow_redirects=False, timeout=10))
    assert token["need_patient_banner"] is True


def test_the_launch_carries_the_signed_in_user(smart_ehr, patients):
    page = launch_from_page(smart_ehr, patients[0], user="oncologist")
    launch = parse_qs(urlsplit(parse(page.text).sources[0]).query)["launch"][0]
    assert smart_ehr.auth.state.launch(launch).user_id == "oncologist"


@pytest.mark.parametrize(
    "form",
    [{"app": PUBLIC_APP, "patient": "no-such-patient"}, {"app": "no-such-app", "patient": "1"}],
    ids=["unknown-patient", "unknown-app"],
)
def test_a_launch_that_cannot_be_made_says_why(smart_ehr, form):
    response = requests.post(smart_ehr.root_url + "/launch", data=form, allow_redirects=False)
    assert response.status_code == 400
    assert "no " in response.text


def test_an_unknown_launch_page_is_404(smart_ehr):
    response = requests.get(smart_ehr.root_url + "/launches/nope", timeout=10)
    assert response.status_code == 404
    assert "unknown or has expired" in response.text


def test_without_an_app_the_page_says_so_and_offers_no_launch():
    app = create_ehr_app(EhrConfig(auth=AuthConfig(clients=())))
    page = app.test_client().get("/")
    text = page.get_data(as_text=True)
    assert "No SMART app is registered" in text
    assert not [f for f in forms_of(text) if f["action"] == "/launch"]
    assert parse(text).sources == []
    assert "<tbody>" in text  # the patients are still listed


def test_fhir_errors_stay_operation_outcomes_beside_the_pages():
    client = create_ehr_app(EhrConfig(store=StoreConfig(seed_dir=None), smart=False)).test_client()
    missing = client.get("/fhir/Patient/none")
    assert missing.status_code == 404
    assert missing.json["resourceType"] == "OperationOutcome"
    assert client.get("/no-such-page").status_code == 404


def test_with_smart_off_the_store_is_open_but_the_auth_server_still_works():
    app = create_ehr_app(EhrConfig(store=StoreConfig(seed_dir=None), smart=False))
    client = app.test_client()
    assert client.get("/fhir/Practitioner/sandbox-clinician").status_code == 200
    assert client.get("/fhir/.well-known/smart-configuration").status_code == 200
