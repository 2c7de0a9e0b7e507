"""Every setting of the web service: its variable, default, parser and meaning (one table).

The README's configuration table lists the same names (a test keeps them in step).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

from service.config import parsers as p
from service.config.alerts import ALERT_VARIABLES
from service.config.api_keys import API_KEY_VARIABLES
from service.config.issuers import issuers
from service.config.smart import SMART_VARIABLES
from service.config.variable import Variable
from service.domain.pathway import DEFAULT_TARGET_DAYS

# The published description of the NOMS framework the recommendations follow (docs/scores.md).
NOMS_FRAMEWORK_URL: Final = "https://doi.org/10.1634/theoncologist.2012-0293"


def default_state_dir() -> str:
    """``$XDG_STATE_HOME/noms-cds``, else ``~/.local/state/noms-cds``."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return str(Path(base) / "noms-cds")


def _optional_https_url(name: str, value: Any) -> str | None:
    return p.url(name, value, https_unless_loopback=True) if value else None


VARIABLES: Final[tuple[Variable, ...]] = (
    Variable(
        "PUBLIC_BASE_URL",
        "http://127.0.0.1:8000",
        p.base_url,
        "URL at which clients reach the service; CDS Hooks JWTs must name "
        "`{this}/cds-services/{id}` as `aud`; https turns on HSTS",
    ),
    Variable("BIND", "127.0.0.1:8000", p.bind, "where gunicorn listens: HOST:PORT or unix:PATH"),
    Variable("WORKERS", "2", p.integer(1, 64), "gunicorn worker processes"),
    Variable("THREADS", "4", p.integer(1, 256), "threads per worker (gthread worker)"),
    Variable(
        "WORKER_TIMEOUT",
        "30",
        p.integer(1, 3600),
        "seconds a request may take before gunicorn restarts the worker",
    ),
    Variable(
        "GRACEFUL_TIMEOUT",
        "30",
        p.integer(1, 3600),
        "seconds in-flight requests get to finish after SIGTERM",
    ),
    Variable("LOG_LEVEL", "INFO", p.log_level, "DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    Variable(
        "STATE_DIR",
        "",
        p.path,
        "folder for the service's files (default `$XDG_STATE_HOME/noms-cds`, else "
        "`~/.local/state/noms-cds`)",
    ),
    Variable(
        "STORE_PATH",
        "",
        p.optional_path,
        "SQLite file of the shared store (default `store.sqlite3` in the state folder; a "
        "relative path is taken in the state folder)",
    ),
    Variable(
        "REDIS_URL",
        "",
        p.redis_url,
        "use this Redis (redis://, rediss://, unix://) as the shared store instead of "
        "SQLite; needed when replicas run on several machines",
        from_file=True,
    ),
    Variable(
        "DATABASE_URL",
        "",
        p.database_url,
        "the service's database (CDS feedback, alerts, worklist): `sqlite:////PATH` or "
        "`postgresql+psycopg://USER:PASSWORD@HOST/DB` (default: `noms.sqlite3` in the state "
        "folder); opened and migrated by each worker when it first needs it",
        from_file=True,
    ),
    Variable(
        "PATHWAY_TARGET_DAYS",
        str(DEFAULT_TARGET_DAYS),
        p.integer(1, 365),
        "the worklist's target from first symptoms to treatment start, in days (56: the upper "
        "bound of the 6-8 weeks rapid-access programmes reached; docs/worklist.md)",
    ),
    Variable(
        "MAX_BODY_BYTES",
        str(16 * 1024 * 1024),
        p.integer(1024, 1024**3),
        "largest request body accepted (413 beyond)",
    ),
    Variable(
        "MAX_JSON_DEPTH",
        "64",
        p.integer(8, 512),
        "deepest JSON nesting accepted in a body (400 beyond)",
    ),
    Variable(
        "CDS_ISSUERS",
        "",
        issuers,
        "JSON object of the CDS clients trusted, by JWT `iss`: each "
        '`{"jwks": {...}}`, `{"jwks_file": PATH}` or `{"jwks_url": URL}`, and/or '
        '`"jku": [URL, ...]` (an entry ending in `/` allows the URLs below it); '
        '`"fhir_servers": [URL, ...]`: the `fhirServer`s the service may fetch missing data '
        "from for that client (none when absent: prefetch only)",
        from_file=True,
    ),
    Variable(
        "CDS_CLOCK_SKEW",
        "60",
        p.integer(0, 600),
        "seconds of clock difference tolerated on `exp`, `iat` and `nbf`",
    ),
    Variable(
        "CDS_MAX_TOKEN_LIFETIME",
        "3600",
        p.integer(60, 86400),
        "longest JWT lifetime accepted (`exp` at most this far ahead); bounds the replay cache",
    ),
    Variable(
        "CDS_JWKS_CACHE_SECONDS",
        "300",
        p.integer(0, 86400),
        "how long fetched JWKS are kept in the shared store",
    ),
    Variable(
        "CDS_DISCOVERY_REQUIRES_JWT",
        "false",
        p.boolean,
        "also require a JWT on `GET /cds-services` (the spec leaves it to the service)",
    ),
    Variable(
        "CDS_CORS_ORIGINS",
        "*",
        p.origins,
        "origins allowed to call the CDS routes from a browser (`*` or a list)",
    ),
    Variable(
        "CDS_FHIR_TIMEOUT",
        "10",
        p.integer(1, 120),
        "seconds the CDS services may spend fetching what the prefetch lacks from a "
        "`fhirServer`, every request included (CDS Hooks asks for answers in about 500 ms)",
    ),
    Variable(
        "SMART_LAUNCH_URL",
        "",
        _optional_https_url,
        "launch URL of the SMART app the cards link to (`smart` links; default "
        "`{NOMS_PUBLIC_BASE_URL}/smart/launch`)",
    ),
    Variable(
        "CARD_SOURCE_URL",
        NOMS_FRAMEWORK_URL,
        lambda name, value: p.url(name, value, https_unless_loopback=True),
        "`source.url` of every card: where a clinician reads about the rules behind it "
        "(default: the NOMS framework paper, Laufer 2013)",
    ),
    Variable(
        "FRAME_ANCESTORS",
        "'self'",
        p.frame_ancestors,
        "CSP `frame-ancestors` sources: the EHR origins that may embed the service",
    ),
    Variable(
        "FHIR_BASE_URL",
        "",
        p.optional_url,
        "FHIR base URL of the EHR for the API's live assessments",
    ),
    Variable(
        "FHIR_BACKEND_CONFIG",
        "",
        p.optional_path,
        "SMART Backend Services settings file for that EHR (JSON: token_url, client_id, "
        "private_key, kid, scope; docs/integration.md)",
    ),
    *SMART_VARIABLES,  # the SMART app's registration (service/config/smart.py)
    *ALERT_VARIABLES,  # alerts to the spine team (service/config/alerts.py)
    *API_KEY_VARIABLES,  # the JSON API's clients (service/config/api_keys.py)
)
