"""openapi.yaml documents every route of the app, and only those, with their methods."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def documented() -> set[tuple[str, str]]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.1")
    return {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def served(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method) for method in rule.methods - {"HEAD"}}
    return routes


def test_every_route_is_documented_and_every_documented_route_exists(make_app):
    app = make_app()
    routes, spec = served(app), documented()
    # OPTIONS is answered on every route (CORS preflight on the CDS routes); documented there.
    assert {r for r in routes if r[1] != "OPTIONS"} - spec == set()
    assert spec - routes == set()
    cds_preflights = {(p, "OPTIONS") for p, _ in routes if p.startswith("/cds-services")}
    assert cds_preflights <= spec


def test_the_comparison_can_fail(make_app):
    app = make_app()

    @app.get("/undocumented/<int:item>")
    def undocumented(item: int):
        return {}

    assert ("/undocumented/{item}", "GET") in served(app) - documented()
