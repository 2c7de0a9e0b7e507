"""The validated settings of one running service, and how they are loaded."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from service.config.alerts import AlertSettings, alert_settings
from service.config.api_keys import ApiKey
from service.config.issuers import TrustedIssuer
from service.config.parsers import PREFIX, fail, path
from service.config.smart import SmartSettings, smart_settings
from service.config.variables import VARIABLES, default_state_dir
from service.errors import ConfigurationError
from service.fhir.limits import Limits, limits_from

FILE_SUFFIX: Final = "_FILE"
SMART_LAUNCH_PATH: Final = "/smart/launch"  # where smart_app mounts its launch endpoint
DATABASE_FILE: Final = "noms.sqlite3"  # the default database, in the state folder


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
    database_url: str = field(repr=False)
    max_body_bytes: int
    max_json_depth: int
    cds_issuers: tuple[TrustedIssuer, ...]
    cds_clock_skew: int
    cds_max_token_lifetime: int
    cds_jwks_cache_seconds: int
    cds_discovery_requires_jwt: bool
    cds_cors_origins: tuple[str, ...]
    cds_fhir_timeout: int
    smart_launch_url: str
    card_source_url: str
    frame_ancestors: tuple[str, ...]
    fhir_base_url: str | None
    fhir_backend_config: Path | None
    smart: SmartSettings  # the SMART app's registration (service/config/smart.py)
    alerts: AlertSettings  # alerts to the spine team (service/config/alerts.py)
    pathway_target_days: int = 56  # the worklist's time-to-treatment target (docs/worklist.md)
    fhir_limits: Limits = field(default_factory=Limits)  # NOMS_FHIR_<LIMIT> (limits.py)
    api_keys: tuple[ApiKey, ...] = field(default=(), repr=False)  # NOMS_API_KEYS (api_keys.py)

    def endpoint_url(self, route: str) -> str:
        """The public URL of one of our endpoints (the JWT ``aud`` a caller must use)."""
        return self.public_base_url + route

    def trusted_issuer(self, issuer: str) -> TrustedIssuer | None:
        """The trust entry of a JWT issuer, or None when it is not allowed."""
        return next((entry for entry in self.cds_issuers if entry.issuer == issuer), None)

    @property
    def https(self) -> bool:
        """Whether the service is reached over HTTPS (then HSTS is sent)."""
        return self.public_base_url.startswith("https://")


def _raw_values(source: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Each variable's raw value: from the source, from its _FILE, or its default."""
    raw: dict[str, Any] = {}
    for variable in VARIABLES:
        key, file_key = prefix + variable.name, prefix + variable.name + FILE_SUFFIX
        if variable.from_file and source.get(file_key):
            if source.get(key):
                raise fail(variable.name, f"give it or {PREFIX}{variable.name}{FILE_SUFFIX}")
            try:
                raw[variable.name] = Path(source[file_key]).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise fail(
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
    state_dir = path("STATE_DIR", raw["STATE_DIR"] or default_state_dir())
    store_path = values["STORE_PATH"] or Path("store.sqlite3")
    if values["FHIR_BACKEND_CONFIG"] and not values["FHIR_BASE_URL"]:
        raise fail("FHIR_BACKEND_CONFIG", f"needs {PREFIX}FHIR_BASE_URL (the server it is for)")
    if values["FHIR_BACKEND_CONFIG"] and not values["FHIR_BACKEND_CONFIG"].is_file():
        raise fail("FHIR_BACKEND_CONFIG", f"{values['FHIR_BACKEND_CONFIG']} is not a file")
    try:  # the FHIR client's bounds: one variable per limit, documented with the limits
        fhir_limits = limits_from(os.environ if source is None else source, prefix + "FHIR_")
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
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
        database_url=values["DATABASE_URL"]
        or f"sqlite:///{(state_dir / DATABASE_FILE).absolute()}",
        max_body_bytes=values["MAX_BODY_BYTES"],
        max_json_depth=values["MAX_JSON_DEPTH"],
        cds_issuers=values["CDS_ISSUERS"],
        cds_clock_skew=values["CDS_CLOCK_SKEW"],
        cds_max_token_lifetime=values["CDS_MAX_TOKEN_LIFETIME"],
        cds_jwks_cache_seconds=values["CDS_JWKS_CACHE_SECONDS"],
        cds_discovery_requires_jwt=values["CDS_DISCOVERY_REQUIRES_JWT"],
        cds_cors_origins=values["CDS_CORS_ORIGINS"],
        cds_fhir_timeout=values["CDS_FHIR_TIMEOUT"],
        smart_launch_url=values["SMART_LAUNCH_URL"]
        or values["PUBLIC_BASE_URL"] + SMART_LAUNCH_PATH,
        card_source_url=values["CARD_SOURCE_URL"],
        frame_ancestors=values["FRAME_ANCESTORS"],
        fhir_base_url=values["FHIR_BASE_URL"],
        fhir_backend_config=values["FHIR_BACKEND_CONFIG"],
        smart=smart_settings(values),
        alerts=alert_settings(values),
        pathway_target_days=values["PATHWAY_TARGET_DAYS"],
        fhir_limits=fhir_limits,
        api_keys=values["API_KEYS"],
    )
