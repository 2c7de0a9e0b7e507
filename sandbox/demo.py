"""``make demo``: NOMS-CDS against the sandbox EHR, first from the command line, then in the chart.

1. The steps (``run_steps``): the sandbox FHIR store seeded with the demo patients; one patient
   assessed through its FHIR API with ``noms-cds assess --fhir-base ... --write``, written again
   (nothing new), then the same against a store that behaves like Oracle Health (no
   RiskAssessment, only laboratory and vital-sign Observations), to show refused results being
   reported rather than dropped.
2. The chart (``running_demo``): the sandbox EHR (FHIR store, SMART authorization server, EHR
   page) and the service under gunicorn (``noms-cds serve``), the SMART app registered at the
   EHR as a confidential client with a key made for this run (``private_key_jwt``, ES384). One
   URL is printed: the EHR page, where a person picks a patient, launches the app inside the
   chart, reads the assessment, completes what the chart lacks and saves it. The demo patients
   are also sent to the service's API, so its tumour-board worklist (``/smart/worklist``, the
   second URL printed) is filled. The API and the worklist page need a key: one is made for
   the run, the service is given its digest (``NOMS_API_KEYS``), and it is printed with the
   worklist's URL (sign in with any user name, the key as the password). Ctrl-C stops both.

    python -m sandbox.demo               # both parts
    python -m sandbox.demo --no-steps    # only the chart
    python -m sandbox.demo --steps-only  # only the command-line steps
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from joserfc.jwk import ECKey

from sandbox.ehr import EhrConfig, app_registration, create_ehr_app
from sandbox.fhir_store import StoreConfig, WriteRefusal, serve_store
from sandbox.fhir_store.server import make_server
from sandbox.smart_auth import AuthConfig
from service.worklist.seed import seed_worklist

PATIENT = "07-r7-nsclc-high-grade-stable-fit"
DEMO_ID_SYSTEM = "http://noms-cds.org/fhir/sid/demo-patient"
HOST = "127.0.0.1"
START_TIMEOUT = 60.0  # seconds for gunicorn to answer /healthz on a busy 2-core machine


# -- part 1: the command-line steps -----------------------------------------------------------


def _noms_cds(*args: str) -> int:
    print(f"$ noms-cds {' '.join(args)}", flush=True)
    return subprocess.run([sys.executable, "-m", "service.cli", *args], check=False).returncode


def _patient_id(base_url: str) -> str:
    found = requests.get(
        f"{base_url}/Patient", params={"identifier": f"{DEMO_ID_SYSTEM}|{PATIENT}"}, timeout=10
    ).json()
    return found["entry"][0]["resource"]["id"]


def _result_counts(admin_url: str) -> dict[str, int]:
    counts = requests.get(f"{admin_url}/counts", timeout=10).json()["resources"]
    return {k: counts.get(k, 0) for k in ("Observation", "RiskAssessment", "Provenance")}


def _run(title: str, config: StoreConfig) -> None:
    print(f"\n=== {title}", flush=True)
    with serve_store(config) as store:
        before = _result_counts(store.admin_url)
        patient = _patient_id(store.base_url)
        print(f"sandbox EHR at {store.base_url}; patient {PATIENT} is Patient/{patient}")
        for _ in range(2):
            status = _noms_cds(
                "assess",
                "--fhir-base",
                store.base_url,
                "--patient",
                patient,
                "--write",
                "--format",
                "text",
            )
            print(f"(exit status {status})", flush=True)
        after = _result_counts(store.admin_url)
        added = {k: after[k] - before[k] for k in after}
        print(f"resources added to the server by the two writes: {added}")


def run_steps() -> None:
    """Run both command-line demonstrations against the sandbox store."""
    _run("Live: a FHIR server with transactions (HAPI-like)", StoreConfig())
    _run(
        "Live: a server that refuses RiskAssessment and survey Observations (Oracle-like)",
        StoreConfig(
            transactions=False,
            write_refusals=(
                WriteRefusal("RiskAssessment"),
                WriteRefusal("Observation", allowed_categories=("laboratory", "vital-signs")),
            ),
        ),
    )


# -- part 2: the EHR and the service together -------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunningDemo:
    """The sandbox EHR and the service, both on loopback ports.

    Attributes:
        ehr_url: The EHR page (the one URL a person opens).
        fhir_base: The EHR's FHIR base (the ``iss`` of launches).
        app_url: The service's public base URL.
        service_log: Where the service's JSON log lines go.
        ehr: The running sandbox EHR's Flask app (store and auth server, for tests).
        api_key: The run's API key (the service holds only its digest).
    """

    ehr_url: str
    fhir_base: str
    app_url: str
    service_log: Path
    ehr: object
    api_key: str = field(repr=False)


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _app_key(folder: Path) -> tuple[Path, dict[str, object]]:
    """A new ES384 key for the app: the private JWK in a file, and the public JWKS."""
    key = ECKey.generate_key("P-384", parameters={"kid": "noms-cds-demo", "alg": "ES384"})
    path = folder / "smart-app-key.json"
    path.write_text(json.dumps(key.as_dict(private=True)), encoding="utf-8")
    path.chmod(0o600)
    return path, {"keys": [key.as_dict(private=False)]}


def _wait_until_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service stopped at start-up; its log: {log}")
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service did not answer in {START_TIMEOUT:.0f} s; its log: {log}")


@contextmanager
def running_demo(
    folder: Path, *, ehr_port: int = 0, app_port: int = 0, workers: int = 2
) -> Iterator[RunningDemo]:
    """Serve the sandbox EHR (in a thread) and the service (gunicorn, a child process).

    Args:
        folder: Where the run keeps its files (the app's key, the service's state and log).
        ehr_port, app_port: Loopback ports; 0 picks free ones.
        workers: gunicorn workers of the service.
    """
    app_port = app_port or free_port()
    app_url = f"http://{HOST}:{app_port}"
    key_file, public_jwks = _app_key(folder)
    registration = app_registration(
        app_url + "/smart/launch",
        [app_url + "/smart/callback"],
        kind="confidential-asymmetric",
        jwks=public_jwks,
    )
    ehr_app = create_ehr_app(EhrConfig(auth=AuthConfig(clients=(registration,))))
    server = make_server(ehr_app, HOST, ehr_port)
    ehr_url = f"http://{HOST}:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="sandbox-ehr", daemon=True)
    thread.start()
    log = folder / "service.log"
    api_key = secrets.token_urlsafe(32)  # this run's only API client: the demo (and its tests)
    digest = hashlib.sha256(api_key.encode("utf-8")).hexdigest()
    environment = {
        **os.environ,
        "NOMS_PUBLIC_BASE_URL": app_url,
        "NOMS_BIND": f"{HOST}:{app_port}",
        "NOMS_WORKERS": str(workers),
        "NOMS_STATE_DIR": str(folder / "service-state"),
        "NOMS_FRAME_ANCESTORS": f"'self' {ehr_url}",
        "NOMS_SMART_ISSUERS": ehr_url + "/fhir",
        "NOMS_SMART_CLIENT_TYPE": "confidential-asymmetric",
        "NOMS_SMART_PRIVATE_KEY_FILE": str(key_file),
        "NOMS_API_KEYS": json.dumps({"demo": digest}),
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log.open("ab") as log_file:
        # Its own session: Ctrl-C reaches this process only, which then stops gunicorn with
        # SIGTERM (a graceful stop) after the EHR, in order.
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve"],
            env=environment,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(app_url, process, log)
        yield RunningDemo(ehr_url + "/", ehr_url + "/fhir", app_url, log, ehr_app, api_key)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


INSTRUCTIONS = """
=== NOMS-CDS inside the sandbox EHR

    Open {url}

Choose who you are and a patient, then press "Launch NOMS-CDS": the app opens inside the chart.
Try 11-special-a (an emergency), 07-r7 (complete data) and 19 (the chart lacks the spine
findings: complete them in the form, see the plan change, then "Save to chart").
Ctrl-C stops the demo. (service log: {log})"""


WORKLIST = """
The tumour-board worklist (the demo patients, assessed through the API): {url}/smart/worklist
It asks you to sign in: any user name, and this run's API key as the password:
    {key}
(the same key calls the API: curl -H "Authorization: Bearer {key}" {url}/api/worklist)"""


def _stop(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _serve_until_interrupted(args: argparse.Namespace) -> int:
    # Ctrl-C, and SIGTERM too (a shell that started us in the background ignores SIGINT).
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with tempfile.TemporaryDirectory(prefix="noms-cds-demo-") as folder:
        try:
            with running_demo(
                Path(folder), ehr_port=args.ehr_port, app_port=args.app_port
            ) as running:
                seed_worklist(running.app_url, running.api_key)  # the demo patients, via the API
                print(INSTRUCTIONS.format(url=running.ehr_url, log=running.service_log), flush=True)
                print(WORKLIST.format(url=running.app_url, key=running.api_key), flush=True)
                while True:
                    time.sleep(3600)
        except KeyboardInterrupt:
            print("\nstopped.", flush=True)
        except (RuntimeError, OSError) as exc:
            print(f"the demo could not start: {exc}", file=sys.stderr)
            return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo", description=__doc__)
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--steps-only", action="store_true", help="only the command-line steps")
    parts.add_argument("--no-steps", action="store_true", help="only the EHR and the app")
    parser.add_argument("--ehr-port", type=int, default=0, help="EHR port (default: a free one)")
    parser.add_argument("--app-port", type=int, default=0, help="app port (default: a free one)")
    args = parser.parse_args(argv)
    if not args.no_steps:
        run_steps()
    if args.steps_only:
        return 0
    return _serve_until_interrupted(args)


if __name__ == "__main__":
    raise SystemExit(main())
