"""schemathesis over openapi.yaml against the app in process (WSGI): no 500, answers as documented.

Bounded and deterministic: a fixed number of examples per operation, derandomized generation.
The CDS calls carry a fresh signed JWT for the path generated (the sandbox's published key), and
the operations that need an API key carry the test key, so the requests reach the body checks
instead of stopping at the 401. Each of those operations is also called without a key: a 401, as
documented.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sandbox.fhir_store import StoreConfig, serve_store
from tests.api_keys import API_KEYS, AUTHORIZATION
from tests.cds import tokens
from tests.cds.conftest import BASE, PUBLIC_KEYS_ON_RECORD

ROOT = Path(__file__).resolve().parents[1]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25  # per operation: enough to reach every error branch, small enough for make test


# The app is built at collection: schemathesis parametrizes over the schema's operations then.
# Its state (the shared store) lives in a folder removed when the test process ends.
_STATE = tempfile.TemporaryDirectory(prefix="noms-schemathesis-")


# The EHR of the live assessments: the sandbox store with the demo patients, on a loopback port.
_EHR = contextlib.ExitStack()
_EHR_BASE = _EHR.enter_context(serve_store(StoreConfig())).base_url
atexit.register(_EHR.close)


def _app():
    from service import create_app

    return create_app(
        {
            "TESTING": True,
            "STATE_DIR": _STATE.name,
            "PUBLIC_BASE_URL": BASE,
            "CDS_ISSUERS": json.dumps(PUBLIC_KEYS_ON_RECORD),
            "FHIR_BASE_URL": _EHR_BASE,
            "MAX_BODY_BYTES": 65536,
            "API_KEYS": API_KEYS,
        }
    )


schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.app = _app()


@pytest.fixture(scope="module")
def signing_key():
    return tokens.sandbox_private_key()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented(case, signing_key):
    headers = {}
    if case.path.startswith("/cds-services/"):
        headers["Authorization"] = "Bearer " + tokens.sign(signing_key, BASE + case.formatted_path)
    elif needs_api_key(case.operation):
        headers.update(AUTHORIZATION)
    case.call_and_validate(headers=headers, checks=CHECKS)


def needs_api_key(operation) -> bool:
    """Whether the operation's security names the API key scheme."""
    return any("apiKey" in entry for entry in operation.definition.raw.get("security", []))


KEYED = [op.ok() for op in schema.get_all_operations() if needs_api_key(op.ok())]


def test_the_key_is_asked_for_somewhere():
    # Keeps the next test from passing vacuously: the API and the worklist page need the key.
    assert {op.path for op in KEYED} >= {"/api/assessments", "/api/worklist", "/smart/worklist"}


@pytest.mark.parametrize("operation", KEYED, ids=lambda op: f"{op.method.upper()} {op.path}")
@pytest.mark.parametrize("authorization", [None, "Bearer not-the-key"])
def test_without_the_key_every_keyed_operation_is_a_documented_401(operation, authorization):
    body = {}
    if operation.method == "post":
        body = {"media_type": "application/json", "body": {"resourceType": "Bundle"}}
    case = operation.Case(
        path_parameters={name: "x" for name in re.findall(r"{([^}]+)}", operation.path)},
        headers={"Authorization": authorization} if authorization else {},
        **body,
    )
    response = case.call()
    assert response.status_code == 401
    case.validate_response(response, checks=CHECKS)
