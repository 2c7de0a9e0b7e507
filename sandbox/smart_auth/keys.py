"""The server's signing key for ``id_token`` s and the JWKS that publishes it.

SMART App Launch 2.2 (scopes-and-launch-context.md, OpenID Connect): the EHR SHALL support RS256
for ID tokens and publish its public keys as a JWKS.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

ID_TOKEN_ALGORITHM = "RS256"  # noqa: S105 (an algorithm name, not a secret)


def _thumbprint_kid(key: RSAKey) -> str:
    public = key.as_dict(private=False)
    canonical = json.dumps({k: public[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class SigningKey:
    """An RSA key pair: generated at start-up, or read from a private JWK file.

    Args:
        path: a JSON file holding one private RSA JWK (or a JWKS with one); ``None`` generates a
            2048-bit key that lives as long as the process.

    Raises:
        ValueError: the file does not hold a private RSA key.
    """

    def __init__(self, path: Path | None = None) -> None:
        if path is None:
            key = RSAKey.generate_key(2048, private=True)
        else:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict) and "keys" in data:
                    data = data["keys"][0]
                key = RSAKey.import_key(data)
            except (OSError, ValueError, KeyError, IndexError, JoseError) as exc:
                raise ValueError(f"{path} does not hold an RSA JWK") from exc
            if not key.is_private:
                raise ValueError(f"{path} holds a public key; the server needs the private one")
        self.kid = key.kid or _thumbprint_kid(key)
        self.private = RSAKey.import_key(
            {**key.as_dict(private=True), "kid": self.kid, "alg": ID_TOKEN_ALGORITHM}
        )

    def jwks(self) -> dict[str, Any]:
        """Return the public JWKS (no private parts)."""
        public = self.private.as_dict(private=False)
        public.update({"use": "sig", "alg": ID_TOKEN_ALGORITHM, "kid": self.kid})
        return {"keys": [public]}
