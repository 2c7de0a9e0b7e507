"""The service as gunicorn serves it, plus a test-only CDS service (for tests/cds/test_gunicorn.py).

Never imported by the service; gunicorn loads it as ``tests.cds.served_app:create_test_app()``.
"""

from __future__ import annotations

from flask import Flask

from service import create_app
from service.cds import cds_runtime
from service.cds.registry import CdsService
from tests.cds.conftest import ECHO


def create_test_app() -> Flask:
    """The app from the NOMS_ environment, with the test echo service registered."""
    app = create_app()
    with app.app_context():
        cds_runtime().registry.register(CdsService(ECHO, lambda request: {"cards": []}))
    return app
