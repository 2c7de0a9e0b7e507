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

# C0 and C1 controls and DEL (ESC among them), format characters that change how text reads
# (zero-width, bidirectional embeddings and overrides, isolates), line and paragraph separators.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb]+"
)
_SPACES = re.compile(r"\s+")


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
    # Bound the work before anything else: a secret can only be redacted if all of it is seen,
    # so keep as much extra as the longest secret.
    secrets = [s for s in secrets if s]
    value = value[: 4 * limit + max((len(s) for s in secrets), default=0)]
    for secret in sorted(secrets, key=len, reverse=True):
        value = value.replace(secret, REDACTED)
    value = _SPACES.sub(" ", _INVISIBLE.sub(" ", value)).strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value
