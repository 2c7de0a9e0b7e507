"""Signing CDS Hooks JWTs for tests: with the spec's and the CDS Hooks sandbox's published keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

CDS_DATA = Path(__file__).resolve().parents[1] / "data" / "cds-hooks"
SPEC = CDS_DATA / "spec"
SANDBOX_KEYS = CDS_DATA / "sandbox-keys"

SANDBOX_ISSUER = "https://sandbox.cds-hooks.org"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"
SANDBOX_KID = "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
SPEC_ISSUER = "https://fhir-ehr.example.com/"
SPEC_AUDIENCE = "https://cds.example.org/cds-services/some-service"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def sandbox_private_key() -> ECKey:
    """The CDS Hooks sandbox's published ES384 key pair."""
    return ECKey.import_key(
        read_json(SANDBOX_KEYS / "sandbox-jwk-keypair-PUBLISHED-TEST-KEY.json")["keys"][0]
    )


def sandbox_public_jwks() -> dict[str, Any]:
    return read_json(SANDBOX_KEYS / "sandbox-jwks-public.json")


def spec_public_jwks() -> dict[str, Any]:
    return read_json(SPEC / "jwt-example-jwks-public.json")


def spec_token() -> str:
    return (SPEC / "jwt-example-token.txt").read_text(encoding="ascii").strip()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(
    key: ECKey | RSAKey,
    audience: str | list[str],
    *,
    issuer: str = SANDBOX_ISSUER,
    kid: str | None = SANDBOX_KID,
    jku: str | None = SANDBOX_JKU,
    alg: str = "ES384",
    lifetime: int = 300,
    now: float | None = None,
    **claims: Any,
) -> str:
    """A JWT like the CDS Hooks sandbox's: iss, aud, exp, iat, jti; any claim can be replaced."""
    now = time.time() if now is None else now
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    if jku is not None:
        header["jku"] = jku
    payload: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "exp": int(now) + lifetime,
        "iat": int(now),
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(header, payload, key, algorithms=[alg])


def unsigned(audience: str, **header: Any) -> str:
    """A token with ``alg: none`` (and an empty signature)."""
    head = {"alg": "none", "typ": "JWT", "kid": SANDBOX_KID, **header}
    now = int(time.time())
    body = {
        "iss": SANDBOX_ISSUER,
        "aud": audience,
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    return f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}."


def hs256_with_public_key(audience: str, public_jwks: dict[str, Any]) -> str:
    """The key-confusion attack: HMAC-SHA256 keyed with the issuer's public key."""
    head = {"alg": "HS256", "typ": "JWT", "kid": SANDBOX_KID}
    now = int(time.time())
    body = {
        "iss": SANDBOX_ISSUER,
        "aud": audience,
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}"
    secret = json.dumps(public_jwks["keys"][0]).encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def public_jwks(*keys: ECKey | RSAKey) -> dict[str, Any]:
    return KeySet(list(keys)).as_dict(private=False)
