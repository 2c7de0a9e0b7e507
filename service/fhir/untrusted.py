"""Text that came from a FHIR server (or a file) and is about to be shown: bounded, one line,
without control characters, with the credentials in use redacted.

A server's diagnostics end up in error messages, terminal output and logs. A hostile or broken
server may send kilobytes of text, terminal escape sequences (``ESC [ ... m`` recolours or
clears a terminal; OSC sequences set window titles or hyperlinks), bidirectional overrides that
reorder what a reader sees, or echo the bearer token it was sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DEFAULT_TEXT_LIMIT = 300  # characters of server text in one message
REDACTED = "[redacted]"
MIN_PARTIAL = 8  # characters of a credential that are redacted where a cut splits it

# C0 and C1 controls and DEL (ESC among them), format characters that change how text reads
# (zero-width, bidirectional embeddings and overrides, isolates), line and paragraph separators.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb]+"
)
_SPACES = re.compile(r"\s+")
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}", re.ASCII)  # FHIR R4 datatypes: id


def is_fhir_id(value: object) -> bool:
    """Whether a server's value can be a FHIR resource id (1 to 64 letters, digits, ``-`` and
    ``.``): only such ids are kept and cited, so none carries text, paths or queries."""
    return isinstance(value, str) and _FHIR_ID.fullmatch(value) is not None


def clean_text(
    text: object, *, secrets: Iterable[str] = (), limit: int = DEFAULT_TEXT_LIMIT
) -> str:
    """``text`` as it may be shown: secrets redacted, controls removed, one line, at most
    ``limit`` characters (an ellipsis marks a cut).

    Args:
        text: What the server sent (anything: non-strings are shown as ``str()`` would).
        secrets: Credentials in use (tokens); each occurrence becomes ``[redacted]``.
        limit: Longest result, in characters.
    """
    value = text if isinstance(text, str) else str(text)
    known = sorted({s for s in secrets if s}, key=len, reverse=True)
    # Redact first, bound after: a cut made before redaction can split a secret and leave its
    # prefix in view. The work is still bounded: only as much extra as the longest secret is
    # looked at, and a secret cut by that first bound loses its visible prefix too.
    longest = len(known[0]) if known else 0
    if len(value) > 4 * limit + longest:
        value = _redact_cut(value[: 4 * limit + longest], known)
    for secret in known:
        value = value.replace(secret, REDACTED)
    value = _SPACES.sub(" ", _INVISIBLE.sub(" ", value)).strip()
    if len(value) > limit:
        cut = value[: limit - 1]
        shown = _redact_cut(cut, known)
        if shown != cut and len(shown) > len(cut):  # keep to the limit with the marker in
            shown = shown[: len(cut) - len(REDACTED)] + REDACTED
        value = shown.rstrip() + "…"
    return value


def _redact_cut(value: str, secrets: Iterable[str]) -> str:
    """``value`` (text cut short) without the start of a secret at its end: a prefix of
    ``MIN_PARTIAL`` characters or more of a credential says too much of it."""
    for secret in secrets:
        for size in range(min(len(secret) - 1, len(value)), MIN_PARTIAL - 1, -1):
            if value.endswith(secret[:size]):
                return value[:-size] + REDACTED
    return value
