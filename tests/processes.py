"""Child processes for the concurrency tests: ``python -m tests.processes ACTION URL GO_FILE ...``.

Each child imports the service afresh (a real second process, not a thread), opens the database,
then waits until the test creates ``GO_FILE`` so that all children start their work at the same
moment, does it, and prints one JSON line with what it saw.

Actions:
    migrate URL GO            open (and so migrate) the database
    enqueue URL GO ROUNDS     enqueue every finding of FINDINGS, ROUNDS times over
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from service.alerts.keys import AlertFinding

#: What the enqueuing children report: every (patient, scope, tier) a test expects once.
FINDINGS = [
    AlertFinding(f"Patient/{patient}", level, tier)
    for patient in range(1, 6)
    for level in ("T9", "L2")
    for tier in ("urgent", "emergent")
]


def _wait_for(go: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the test never gave the start signal")
        time.sleep(0.002)


def start(action: str, url: str, go: Path, *extra: str) -> subprocess.Popen[str]:
    """Start one child (it waits for ``go``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.processes", action, url, str(go), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def results(children: Sequence[subprocess.Popen[str]], timeout: float = 120.0) -> list[dict]:
    """Wait for the children; return their JSON lines (failing loudly if one failed)."""
    answers = []
    for child in children:
        out, err = child.communicate(timeout=timeout)
        assert child.returncode == 0, err
        answers.append(json.loads(out.strip().splitlines()[-1]))
    return answers


def main(argv: Sequence[str]) -> None:
    action, url, go = argv[0], argv[1], Path(argv[2])
    if action == "migrate":
        from service.storage.database import current_revision, open_database

        _wait_for(go)
        database = open_database(url)
        sys.stdout.write(json.dumps({"revision": current_revision(database)}) + "\n")
    elif action == "enqueue":
        from service.alerts.outbox import Outbox
        from service.storage.database import open_database

        rounds = int(argv[3])
        outbox = Outbox(open_database(url))
        _wait_for(go)
        seen: Counter[str] = Counter()
        created: list[str] = []
        for _ in range(rounds):
            for finding in FINDINGS:
                result = outbox.enqueue(
                    finding,
                    {"ehr": {"resourceType": "Bundle"}, "webhook": {"id": finding.key}},
                )
                seen[result.status] += 1
                if result.created:
                    created.append(result.key)
        sys.stdout.write(json.dumps({"statuses": dict(seen), "created": created}) + "\n")
    else:
        raise SystemExit(f"unknown action {action}")


if __name__ == "__main__":
    main(sys.argv[1:])
