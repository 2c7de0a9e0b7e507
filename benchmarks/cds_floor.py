"""The floor servers of benchmarks/cds_latency.py: what any CDS service costs on this stack.

The issue mandates Flask served by gunicorn, and CDS Hooks 2.0 (§Trusting CDS Clients) makes a
service verify every call's JWT. This app does that and nothing else: one route,
``POST /cds-services/floor``, that verifies the bearer JWT with the service's own verifier,
built as the service builds it (``service.cds.verifier_for``: the issuer allow-list, ``aud``
the public URL of the route, ``exp``/``iat``, the ``jti`` recorded against replay in the
service's default shared store, the SQLite file in ``NOMS_STATE_DIR``), reads the body with
the service's bounded reader (``service.web.body.read_json``), and answers ``{"cards": []}``
without looking at the prefetch. A failed check is the service's 401 (``service.web.errors``).
Settings come from the same ``NOMS_`` variables as ``create_app``'s; the request pipeline of
the service (access log, metrics, security headers) is left out, so nothing of NOMS-CDS's own
work is in the floor.

With ``CDS_FLOOR_VERIFY_JWT=0`` the token is not looked at: the cost of Flask, gunicorn and the
JSON reader alone. Served as NOMS-CDS is
(``gunicorn -c python:service.gunicorn_conf "benchmarks.cds_floor:create_floor_app()"``).
"""

from __future__ import annotations

import os
from typing import Final

from flask import Flask, Response, jsonify, request

from service.cds import verifier_for
from service.config import load_settings
from service.storage.keyvalue import open_store
from service.web import errors
from service.web.body import read_json
from service.web.runtime import Runtime, attach

FLOOR_PATH: Final = "/cds-services/floor"
VERIFY_VARIABLE: Final = "CDS_FLOOR_VERIFY_JWT"


def create_floor_app() -> Flask:
    """The floor app, configured from the environment (``NOMS_`` variables, and
    ``CDS_FLOOR_VERIFY_JWT``: ``0`` switches the JWT check off; on by default)."""
    settings = load_settings()
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    settings.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    state = Runtime(settings, open_store(settings))
    attach(app, state)  # read_json takes its depth limit from the runtime's settings
    errors.register(app)
    verifier = verifier_for(state) if os.environ.get(VERIFY_VARIABLE, "1") != "0" else None
    audience = settings.endpoint_url(FLOOR_PATH)

    @app.get("/healthz")
    def healthz() -> Response:  # the benchmark waits for this before it starts
        return jsonify(status="ok")

    @app.post(FLOOR_PATH)
    def floor() -> Response:
        # In the order of service/cds/__init__.py's call(): the token, then the body.
        if verifier is not None:
            verifier.verify(request.headers.get("Authorization"), audience)
        read_json()
        return jsonify(cards=[])

    return app
