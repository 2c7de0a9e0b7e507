"""The CDS clients trusted to call the services (``NOMS_CDS_ISSUERS``), one entry per JWT ``iss``.

An entry gives the issuer's public keys (inline, in a file, or a URL to fetch them from) and/or
the ``jku`` URLs its tokens may point to, and the FHIR servers (``fhirServer``) the service may
call with the tokens that issuer's requests lend (docs/architecture.md, CDS Hooks trust). A
``fhirServer`` not on its issuer's list is never contacted: the service uses the prefetch alone,
and answers 412 when that is not enough (an allow-list, because a trusted client that is wrong
or compromised could otherwise point the service at any host it can reach).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from service.config.parsers import PREFIX, fail, json_value, plain_url, url
from service.errors import ConfigurationError, InvalidJson
from service.fhir import jsonio

PRIVATE_JWK_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
ISSUER_KEYS: Final = frozenset({"jwks", "jwks_file", "jwks_url", "jku", "fhir_servers"})


def _listed(allowed: tuple[str, ...], candidate: str) -> bool:
    """Whether ``candidate`` is an entry of ``allowed``, or below an entry ending in ``/``."""
    if not plain_url(candidate):
        return False
    return any(
        candidate == entry or (entry.endswith("/") and candidate.startswith(entry))
        for entry in allowed
    )


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """A CDS client allowed to call the services (docs/architecture.md, CDS Hooks trust).

    Attributes:
        issuer: The JWT ``iss`` value, compared exactly.
        keys: Its public keys, when configured inline or in a file.
        jwks_url: Where its public keys are published, when configured so (fetched and cached).
        jku: The ``jku`` header values this issuer may point to; an entry ending in ``/`` allows
            every URL below it.
        fhir_servers: The ``fhirServer`` base URLs its calls may name for the service to fetch
            from; an entry ending in ``/`` allows every base below it. Empty: none.
    """

    issuer: str
    keys: KeySet | None = field(default=None, compare=False)
    jwks_url: str | None = None
    jku: tuple[str, ...] = ()
    fhir_servers: tuple[str, ...] = ()

    def allows_jku(self, jku: str) -> bool:
        """Whether a token's ``jku`` header is on this issuer's list."""
        return _listed(self.jku, jku)

    def allows_fhir_server(self, base: str) -> bool:
        """Whether the service may call ``base`` (a ``fhirServer`` of this issuer's calls)."""
        return _listed(self.fhir_servers, base.rstrip("/"))


def public_jwks(where: str, value: Any) -> KeySet:
    """A JWKS of public signing keys (EC or RSA, each with a kid); private material refused."""
    keys = value.get("keys") if isinstance(value, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ConfigurationError(f"{where}: must be a JWKS, an object with a non-empty 'keys'")
    for key in keys:
        if not isinstance(key, dict) or key.get("kty") not in {"EC", "RSA"}:
            raise ConfigurationError(f"{where}: every key must be an EC or RSA JWK")
        if not isinstance(key.get("kid"), str) or not key["kid"]:
            raise ConfigurationError(f"{where}: every key needs a kid")
        if PRIVATE_JWK_MEMBERS & key.keys():
            raise ConfigurationError(f"{where}: key {key['kid']!r} holds private key material")
    try:
        return KeySet.import_key_set({"keys": keys})
    except (JoseError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"{where}: not a usable JWKS ({type(exc).__name__})") from exc


def _url_list(name: str, where: str, entry: dict[str, Any], key: str) -> tuple[str, ...]:
    urls = entry.get(key) or []
    if isinstance(urls, str) or not isinstance(urls, list):
        raise ConfigurationError(f"{where}: {key} must be a list of URLs")
    if not all(isinstance(item, str) for item in urls):
        raise ConfigurationError(f"{where}: {key} must be a list of URLs")
    checked = []
    for item in urls:
        base = url(name, item, https_unless_loopback=True)
        # A trailing slash makes the entry a prefix; keep it so that "https://a.org/keys/"
        # never matches "https://a.org/keys-of-someone-else".
        checked.append(base + "/" if item.endswith("/") and not base.endswith("/") else base)
    return tuple(checked)


def _keys(where: str, entry: dict[str, Any], source: str) -> KeySet:
    if source == "jwks":
        return public_jwks(f"{where} jwks", entry["jwks"])
    path = Path(entry["jwks_file"]).expanduser()
    try:
        data = path.read_bytes()
        return public_jwks(f"{where} jwks_file", jsonio.loads(data, what="the file"))
    except OSError as exc:
        raise ConfigurationError(f"{where}: cannot read {path} ({exc.strerror})") from exc
    except InvalidJson as exc:
        raise ConfigurationError(f"{where}: {path}: {exc}") from exc


def issuer_entry(name: str, issuer: Any, entry: Any) -> TrustedIssuer:
    """One issuer's entry of ``NOMS_CDS_ISSUERS``."""
    where = f"{PREFIX}{name}: issuer {issuer!r}"
    if not isinstance(issuer, str) or not issuer.strip():
        raise fail(name, "issuer names must be non-empty strings")
    if not isinstance(entry, dict) or not entry or entry.keys() - ISSUER_KEYS:
        raise ConfigurationError(f"{where}: give an object with {', '.join(sorted(ISSUER_KEYS))}")
    sources = [key for key in ("jwks", "jwks_file", "jwks_url") if entry.get(key)]
    if len(sources) > 1:
        raise ConfigurationError(f"{where}: give one of jwks, jwks_file and jwks_url, not both")
    keys = jwks_url = None
    if sources and sources[0] in {"jwks", "jwks_file"}:
        keys = _keys(where, entry, sources[0])
    elif sources:
        jwks_url = url(f"{name}: issuer {issuer!r}", entry["jwks_url"], https_unless_loopback=True)
    label = f"{name}: issuer {issuer!r}"
    allowed_jku = _url_list(label, where, entry, "jku")
    if not sources and not allowed_jku:
        raise ConfigurationError(f"{where}: give its keys (jwks, jwks_file or jwks_url) or jku")
    fhir_servers = _url_list(label, where, entry, "fhir_servers")
    return TrustedIssuer(issuer, keys, jwks_url, allowed_jku, fhir_servers)


def issuers(name: str, value: Any) -> tuple[TrustedIssuer, ...]:
    """``NOMS_CDS_ISSUERS``: a JSON object, issuer -> entry."""
    value = json_value(name, value) if value else {}
    if not isinstance(value, dict):
        raise fail(
            name,
            "must be a JSON object: issuer -> {jwks | jwks_file | jwks_url, jku, fhir_servers}",
        )
    return tuple(issuer_entry(name, issuer, entry) for issuer, entry in value.items())
