"""Value parsers of the settings: (variable name, raw value) -> value, or one ConfigurationError.

Each parser names the variable in its message and never echoes a value that may be secret.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from service.errors import ConfigurationError, InvalidJson
from service.fhir import jsonio

PREFIX: Final = "NOMS_"
LOOPBACK_NAMES: Final = frozenset({"localhost"})


def fail(name: str, problem: str) -> ConfigurationError:
    """The error for variable ``name`` (without the prefix)."""
    return ConfigurationError(f"{PREFIX}{name}: {problem}")


def shown(value: Any) -> str:
    """A value as quoted in an error message, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def integer(low: int, high: int) -> Callable[[str, Any], int]:
    """A parser of whole numbers from ``low`` to ``high``."""

    def parse(name: str, value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail(name, f"must be a whole number from {low} to {high}, not {shown(value)}")
        return value

    return parse


def boolean(name: str, value: Any) -> bool:
    """true/false, yes/no, on/off, 1/0."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise fail(name, f"must be true or false, not {shown(value)}")


def words(value: Any) -> tuple[str, ...]:
    """A list given as words separated by spaces or commas (or a sequence, from tests)."""
    if isinstance(value, str):
        return tuple(word for word in re.split(r"[\s,]+", value) if word)
    return tuple(str(word) for word in value)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (plain http is tolerated only there)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_url(url: str) -> bool:
    """An absolute http(s) URL without credentials, query, fragment or dot segments."""
    if not isinstance(url, str) or re.search(r"[\s\\@?#]|/\.\.?(/|$)|%2e|%2f", url, re.I):
        return False
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def url(name: str, value: Any, *, https_unless_loopback: bool = False) -> str:
    """An absolute http(s) URL (a bare origin loses its trailing slash)."""
    if not plain_url(value):
        raise fail(
            name, f"must be an absolute http(s) URL without query or credentials: {shown(value)}"
        )
    parts = urlsplit(value)
    if https_unless_loopback and parts.scheme != "https" and not is_loopback(parts.hostname):
        raise fail(name, f"{value} must use https (http only for a loopback address)")
    return value.rstrip("/") if parts.path in {"", "/"} else value


def base_url(name: str, value: Any) -> str:
    """A base URL, without a trailing slash."""
    return url(name, value).rstrip("/")


def optional_url(name: str, value: Any) -> str | None:
    """A base URL, or None when not set."""
    return base_url(name, value) if value else None


def bind(name: str, value: Any) -> str:
    """HOST:PORT or unix:PATH."""
    text = str(value).strip()
    if text.startswith("unix:") and len(text) > 5:
        return text
    host, _, port = text.rpartition(":")
    if host and port.isdigit() and 0 < int(port) < 65536:
        return text
    raise fail(name, f"must be HOST:PORT or unix:PATH, not {shown(value)}")


def log_level(name: str, value: Any) -> str:
    """A logging level name."""
    level = str(value).strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise fail(name, f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {shown(value)}")
    return level


def path(name: str, value: Any) -> Path:
    """A file system path (``~`` expanded)."""
    if not str(value).strip():
        raise fail(name, "must not be empty")
    return Path(value).expanduser()


def optional_path(name: str, value: Any) -> Path | None:
    """A path, or None when not set."""
    return path(name, value) if value else None


def redis_url(name: str, value: Any) -> str | None:
    """A redis://, rediss:// or unix:// URL, or None when not set."""
    if not value:
        return None
    scheme = urlsplit(str(value)).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        # The URL may hold a password: name the problem, never the value.
        raise fail(name, f"must be a redis://, rediss:// or unix:// URL (got scheme {scheme!r})")
    return str(value)


def database_url(name: str, value: Any) -> str | None:
    """A sqlite:/// or postgresql:// URL, or None when not set (the driver is checked later)."""
    if not value:
        return None
    scheme = urlsplit(str(value)).scheme.partition("+")[0]
    if scheme not in {"sqlite", "postgresql", "postgres"}:
        # The URL may hold a password: name the problem, never the value.
        raise fail(name, f"must be a sqlite:/// or postgresql:// URL (got scheme {scheme!r})")
    return str(value)


CSP_SOURCE: Final = re.compile(
    r"'self'|'none'|[a-z][a-z0-9+.-]*:"
    r"|(?:[a-z][a-z0-9+.-]*://)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?"
    r"(?:/[^\s;,']*)?",
    re.IGNORECASE,
)


def frame_ancestors(name: str, value: Any) -> tuple[str, ...]:
    """CSP ``frame-ancestors`` sources."""
    sources = words(value)
    bad = [source for source in sources if not CSP_SOURCE.fullmatch(source)]
    if not sources or bad or ("'none'" in sources and len(sources) > 1):
        raise fail(
            name,
            "must be CSP sources ('self', 'none' alone, https://ehr.example.org, https:), "
            f"not {shown(value)}",
        )
    return sources


def origins(name: str, value: Any) -> tuple[str, ...]:
    """``*`` or a list of web origins."""
    found = words(value)
    if found == ("*",):
        return found
    for origin in found:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path:
            raise fail(name, f"must be * or origins like https://ehr.example.org: {origin!r}")
    return found


def json_value(name: str, value: Any) -> Any:
    """A JSON text parsed within the usual bounds (a test may pass the value itself)."""
    if not isinstance(value, str):
        return value
    try:
        return jsonio.loads(value, what="the value")
    except InvalidJson as exc:
        raise fail(name, str(exc)) from exc
