"""Settings: defaults, NOMS_ variables, files for secrets, and one clear line for a bad value."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from service.config import PREFIX, VARIABLES, load_settings
from service.errors import ConfigurationError
from tests.cds.tokens import SANDBOX_ISSUER, SANDBOX_JKU, sandbox_public_jwks

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_work_and_are_documented(tmp_path: Path):
    settings = load_settings({"NOMS_STATE_DIR": str(tmp_path)})
    assert settings.public_base_url == "http://127.0.0.1:8000"
    assert settings.workers == 2 and settings.threads == 4
    assert settings.store_path == tmp_path / "store.sqlite3"
    assert settings.redis_url is None
    assert settings.cds_issuers == ()
    assert settings.cds_cors_origins == ("*",)
    assert settings.frame_ancestors == ("'self'",)
    assert settings.max_body_bytes == 16 * 1024 * 1024
    assert not settings.https


def test_environment_values_are_parsed(tmp_path: Path):
    settings = load_settings(
        {
            "NOMS_PUBLIC_BASE_URL": "https://cds.example.org/",
            "NOMS_WORKERS": "8",
            "NOMS_LOG_LEVEL": "debug",
            "NOMS_STATE_DIR": str(tmp_path),
            "NOMS_STORE_PATH": "kv.db",
            "NOMS_CDS_DISCOVERY_REQUIRES_JWT": "yes",
            "NOMS_CDS_CORS_ORIGINS": "https://sandbox.cds-hooks.org, https://ehr.example.org",
            "NOMS_FRAME_ANCESTORS": "'self' https://*.epic.com https://ehr.example.org:8443",
        }
    )
    assert settings.public_base_url == "https://cds.example.org"
    assert settings.endpoint_url("/cds-services/x") == "https://cds.example.org/cds-services/x"
    assert settings.https
    assert settings.workers == 8
    assert settings.log_level == "DEBUG"
    assert settings.store_path == tmp_path / "kv.db"
    assert settings.cds_discovery_requires_jwt is True
    assert settings.cds_cors_origins == ("https://sandbox.cds-hooks.org", "https://ehr.example.org")
    assert settings.frame_ancestors == (
        "'self'",
        "https://*.epic.com",
        "https://ehr.example.org:8443",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WORKERS", "0", "NOMS_WORKERS: must be a whole number from 1 to 64"),
        ("WORKERS", "two", "NOMS_WORKERS: must be a whole number"),
        ("THREADS", "1000", "NOMS_THREADS"),
        ("PUBLIC_BASE_URL", "cds.example.org", "NOMS_PUBLIC_BASE_URL: must be an absolute"),
        ("PUBLIC_BASE_URL", "https://cds.example.org/?x=1", "NOMS_PUBLIC_BASE_URL"),
        ("PUBLIC_BASE_URL", "https://user:pw@cds.example.org", "NOMS_PUBLIC_BASE_URL"),
        ("BIND", "8000", "NOMS_BIND: must be HOST:PORT"),
        ("LOG_LEVEL", "LOUD", "NOMS_LOG_LEVEL"),
        ("MAX_JSON_DEPTH", "2", "NOMS_MAX_JSON_DEPTH"),
        ("CDS_DISCOVERY_REQUIRES_JWT", "maybe", "must be true or false"),
        ("CDS_CORS_ORIGINS", "sandbox.cds-hooks.org", "NOMS_CDS_CORS_ORIGINS"),
        ("FRAME_ANCESTORS", "'none' https://ehr.example.org", "NOMS_FRAME_ANCESTORS"),
        ("FRAME_ANCESTORS", "https://ehr.example.org; script-src *", "NOMS_FRAME_ANCESTORS"),
        ("REDIS_URL", "http://secret@redis", "NOMS_REDIS_URL: must be a redis://"),
        ("CDS_ISSUERS", "[1, 2]", "NOMS_CDS_ISSUERS: must be a JSON object"),
        ("CDS_ISSUERS", "{not json", "NOMS_CDS_ISSUERS: the value is not valid JSON"),
        ("FHIR_BASE_URL", "ftp://ehr", "NOMS_FHIR_BASE_URL"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    tmp_path: Path, name: str, value: str, message: str
):
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"NOMS_STATE_DIR": str(tmp_path), PREFIX + name: value})
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_secret_is_never_echoed(tmp_path: Path):
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"NOMS_REDIS_URL": "http://:hunter2@redis.internal:6379"})
    assert "hunter2" not in str(caught.value)


def test_secrets_may_come_from_files(tmp_path: Path):
    secret = tmp_path / "redis-url"
    secret.write_text("rediss://:hunter2@redis.internal:6380/1\n")
    settings = load_settings({"NOMS_REDIS_URL_FILE": str(secret)})
    assert settings.redis_url == "rediss://:hunter2@redis.internal:6380/1"
    assert "hunter2" not in repr(settings)
    with pytest.raises(ConfigurationError, match="NOMS_REDIS_URL: give it or NOMS_REDIS_URL_FILE"):
        load_settings({"NOMS_REDIS_URL_FILE": str(secret), "NOMS_REDIS_URL": "redis://x"})
    with pytest.raises(ConfigurationError, match="NOMS_REDIS_URL_FILE: cannot read"):
        load_settings({"NOMS_REDIS_URL_FILE": str(tmp_path / "missing")})


def test_backend_credentials_need_the_server_they_are_for(tmp_path: Path):
    config = tmp_path / "backend.json"
    config.write_text("{}")
    with pytest.raises(
        ConfigurationError, match="NOMS_FHIR_BACKEND_CONFIG: needs NOMS_FHIR_BASE_URL"
    ):
        load_settings({"NOMS_FHIR_BACKEND_CONFIG": str(config)})
    with pytest.raises(ConfigurationError, match="is not a file"):
        load_settings(
            {
                "NOMS_FHIR_BASE_URL": "https://ehr/fhir",
                "NOMS_FHIR_BACKEND_CONFIG": str(tmp_path / "no"),
            }
        )


def test_trusted_issuers_inline_file_url_and_jku(tmp_path: Path):
    jwks_file = tmp_path / "ehr-jwks.json"
    jwks_file.write_text(json.dumps(sandbox_public_jwks()))
    issuers = {
        SANDBOX_ISSUER: {"jku": [SANDBOX_JKU]},
        "https://inline.example.org": {"jwks": sandbox_public_jwks()},
        "https://file.example.org": {"jwks_file": str(jwks_file)},
        "https://url.example.org": {
            "jwks_url": "https://url.example.org/jwks",
            "jku": ["https://url.example.org/keys/"],
        },
        "local": {"jku": ["http://127.0.0.1:9999/jwks.json"]},
    }
    settings = load_settings({"NOMS_CDS_ISSUERS": json.dumps(issuers)})
    sandbox = settings.trusted_issuer(SANDBOX_ISSUER)
    assert sandbox.keys is None and sandbox.jku == (SANDBOX_JKU,)
    assert settings.trusted_issuer("https://inline.example.org").keys is not None
    assert settings.trusted_issuer("https://file.example.org").keys is not None
    by_url = settings.trusted_issuer("https://url.example.org")
    assert by_url.jwks_url == "https://url.example.org/jwks"
    assert by_url.allows_jku("https://url.example.org/keys/2024.json")
    assert not by_url.allows_jku("https://url.example.org/keys-elsewhere.json")
    assert not by_url.allows_jku("https://url.example.org/keys/../admin")
    assert not by_url.allows_jku("https://url.example.org/keys/x.json?y=1")
    assert settings.trusted_issuer("https://unknown.example.org") is None
    assert settings.trusted_issuer(SANDBOX_ISSUER + "/") is None  # issuers compare exactly
    assert sandbox.fhir_servers == () and not sandbox.allows_fhir_server("https://ehr.example.org")


def test_fhir_servers_are_allowed_per_issuer():
    issuers = {
        "https://ehr.example.org": {
            "jku": ["https://ehr.example.org/jwks.json"],
            "fhir_servers": ["https://ehr.example.org/fhir/r4", "https://tenants.example.org/"],
        },
        "local": {
            "jku": ["http://127.0.0.1:9/jwks.json"],
            "fhir_servers": ["http://127.0.0.1:8080/"],
        },
    }
    settings = load_settings({"NOMS_CDS_ISSUERS": json.dumps(issuers)})
    ehr = settings.trusted_issuer("https://ehr.example.org")
    assert ehr.allows_fhir_server("https://ehr.example.org/fhir/r4")
    assert ehr.allows_fhir_server("https://ehr.example.org/fhir/r4/")
    assert ehr.allows_fhir_server("https://tenants.example.org/a/fhir")
    assert not ehr.allows_fhir_server("https://ehr.example.org/fhir/r4-other")
    assert not ehr.allows_fhir_server("https://ehr.example.org/fhir")
    assert not ehr.allows_fhir_server("https://tenants.example.org.evil.com/fhir")
    assert not ehr.allows_fhir_server("https://tenants.example.org/a/../../admin")
    assert not ehr.allows_fhir_server("https://user@tenants.example.org/fhir")
    assert settings.trusted_issuer("local").allows_fhir_server("http://127.0.0.1:8080/fhir")


def test_smart_launch_and_card_source_urls(tmp_path: Path):
    defaults = load_settings({"NOMS_PUBLIC_BASE_URL": "https://cds.example.org"})
    assert defaults.smart_launch_url == "https://cds.example.org/smart/launch"
    assert defaults.card_source_url.startswith("https://doi.org/")
    assert defaults.cds_fhir_timeout == 10
    chosen = load_settings(
        {
            "NOMS_SMART_LAUNCH_URL": "https://app.example.org/launch",
            "NOMS_CARD_SOURCE_URL": "https://docs.example.org/noms",
        }
    )
    assert chosen.smart_launch_url == "https://app.example.org/launch"
    assert chosen.card_source_url == "https://docs.example.org/noms"
    with pytest.raises(ConfigurationError, match=r"NOMS_SMART_LAUNCH_URL: .* must use https"):
        load_settings({"NOMS_SMART_LAUNCH_URL": "http://app.example.org/launch"})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({}, "give an object with"),
        ({"jwk": {}}, "give an object with"),
        ({"jwks": {"keys": []}}, "must be a JWKS"),
        ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]}}, "EC or RSA"),
        ({"jwks_url": "http://ehr.example.org/jwks"}, "must use https"),
        ({"jku": "https://ehr.example.org/jwks"}, "jku must be a list"),
        ({"jku": ["http://ehr.example.org/jwks"]}, "must use https"),
        ({"jwks_file": "/nonexistent/jwks.json"}, "cannot read"),
        ({"jwks": {"keys": [{"kty": "EC", "crv": "P-384"}]}}, "needs a kid"),
        ({"jku": [SANDBOX_JKU], "fhir_servers": "https://ehr.example.org"}, "must be a list"),
        ({"jku": [SANDBOX_JKU], "fhir_servers": ["http://ehr.example.org/fhir"]}, "https"),
    ],
)
def test_a_bad_issuer_entry_is_named(entry: dict, message: str):
    with pytest.raises(
        ConfigurationError, match=re.escape("NOMS_CDS_ISSUERS: issuer 'https://ehr.example.org'")
    ) as caught:
        load_settings({"NOMS_CDS_ISSUERS": json.dumps({"https://ehr.example.org": entry})})
    assert message in str(caught.value)


def test_private_keys_are_refused_as_trust_anchors():
    private = json.loads(
        (
            ROOT / "tests/data/cds-hooks/sandbox-keys/sandbox-jwk-keypair-PUBLISHED-TEST-KEY.json"
        ).read_text()
    )
    with pytest.raises(ConfigurationError, match="holds private key material"):
        load_settings({"NOMS_CDS_ISSUERS": json.dumps({SANDBOX_ISSUER: {"jwks": private}})})


def test_settings_are_frozen(tmp_path: Path):
    settings = load_settings({"NOMS_STATE_DIR": str(tmp_path)})
    with pytest.raises(AttributeError):
        settings.workers = 9  # type: ignore[misc]


def test_every_variable_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(NOMS_[A-Z_]+)`", readme, re.MULTILINE))
    missing = {variable.env for variable in VARIABLES} - documented
    assert not missing
