"""The API key of the tests: configured (as its digest) on every app ``make_app`` builds, and sent
by that app's test client on the routes that need it (``service/api/auth.py``).

A test of the refusals uses ``FlaskClient`` itself, which sends nothing of its own.
"""

from __future__ import annotations

import json
from typing import Any, Final

from flask.testing import FlaskClient

from service.api.auth import key_digest

TEST_API_KEY: Final = "noms-cds-test-key-4f1c9a2e7b"  # a test value, configured nowhere else
TEST_CLIENT: Final = "tests"
API_KEYS: Final = json.dumps({TEST_CLIENT: key_digest(TEST_API_KEY)})
AUTHORIZATION: Final = {"Authorization": f"Bearer {TEST_API_KEY}"}
KEYED_PREFIXES: Final = ("/api/", "/smart/worklist")


class KeyedClient(FlaskClient):
    """A test client that sends the test key on the API and the worklist page, unless the test
    gives its own ``Authorization``; other routes (CDS, SMART) get nothing added."""

    def open(self, *args: Any, **kwargs: Any):
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        headers = dict(kwargs.pop("headers", None) or {})
        if str(path).startswith(KEYED_PREFIXES) and not any(
            name.lower() == "authorization" for name in headers
        ):
            headers.update(AUTHORIZATION)
        return super().open(*args, headers=headers, **kwargs)
