"""The web service's settings: defaults, then ``NOMS_`` environment variables, then validation.

One table (``VARIABLES``) names every setting, its default and what it means; the README's
configuration table lists the same names (a test keeps them in step). ``load_settings`` turns a
source (the environment, or a test's mapping) into a frozen ``Settings`` and stops at the first
setting that cannot work with one ``ConfigurationError`` line naming the variable. Values that
may be secret can be given in a file instead (``NOMS_<NAME>_FILE``); a secret is never echoed in
an error message.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from service.errors import ConfigurationError, InvalidJson
from service.fhir import jsonio

PREFIX: Final = "NOMS_"
FILE_SUFFIX: Final = "_FILE"
LOOPBACK_NAMES: Final = frozenset({"localhost"})
PRIVATE_JWK_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
ISSUER_KEYS: Final = frozenset({"jwks", "jwks_file", "jwks_url", "jku"})


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """A CDS client allowed to call the services (docs/architecture.md, CDS Hooks trust).

    Attributes:
        issuer: The JWT ``iss`` value, compared exactly.
        keys: Its public keys, when configured inline or in a file.
        jwks_url: Where its public keys are published, when configured so (fetched and cached).
        jku: The ``jku`` header values this issuer may point to; an entry ending in ``/`` allows
            every URL below it.
    """

    issuer: str
    keys: KeySet | None = field(default=None, compare=False)
    jwks_url: str | None = None
    jku: tuple[str, ...] = ()

    def allows_jku(self, url: str) -> bool:
        """Whether a token's ``jku`` header is on this issuer's list."""
        if not _plain_url(url):
            return False
        return any(
            url == entry or (entry.endswith("/") and url.startswith(entry)) for entry in self.jku
        )


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated settings of one running service (see ``VARIABLES`` for each meaning)."""

    public_base_url: str
    bind: str
    workers: int
    threads: int
    worker_timeout: int
    graceful_timeout: int
    log_level: str
    state_dir: Path
    store_path: Path
    redis_url: str | None = field(repr=False)
    max_body_bytes: int
    max_json_depth: int
    cds_issuers: tuple[TrustedIssuer, ...]
    cds_clock_skew: int
    cds_max_token_lifetime: int
    cds_jwks_cache_seconds: int
    cds_discovery_requires_jwt: bool
    cds_cors_origins: tuple[str, ...]
    frame_ancestors: tuple[str, ...]
    fhir_base_url: str | None
    fhir_backend_config: Path | None
    smart: SmartSettings  # the SMART app's block (below)

    def endpoint_url(self, path: str) -> str:
        """The public URL of one of our endpoints (the JWT ``aud`` a caller must use)."""
        return self.public_base_url + path

    def trusted_issuer(self, issuer: str) -> TrustedIssuer | None:
        """The trust entry of a JWT issuer, or None when it is not allowed."""
        return next((entry for entry in self.cds_issuers if entry.issuer == issuer), None)

    @property
    def https(self) -> bool:
        """Whether the service is reached over HTTPS (then HSTS is sent)."""
        return self.public_base_url.startswith("https://")


# ---- value parsers: (variable name, raw value) -> value; raise ConfigurationError ----------


def _fail(name: str, problem: str) -> ConfigurationError:
    return ConfigurationError(f"{PREFIX}{name}: {problem}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _integer(low: int, high: int) -> Callable[[str, Any], int]:
    def parse(name: str, value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _fail(name, f"must be a whole number from {low} to {high}, not {_shown(value)}")
        return value

    return parse


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise _fail(name, f"must be true or false, not {_shown(value)}")


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(word for word in re.split(r"[\s,]+", value) if word)
    return tuple(str(word) for word in value)


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _plain_url(url: str) -> bool:
    """An absolute http(s) URL without credentials, query, fragment or dot segments."""
    if not isinstance(url, str) or re.search(r"[\s\\@?#]|/\.\.?(/|$)|%2e|%2f", url, re.I):
        return False
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def _url(name: str, value: Any, *, https_unless_loopback: bool = False) -> str:
    if not _plain_url(value):
        raise _fail(
            name, f"must be an absolute http(s) URL without query or credentials: {_shown(value)}"
        )
    parts = urlsplit(value)
    if https_unless_loopback and parts.scheme != "https" and not _is_loopback(parts.hostname):
        raise _fail(name, f"{value} must use https (http only for a loopback address)")
    return value.rstrip("/") if parts.path in {"", "/"} else value


def _base_url(name: str, value: Any) -> str:
    return _url(name, value).rstrip("/")


def _optional_url(name: str, value: Any) -> str | None:
    return _base_url(name, value) if value else None


def _bind(name: str, value: Any) -> str:
    text = str(value).strip()
    if text.startswith("unix:") and len(text) > 5:
        return text
    host, _, port = text.rpartition(":")
    if host and port.isdigit() and 0 < int(port) < 65536:
        return text
    raise _fail(name, f"must be HOST:PORT or unix:PATH, not {_shown(value)}")


def _log_level(name: str, value: Any) -> str:
    level = str(value).strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise _fail(name, f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {_shown(value)}")
    return level


def _path(name: str, value: Any) -> Path:
    if not str(value).strip():
        raise _fail(name, "must not be empty")
    return Path(value).expanduser()


def _optional_path(name: str, value: Any) -> Path | None:
    return _path(name, value) if value else None


def _redis_url(name: str, value: Any) -> str | None:
    if not value:
        return None
    scheme = urlsplit(str(value)).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        # The URL may hold a password: name the problem, never the value.
        raise _fail(name, f"must be a redis://, rediss:// or unix:// URL (got scheme {scheme!r})")
    return str(value)


CSP_SOURCE: Final = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:"
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?"
    r"(?:/[^\s;,']*)?",
    re.IGNORECASE,
)


def _frame_ancestors(name: str, value: Any) -> tuple[str, ...]:
    sources = _words(value)
    bad = [source for source in sources if not CSP_SOURCE.fullmatch(source)]
    if not sources or bad or ("'none'" in sources and len(sources) > 1):
        raise _fail(
            name,
            "must be CSP sources ('self', 'none' alone, https://ehr.example.org, https:), "
            f"not {_shown(value)}",
        )
    return sources


def _origins(name: str, value: Any) -> tuple[str, ...]:
    origins = _words(value)
    if origins == ("*",):
        return origins
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path:
            raise _fail(name, f"must be * or origins like https://ehr.example.org: {origin!r}")
    return origins


def _public_jwks(where: str, value: Any) -> KeySet:
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


def _json_value(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return jsonio.loads(value, what="the value")
    except InvalidJson as exc:
        raise _fail(name, str(exc)) from exc


def _jku_entry(name: str, url: str) -> str:
    checked = _url(name, url, https_unless_loopback=True)
    # A trailing slash makes the entry a prefix; keep it so that "https://a.org/keys/" never
    # matches "https://a.org/keys-of-someone-else".
    return checked + "/" if url.endswith("/") and not checked.endswith("/") else checked


def _issuer(name: str, issuer: Any, entry: Any) -> TrustedIssuer:
    where = f"{PREFIX}{name}: issuer {issuer!r}"
    if not isinstance(issuer, str) or not issuer.strip():
        raise _fail(name, "issuer names must be non-empty strings")
    if not isinstance(entry, dict) or not entry or entry.keys() - ISSUER_KEYS:
        raise ConfigurationError(f"{where}: give an object with {', '.join(sorted(ISSUER_KEYS))}")
    sources = [key for key in ("jwks", "jwks_file", "jwks_url") if entry.get(key)]
    if len(sources) > 1:
        raise ConfigurationError(f"{where}: give one of jwks, jwks_file and jwks_url, not both")
    keys = jwks_url = None
    if "jwks" in sources:
        keys = _public_jwks(f"{where} jwks", entry["jwks"])
    elif "jwks_file" in sources:
        path = Path(entry["jwks_file"]).expanduser()
        try:
            data = path.read_bytes()
            keys = _public_jwks(f"{where} jwks_file", jsonio.loads(data, what="the file"))
        except OSError as exc:
            raise ConfigurationError(f"{where}: cannot read {path} ({exc.strerror})") from exc
        except InvalidJson as exc:
            raise ConfigurationError(f"{where}: {path}: {exc}") from exc
    elif "jwks_url" in sources:
        jwks_url = _url(f"{name}: issuer {issuer!r}", entry["jwks_url"], https_unless_loopback=True)
    jku = entry.get("jku") or []
    if isinstance(jku, str) or not isinstance(jku, list):
        raise ConfigurationError(f"{where}: jku must be a list of URLs")
    if not all(isinstance(url, str) for url in jku):
        raise ConfigurationError(f"{where}: jku must be a list of URLs")
    allowed = tuple(_jku_entry(f"{name}: issuer {issuer!r}", url) for url in jku)
    if not sources and not allowed:
        raise ConfigurationError(f"{where}: give its keys (jwks, jwks_file or jwks_url) or jku")
    return TrustedIssuer(issuer, keys, jwks_url, allowed)


def _issuers(name: str, value: Any) -> tuple[TrustedIssuer, ...]:
    value = _json_value(name, value) if value else {}
    if not isinstance(value, dict):
        raise _fail(name, "must be a JSON object: issuer -> {jwks | jwks_file | jwks_url, jku}")
    return tuple(_issuer(name, issuer, entry) for issuer, entry in value.items())


@dataclass(frozen=True, slots=True)
class Variable:
    """One setting: its name after the prefix, its default, its parser and its meaning."""

    name: str
    default: str
    parse: Callable[[str, Any], Any]
    meaning: str
    from_file: bool = False  # may also be given as NOMS_<NAME>_FILE (secrets, long JSON)

    @property
    def env(self) -> str:
        """The environment variable."""
        return PREFIX + self.name


def _default_state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return str(Path(base) / "noms-cds")


# ---- the SMART app (smart_app/, docs/smart-app.md) ------------------------------------------
# One block, kept apart so that it moves as a whole when the settings become a package.

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
        raise _fail(name, f"must be one of {', '.join(SMART_CLIENT_TYPES)}, not {_shown(value)}")
    return text


def _smart_issuers(name: str, value: Any) -> tuple[str, ...]:
    return tuple(
        _url(name, issuer, https_unless_loopback=True).rstrip("/") for issuer in _words(value)
    )


def _smart_scope_version(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text not in SMART_DEFAULT_SCOPES:
        raise _fail(name, f"must be v1 or v2, not {_shown(value)}")
    return text


def _smart_scopes(name: str, value: Any) -> tuple[str, ...]:
    scopes = _words(value)
    for scope in scopes:
        if scope in SMART_CONTEXT_SCOPES:
            raise _fail(name, f"{scope} is added by the app itself (EHR or standalone launch)")
        if not SMART_SCOPE.fullmatch(scope):
            raise _fail(name, f"{scope!r} is not a SMART scope the app can use")
    return scopes


def _optional_text(_name: str, value: Any) -> str | None:
    return str(value).strip() or None


def _required_text(name: str, value: Any) -> str:
    text = str(value).strip()
    if not text:
        raise _fail(name, "must not be empty")
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
        _optional_path,
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
        _integer(60, 86400),
        "seconds a SMART session lives without use (tokens are kept in the shared store)",
    ),
    Variable(
        "SMART_HTTP_TIMEOUT",
        "10",
        _integer(1, 120),
        "seconds allowed to each request to an EHR's SMART discovery or token endpoint",
    ),
)

VARIABLES: Final[tuple[Variable, ...]] = (
    Variable(
        "PUBLIC_BASE_URL",
        "http://127.0.0.1:8000",
        _base_url,
        "URL at which clients reach the service; CDS Hooks JWTs must name "
        "`{this}/cds-services/{id}` as `aud`; https turns on HSTS",
    ),
    Variable("BIND", "127.0.0.1:8000", _bind, "where gunicorn listens: HOST:PORT or unix:PATH"),
    Variable("WORKERS", "2", _integer(1, 64), "gunicorn worker processes"),
    Variable("THREADS", "4", _integer(1, 256), "threads per worker (gthread worker)"),
    Variable(
        "WORKER_TIMEOUT",
        "30",
        _integer(1, 3600),
        "seconds a request may take before gunicorn restarts the worker",
    ),
    Variable(
        "GRACEFUL_TIMEOUT",
        "30",
        _integer(1, 3600),
        "seconds in-flight requests get to finish after SIGTERM",
    ),
    Variable("LOG_LEVEL", "INFO", _log_level, "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    Variable(
        "STATE_DIR",
        "",
        _path,
        "folder for the service's files (default `$XDG_STATE_HOME/noms-cds`, else "
        "`~/.local/state/noms-cds`)",
    ),
    Variable(
        "STORE_PATH",
        "",
        _optional_path,
        "SQLite file of the shared store (default `store.sqlite3` in the state folder; a "
        "relative path is taken in the state folder)",
    ),
    Variable(
        "REDIS_URL",
        "",
        _redis_url,
        "use this Redis (redis://, rediss://, unix://) as the shared store instead of "
        "SQLite; needed when replicas run on several machines",
        from_file=True,
    ),
    Variable(
        "MAX_BODY_BYTES",
        str(16 * 1024 * 1024),
        _integer(1024, 1024**3),
        "largest request body accepted (413 beyond)",
    ),
    Variable(
        "MAX_JSON_DEPTH",
        "64",
        _integer(8, 512),
        "deepest JSON nesting accepted in a body (400 beyond)",
    ),
    Variable(
        "CDS_ISSUERS",
        "",
        _issuers,
        "JSON object of the CDS clients trusted, by JWT `iss`: each "
        '`{"jwks": {...}}`, `{"jwks_file": PATH}` or `{"jwks_url": URL}`, and/or '
        '`"jku": [URL, ...]` (an entry ending in `/` allows the URLs below it)',
        from_file=True,
    ),
    Variable(
        "CDS_CLOCK_SKEW",
        "60",
        _integer(0, 600),
        "seconds of clock difference tolerated on `exp`, `iat` and `nbf`",
    ),
    Variable(
        "CDS_MAX_TOKEN_LIFETIME",
        "3600",
        _integer(60, 86400),
        "longest JWT lifetime accepted (`exp` at most this far ahead); bounds the replay cache",
    ),
    Variable(
        "CDS_JWKS_CACHE_SECONDS",
        "300",
        _integer(0, 86400),
        "how long fetched JWKS are kept in the shared store",
    ),
    Variable(
        "CDS_DISCOVERY_REQUIRES_JWT",
        "false",
        _boolean,
        "also require a JWT on `GET /cds-services` (the spec leaves it to the service)",
    ),
    Variable(
        "CDS_CORS_ORIGINS",
        "*",
        _origins,
        "origins allowed to call the CDS routes from a browser (`*` or a list)",
    ),
    Variable(
        "FRAME_ANCESTORS",
        "'self'",
        _frame_ancestors,
        "CSP `frame-ancestors` sources: the EHR origins that may embed the service",
    ),
    Variable(
        "FHIR_BASE_URL",
        "",
        _optional_url,
        "FHIR base URL of the EHR for the API's live assessments",
    ),
    Variable(
        "FHIR_BACKEND_CONFIG",
        "",
        _optional_path,
        "SMART Backend Services settings file for that EHR (JSON: token_url, client_id, "
        "private_key, kid, scope; docs/integration.md)",
    ),
    *SMART_VARIABLES,
)


def _smart_settings(values: Mapping[str, Any]) -> SmartSettings:
    """The SMART block from parsed values; a client type without its credential fails here."""
    client_type = values["SMART_CLIENT_TYPE"]
    secret, key_file = values["SMART_CLIENT_SECRET"], values["SMART_PRIVATE_KEY_FILE"]
    if client_type == "confidential-symmetric" and not secret:
        raise _fail("SMART_CLIENT_SECRET", "a confidential-symmetric app needs its secret")
    if client_type == "confidential-asymmetric" and not key_file:
        raise _fail("SMART_PRIVATE_KEY_FILE", "a confidential-asymmetric app needs its key")
    if key_file and not key_file.is_file():
        raise _fail("SMART_PRIVATE_KEY_FILE", f"{key_file} is not a file")
    if secret and client_type != "confidential-symmetric":
        raise _fail("SMART_CLIENT_SECRET", f"a {client_type} app has no secret")
    if key_file and client_type != "confidential-asymmetric":
        raise _fail("SMART_PRIVATE_KEY_FILE", f"a {client_type} app signs nothing")
    public = urlsplit(values["PUBLIC_BASE_URL"])
    if values["SMART_ISSUERS"] and public.scheme != "https" and not _is_loopback(public.hostname):
        raise _fail(
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


def _raw_values(source: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Each variable's raw value: from the source, from its _FILE, or its default."""
    raw: dict[str, Any] = {}
    for variable in VARIABLES:
        key, file_key = prefix + variable.name, prefix + variable.name + FILE_SUFFIX
        if variable.from_file and source.get(file_key):
            if source.get(key):
                raise _fail(variable.name, f"give it or {PREFIX}{variable.name}{FILE_SUFFIX}")
            try:
                raw[variable.name] = Path(source[file_key]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise _fail(
                    variable.name + FILE_SUFFIX, f"cannot read the file ({exc.strerror})"
                ) from exc
        else:
            value = source.get(key)
            raw[variable.name] = variable.default if value is None or value == "" else value
    return raw


def load_settings(source: Mapping[str, Any] | None = None, prefix: str = PREFIX) -> Settings:
    """Build and check the settings.

    Args:
        source: Where values come from: the environment by default. Keys are the variable names
            with ``prefix`` before them; values are strings or, from tests, native values.
        prefix: ``NOMS_`` for the environment; ``""`` for a test's mapping.

    Raises:
        ConfigurationError: the first setting that cannot work, in one line naming it.
    """
    raw = _raw_values(os.environ if source is None else source, prefix)
    values = {v.name: v.parse(v.name, raw[v.name]) for v in VARIABLES if v.name != "STATE_DIR"}
    state_dir = _path("STATE_DIR", raw["STATE_DIR"] or _default_state_dir())
    store_path = values["STORE_PATH"] or Path("store.sqlite3")
    if values["FHIR_BACKEND_CONFIG"] and not values["FHIR_BASE_URL"]:
        raise _fail("FHIR_BACKEND_CONFIG", f"needs {PREFIX}FHIR_BASE_URL (the server it is for)")
    if values["FHIR_BACKEND_CONFIG"] and not values["FHIR_BACKEND_CONFIG"].is_file():
        raise _fail("FHIR_BACKEND_CONFIG", f"{values['FHIR_BACKEND_CONFIG']} is not a file")
    return Settings(
        public_base_url=values["PUBLIC_BASE_URL"],
        bind=values["BIND"],
        workers=values["WORKERS"],
        threads=values["THREADS"],
        worker_timeout=values["WORKER_TIMEOUT"],
        graceful_timeout=values["GRACEFUL_TIMEOUT"],
        log_level=values["LOG_LEVEL"],
        state_dir=state_dir,
        store_path=store_path if store_path.is_absolute() else state_dir / store_path,
        redis_url=values["REDIS_URL"],
        max_body_bytes=values["MAX_BODY_BYTES"],
        max_json_depth=values["MAX_JSON_DEPTH"],
        cds_issuers=values["CDS_ISSUERS"],
        cds_clock_skew=values["CDS_CLOCK_SKEW"],
        cds_max_token_lifetime=values["CDS_MAX_TOKEN_LIFETIME"],
        cds_jwks_cache_seconds=values["CDS_JWKS_CACHE_SECONDS"],
        cds_discovery_requires_jwt=values["CDS_DISCOVERY_REQUIRES_JWT"],
        cds_cors_origins=values["CDS_CORS_ORIGINS"],
        frame_ancestors=values["FRAME_ANCESTORS"],
        fhir_base_url=values["FHIR_BASE_URL"],
        fhir_backend_config=values["FHIR_BACKEND_CONFIG"],
        smart=_smart_settings(values),
    )
