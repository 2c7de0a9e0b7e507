"""The end-to-end alert benchmark runs (one copy of the demo patients) and its checks hold."""

from __future__ import annotations

from pathlib import Path

from benchmarks.alerts_throughput import expected_alerts, run, table
from service.storage.database import sqlite_url


def test_the_benchmark_delivers_every_alert_once(tmp_path: Path):
    expected = sum(len(alerts) for alerts in expected_alerts().values())
    result = run("sqlite", sqlite_url(tmp_path / "noms.sqlite3"), 1, 1, 2, 4, tmp_path)
    assert result.alerts == expected and result.deliveries == 2 * expected
    assert result.notifications == 2 * result.patients
    assert result.nothing_lost_or_doubled
    assert "| sqlite | 1 |" in table([result])
