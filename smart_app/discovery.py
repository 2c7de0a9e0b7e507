"""Where an EHR's SMART endpoints are: ``.well-known/smart-configuration``, else ``/metadata``.

SMART App Launch 2.2 (conformance.md): the configuration SHALL be at
``{iss}/.well-known/smart-configuration``; endpoint URLs SHALL be absolute and clients SHOULD
resolve relative ones against the FHIR base. SMART 1.0 EHRs publish the endpoints in the
CapabilityStatement instead (``rest.security`` extension ``oauth-uris``, sub-extensions
``authorize`` and ``token``), which is the fallback. Only an allow-listed ``iss`` ever gets here.
Every endpoint must be https (http only on a loopback address), because codes, secrets and
tokens travel to it. What was found is cached in the shared store for a few minutes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from service.config.parsers import is_loopback, plain_url
from service.fetch import FetchFailed, get_json
from service.storage.keyvalue import KeyValueStore
from smart_app.errors import DiscoveryError

log = logging.getLogger("noms_cds.smart")

OAUTH_URIS: Final = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
CACHE_SECONDS: Final = 300
CACHE_PREFIX: Final = "smart-discovery:"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """What the app needs to know about one EHR's authorization server.

    Attributes:
        fhir_base: The ``iss`` (FHIR base URL), also the ``aud`` of authorization requests.
        authorize: The authorization endpoint.
        token: The token endpoint.
        issuer: The OpenID issuer (``iss`` of its ``id_token`` s), when it publishes one.
        jwks_uri: Where its ``id_token`` signing keys are, when it publishes them.
        capabilities: The SMART capabilities it declares (empty from a CapabilityStatement).
        source: ``smart-configuration`` or ``metadata``: where these came from.
    """

    fhir_base: str
    authorize: str
    token: str
    issuer: str | None = None
    jwks_uri: str | None = None
    capabilities: tuple[str, ...] = ()
    source: str = "smart-configuration"

    def to_json(self) -> str:
        """The endpoints as JSON, for the shared store."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Endpoints:
        """Endpoints back from the shared store."""
        data = json.loads(text)
        data["capabilities"] = tuple(data.get("capabilities") or ())
        return cls(**data)


def _endpoint(fhir_base: str, value: Any, what: str) -> str:
    """An absolute endpoint URL, resolved against the FHIR base, https unless loopback."""
    if not isinstance(value, str) or not value.strip():
        raise DiscoveryError(f"The EHR's SMART configuration names no {what}.")
    url = urljoin(fhir_base + "/", value.strip())
    parts = urlsplit(url)
    if (
        not plain_url(url.split("?", 1)[0])
        or parts.fragment
        or (parts.scheme != "https" and not is_loopback(parts.hostname or ""))
    ):
        raise DiscoveryError(
            f"The EHR's {what} is not an https URL the app can use; nothing was sent to it."
        )
    return url


def _from_smart_configuration(fhir_base: str, document: Any) -> Endpoints:
    if not isinstance(document, dict):
        raise DiscoveryError("The EHR's SMART configuration is not a JSON object.")
    capabilities = document.get("capabilities")
    issuer = document.get("issuer")
    jwks_uri = document.get("jwks_uri")
    return Endpoints(
        fhir_base=fhir_base,
        authorize=_endpoint(fhir_base, document.get("authorization_endpoint"), "authorize URL"),
        token=_endpoint(fhir_base, document.get("token_endpoint"), "token URL"),
        issuer=issuer if isinstance(issuer, str) and issuer else None,
        jwks_uri=_endpoint(fhir_base, jwks_uri, "JWKS URL") if jwks_uri else None,
        capabilities=tuple(c for c in capabilities or () if isinstance(c, str))
        if isinstance(capabilities, list)
        else (),
    )


def _from_capability_statement(fhir_base: str, statement: Any) -> Endpoints:
    uris: dict[str, Any] = {}
    if isinstance(statement, dict) and statement.get("resourceType") == "CapabilityStatement":
        for rest in statement.get("rest") or []:
            security = rest.get("security") if isinstance(rest, dict) else None
            for extension in (security or {}).get("extension") or []:
                if isinstance(extension, dict) and extension.get("url") == OAUTH_URIS:
                    for part in extension.get("extension") or []:
                        if isinstance(part, dict) and isinstance(part.get("url"), str):
                            uris.setdefault(part["url"], part.get("valueUri"))
    if not uris:
        raise DiscoveryError(
            "The EHR publishes neither a SMART configuration nor SMART endpoints in its "
            "CapabilityStatement."
        )
    return Endpoints(
        fhir_base=fhir_base,
        authorize=_endpoint(fhir_base, uris.get("authorize"), "authorize URL"),
        token=_endpoint(fhir_base, uris.get("token"), "token URL"),
        source="metadata",
    )


def discover(fhir_base: str, store: KeyValueStore, timeout: float) -> Endpoints:
    """The SMART endpoints of an allow-listed EHR (cached in the shared store).

    Raises:
        DiscoveryError: neither document can be read, or what they say cannot be used.
    """
    cached = store.get(CACHE_PREFIX + fhir_base)
    if cached is not None:
        return Endpoints.from_json(cached)
    try:
        document = get_json(fhir_base + "/.well-known/smart-configuration", timeout)
        endpoints = _from_smart_configuration(fhir_base, document)
    except FetchFailed as exc:
        log.info("no SMART configuration: trying /metadata", extra={"reason": str(exc)})
        try:
            statement = get_json(fhir_base + "/metadata", timeout, accept="application/fhir+json")
        except FetchFailed as second:
            log.warning("SMART discovery failed", extra={"reason": str(second)})
            raise DiscoveryError(
                "The EHR's SMART configuration could not be read; try again later."
            ) from second
        endpoints = _from_capability_statement(fhir_base, statement)
    store.set(CACHE_PREFIX + fhir_base, endpoints.to_json(), CACHE_SECONDS)
    return endpoints
