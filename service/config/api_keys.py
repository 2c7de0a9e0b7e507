"""The API keys (``NOMS_API_KEYS`` or ``NOMS_API_KEYS_FILE``): who may call the JSON API.

A JSON object ``{"client name": "SHA-256 hex digest of its key"}``: only digests are configured,
never a key in clear, so the settings (and a leaked settings file) cannot be used to call the
API. ``noms-cds api-key NAME`` makes a key and prints its entry (docs/integration.md, "API
keys"). With no keys, every protected route answers 401 (secure by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from service.config.parsers import fail, json_value, shown
from service.config.variable import Variable

_CLIENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}")
_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
MAX_API_KEYS: Final = 256  # each request compares against all of them (constant time per key)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One API client: its name (logged on success) and the SHA-256 digest of its key."""

    client: str
    digest: bytes = field(repr=False)


def api_keys(name: str, value: Any) -> tuple[ApiKey, ...]:
    """Parse the JSON object of client names to SHA-256 hex digests (or a mapping, from tests)."""
    if not value:
        return ()
    entries = json_value(name, value) if isinstance(value, str) else value
    if not isinstance(entries, dict):
        raise fail(name, 'must be a JSON object {"client name": "sha-256 hex digest of its key"}')
    if len(entries) > MAX_API_KEYS:
        raise fail(name, f"at most {MAX_API_KEYS} keys")
    keys: list[ApiKey] = []
    seen: set[bytes] = set()
    for client, digest in entries.items():
        if not isinstance(client, str) or not _CLIENT_NAME.fullmatch(client):
            raise fail(
                name,
                f"client name {shown(client)}: 1-64 letters, digits, space, '.', '_', '@', ':', "
                "'-', starting with a letter or digit",
            )
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            # The value is not quoted: it may be a key pasted by mistake instead of its digest.
            raise fail(
                name,
                f"the entry of {client!r} must be the SHA-256 hex digest of the key (64 hex "
                "digits), never the key itself; `noms-cds api-key NAME` prints both",
            )
        raw = bytes.fromhex(digest)
        if raw in seen:
            raise fail(name, f"the entry of {client!r} repeats another client's digest")
        seen.add(raw)
        keys.append(ApiKey(client, raw))
    return tuple(keys)


API_KEY_VARIABLES: Final[tuple[Variable, ...]] = (
    Variable(
        "API_KEYS",
        "",
        api_keys,
        'JSON object `{"client name": "SHA-256 hex digest of its key"}`: the clients allowed '
        "on `/api/*` and the worklist page (`Authorization: Bearer KEY`; the page also takes "
        "HTTP Basic with the key as password); `noms-cds api-key NAME` makes one; none "
        "configured: those routes answer 401",
        from_file=True,
    ),
)
