"""Who the user is: the ``id_token`` verified, and its ``fhirUser`` as a FHIR reference.

SMART App Launch 2.2 (scopes-and-launch-context.md, "Scopes for requesting identity data"):
with ``openid fhirUser`` the EHR returns an OpenID Connect ``id_token`` whose ``fhirUser`` claim
is the URL of the user's Patient, Practitioner, PractitionerRole, RelatedPerson or Person
resource. The app validates it as OpenID Connect Core §3.1.3.7 says: signature with the
issuer's published keys (``jwks_uri``), ``iss`` equal to the issuer, ``aud`` holding our client
id (and ``azp`` naming us when there are several), ``exp`` in the future, and the ``nonce`` we
sent. Only then is ``fhirUser`` the author of what the app saves.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from service.fetch import FetchFailed, get_json
from smart_app.errors import IdentityError

log = logging.getLogger("noms_cds.smart")

# RS256 is what every SMART EHR SHALL support; RS384/ES384 are accepted as well. Never "none"
# and never a symmetric algorithm (the client secret is not a signing key here).
ID_TOKEN_ALGORITHMS: Final = ("RS256", "RS384", "ES256", "ES384")
CLOCK_SKEW_SECONDS: Final = 60
AUTHOR_TYPES: Final = ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson")
USER_TYPES: Final = (*AUTHOR_TYPES, "Person")
_REFERENCE = re.compile(r"(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})")


@dataclass(frozen=True, slots=True)
class User:
    """The user the EHR vouched for.

    Attributes:
        fhir_user: The reference to write as author: relative (``Practitioner/123``) when the
            resource lives on the launching FHIR server, else the absolute URL as sent.
        name: A display name, when the token carries one.
    """

    fhir_user: str
    name: str | None = None

    @property
    def resource_type(self) -> str:
        """The type of the user's resource (``Practitioner``...)."""
        return self.fhir_user.rstrip("/").split("/")[-2]

    @property
    def can_author(self) -> bool:
        """Whether the reference can be an Observation's ``performer`` (not a Person)."""
        return self.resource_type in AUTHOR_TYPES


def fhir_user_reference(claim: Any, fhir_base: str) -> str | None:
    """The ``fhirUser`` claim as a reference, or None when it is not a user resource's URL.

    A URL under the launching FHIR base becomes relative (``Practitioner/123``), so what is
    written points into the same server; any other absolute URL is kept as sent.
    """
    if not isinstance(claim, str):
        return None
    text = claim.strip().split("/_history/", 1)[0]
    if text.startswith(fhir_base + "/"):
        text = text[len(fhir_base) + 1 :]
    parts = urlsplit(text)
    if not parts.scheme:
        found = _REFERENCE.fullmatch(text)
        return text if found and found["type"] in USER_TYPES else None
    if parts.scheme not in ("https", "http") or parts.query or parts.fragment or "@" in text:
        return None
    tail = _REFERENCE.fullmatch("/".join(parts.path.rstrip("/").split("/")[-2:]))
    return text if tail and tail["type"] in USER_TYPES else None


def signing_keys(jwks_uri: str, timeout: float) -> KeySet:
    """The issuer's public keys.

    Raises:
        IdentityError: the JWKS cannot be had or holds no usable key.
    """
    try:
        document = get_json(jwks_uri, timeout, max_bytes=64 * 1024)
        keys = [
            key
            for key in (document.get("keys") or [] if isinstance(document, dict) else [])
            if isinstance(key, dict) and key.get("kty") in {"RSA", "EC"} and "d" not in key
        ]
        return KeySet.import_key_set({"keys": keys})
    except (FetchFailed, JoseError, ValueError, TypeError) as exc:
        log.warning("id_token keys unavailable", extra={"reason": type(exc).__name__})
        raise IdentityError("The EHR's signing keys could not be read.") from exc


def verify_id_token(
    id_token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
) -> dict[str, Any]:
    """The claims of a valid ``id_token``.

    Raises:
        IdentityError: bad signature or algorithm, wrong issuer, audience or nonce, expired.
    """
    try:
        token = jwt.decode(id_token, keys, algorithms=list(ID_TOKEN_ALGORITHMS))
        registry = jwt.JWTClaimsRegistry(
            now=int(now),
            leeway=CLOCK_SKEW_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(token.claims)
    except (JoseError, ValueError, TypeError) as exc:
        log.warning("id_token refused", extra={"reason": type(exc).__name__})
        raise IdentityError(
            "The EHR's statement of who you are (its id_token) did not verify, so the app "
            "stopped. Launch it again; if this persists, tell your EHR administrator."
        ) from exc
    claims = token.claims
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise IdentityError("The EHR's id_token was issued for several apps, not for this one.")
    return claims
