"""Helpers for the end-to-end tests: the store's admin API, patient look-up, clients, results."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import requests

from service import demo
from service.fhir import codes
from service.fhir.client import FhirClient
from service.fhir.limits import Limits
from service.workflow import Report, assess_bundle

DEMO = demo.patients_dir()
DEMO_STEMS = tuple(sorted(p.stem for p in DEMO.glob("*.json")))
DEMO_PATIENT_SYSTEM = "http://noms-cds.org/fhir/sid/demo-patient"
RESULT_SYSTEM = codes.RESULT_IDENTIFIER_SYSTEM
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # one instant for every assessment compared
HTTP_TIMEOUT = 10.0  # seconds; only there so that a broken server cannot hang the suite
WAIT_LIMIT = 10.0  # seconds a test waits at most for the store to finish a (hung) request
# Epic's Observation search: patient and one of code or category, else 400.
EPIC_LIKE_SEARCH_RULES = [
    {"resource_type": "Observation", "any_of": ["patient", "subject"]},
    {"resource_type": "Observation", "any_of": ["code", "category"]},
]


class Admin:
    """The sandbox store's admin API (``/_admin``), as the tests use it."""

    def __init__(self, admin_url: str, base_url: str) -> None:
        self.url = admin_url
        self.base_url = base_url
        self.http = requests.Session()
        # Every FHIR request of a test comes from this object or from a tracked client, so the
        # number the store should have answered is known (see settle()).
        self._own = 0
        self._clients: dict[FhirClient, int] = {}

    def track(self, client: FhirClient) -> None:
        """Count the FHIR requests ``client`` sends from now on (see :meth:`settle`)."""
        self._clients[client] = client.requests_sent

    def _restart_count(self) -> None:
        self._own = 0
        self._clients = {client: client.requests_sent for client in self._clients}

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"{self.url}/{path}", json=body, timeout=HTTP_TIMEOUT)
        assert response.status_code < 300, f"{method} /_admin/{path}: {response.text}"
        return response.json() if response.content else None

    def reset(self) -> None:
        """Data, request log, faults and settings back to how the store started."""
        self._call("POST", "reset")
        self._restart_count()

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Change run-time settings (``batch=False``, ``write_refusals=[...]``, ...)."""
        return self._call("PATCH", "settings", changes)

    def fault(self, **rule: Any) -> dict[str, Any]:
        """Arm one fault rule."""
        return self._call("POST", "faults", rule)

    def faults(self) -> list[dict[str, Any]]:
        """The fault rules still armed."""
        return self._call("GET", "faults")["faults"]

    def counts(self) -> dict[str, int]:
        """Resources per type."""
        return self._call("GET", "counts")["resources"]

    def log(self) -> list[dict[str, Any]]:
        """FHIR requests since the last reset: method, path, query, status."""
        return self._call("GET", "requests")["requests"]

    def request_count(self) -> int:
        """How many FHIR requests the store has answered since the last reset."""
        return self._call("GET", "requests")["count"]

    def clear_log(self) -> None:
        """Empty the request log."""
        self._call("DELETE", "requests")
        self._restart_count()

    def settle(self) -> None:
        """Wait until the store has answered every FHIR request sent to it so far, including
        those a client gave up on (a hung request is carried out when the hang ends)."""
        sent = self._own + sum(c.requests_sent - n for c, n in self._clients.items())
        deadline = time.monotonic() + WAIT_LIMIT
        while self.request_count() < sent:
            assert time.monotonic() < deadline, "the store did not finish the requests sent"
            time.sleep(0.01)

    def _fhir_get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        self._own += 1
        response = self.http.get(f"{self.base_url}/{path}", params=params, timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def patient_id(self, stem: str) -> str:
        """Server id of a demo patient, looked up by its identifier."""
        bundle = self._fhir_get("Patient", {"identifier": f"{DEMO_PATIENT_SYSTEM}|{stem}"})
        assert bundle["total"] == 1, f"demo patient {stem} is on the store {bundle['total']} times"
        return bundle["entry"][0]["resource"]["id"]

    def search(self, resource_type: str, **params: str) -> list[dict[str, Any]]:
        """Every match of a search (one page of up to 500: the tests' result sets are small)."""
        bundle = self._fhir_get(resource_type, {**params, "_count": "500"})
        assert bundle["total"] <= 500
        return [entry["resource"] for entry in bundle.get("entry", [])]

    def written_results(self) -> list[dict[str, Any]]:
        """Every result NOMS-CDS wrote (found by its identifier system or Provenance tag),
        searched with the store's search rules lifted for the time being."""
        rules = self._call("GET", "settings")["search_requirements"]
        self.settings(search_requirements=[])
        try:
            found = []
            for resource_type in ("Observation", "RiskAssessment"):
                found += self.search(resource_type, identifier=f"{RESULT_SYSTEM}|")
            found += self.search("Provenance", _tag=f"{RESULT_SYSTEM}|")
        finally:
            self.settings(search_requirements=rules)
        return found


class Sleeps:
    """A client's ``sleep``: records each wait asked for and, instead of waiting, lets the store
    finish every request sent so far (a request the client gave up on included).

    So a retry after a timeout is sent only once the store has carried out the first attempt
    (committed it, for a write): the order is fixed, and no request outlives its test.
    """

    def __init__(self, admin: Admin) -> None:
        self.admin = admin
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.admin.settle()


def make_client(admin: Admin, **options: Any) -> tuple[FhirClient, Sleeps]:
    """A client of the store whose retries wait for nothing real (see :class:`Sleeps`);
    ``options`` are fields of its ``Limits``."""
    sleeps = Sleeps(admin)
    limits = Limits(**{"connect_timeout": HTTP_TIMEOUT, "read_timeout": HTTP_TIMEOUT, **options})
    client = FhirClient(admin.base_url, sleep=sleeps, limits=limits)
    admin.track(client)
    return client, sleeps


def demo_bundle(stem: str) -> dict[str, Any]:
    """A demo patient's transaction Bundle, as on disk."""
    return json.loads((DEMO / f"{stem}.json").read_text(encoding="utf-8"))


def assess_file(stem: str) -> Report:
    """What ``assess_bundle`` makes of a demo file."""
    return assess_bundle(demo_bundle(stem), now=NOW)


def clinical_view(report: Report) -> dict[str, Any]:
    """Everything an assessment concludes, without the resource ids it rests on."""
    a = report.assessment
    return {
        "radiosensitivity": a.radiosensitivity,
        "tokuhashi": a.tokuhashi,
        "tomita": a.tomita,
        "modified_bauer": a.modified_bauer,
        "nesms": a.nesms,
        "levels": [
            (la.level, la.sins, la.escc, la.recommendation, la.neurologic_risk, la.mechanical_risk)
            for la in a.levels
        ],
        "issues": [(i.severity, i.message) for i in report.extraction.issues],
    }


# "extension" holds the workflow-supportingInfo references to input Conditions and Procedures.
_REFERENCES = ("identifier", "subject", "derivedFrom", "extension", "focus", "condition", "basis")


def results_without_ids(report: Report) -> list[dict[str, Any]]:
    """The result resources with identifiers and references (which hold server ids) left out."""
    return [{k: v for k, v in e.resource.items() if k not in _REFERENCES} for e in report.results]


def per_type(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Resources added per type between two ``counts()``."""
    return {
        t: after.get(t, 0) - before.get(t, 0) for t in after if after.get(t, 0) != before.get(t, 0)
    }


def expected_types(report: Report, provenance: bool = True) -> dict[str, int]:
    """Resources per type a complete write of a report adds."""
    added: dict[str, int] = {}
    for e in report.results:
        added[e.resource["resourceType"]] = added.get(e.resource["resourceType"], 0) + 1
    if provenance:
        added["Provenance"] = 1
    return added
