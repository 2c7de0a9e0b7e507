"""Fill a running service's worklist with the demo patients, the way a client would.

Each built-in demo patient (``service/demo/patients``) is sent to ``POST /api/assessments``;
the service assesses it and records it on its worklist (docs/worklist.md). ``make demo`` does
this once the service is up, so the worklist page is not empty. The API needs a key (docs/
integration.md, "API keys"): it is sent as ``Authorization: Bearer``; on the command line it is
read from ``NOMS_API_KEY``, never from an argument (arguments are visible to every user).

    NOMS_API_KEY=... python -m service.worklist.seed http://127.0.0.1:8000
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence

import requests

from service import demo

TIMEOUT_SECONDS = 30.0


def seed_worklist(service_url: str, api_key: str, session: requests.Session | None = None) -> int:
    """Assess every demo patient through the service's API; return how many were assessed.

    Args:
        service_url: The service's base URL.
        api_key: A key of the service (its digest in the service's ``NOMS_API_KEYS``).
        session: The HTTP session to use (a new one by default).

    Raises:
        requests.HTTPError: the service refused one (its status says why).
    """
    http = session or requests.Session()
    count = 0
    for path in sorted(demo.patients_dir().glob("*.json")):
        response = http.post(
            service_url.rstrip("/") + "/api/assessments",
            data=path.read_bytes(),
            headers={
                "Content-Type": "application/fhir+json",
                "Authorization": f"Bearer {api_key}",
            },
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        json.loads(response.content)  # a JSON answer, or the service is not what we think
        count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m service.worklist.seed URL``."""
    args = list(sys.argv[1:] if argv is None else argv)
    key = os.environ.get("NOMS_API_KEY", "")
    if len(args) != 1 or not key:
        print(  # noqa: T201
            "usage: NOMS_API_KEY=KEY python -m service.worklist.seed SERVICE_URL",
            file=sys.stderr,
        )
        return 2
    print(f"{seed_worklist(args[0], key)} demo patients assessed onto the worklist")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
