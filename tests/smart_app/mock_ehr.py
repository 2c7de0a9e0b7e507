"""A SMART EHR made of `responses` mocks: discovery, token endpoint, JWKS, style, FHIR reads.

Every request the app sends is recorded (``MockEhr.calls``); nothing is reachable that a test
did not register, so "no request was made" is provable. ``id_token`` s are signed with the SMART
IG's published RS384 test key (tests/data/smart/ORIGIN.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from joserfc import jwt
from joserfc.jwk import KeySet

DATA = Path(__file__).resolve().parents[1] / "data" / "smart"
ISS = "https://ehr.example.org/fhir"
AUTH = "https://ehr.example.org/auth"
APP = "https://cds.example.org"
CLIENT_ID = "noms-cds-smart-app"
PATIENT = "87a339d0-8cae-418e-89c7-8651e6aab3c6"  # the IG's token response example


def load(name: str) -> Any:
    """A file of tests/data/smart."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def ig_token_response() -> dict[str, Any]:
    """The SMART IG's example token response (public app launch), as published."""
    return load("token-response-authorization-code.json")


def signing_key(private: bool = True) -> Any:
    jwks = load(f"example-jwks-RS384.{'private' if private else 'public'}-PUBLISHED-TEST-KEY.json")
    keys = [k for k in jwks["keys"] if ("d" in k) == private]
    return KeySet.import_key_set({"keys": keys}).keys[0]


def public_jwks() -> dict[str, Any]:
    return {"keys": [k for k in load("example-jwks-RS384.public-PUBLISHED-TEST-KEY.json")["keys"]]}


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@dataclass
class MockEhr:
    """The mocked EHR; change the attributes to make it misbehave."""

    rsps: responses.RequestsMock
    iss: str = ISS
    token: dict[str, Any] = field(default_factory=ig_token_response)
    token_status: int = 200
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    with_id_token: bool = True
    nonce: str | None = None
    refreshed: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    fhir_tokens: list[str] = field(default_factory=list)
    fhir_status: int = 200

    @property
    def calls(self) -> list[str]:
        """Every URL requested, in order."""
        return [call.request.url for call in self.rsps.calls]

    def discovery(self, **document: Any) -> None:
        """Publish ``.well-known/smart-configuration`` (with the sandbox's shape by default)."""
        body = {
            "issuer": AUTH,
            "jwks_uri": AUTH + "/jwks",
            "authorization_endpoint": AUTH + "/authorize",
            "token_endpoint": AUTH + "/token",
            "code_challenge_methods_supported": ["S256"],
            "capabilities": ["launch-ehr", "launch-standalone", "sso-openid-connect"],
            **document,
        }
        self.rsps.get(self.iss + "/.well-known/smart-configuration", json=body)
        self.rsps.get(AUTH + "/jwks", json=public_jwks())

    def token_endpoint(self) -> None:
        self.rsps.add_callback(responses.POST, AUTH + "/token", callback=self._token)

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = {k: v[0] for k, v in parse_qs(request.body or "").items()}
        self.token_requests.append({"form": form, "headers": dict(request.headers)})
        if self.token_status != 200:
            return self.token_status, {}, json.dumps(self.token)
        if form.get("grant_type") == "refresh_token":
            body = {
                "access_token": f"refreshed-access-{len(self.refreshed)}",
                "token_type": "Bearer",
                "expires_in": 3600,
                "scope": self.token["scope"],
                "refresh_token": f"refreshed-refresh-{len(self.refreshed)}",
            }
            self.refreshed.append(form)
            return 200, {"Cache-Control": "no-store"}, json.dumps(body)
        body = dict(self.token)
        if self.with_id_token:
            body["id_token"] = self.id_token()
        return 200, {"Cache-Control": "no-store", "Pragma": "no-cache"}, json.dumps(body)

    def id_token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": AUTH,
            "sub": "clinician",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce,
            "fhirUser": self.iss + "/Practitioner/sandbox-clinician",
            "name": "Dr Amara Okafor",
            **self.id_token_claims,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        key = signing_key()
        return jwt.encode({"alg": "RS384", "kid": key.kid}, claims, key, algorithms=["RS384"])

    def fhir(self, patient: str = PATIENT) -> None:
        """A FHIR server with the patient and nothing else (no batch: parallel searches)."""
        statement = {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{"mode": "server"}],
        }
        self.rsps.get(self.iss + "/metadata", json=statement)
        self.rsps.add_callback(
            responses.GET, f"{self.iss}/Patient/{patient}", callback=self._patient(patient)
        )
        for kind in ("Condition", "Observation", "Procedure", "ImagingStudy"):
            self.rsps.add_callback(responses.GET, f"{self.iss}/{kind}", callback=self._empty)

    def _seen(self, request: Any) -> int:
        self.fhir_tokens.append(request.headers.get("Authorization", ""))
        return self.fhir_status

    def _patient(self, patient: str):
        def answer(request: Any) -> tuple[int, dict[str, str], str]:
            status = self._seen(request)
            body = {
                "resourceType": "Patient",
                "id": patient,
                "name": [{"family": "Nilsen", "given": ["Greta"]}],
                "gender": "female",
                "birthDate": "1957-05-09",
            }
            return status, {"Content-Type": "application/fhir+json"}, json.dumps(body)

        return answer

    def _empty(self, request: Any) -> tuple[int, dict[str, str], str]:
        status = self._seen(request)
        bundle = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
        return status, {"Content-Type": "application/fhir+json"}, json.dumps(bundle)
