"""Credentials: SMART Backend Services assertions and tokens, bearer tokens, renewal on 401."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses
from joserfc import jwt
from joserfc.jwk import KeySet

from service.errors import FhirAuthError
from service.fhir.auth import BackendServices, load_signing_key
from service.fhir.client import FhirClient
from tests.conftest import DATA, load
from tests.fhir.mocks import BASE

SMART = DATA / "smart"


@pytest.mark.parametrize("kind", ["RS384", "ES384"])
def test_backend_services_assertion_meets_smart(mock, kind):
    private = SMART / f"example-jwks-{kind}.private-PUBLISHED-TEST-KEY.json"
    public = KeySet.import_key_set(
        load(SMART / f"example-jwks-{kind}.public-PUBLISHED-TEST-KEY.json")
    )
    now = [1_800_000_000.0]
    auth = BackendServices(
        "https://auth.test/token",
        "client-1",
        load_signing_key(private),
        "system/Observation.read",
        clock=lambda: now[0],
    )
    token_response = load(SMART / "token-response-authorization-code.json")
    assertions = []

    def token(request):
        form = parse_qs(request.body)
        assert form["grant_type"] == ["client_credentials"]
        assert form["client_assertion_type"] == [
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ]
        assertions.append(form["client_assertion"][0])
        return 200, {}, json.dumps({**token_response, "expires_in": 300})

    mock.add_callback(responses.POST, "https://auth.test/token", callback=token)
    first = auth.headers()
    assert first == {"Authorization": f"Bearer {token_response['access_token']}"}
    assert auth.headers() == first and len(assertions) == 1  # cached
    now[0] += 280  # past expiry minus the margin
    auth.headers()
    assert len(assertions) == 2
    decoded = [jwt.decode(a, public, algorithms=[kind]) for a in assertions]
    for token_ in decoded:
        assert token_.header["alg"] == kind and token_.header["typ"] == "JWT"
        assert token_.header["kid"]
        claims = token_.claims
        assert claims["iss"] == claims["sub"] == "client-1"
        assert claims["aud"] == "https://auth.test/token"
        assert 0 < claims["exp"] - claims["iat"] <= 300
    assert decoded[0].claims["jti"] != decoded[1].claims["jti"]


def test_backend_services_refused_client(mock):
    key = load_signing_key(SMART / "example-jwks-RS384.private-PUBLISHED-TEST-KEY.json")
    auth = BackendServices("https://auth.test/token", "c", key, "system/*.read")
    mock.post("https://auth.test/token", json={"error": "invalid_client"}, status=400)
    with pytest.raises(FhirAuthError, match="invalid_client"):
        auth.headers()


def test_401_renews_a_backend_token_once(mock):
    key = load_signing_key(SMART / "example-jwks-ES384.private-PUBLISHED-TEST-KEY.json")
    auth = BackendServices("https://auth.test/token", "c", key, "system/*.read")
    mock.post("https://auth.test/token", json={"access_token": "a", "expires_in": 300})
    mock.post("https://auth.test/token", json={"access_token": "b", "expires_in": 300})
    mock.get(f"{BASE}/Patient/p1", status=401)
    mock.get(
        f"{BASE}/Patient/p1",
        json={"resourceType": "Patient", "id": "p1"},
        match=[responses.matchers.header_matcher({"Authorization": "Bearer b"})],
    )
    assert FhirClient(BASE, auth).read("Patient", "p1")["id"] == "p1"


def test_only_rs384_or_es384_keys(tmp_path: Path):
    from service.errors import AuthConfigurationError

    p256 = KeySet.generate_key_set("EC", "P-256", count=1, private=True).as_dict(private=True)
    p256["keys"][0]["kid"] = "k"
    path = tmp_path / "k.json"
    path.write_text(json.dumps(p256))
    with pytest.raises(AuthConfigurationError, match="P-384"):
        BackendServices("https://auth.test/token", "c", load_signing_key(path), "s")
