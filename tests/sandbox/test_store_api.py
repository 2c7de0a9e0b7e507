"""FHIR interactions of the sandbox store, through the Flask test client."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from flask.testing import FlaskClient

from sandbox.fhir_store import (
    SearchRequirement,
    StoreConfig,
    WriteRefusal,
    create_app,
    store_of,
)

SYNTHEA_DIR = Path(__file__).resolve().parents[1] / "data" / "synthea"
AUSTIN_FILE = SYNTHEA_DIR / "Austin_Franecki_f23eef30-acb2-49da-8091-159b61dc1ed5.json"
SYNTHEA_ID_SYSTEM = "https://github.com/synthetichealth/synthea"
AUSTIN_SYNTHEA_ID = "f23eef30-acb2-49da-8091-159b61dc1ed5"

LOINC = "http://loinc.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
RESULT_SYSTEM = "http://noms-cds.org/fhir/sid/result"
FHIR_JSON = "application/fhir+json"


def observation(
    *,
    identifier: str | None = None,
    category: str = "survey",
    code: str = "72514-3",
    subject: str | None = None,
    tag: str | None = None,
) -> dict[str, Any]:
    """A small valid Observation."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "valueInteger": 3,
    }
    if identifier:
        resource["identifier"] = [{"system": RESULT_SYSTEM, "value": identifier}]
    if subject:
        resource["subject"] = {"reference": subject}
    if tag:
        resource["meta"] = {"tag": [{"system": RESULT_SYSTEM, "code": tag}]}
    return resource


def post(client: FlaskClient, url: str, body: Any, **headers: str) -> Any:
    return client.post(url, data=json.dumps(body), content_type=FHIR_JSON, headers=headers)


def ids(bundle: dict[str, Any]) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def walk_strings(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from walk_strings(item, key)
    elif isinstance(node, str):
        yield key, node


def austin_observations(predicate: Any) -> int:
    bundle = json.loads(AUSTIN_FILE.read_text(encoding="utf-8"))
    return sum(
        1
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation" and predicate(entry["resource"])
    )


def has_coding(concepts: Any, system: str | None, code: str) -> bool:
    concepts = concepts if isinstance(concepts, list) else [concepts]
    return any(
        c.get("code") == code and (system is None or c.get("system") == system)
        for concept in concepts
        for c in concept.get("coding", [])
    )


# -- seeding ------------------------------------------------------------------------------------


def test_seeding_loads_every_synthea_resource(client: FlaskClient, synthea_bundles: dict) -> None:
    expected = Counter(
        entry["resource"]["resourceType"]
        for bundle in synthea_bundles.values()
        for entry in bundle["entry"]
    )
    counts = client.get("/_admin/counts").json
    assert counts["resources"] == dict(expected)
    assert counts["resources"]["Patient"] == 2
    assert counts["total"] == 705 + 168
    for resource_type, number in expected.items():
        assert client.get(f"/fhir/{resource_type}?_count=0").json["total"] == number


def test_seeding_rewrites_urn_uuid_references(seeded_app: Any) -> None:
    store = store_of(seeded_app)
    references = []
    for resource_type in store.data.counts():
        for version in store.data.all_current(resource_type):
            for key, value in walk_strings(version.resource):
                assert not value.startswith("urn:uuid:"), (resource_type, key, value)
                if key == "reference" and not value.startswith("#"):
                    references.append(value)
    assert len(references) > 2000
    for reference in references:
        resource_type, resource_id = reference.split("/")
        assert store.data.current(resource_type, resource_id) is not None, reference


def test_seeded_observation_points_at_its_patient(client: FlaskClient, austin_id: str) -> None:
    bundle = client.get(f"/fhir/Observation?patient={austin_id}&_count=1").json
    observation_ = bundle["entry"][0]["resource"]
    assert observation_["subject"] == {"reference": f"Patient/{austin_id}"}
    assert observation_["encounter"]["reference"].startswith("Encounter/")
    assert observation_["meta"]["versionId"] == "1"


def test_seed_directory_may_be_missing(tmp_path: Any) -> None:
    app = create_app(StoreConfig(seed_dir=tmp_path / "absent"))
    assert store_of(app).data.counts() == {}


def test_seed_files_must_be_transaction_bundles(tmp_path: Any) -> None:
    from sandbox.fhir_store import SeedError

    (tmp_path / "bad.json").write_text('{"resourceType": "Patient"}', encoding="utf-8")
    with pytest.raises(SeedError, match=r"bad\.json"):
        create_app(StoreConfig(seed_dir=tmp_path))


def test_seeding_ignores_write_refusals_and_switches() -> None:
    # Oracle-like rules apply to clients, not to what the EHR already holds.
    config = StoreConfig(
        seed_dir=SYNTHEA_DIR,
        transactions=False,
        write_refusals=(WriteRefusal("Observation", allowed_categories=("laboratory",)),),
    )
    counts = store_of(create_app(config)).data.counts()
    assert counts["Observation"] == 262


# -- read ---------------------------------------------------------------------------------------


def test_read_returns_resource_with_version_headers(client: FlaskClient, austin_id: str) -> None:
    response = client.get(f"/fhir/Patient/{austin_id}")
    assert response.status_code == 200
    assert response.mimetype == FHIR_JSON
    assert response.json["id"] == austin_id
    assert response.headers["ETag"] == 'W/"1"'
    assert "Last-Modified" in response.headers


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/fhir/Patient/does-not-exist", 404),
        ("/fhir/NotAType/1", 404),
        ("/fhir/Patient/1/_history/99", 404),
        ("/fhir/Patient?_id=1&_sort=unknown&foo:bar=1&patient:missing=true", 200),
        ("/fhir/Observation?code:text=abc", 400),
        ("/fhir/Observation?subject:identifier=abc", 400),
        ("/fhir/Observation?_lastUpdated=2024-13-01", 400),
        ("/fhir/Observation?_lastUpdated=ap2024", 400),
        ("/fhir/Observation?_count=-1", 400),
        ("/fhir?name=x", 400),
        ("/fhir?_getpages=unknown", 410),
    ],
)
def test_errors_are_operation_outcomes(client: FlaskClient, url: str, status: int) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == FHIR_JSON
    if status != 200:
        assert response.json["resourceType"] == "OperationOutcome"
        assert response.json["issue"][0]["severity"] == "error"


def test_unsupported_methods_answer_with_operation_outcome(client: FlaskClient) -> None:
    deleted = client.delete("/fhir/Patient/1")
    assert deleted.status_code == 405
    assert deleted.json["issue"][0]["code"] == "not-supported"
    patched = client.patch("/fhir/Patient/1", data="[]", content_type="application/json-patch+json")
    assert patched.status_code == 405
    assert patched.json["resourceType"] == "OperationOutcome"


def test_vread_serves_each_version(empty_client: FlaskClient) -> None:
    created = post(empty_client, "/fhir/Observation", observation()).json
    updated = dict(created, status="amended")
    assert (
        empty_client.put(
            f"/fhir/Observation/{created['id']}", json=updated, content_type=FHIR_JSON
        ).status_code
        == 200
    )
    first = empty_client.get(f"/fhir/Observation/{created['id']}/_history/1").json
    second = empty_client.get(f"/fhir/Observation/{created['id']}/_history/2").json
    assert (first["status"], second["status"]) == ("final", "amended")
    assert (first["meta"]["versionId"], second["meta"]["versionId"]) == ("1", "2")


# -- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form", ["{id}", "Patient/{id}", "http://elsewhere.example/fhir/Patient/{id}"]
)
def test_search_by_patient_accepts_id_reference_and_url(
    client: FlaskClient, austin_id: str, form: str
) -> None:
    value = form.format(id=austin_id)
    bundle = client.get(f"/fhir/Observation?patient={value}&_count=0").json
    assert bundle["total"] == austin_observations(lambda r: True)
    by_subject = client.get(f"/fhir/Observation?subject={value}&_count=0").json
    assert by_subject["total"] == bundle["total"]


def test_search_by_patient_on_a_patient_element(client: FlaskClient, austin_id: str) -> None:
    # Immunization and Claim name the patient in `patient`, not `subject`.
    bundle = client.get(f"/fhir/Immunization?patient=Patient/{austin_id}").json
    assert bundle["total"] == 10
    assert client.get(f"/fhir/Claim?patient={austin_id}&_count=0").json["total"] == 166


def test_patient_parameter_only_matches_patient_references(
    client: FlaskClient, austin_id: str
) -> None:
    assert client.get(f"/fhir/Observation?patient=Group/{austin_id}").json["total"] == 0
    assert client.get(f"/fhir/Observation?subject:Patient={austin_id}&_count=0").json["total"] > 0


@pytest.mark.parametrize(
    ("query", "predicate"),
    [
        (f"code={LOINC}|8302-2", lambda r: has_coding(r["code"], LOINC, "8302-2")),
        ("code=8302-2", lambda r: has_coding(r["code"], None, "8302-2")),
        ("code=http://snomed.info/sct|8302-2", lambda r: False),
        ("code=|8302-2", lambda r: False),  # LOINC codings have a system
        (f"code={LOINC}|", lambda r: has_coding(r["code"], LOINC, r["code"]["coding"][0]["code"])),
        (
            "code=8302-2,29463-7",
            lambda r: (
                has_coding(r["code"], None, "8302-2") or has_coding(r["code"], None, "29463-7")
            ),
        ),
        ("category=laboratory", lambda r: has_coding(r.get("category", []), None, "laboratory")),
        (
            f"category={CATEGORY}|vital-signs",
            lambda r: has_coding(r.get("category", []), CATEGORY, "vital-signs"),
        ),
        ("category=vital-signs&code=8302-2", lambda r: has_coding(r["code"], None, "8302-2")),
        ("status=final", lambda r: r["status"] == "final"),
        ("status=amended", lambda r: r["status"] == "amended"),
    ],
)
def test_token_search(client: FlaskClient, austin_id: str, query: str, predicate: Any) -> None:
    bundle = client.get(f"/fhir/Observation?patient={austin_id}&{query}&_count=500").json
    expected = austin_observations(predicate)
    assert bundle["total"] == expected
    assert len(bundle.get("entry", [])) == expected


def test_search_by_identifier_forms(client: FlaskClient) -> None:
    for value in (f"{SYNTHEA_ID_SYSTEM}|{AUSTIN_SYNTHEA_ID}", AUSTIN_SYNTHEA_ID):
        assert client.get(f"/fhir/Patient?identifier={value}").json["total"] == 1
    assert client.get(f"/fhir/Patient?identifier=|{AUSTIN_SYNTHEA_ID}").json["total"] == 0
    assert client.get(f"/fhir/Patient?identifier={SYNTHEA_ID_SYSTEM}|").json["total"] == 2
    assert (
        client.get("/fhir/Patient?identifier=http://hl7.org/fhir/sid/us-ssn|999-87-8943").json[
            "total"
        ]
        == 1
    )


def test_search_by_id_and_tag(empty_client: FlaskClient) -> None:
    first = post(empty_client, "/fhir/Observation", observation(tag="a")).json
    second = post(empty_client, "/fhir/Observation", observation(tag="b")).json
    post(empty_client, "/fhir/Observation", observation())
    assert ids(empty_client.get(f"/fhir/Observation?_tag={RESULT_SYSTEM}|a").json) == [first["id"]]
    assert ids(empty_client.get("/fhir/Observation?_tag=b").json) == [second["id"]]
    assert ids(empty_client.get(f"/fhir/Observation?_tag={RESULT_SYSTEM}|").json) == [
        first["id"],
        second["id"],
    ]
    both = empty_client.get(f"/fhir/Observation?_id={first['id']},{second['id']}").json
    assert sorted(ids(both)) == sorted([first["id"], second["id"]])


def test_repeated_parameters_are_anded(client: FlaskClient, austin_id: str) -> None:
    query = f"/fhir/Observation?patient={austin_id}&category=laboratory&category=vital-signs"
    assert client.get(query).json["total"] == 0


def test_unknown_parameters_are_ignored_and_left_out_of_self_link(
    client: FlaskClient, austin_id: str
) -> None:
    bundle = client.get(
        f"/fhir/Observation?patient={austin_id}&frobnicate=1&_include=Observation:subject"
        "&_sort=-date&_count=2"
    ).json
    assert bundle["type"] == "searchset"
    self_link = next(link["url"] for link in bundle["link"] if link["relation"] == "self")
    assert self_link == f"http://localhost/fhir/Observation?patient={austin_id}&_count=2"
    assert all(entry["search"] == {"mode": "match"} for entry in bundle["entry"])
    assert all(entry["resource"]["resourceType"] == "Observation" for entry in bundle["entry"])
    assert bundle["entry"][0]["fullUrl"].startswith("http://localhost/fhir/Observation/")


def test_strict_handling_rejects_unknown_parameters(client: FlaskClient) -> None:
    response = client.get("/fhir/Observation?frobnicate=1", headers={"Prefer": "handling=strict"})
    assert response.status_code == 400
    assert "frobnicate" in response.json["issue"][0]["diagnostics"]


def test_post_search_matches_get_search(client: FlaskClient, austin_id: str) -> None:
    got = client.get(f"/fhir/Observation?patient={austin_id}&category=laboratory").json
    posted = client.post(
        "/fhir/Observation/_search",
        data={"patient": austin_id, "category": "laboratory"},
    ).json
    assert posted["total"] == got["total"] > 0
    assert ids(posted) == ids(got)


def test_paging_follows_next_until_absent(client: FlaskClient, austin_id: str) -> None:
    total = austin_observations(lambda r: True)
    url = f"/fhir/Observation?patient={austin_id}&_count=40"
    seen: list[str] = []
    pages = 0
    while url:
        bundle = client.get(url.removeprefix("http://localhost")).json
        assert bundle["total"] == total
        seen += ids(bundle)
        pages += 1
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert pages == -(-total // 40) > 3
    assert len(seen) == len(set(seen)) == total


def test_paging_uses_a_snapshot_of_the_first_request(
    empty_client: FlaskClient,
) -> None:
    for _ in range(5):
        post(empty_client, "/fhir/Observation", observation(subject="Patient/p1"))
    first = empty_client.get("/fhir/Observation?patient=p1&_count=2").json
    post(empty_client, "/fhir/Observation", observation(subject="Patient/p1"))  # a write between
    seen = ids(first)
    url = next(link["url"] for link in first["link"] if link["relation"] == "next")
    while url:
        page = empty_client.get(url.removeprefix("http://localhost")).json
        assert page["total"] == 5
        seen += ids(page)
        url = next((link["url"] for link in page["link"] if link["relation"] == "next"), None)
    assert len(seen) == len(set(seen)) == 5
    assert empty_client.get("/fhir/Observation?patient=p1").json["total"] == 6


def test_count_is_capped_and_zero_gives_only_the_total(client: FlaskClient) -> None:
    zero = client.get("/fhir/Observation?_count=0").json
    assert zero["total"] == 262
    assert "entry" not in zero  # FHIR JSON has no empty arrays
    capped = client.get("/fhir/Claim?_count=100000").json
    assert len(capped["entry"]) == 185  # all fit under the maximum of 500
    assert any(link["url"].endswith("_count=500") for link in capped["link"])


def test_summary_count_gives_only_the_total(client: FlaskClient, austin_id: str) -> None:
    bundle = client.get(f"/fhir/Observation?patient={austin_id}&_summary=count").json
    assert bundle["total"] == austin_observations(lambda r: True)
    assert "entry" not in bundle
    assert bundle["link"][0]["url"].endswith("&_summary=count")


def test_sort_by_last_updated(empty_client: FlaskClient) -> None:
    made = [post(empty_client, "/fhir/Observation", observation()).json["id"] for _ in range(3)]
    assert ids(empty_client.get("/fhir/Observation?_sort=_lastUpdated").json) == made
    assert ids(empty_client.get("/fhir/Observation?_sort=-_lastUpdated").json) == made[::-1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("eq2024", ["jan", "feb-a", "feb-b"]),
        ("2024-02", ["feb-a", "feb-b"]),
        ("eq2024-02-20", ["feb-a", "feb-b"]),
        ("eq2024-02-20T12:30", ["feb-a", "feb-b"]),
        ("eq2024-02-20T12:30:00Z", ["feb-a"]),
        ("eq2024-02-20T14:30:00+02:00", ["feb-a"]),
        ("gt2024-02-20T12:30:00Z", ["feb-b", "next-year"]),
        ("ge2024-02-20T12:30:00Z", ["feb-a", "feb-b", "next-year"]),
        ("gt2024-02", ["next-year"]),
        ("ge2024-02", ["feb-a", "feb-b", "next-year"]),
        ("lt2024-02-20", ["jan"]),
        ("le2024-02-20", ["jan", "feb-a", "feb-b"]),
        ("lt2024-02-20T12:30:45.5Z", ["jan", "feb-a"]),
        ("le2024-02-20T12:30:45.5Z", ["jan", "feb-a", "feb-b"]),
        ("ne2024", ["next-year"]),
        ("ge2024-02-01&_lastUpdated=lt2025", ["feb-a", "feb-b"]),
        ("lt2024-02,ge2025", ["jan", "next-year"]),
    ],
)
def test_last_updated_prefixes(query: str, expected: list[str], fake_clock: Any) -> None:
    clock = fake_clock
    client = create_app(StoreConfig(seed_dir=None, clock=clock)).test_client()
    moments = {
        "jan": datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
        "feb-a": datetime(2024, 2, 20, 12, 30, tzinfo=UTC),
        "feb-b": datetime(2024, 2, 20, 12, 30, 45, 500000, tzinfo=UTC),
        "next-year": datetime(2025, 1, 1, tzinfo=UTC),
    }
    names = {}
    for name, moment in moments.items():
        clock.now = moment
        names[post(client, "/fhir/Observation", observation()).json["id"]] = name
    bundle = client.get(f"/fhir/Observation?_lastUpdated={query}").json
    assert [names[i] for i in ids(bundle)] == expected


def test_last_updated_is_strictly_increasing_with_a_stuck_clock(fake_clock: Any) -> None:
    client = create_app(StoreConfig(seed_dir=None, clock=fake_clock)).test_client()
    stamps = [
        post(client, "/fhir/Observation", observation()).json["meta"]["lastUpdated"]
        for _ in range(3)
    ]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert stamps[0] == "2024-01-01T00:00:00.000000Z"


EPIC_LIKE = (
    SearchRequirement("Observation", ("patient", "subject")),
    SearchRequirement("Observation", ("code", "category")),
)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("patient=1", 400),
        ("category=laboratory", 400),
        ("patient=1&category=laboratory", 200),
        ("subject=Patient/1&code=8302-2", 200),
        ("patient=1&category=", 400),  # an empty value does not count
        ("patient=1&frobnicate=laboratory", 400),
    ],
)
def test_search_requirements_imitate_epic(query: str, status: int) -> None:
    client = create_app(StoreConfig(seed_dir=None, search_requirements=EPIC_LIKE)).test_client()
    response = client.get(f"/fhir/Observation?{query}")
    assert response.status_code == status
    if status == 400:
        assert response.json["issue"][0]["code"] == "required"
    assert client.get("/fhir/Condition?patient=1").status_code == 200


def test_search_requirements_apply_to_batch_entries_and_can_change(client: FlaskClient) -> None:
    requirements = [{"resource_type": "Observation", "any_of": ["code", "category"]}]
    settings = client.patch("/_admin/settings", json={"search_requirements": requirements}).json
    assert settings["search_requirements"] == requirements
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "GET", "url": "Observation?patient=1"}},
            {"request": {"method": "GET", "url": "Observation?patient=1&category=laboratory"}},
        ],
    }
    result = post(client, "/fhir", batch).json
    assert [e["response"]["status"] for e in result["entry"]] == ["400 Bad Request", "200 OK"]
    doc = resource_entry(capability(client), "Observation")["documentation"]
    assert "code, category" in doc
    client.patch("/_admin/settings", json={"search_requirements": []})
    assert client.get("/fhir/Observation?patient=1").status_code == 200


# -- create, conditional create, update ------------------------------------------------------------


def test_create_assigns_id_and_meta(empty_client: FlaskClient) -> None:
    body = observation()
    body["id"] = "client-chosen"
    body["meta"] = {"versionId": "7", "profile": ["http://example.org/p"]}
    response = post(empty_client, "/fhir/Observation", body)
    assert response.status_code == 201
    created = response.json
    assert created["id"] != "client-chosen"  # R4: the server ignores an id on create
    assert created["meta"]["versionId"] == "1"
    assert created["meta"]["profile"] == ["http://example.org/p"]
    assert created["meta"]["lastUpdated"].endswith("Z")
    assert response.headers["Location"] == (
        f"http://localhost/fhir/Observation/{created['id']}/_history/1"
    )
    assert response.headers["ETag"] == 'W/"1"'


@pytest.mark.parametrize(
    ("prefer", "check"),
    [
        ("return=minimal", lambda r: r.data == b""),
        ("return=representation", lambda r: r.json["resourceType"] == "Observation"),
        ("return=OperationOutcome", lambda r: r.json["issue"][0]["severity"] == "information"),
    ],
)
def test_prefer_return(empty_client: FlaskClient, prefer: str, check: Any) -> None:
    response = post(empty_client, "/fhir/Observation", observation(), Prefer=prefer)
    assert response.status_code == 201
    assert "Location" in response.headers
    assert check(response)


def test_conditional_create_zero_one_many(empty_client: FlaskClient) -> None:
    criteria = f"identifier={RESULT_SYSTEM}|sins-1"
    first = post(
        empty_client,
        "/fhir/Observation",
        observation(identifier="sins-1"),
        **{"If-None-Exist": criteria},
    )
    assert first.status_code == 201
    again = post(
        empty_client,
        "/fhir/Observation",
        observation(identifier="sins-1"),
        **{"If-None-Exist": criteria},
    )
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert empty_client.get("/fhir/Observation").json["total"] == 1

    post(empty_client, "/fhir/Observation", observation(identifier="dup"))
    post(empty_client, "/fhir/Observation", observation(identifier="dup"))
    many = post(
        empty_client,
        "/fhir/Observation",
        observation(identifier="dup"),
        **{"If-None-Exist": f"identifier={RESULT_SYSTEM}|dup"},
    )
    assert many.status_code == 412
    assert many.json["resourceType"] == "OperationOutcome"


def test_conditional_create_rejects_criteria_it_cannot_apply(empty_client: FlaskClient) -> None:
    # Ignoring an unknown parameter here would match everything and never create.
    response = post(
        empty_client, "/fhir/Observation", observation(), **{"If-None-Exist": "frobnicate=1"}
    )
    assert response.status_code == 400


def test_conditional_create_switched_off_ignores_the_header() -> None:
    client = create_app(StoreConfig(seed_dir=None, conditional_create=False)).test_client()
    header = {"If-None-Exist": f"identifier={RESULT_SYSTEM}|x"}
    statuses = [
        post(client, "/fhir/Observation", observation(identifier="x"), **header).status_code
        for _ in range(2)
    ]
    assert statuses == [201, 201]
    assert client.get("/fhir/Observation").json["total"] == 2


def test_put_creates_then_updates(empty_client: FlaskClient) -> None:
    body = dict(observation(), id="score-1")
    created = empty_client.put("/fhir/Observation/score-1", json=body, content_type=FHIR_JSON)
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/fhir/Observation/score-1/_history/1")
    updated = empty_client.put(
        "/fhir/Observation/score-1",
        json=dict(body, status="amended"),
        content_type=FHIR_JSON,
        headers={"If-Match": 'W/"1"'},
    )
    assert updated.status_code == 200
    assert updated.json["meta"]["versionId"] == "2"
    stale = empty_client.put(
        "/fhir/Observation/score-1",
        json=body,
        content_type=FHIR_JSON,
        headers={"If-Match": 'W/"1"'},
    )
    assert stale.status_code == 412
    assert empty_client.get("/fhir/Observation/score-1").json["status"] == "amended"


@pytest.mark.parametrize(
    ("method", "url", "body", "content_type", "status"),
    [
        ("post", "/fhir/Observation", {"resourceType": "Patient"}, FHIR_JSON, 400),
        ("post", "/fhir/Observation", dict(observation(), status=7), FHIR_JSON, 400),
        ("post", "/fhir/Observation", dict(observation(), colour="red"), FHIR_JSON, 400),
        ("post", "/fhir/Observation", {"resourceType": "Observation"}, FHIR_JSON, 400),
        ("post", "/fhir/Observation", "not json", FHIR_JSON, 400),
        ("post", "/fhir/Observation", observation(), "application/fhir+xml", 415),
        ("post", "/fhir/Observation", observation(), "application/json", 201),
        ("put", "/fhir/Observation/a", dict(observation(), id="b"), FHIR_JSON, 400),
        ("put", "/fhir/Observation/a", observation(), FHIR_JSON, 400),
        ("post", "/fhir/NotAType", {"resourceType": "NotAType"}, FHIR_JSON, 404),
    ],
)
def test_write_validation(
    empty_client: FlaskClient, method: str, url: str, body: Any, content_type: str, status: int
) -> None:
    data = body if isinstance(body, str) else json.dumps(body)
    response = getattr(empty_client, method)(url, data=data, content_type=content_type)
    assert response.status_code == status, response.json
    if status >= 400:
        assert response.json["resourceType"] == "OperationOutcome"


def test_validation_can_be_switched_off() -> None:
    client = create_app(StoreConfig(seed_dir=None, validate=False)).test_client()
    response = post(client, "/fhir/Observation", dict(observation(), colour="red"))
    assert response.status_code == 201
    mismatch = post(client, "/fhir/Observation", {"resourceType": "Patient"})
    assert mismatch.status_code == 400  # the URL check stays on


# -- write refusals -----------------------------------------------------------------------------

ORACLE_LIKE = (
    WriteRefusal("RiskAssessment"),
    WriteRefusal("Observation", allowed_categories=("laboratory", "vital-signs")),
)


def risk_assessment() -> dict[str, Any]:
    return {
        "resourceType": "RiskAssessment",
        "status": "final",
        "subject": {"reference": "Patient/1"},
    }


def test_write_refusals_on_single_writes() -> None:
    client = create_app(StoreConfig(seed_dir=None, write_refusals=ORACLE_LIKE)).test_client()
    refused = post(client, "/fhir/RiskAssessment", risk_assessment())
    assert refused.status_code == 422
    assert "RiskAssessment" in refused.json["issue"][0]["diagnostics"]
    survey = post(client, "/fhir/Observation", observation(category="survey"))
    assert survey.status_code == 422
    assert survey.json["issue"][0]["code"] == "business-rule"
    assert post(client, "/fhir/Observation", observation(category="laboratory")).status_code == 201
    put = client.put(
        "/fhir/RiskAssessment/r1", json=dict(risk_assessment(), id="r1"), content_type=FHIR_JSON
    )
    assert put.status_code == 422


def test_refusal_status_is_configurable() -> None:
    config = StoreConfig(
        seed_dir=None, write_refusals=(WriteRefusal("RiskAssessment", status=405),)
    )
    client = create_app(config).test_client()
    assert post(client, "/fhir/RiskAssessment", risk_assessment()).status_code == 405


# -- transactions -------------------------------------------------------------------------------


def write_back_bundle(observation_id: str = "sins-L1") -> dict[str, Any]:
    """A transaction shaped like the service's write-back (see docs/fhir-output.md)."""
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:mrn", "value": "mrn-1"}],
        "text": {
            "status": "generated",
            "div": '<div xmlns="http://www.w3.org/1999/xhtml"><a href="urn:uuid:obs">obs</a></div>',
        },
    }
    provenance = {
        "resourceType": "Provenance",
        "meta": {"tag": [{"system": RESULT_SYSTEM, "code": "provenance-1"}]},
        "target": [{"reference": "urn:uuid:obs"}, {"reference": "urn:uuid:patient"}],
        "recorded": "2024-05-01T10:00:00Z",
        "agent": [{"who": {"display": "NOMS-CDS"}}],
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:provenance",
                "resource": provenance,
                "request": {
                    "method": "POST",
                    "url": "Provenance",
                    "ifNoneExist": f"_tag={RESULT_SYSTEM}|provenance-1",
                },
            },
            {
                "fullUrl": "urn:uuid:obs",
                "resource": observation(identifier=observation_id, subject="urn:uuid:patient"),
                "request": {
                    "method": "POST",
                    "url": "Observation",
                    "ifNoneExist": f"identifier={RESULT_SYSTEM}|{observation_id}",
                },
            },
            {
                "fullUrl": "urn:uuid:patient",
                "resource": patient,
                "request": {
                    "method": "POST",
                    "url": "Patient",
                    "ifNoneExist": "identifier=urn:mrn|mrn-1",
                },
            },
            {"request": {"method": "GET", "url": "Observation?patient=urn:uuid:patient"}},
        ],
    }


def test_transaction_resolves_urn_uuid_references(empty_client: FlaskClient) -> None:
    response = post(empty_client, "/fhir", write_back_bundle())
    assert response.status_code == 200
    bundle = response.json
    assert bundle["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in bundle["entry"]]
    assert statuses == ["201 Created", "201 Created", "201 Created", "200 OK"]
    provenance_loc, obs_loc, patient_loc = (e["response"]["location"] for e in bundle["entry"][:3])
    assert obs_loc.startswith("Observation/") and obs_loc.endswith("/_history/1")
    patient_ref = patient_loc.split("/_history")[0]
    obs_ref = obs_loc.split("/_history")[0]
    stored_obs = empty_client.get(f"/fhir/{obs_ref}").json
    assert stored_obs["subject"] == {"reference": patient_ref}
    stored_provenance = empty_client.get(f"/fhir/{provenance_loc.split('/_history')[0]}").json
    assert stored_provenance["target"] == [{"reference": obs_ref}, {"reference": patient_ref}]
    patient_div = empty_client.get(f"/fhir/{patient_ref}").json["text"]["div"]
    assert f'href="{obs_ref}"' in patient_div
    # The GET ran after the writes, with the placeholder resolved.
    searched = bundle["entry"][3]["resource"]
    assert searched["type"] == "searchset" and ids(searched) == [obs_ref.split("/")[1]]
    for entry in bundle["entry"][:3]:
        assert entry["response"]["etag"] == 'W/"1"'
        assert entry["response"]["lastModified"].endswith("Z")
        assert "resource" not in entry  # R4: no resources in the response unless asked


def test_repeated_transaction_creates_nothing(empty_client: FlaskClient) -> None:
    first = post(empty_client, "/fhir", write_back_bundle()).json
    counts = empty_client.get("/_admin/counts").json
    second = post(empty_client, "/fhir", write_back_bundle()).json
    assert empty_client.get("/_admin/counts").json == counts
    assert [e["response"]["status"] for e in second["entry"][:3]] == ["200 OK"] * 3
    assert [e["response"]["location"] for e in second["entry"][:3]] == [
        e["response"]["location"] for e in first["entry"][:3]
    ]


def test_transaction_points_new_resources_at_matched_ones(empty_client: FlaskClient) -> None:
    first = post(empty_client, "/fhir", write_back_bundle("sins-L1")).json
    patient_ref = first["entry"][2]["response"]["location"].split("/_history")[0]
    bundle = write_back_bundle("sins-L2")
    del bundle["entry"][0]  # no Provenance this time
    second = post(empty_client, "/fhir", bundle).json
    assert [e["response"]["status"] for e in second["entry"]] == ["201 Created", "200 OK", "200 OK"]
    obs_ref = second["entry"][0]["response"]["location"].split("/_history")[0]
    assert empty_client.get(f"/fhir/{obs_ref}").json["subject"] == {"reference": patient_ref}


def test_transaction_prefer_representation(empty_client: FlaskClient) -> None:
    bundle = post(empty_client, "/fhir", write_back_bundle(), Prefer="return=representation").json
    assert bundle["entry"][1]["resource"]["resourceType"] == "Observation"
    assert bundle["entry"][1]["fullUrl"].startswith("http://localhost/fhir/Observation/")


def test_transaction_runs_posts_before_puts_before_gets(empty_client: FlaskClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"request": {"method": "GET", "url": "Observation?_count=0"}},
            {
                "fullUrl": "http://localhost/fhir/Patient/p-7",
                "resource": {"resourceType": "Patient", "id": "p-7"},
                "request": {"method": "PUT", "url": "Patient/p-7"},
            },
            {
                "fullUrl": "urn:uuid:o",
                "resource": observation(subject="http://localhost/fhir/Patient/p-7"),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    result = post(empty_client, "/fhir", bundle).json
    assert [e["response"]["status"] for e in result["entry"]] == [
        "200 OK",
        "201 Created",
        "201 Created",
    ]
    assert result["entry"][0]["resource"]["total"] == 1
    obs_ref = result["entry"][2]["response"]["location"].split("/_history")[0]
    assert empty_client.get(f"/fhir/{obs_ref}").json["subject"] == {"reference": "Patient/p-7"}


def test_transaction_resolves_conditional_references(empty_client: FlaskClient) -> None:
    # Newer Synthea output points at shared Practitioners with conditional references.
    practitioner = {
        "resourceType": "Practitioner",
        "identifier": [{"system": "urn:npi", "value": "9"}],
    }
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": observation(subject="Patient/1")
                | {"performer": [{"reference": "Practitioner?identifier=urn:npi|9"}]},
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "fullUrl": "urn:uuid:pr",
                "resource": practitioner,
                "request": {
                    "method": "POST",
                    "url": "Practitioner",
                    "ifNoneExist": "identifier=urn:npi|9",
                },
            },
        ],
    }
    result = post(empty_client, "/fhir", bundle).json
    practitioner_ref = result["entry"][1]["response"]["location"].split("/_history")[0]
    obs_ref = result["entry"][0]["response"]["location"].split("/_history")[0]
    assert empty_client.get(f"/fhir/{obs_ref}").json["performer"] == [
        {"reference": practitioner_ref}
    ]
    unresolved = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": observation()
                | {"performer": [{"reference": "Practitioner?identifier=urn:npi|0"}]},
                "request": {"method": "POST", "url": "Observation"},
            }
        ],
    }
    failed = post(empty_client, "/fhir", unresolved)
    assert failed.status_code == 412


@pytest.mark.parametrize(
    ("bad_entry", "status"),
    [
        (
            {
                "resource": dict(observation(category="laboratory"), colour="red"),
                "request": {"method": "POST", "url": "Observation"},
            },
            400,
        ),
        (
            {"resource": risk_assessment(), "request": {"method": "POST", "url": "RiskAssessment"}},
            422,
        ),
        (
            {
                "resource": observation(category="survey"),
                "request": {"method": "POST", "url": "Observation"},
            },
            422,
        ),
        ({"request": {"method": "GET", "url": "Patient/nope"}}, 404),
        ({"request": {"method": "DELETE", "url": "Patient/1"}}, 405),
        (
            {
                "resource": {"resourceType": "Patient", "id": "x"},
                "request": {"method": "PUT", "url": "Patient/x", "ifMatch": 'W/"3"'},
            },
            412,
        ),
    ],
)
def test_transaction_is_atomic(bad_entry: dict[str, Any], status: int) -> None:
    client = create_app(StoreConfig(seed_dir=None, write_refusals=ORACLE_LIKE)).test_client()
    bundle = write_back_bundle()
    # Keep the Observation acceptable to the Oracle-like rules.
    bundle["entry"][1]["resource"]["category"] = [{"coding": [{"code": "laboratory"}]}]
    bundle["entry"].insert(2, bad_entry)
    response = post(client, "/fhir", bundle)
    assert response.status_code == status
    outcome = response.json
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[2]"]
    assert client.get("/_admin/counts").json["total"] == 0
    # Nothing half-done: the same Bundle without the bad entry then goes through.
    del bundle["entry"][2]
    assert post(client, "/fhir", bundle).status_code == 200


def test_transaction_rejects_two_writes_to_one_resource(empty_client: FlaskClient) -> None:
    entry = {
        "resource": {"resourceType": "Patient", "id": "x"},
        "request": {"method": "PUT", "url": "Patient/x"},
    }
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [entry, entry]}
    assert post(empty_client, "/fhir", bundle).status_code == 400


def test_same_conditional_create_twice_in_one_transaction_is_one_resource(
    empty_client: FlaskClient,
) -> None:
    bundle = write_back_bundle()
    bundle["entry"].append(dict(bundle["entry"][2], fullUrl="urn:uuid:patient-again"))
    result = post(empty_client, "/fhir", bundle).json
    assert result["entry"][4]["response"]["status"] == "200 OK"
    assert result["entry"][4]["response"]["location"] == result["entry"][2]["response"]["location"]
    assert empty_client.get("/fhir/Patient").json["total"] == 1


@pytest.mark.parametrize(
    ("bundle", "status"),
    [
        ({"resourceType": "Patient"}, 400),
        ({"resourceType": "Bundle", "type": "collection"}, 400),
        ({"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": {}}]}, 400),
        (
            {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [
                    {
                        "resource": observation(),
                        "request": {"method": "POST", "url": "http://other/fhir/Observation"},
                    }
                ],
            },
            400,
        ),
        (
            {
                "resourceType": "Bundle",
                "type": "transaction",
                "entry": [
                    {
                        "resource": observation(),
                        "request": {"method": "PUT", "url": "Observation?identifier=x"},
                    }
                ],
            },
            400,
        ),
        ({"resourceType": "Bundle", "type": "transaction"}, 200),
    ],
)
def test_bad_bundles(empty_client: FlaskClient, bundle: dict[str, Any], status: int) -> None:
    response = post(empty_client, "/fhir", bundle)
    assert response.status_code == status


# -- batch --------------------------------------------------------------------------------------


def test_batch_gathers_data_and_isolates_failures(austin_id: str) -> None:
    # austin_id came from the seeded app; use the same data with Oracle-like rules.
    app = create_app(StoreConfig(seed_dir=SYNTHEA_DIR, write_refusals=ORACLE_LIKE))
    client = app.test_client()
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "request": {
                    "method": "GET",
                    "url": f"Observation?patient={austin_id}&category=laboratory",
                }
            },
            {"request": {"method": "GET", "url": f"Condition?patient=Patient/{austin_id}"}},
            {"request": {"method": "GET", "url": f"Patient/{austin_id}"}},
            {"request": {"method": "GET", "url": "Patient/nope"}},
            {"resource": risk_assessment(), "request": {"method": "POST", "url": "RiskAssessment"}},
            {
                "resource": observation(category="laboratory"),
                "request": {"method": "POST", "url": "Observation"},
            },
            {
                "resource": dict(observation(category="laboratory"), colour="red"),
                "request": {"method": "POST", "url": "Observation"},
            },
            {"request": {"method": "DELETE", "url": "Patient/1"}},
        ],
    }
    response = post(client, "/fhir", bundle)
    assert response.status_code == 200
    result = response.json
    assert result["type"] == "batch-response"
    statuses = [int(e["response"]["status"].split()[0]) for e in result["entry"]]
    assert statuses == [200, 200, 200, 404, 422, 201, 400, 405]
    labs = result["entry"][0]["resource"]
    assert labs["type"] == "searchset"
    assert labs["total"] == austin_observations(
        lambda r: has_coding(r.get("category", []), None, "laboratory")
    )
    assert result["entry"][1]["resource"]["total"] == 8
    assert result["entry"][2]["resource"]["id"] == austin_id
    for failed in (3, 4, 6, 7):
        assert result["entry"][failed]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert client.get("/fhir/Observation?_count=0").json["total"] == 263


def test_batch_entries_must_not_reference_each_other(empty_client: FlaskClient) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "fullUrl": "urn:uuid:p",
                "resource": {"resourceType": "Patient"},
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": observation(subject="urn:uuid:p"),
                "request": {"method": "POST", "url": "Observation"},
            },
        ],
    }
    result = post(empty_client, "/fhir", bundle).json
    assert [e["response"]["status"] for e in result["entry"]] == ["201 Created", "400 Bad Request"]


def test_batch_conditional_create(empty_client: FlaskClient) -> None:
    entry = {
        "resource": observation(identifier="b-1"),
        "request": {
            "method": "POST",
            "url": "Observation",
            "ifNoneExist": f"identifier={RESULT_SYSTEM}|b-1",
        },
    }
    bundle = {"resourceType": "Bundle", "type": "batch", "entry": [entry]}
    assert (
        post(empty_client, "/fhir", bundle).json["entry"][0]["response"]["status"] == "201 Created"
    )
    assert post(empty_client, "/fhir", bundle).json["entry"][0]["response"]["status"] == "200 OK"


@pytest.mark.parametrize("kind", ["transaction", "batch"])
def test_bundle_kinds_can_be_switched_off(kind: str) -> None:
    config = StoreConfig(
        seed_dir=None, **{"transactions" if kind == "transaction" else "batch": False}
    )
    client = create_app(config).test_client()
    response = post(client, "/fhir", {"resourceType": "Bundle", "type": kind, "entry": []})
    assert response.status_code == 400
    assert response.json["issue"][0]["code"] == "not-supported"


# -- capability statement -----------------------------------------------------------------------


def capability(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    CapabilityStatement.model_validate(response.json)
    return response.json


def resource_entry(statement: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return next(r for r in statement["rest"][0]["resource"] if r["type"] == resource_type)


def test_capability_statement_defaults(empty_client: FlaskClient) -> None:
    statement = capability(empty_client)
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["kind"] == "instance"
    assert "json" in statement["format"]
    rest = statement["rest"][0]
    assert [i["code"] for i in rest["interaction"]] == ["transaction", "batch"]
    assert "security" not in rest
    obs = resource_entry(statement, "Observation")
    assert {i["code"] for i in obs["interaction"]} >= {"read", "search-type", "create", "update"}
    assert obs["conditionalCreate"] is True
    params = {p["name"]: p["type"] for p in obs["searchParam"]}
    assert params == {
        "_id": "token",
        "_lastUpdated": "date",
        "_tag": "token",
        "category": "token",
        "code": "token",
        "identifier": "token",
        "patient": "reference",
        "status": "token",
        "subject": "reference",
    }
    assert "patient" in {
        p["name"] for p in resource_entry(statement, "Immunization")["searchParam"]
    }
    assert "patient" not in {p["name"] for p in resource_entry(statement, "Patient")["searchParam"]}


@pytest.mark.parametrize(
    ("switches", "system_interactions", "conditional"),
    [
        ({"transactions": False}, ["batch"], True),
        ({"batch": False}, ["transaction"], True),
        ({"transactions": False, "batch": False}, [], True),
        ({"conditional_create": False}, ["transaction", "batch"], False),
    ],
)
def test_capability_statement_follows_switches(
    client: FlaskClient,
    switches: dict[str, bool],
    system_interactions: list[str],
    conditional: bool,
) -> None:
    assert client.patch("/_admin/settings", json=switches).status_code == 200
    statement = capability(client)
    rest = statement["rest"][0]
    assert [i["code"] for i in rest.get("interaction", [])] == system_interactions
    assert resource_entry(statement, "Observation")["conditionalCreate"] is conditional


def test_capability_statement_follows_refusals_and_types() -> None:
    config = StoreConfig(
        seed_dir=None,
        write_refusals=ORACLE_LIKE,
        bearer_tokens=("t",),
        resource_types=("Patient", "Observation", "RiskAssessment"),
    )
    statement = capability(create_app(config).test_client())
    assert [r["type"] for r in statement["rest"][0]["resource"]] == [
        "Observation",
        "Patient",
        "RiskAssessment",
    ]
    risk = {i["code"] for i in resource_entry(statement, "RiskAssessment")["interaction"]}
    assert risk == {"read", "vread", "search-type"}
    obs = resource_entry(statement, "Observation")
    assert "create" in {i["code"] for i in obs["interaction"]}
    assert "laboratory" in obs["documentation"]
    assert "security" in statement["rest"][0]


def test_resource_types_limit_what_is_served() -> None:
    client = create_app(StoreConfig(seed_dir=None, resource_types=("Patient",))).test_client()
    assert client.get("/fhir/Observation").status_code == 404
    assert client.get("/fhir/Patient").status_code == 200


# -- latency (deterministic: the wait is recorded, not timed) ------------------------------------


class RecordingEvent:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return False


def test_latency_waits_before_each_fhir_request() -> None:
    app = create_app(StoreConfig(seed_dir=None, latency_ms=50))
    event = RecordingEvent()
    store_of(app).shutdown = event  # type: ignore[assignment]
    client = app.test_client()
    client.get("/fhir/metadata")
    client.get("/fhir/Patient")
    client.get("/_admin/settings")  # the admin API has no latency
    assert event.waits == [0.05, 0.05]
    client.patch("/_admin/settings", json={"latency_ms": 0})
    client.get("/fhir/Patient")
    assert event.waits == [0.05, 0.05]


def test_hang_fault_waits_then_answers() -> None:
    app = create_app(StoreConfig(seed_dir=None))
    event = RecordingEvent()
    store_of(app).shutdown = event  # type: ignore[assignment]
    client = app.test_client()
    client.post("/_admin/faults", json={"kind": "hang", "hang_seconds": 2.5, "count": 1})
    assert client.get("/fhir/Patient").status_code == 200
    assert client.get("/fhir/Patient").status_code == 200
    assert event.waits == [2.5]


# -- admin API ----------------------------------------------------------------------------------


def test_request_log_counts_fhir_requests(client: FlaskClient, austin_id: str) -> None:
    client.delete("/_admin/requests")
    client.get(f"/fhir/Patient/{austin_id}")
    client.get(f"/fhir/Observation?patient={austin_id}")
    post(client, "/fhir/Observation", observation())
    client.get("/fhir/Patient/nope")
    client.get("/_admin/settings")
    log = client.get("/_admin/requests").json
    assert log["count"] == 4
    assert [(r["method"], r["path"], r["query"], r["status"]) for r in log["requests"]] == [
        ("GET", f"/fhir/Patient/{austin_id}", "", 200),
        ("GET", "/fhir/Observation", f"patient={austin_id}", 200),
        ("POST", "/fhir/Observation", "", 201),
        ("GET", "/fhir/Patient/nope", "", 404),
    ]
    assert all(r["time"].endswith("Z") for r in log["requests"])
    assert client.delete("/_admin/requests").status_code == 204
    assert client.get("/_admin/requests").json == {"count": 0, "requests": []}


def test_reset_restores_seed_data_and_settings(client: FlaskClient) -> None:
    before = client.get("/_admin/counts").json
    post(client, "/fhir/Observation", observation())
    client.patch("/_admin/settings", json={"batch": False, "latency_ms": 5})
    client.post("/_admin/faults", json={"kind": "fail", "count": 3})
    assert client.get("/_admin/counts").json["total"] == before["total"] + 1
    assert client.post("/_admin/reset").status_code == 200
    assert client.get("/_admin/counts").json == before
    assert client.get("/_admin/settings").json["batch"] is True
    assert client.get("/_admin/faults").json == {"faults": []}
    assert client.get("/_admin/requests").json["count"] == 0
    # Ids are handed out again from the same point: loading is reproducible.
    again = post(client, "/fhir/Observation", observation()).json["id"]
    client.post("/_admin/reset", json={"data": True})
    assert post(client, "/fhir/Observation", observation()).json["id"] == again


def test_admin_load_bypasses_client_rules() -> None:
    config = StoreConfig(seed_dir=None, transactions=False, write_refusals=ORACLE_LIKE)
    client = create_app(config).test_client()
    bundle = json.loads(AUSTIN_FILE.read_text(encoding="utf-8"))
    assert post(client, "/fhir", bundle).status_code == 400
    loaded = client.post("/_admin/load", json=bundle)
    assert loaded.status_code == 200
    assert loaded.json["type"] == "transaction-response"
    assert client.get("/_admin/counts").json["total"] == 705


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("patch", "/_admin/settings", {"latency_ms": -1}),
        ("patch", "/_admin/settings", {"colour": "red"}),
        ("patch", "/_admin/settings", {"write_refusals": [{"resource_type": "observation"}]}),
        ("post", "/_admin/faults", {"kind": "explode"}),
        ("post", "/_admin/faults", {"kind": "fail", "status": 200}),
        ("post", "/_admin/faults", {"status": 500}),
        ("post", "/_admin/reset", {"everything": True}),
    ],
)
def test_admin_rejects_bad_input(
    empty_client: FlaskClient, method: str, url: str, body: Any
) -> None:
    response = getattr(empty_client, method)(url, json=body)
    assert response.status_code == 400
    assert "error" in response.json


def test_admin_settings_round_trip(empty_client: FlaskClient) -> None:
    refusal = {"resource_type": "RiskAssessment", "allowed_categories": None, "status": 422}
    settings = empty_client.patch(
        "/_admin/settings",
        json={"conditional_create": False, "write_refusals": [refusal], "bearer_tokens": ["x"]},
    ).json
    assert settings == {
        "latency_ms": 0,
        "transactions": True,
        "batch": True,
        "conditional_create": False,
        "auth_required": True,
        "write_refusals": [refusal],
        "search_requirements": [],
    }
    assert post(empty_client, "/fhir/RiskAssessment", risk_assessment()).status_code == 401


def test_response_bundles_are_valid_r4b(client: FlaskClient, austin_id: str) -> None:
    Bundle.model_validate(client.get(f"/fhir/Observation?patient={austin_id}&_count=3").json)
    Bundle.model_validate(client.get("/fhir/Observation?patient=nobody").json)
    transaction = write_back_bundle()
    Bundle.model_validate(transaction)
    response = post(client, "/fhir", transaction, Prefer="return=OperationOutcome").json
    Bundle.model_validate(response)
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"request": {"method": "GET", "url": f"Condition?patient={austin_id}"}},
            {"request": {"method": "GET", "url": "Patient/nope"}},
        ],
    }
    Bundle.model_validate(post(client, "/fhir", batch).json)


def test_transactions_ignore_if_none_exist_when_conditional_create_is_off() -> None:
    client = create_app(StoreConfig(seed_dir=None, conditional_create=False)).test_client()
    first = post(client, "/fhir", write_back_bundle()).json
    second = post(client, "/fhir/", write_back_bundle()).json  # the base with a trailing slash
    assert [e["response"]["status"] for e in second["entry"][:3]] == ["201 Created"] * 3
    assert second["entry"][0]["response"]["location"] != first["entry"][0]["response"]["location"]
    assert client.get("/fhir/Observation").json["total"] == 2


def test_fail_after_fault_carries_the_write_out_then_answers_the_failure(
    client: FlaskClient,
) -> None:
    before = client.get("/_admin/counts").json["total"]
    armed = client.post(
        "/_admin/faults",
        json={"kind": "fail-after", "status": 500, "method": "POST", "retry_after": 3},
    )
    assert armed.status_code == 201
    failed = post(client, "/fhir/Observation", observation())
    assert failed.status_code == 500 and failed.headers["Retry-After"] == "3"
    assert failed.json["issue"][0]["diagnostics"].startswith("injected fault after the request")
    assert client.get("/_admin/counts").json["total"] == before + 1  # committed all the same
    assert post(client, "/fhir/Observation", observation()).status_code == 201  # used up
    log = client.get("/_admin/requests").json["requests"]
    assert [r["status"] for r in log[-2:]] == [500, 201]
