"""The SMART app's settings (smart_app/, docs/smart-app.md): its registration at the EHRs.

One block of variables (``SMART_VARIABLES``, part of ``variables.VARIABLES``) and the frozen
``SmartSettings`` that ``Settings.smart`` holds; a client type without its credential, or the
app on plain http off loopback, stops start-up with one line naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from service.config import parsers as p
from service.config.variable import Variable

SMART_CLIENT_TYPES: Final = ("public", "confidential-symmetric", "confidential-asymmetric")
SMART_CALLBACK_PATH: Final = "/smart/callback"
# What the app reads and writes for the launch patient (docs/fhir-output.md). Writes are
# conditional creates, looked up first on servers without them, hence search on the written types.
SMART_DEFAULT_SCOPES: Final = {
    "v2": "openid fhirUser offline_access patient/Patient.rs patient/Condition.rs "
    "patient/Observation.crs patient/Procedure.rs patient/ImagingStudy.rs "
    "patient/RiskAssessment.cs patient/Provenance.cs",
    "v1": "openid fhirUser offline_access patient/Patient.read patient/Condition.read "
    "patient/Observation.read patient/Observation.write patient/Procedure.read "
    "patient/ImagingStudy.read patient/RiskAssessment.read patient/RiskAssessment.write "
    "patient/Provenance.read patient/Provenance.write",
}
SMART_CONTEXT_SCOPES: Final = frozenset({"launch", "launch/patient", "launch/encounter"})
SMART_SCOPE: Final = re.compile(
    r"openid|fhirUser|profile|offline_access|online_access"
    r"|(?:patient|user)/(?:\*|[A-Z][A-Za-z]+)\.(?:read|write|\*|(?=[cruds])c?r?u?d?s?)(?:\?[^\s]+)?"
)


@dataclass(frozen=True, slots=True)
class SmartSettings:
    """How the SMART app registers with EHRs (docs/smart-app.md).

    Attributes:
        client_id: The client id the EHRs registered the app under.
        client_type: ``public``, ``confidential-symmetric`` (client_secret_basic) or
            ``confidential-asymmetric`` (private_key_jwt).
        client_secret: The shared secret of a symmetric client.
        private_key_file: The JWK/JWKS file with the private key of an asymmetric client.
        key_id: Which key of that file (its ``kid``), when it holds several.
        issuers: FHIR base URLs that may launch the app (``iss``), compared exactly.
        scope_version: ``v1`` or ``v2``: the SMART scope syntax of the default scopes.
        scopes: The scopes asked for besides ``launch`` / ``launch/patient``.
        session_lifetime: Seconds a session lives without use.
        http_timeout: Seconds allowed to each request to an EHR's discovery or token endpoint.
    """

    client_id: str
    client_type: str
    client_secret: str | None = field(repr=False)
    private_key_file: Path | None
    key_id: str | None
    issuers: tuple[str, ...]
    scope_version: str
    scopes: tuple[str, ...]
    session_lifetime: int
    http_timeout: int

    def allows(self, issuer: str) -> bool:
        """Whether ``issuer`` (a launch's ``iss``) is on the allow-list."""
        return issuer in self.issuers


def _smart_client_type(name: str, value: Any) -> str:
    text = str(value).strip()
    if text not in SMART_CLIENT_TYPES:
        raise p.fail(name, f"must be one of {', '.join(SMART_CLIENT_TYPES)}, not {p.shown(value)}")
    return text


def _smart_issuers(name: str, value: Any) -> tuple[str, ...]:
    return tuple(
        p.url(name, issuer, https_unless_loopback=True).rstrip("/") for issuer in p.words(value)
    )


def _smart_scope_version(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text not in SMART_DEFAULT_SCOPES:
        raise p.fail(name, f"must be v1 or v2, not {p.shown(value)}")
    return text


def _smart_scopes(name: str, value: Any) -> tuple[str, ...]:
    scopes = p.words(value)
    for scope in scopes:
        if scope in SMART_CONTEXT_SCOPES:
            raise p.fail(name, f"{scope} is added by the app itself (EHR or standalone launch)")
        if not SMART_SCOPE.fullmatch(scope):
            raise p.fail(name, f"{scope!r} is not a SMART scope the app can use")
    return scopes


def _optional_text(_name: str, value: Any) -> str | None:
    return str(value).strip() or None


def _required_text(name: str, value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise p.fail(name, "must not be empty")
    return text


SMART_VARIABLES: Final[tuple[Variable, ...]] = (
    Variable(
        "SMART_CLIENT_ID",
        "noms-cds-smart-app",
        _required_text,
        "client id of the SMART app at the EHRs",
    ),
    Variable(
        "SMART_CLIENT_TYPE",
        "public",
        _smart_client_type,
        "`public` (PKCE only), `confidential-symmetric` (client_secret_basic) or "
        "`confidential-asymmetric` (private_key_jwt, RS384/ES384)",
    ),
    Variable(
        "SMART_CLIENT_SECRET",
        "",
        _optional_text,
        "the client secret of a `confidential-symmetric` app",
        from_file=True,
    ),
    Variable(
        "SMART_PRIVATE_KEY_FILE",
        "",
        p.optional_path,
        "JWK or JWKS file with the private key (RSA or P-384) of a `confidential-asymmetric` app",
    ),
    Variable(
        "SMART_KEY_ID",
        "",
        _optional_text,
        "`kid` of the key to sign with, when that file holds several",
    ),
    Variable(
        "SMART_ISSUERS",
        "",
        _smart_issuers,
        "FHIR base URLs (`iss`) allowed to launch the SMART app, space or comma separated "
        "(https, or http on loopback); any other `iss` is refused before it is contacted",
    ),
    Variable(
        "SMART_SCOPE_VERSION",
        "v2",
        _smart_scope_version,
        "`v2` (`patient/Observation.crs`) or `v1` (`patient/Observation.read`) default scopes",
    ),
    Variable(
        "SMART_SCOPES",
        "",
        _smart_scopes,
        "scopes the app asks for besides `launch` / `launch/patient` (default: `openid fhirUser "
        "offline_access` and read/write of what it reads and writes, in the chosen version)",
    ),
    Variable(
        "SMART_SESSION_LIFETIME",
        "3600",
        p.integer(60, 86400),
        "seconds a SMART session lives without use (tokens are kept in the shared store)",
    ),
    Variable(
        "SMART_HTTP_TIMEOUT",
        "10",
        p.integer(1, 120),
        "seconds allowed to each request to an EHR's SMART discovery or token endpoint",
    ),
)


def smart_settings(values: Mapping[str, Any]) -> SmartSettings:
    """The SMART block from parsed values; a client type without its credential fails here."""
    client_type = values["SMART_CLIENT_TYPE"]
    secret, key_file = values["SMART_CLIENT_SECRET"], values["SMART_PRIVATE_KEY_FILE"]
    if client_type == "confidential-symmetric" and not secret:
        raise p.fail("SMART_CLIENT_SECRET", "a confidential-symmetric app needs its secret")
    if client_type == "confidential-asymmetric" and not key_file:
        raise p.fail("SMART_PRIVATE_KEY_FILE", "a confidential-asymmetric app needs its key")
    if key_file and not key_file.is_file():
        raise p.fail("SMART_PRIVATE_KEY_FILE", f"{key_file} is not a file")
    if secret and client_type != "confidential-symmetric":
        raise p.fail("SMART_CLIENT_SECRET", f"a {client_type} app has no secret")
    if key_file and client_type != "confidential-asymmetric":
        raise p.fail("SMART_PRIVATE_KEY_FILE", f"a {client_type} app signs nothing")
    public = urlsplit(values["PUBLIC_BASE_URL"])
    if values["SMART_ISSUERS"] and public.scheme != "https" and not p.is_loopback(public.hostname):
        raise p.fail(
            "PUBLIC_BASE_URL", "must be https when the SMART app is on (http only on loopback)"
        )
    version = values["SMART_SCOPE_VERSION"]
    return SmartSettings(
        client_id=values["SMART_CLIENT_ID"],
        client_type=client_type,
        client_secret=secret,
        private_key_file=key_file,
        key_id=values["SMART_KEY_ID"],
        issuers=values["SMART_ISSUERS"],
        scope_version=version,
        scopes=values["SMART_SCOPES"] or tuple(SMART_DEFAULT_SCOPES[version].split()),
        session_lifetime=values["SMART_SESSION_LIFETIME"],
        http_timeout=values["SMART_HTTP_TIMEOUT"],
    )
