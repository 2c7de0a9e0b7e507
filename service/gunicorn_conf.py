"""gunicorn settings from the ``NOMS_`` variables: ``gunicorn -c python:service.gunicorn_conf``.

``noms-cds serve`` runs gunicorn with this file; the Docker image does too. It must run before
anything imports prometheus-client: it points ``PROMETHEUS_MULTIPROC_DIR`` at a folder (a fresh
one unless given), so every worker writes its metrics there and ``/metrics`` adds them up; a
dead worker's files are merged away (``child_exit``). gunicorn's own access log stays off: it
would log URLs with their query strings; the service logs each request as a JSON line with the
URL rule instead. SIGTERM is a graceful stop: workers finish what they are doing
(``NOMS_GRACEFUL_TIMEOUT``).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

_OWN_METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
if _OWN_METRICS_DIR:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="noms-cds-metrics-")
else:  # a folder given by the deployment: start from no values
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()

from service.config import load_settings  # noqa: E402 (after the metrics folder is set)
from service.errors import ConfigurationError  # noqa: E402

try:
    _settings = load_settings()
except ConfigurationError as _error:
    print(f"noms-cds: configuration error: {_error}", file=sys.stderr)  # noqa: T201
    sys.exit(2)

wsgi_app = "service:create_app()"
bind = [_settings.bind]
workers = _settings.workers
threads = _settings.threads
worker_class = "gthread"
timeout = _settings.worker_timeout
graceful_timeout = _settings.graceful_timeout
keepalive = 5
control_socket_disable = True  # gunicornc is not used; one fixed socket path would be shared
accesslog = None
errorlog = "-"
loglevel = _settings.log_level.lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.web.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "WARNING", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {
            "level": _settings.log_level,
            "handlers": ["stderr"],
            "propagate": False,
        },
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}


def child_exit(server: object, worker: object) -> None:
    """Merge a dead worker's metric files (prometheus-client multiprocess mode)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: object) -> None:
    """Remove the metrics folder this file made."""
    if _OWN_METRICS_DIR:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
