"""Fill a running service's worklist with the demo patients, the way a client would.

Each built-in demo patient (``service/demo/patients``) is sent to ``POST /api/assessments``;
the service assesses it and records it on its worklist (docs/worklist.md). ``make demo`` does
this once the service is up, so the worklist page is not empty.

    python -m service.worklist.seed http://127.0.0.1:8000
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import requests

from service import demo

TIMEOUT_SECONDS = 30.0


def seed_worklist(service_url: str, session: requests.Session | None = None) -> int:
    """Assess every demo patient through the service's API; return how many were assessed.

    Raises:
        requests.HTTPError: the service refused one (its status says why).
    """
    http = session or requests.Session()
    count = 0
    for path in sorted(demo.patients_dir().glob("*.json")):
        response = http.post(
            service_url.rstrip("/") + "/api/assessments",
            data=path.read_bytes(),
            headers={"Content-Type": "application/fhir+json"},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        json.loads(response.content)  # a JSON answer, or the service is not what we think
        count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m service.worklist.seed URL``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m service.worklist.seed SERVICE_URL", file=sys.stderr)  # noqa: T201
        return 2
    print(f"{seed_worklist(args[0])} demo patients assessed onto the worklist")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
