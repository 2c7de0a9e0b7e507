"""`noms-cds serve`: a bad setting ends in one line before gunicorn starts."""

from __future__ import annotations

import io

from service.cli import main


def test_serve_refuses_a_bad_setting_in_one_line(monkeypatch):
    monkeypatch.setenv("NOMS_WORKERS", "lots")
    err = io.StringIO()
    assert main(["serve"], out=io.StringIO(), err=err) == 2
    assert err.getvalue().splitlines() == [
        "noms-cds: error: NOMS_WORKERS: must be a whole number from 1 to 64, not 'lots'"
    ]
