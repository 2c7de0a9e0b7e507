"""SMART discovery: .well-known/smart-configuration, the CapabilityStatement, OpenID, the JWKS."""

from __future__ import annotations

import json

import pytest
import requests
from joserfc.jwk import RSAKey

from sandbox.ehr import EhrConfig, create_ehr_app
from sandbox.fhir_store import StoreConfig
from sandbox.smart_auth import AuthConfig
from tests.sandbox.smart_support import SMART_DATA, load

# SMART App Launch 2.2 conformance.md: REQUIRED fields, and CONDITIONAL ones this server needs
# (authorization_endpoint with launch-ehr / launch-standalone; issuer and jwks_uri with
# sso-openid-connect).
REQUIRED = {
    "token_endpoint",
    "grant_types_supported",
    "capabilities",
    "code_challenge_methods_supported",
}
CONDITIONAL = {"authorization_endpoint", "issuer", "jwks_uri"}
RECOMMENDED = {"scopes_supported", "response_types_supported"}
# The published example comes from the SMART launcher, which names two capabilities its own way
# ("context-passthrough-*" for the spec's "context-banner"/"context-style") and offers an
# encounter picker the sandbox does not have.
LAUNCHER_ONLY = {
    "context-passthrough-banner",
    "context-passthrough-style",
    "context-standalone-encounter",
}


@pytest.fixture
def configuration(smart_ehr):
    response = requests.get(smart_ehr.smart_configuration_url, timeout=10)
    assert response.status_code == 200
    return response


def test_smart_configuration_has_every_required_field(configuration):
    body = configuration.json()
    assert REQUIRED | CONDITIONAL | RECOMMENDED <= set(body)
    assert "S256" in body["code_challenge_methods_supported"]
    assert "plain" not in body["code_challenge_methods_supported"]
    assert {"authorization_code", "client_credentials"} <= set(body["grant_types_supported"])
    assert body["response_types_supported"] == ["code"]


def test_smart_configuration_covers_the_published_example(configuration):
    # tests/data/smart/smart-configuration-example.json (SMART App Launch IG).
    example = load("smart-configuration-example.json")
    body = configuration.json()
    assert set(example) - {"introspection_endpoint"} <= set(body)
    assert set(example["capabilities"]) - LAUNCHER_ONLY <= set(body["capabilities"])
    assert {"context-banner", "context-style"} <= set(body["capabilities"])
    for key in (
        "token_endpoint_auth_methods_supported",
        "token_endpoint_auth_signing_alg_values_supported",
        "code_challenge_methods_supported",
        "response_types_supported",
    ):
        assert set(example[key]) <= set(body[key]), key
    assert set(example["scopes_supported"]) <= set(body["scopes_supported"])


def test_capabilities_are_the_ones_this_server_has(configuration):
    capabilities = set(configuration.json()["capabilities"])
    assert {
        "launch-ehr",
        "launch-standalone",
        "authorize-post",
        "client-public",
        "client-confidential-symmetric",
        "client-confidential-asymmetric",
        "sso-openid-connect",
        "context-ehr-patient",
        "context-standalone-patient",
        "permission-v1",
        "permission-v2",
        "permission-patient",
        "permission-user",
        "permission-offline",
    } <= capabilities
    assert "smart-app-state" not in capabilities  # not implemented


def test_endpoints_are_absolute_urls_on_this_server(smart_ehr, configuration):
    body = configuration.json()
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "issuer"):
        assert body[key].startswith(smart_ehr.auth_url), key


def test_smart_configuration_is_json_whatever_is_accepted_and_open_to_any_origin(smart_ehr):
    response = requests.get(
        smart_ehr.smart_configuration_url,
        headers={"Accept": "application/fhir+json", "Origin": "https://app.example"},
        timeout=10,
    )
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_capability_statement_names_the_same_endpoints(smart_ehr, configuration):
    # SMART 1.0 discovery, still what some clients read: rest.security with oauth-uris.
    metadata = requests.get(smart_ehr.fhir_base + "/metadata", timeout=10).json()
    security = metadata["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"
    (uris,) = [
        e
        for e in security["extension"]
        if e["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    ]
    found = {e["url"]: e["valueUri"] for e in uris["extension"]}
    body = configuration.json()
    assert found == {
        "authorize": body["authorization_endpoint"],
        "token": body["token_endpoint"],
    }


def test_openid_discovery_of_the_issuer(smart_ehr, configuration):
    issuer = configuration.json()["issuer"]
    oidc = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert oidc["issuer"] == issuer
    assert oidc["jwks_uri"] == configuration.json()["jwks_uri"]
    assert "RS256" in oidc["id_token_signing_alg_values_supported"]
    assert "fhirUser" in oidc["claims_supported"]


def test_the_jwks_publishes_only_a_public_rs256_key(configuration):
    jwks = requests.get(configuration.json()["jwks_uri"], timeout=10).json()
    (key,) = jwks["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_a_configured_public_url_is_used_for_discovery_and_aud():
    app = create_ehr_app(
        EhrConfig(
            store=StoreConfig(seed_dir=None),
            auth=AuthConfig(public_url="http://ehr.example:8090/"),
        )
    )
    client = app.test_client()
    body = client.get("/fhir/.well-known/smart-configuration").json
    assert body["token_endpoint"] == "http://ehr.example:8090/auth/token"
    metadata = client.get("/fhir/metadata").json
    assert metadata["rest"][0]["security"]["extension"][0]["extension"][1]["valueUri"] == (
        "http://ehr.example:8090/auth/token"
    )


def test_a_signing_key_file_is_used(tmp_path):
    key = RSAKey.generate_key(2048, parameters={"kid": "from-file"})
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key.as_dict(private=True)))
    app = create_ehr_app(
        EhrConfig(store=StoreConfig(seed_dir=None), auth=AuthConfig(signing_key_file=path))
    )
    (published,) = app.test_client().get("/auth/jwks").json["keys"]
    assert published["kid"] == "from-file"
    assert published["n"] == key.as_dict(private=False)["n"]


def test_a_public_key_file_is_not_accepted_as_signing_key(tmp_path):
    path = tmp_path / "public.json"
    public = SMART_DATA / "example-jwks-RS384.public-PUBLISHED-TEST-KEY.json"
    path.write_text(public.read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="public key"):
        create_ehr_app(
            EhrConfig(store=StoreConfig(seed_dir=None), auth=AuthConfig(signing_key_file=path))
        )
