"""The database: opening, migrating (also by concurrent processes), URLs, time columns.

Every test that takes ``database_url`` runs on an SQLite file and on a real PostgreSQL server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text

from service.errors import ConfigurationError
from service.storage.database import (
    MIGRATIONS_DIR,
    current_revision,
    head_revision,
    normalize_url,
    open_database,
    sqlite_url,
)
from service.storage.models import alerts, metadata
from tests import processes

TABLES = {"alerts", "alert_deliveries", "cds_feedback", "worklist_entries", "alembic_version"}
HEAD = "0002"


def test_open_creates_the_schema_and_a_second_open_changes_nothing(database_url: str):
    database = open_database(database_url)
    assert current_revision(database) == head_revision() == HEAD
    with database.read() as connection:
        assert set(inspect(connection).get_table_names()) == TABLES
    database.dispose()
    again = open_database(database_url)
    with again.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    assert current_revision(again) == HEAD
    again.dispose()


def test_without_migrate_nothing_is_created(database_url: str):
    database = open_database(database_url, migrate=False)
    assert current_revision(database) is None
    with database.read() as connection:
        assert inspect(connection).get_table_names() == []
    database.dispose()


def test_the_models_and_the_migrations_describe_the_same_schema(database_url: str):
    # Fails when someone changes models.py without a migration (or the other way round).
    database = open_database(database_url)
    with database.read() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    database.dispose()


def test_the_migrations_ship_inside_the_package():
    # The wheel migrates by itself: env.py, the template and the versions are package files.
    assert MIGRATIONS_DIR.parent == Path(__file__).resolve().parents[2] / "service" / "storage"
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert sorted(p.name for p in (MIGRATIONS_DIR / "versions").glob("0*.py")) == [
        "0001_outbox_and_feedback.py",
        "0002_worklist.py",
    ]
    pyproject = (MIGRATIONS_DIR.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"service.storage" = ["migrations/script.py.mako"]' in pyproject


@pytest.mark.parametrize("starters", [3])
def test_processes_starting_together_migrate_once(database_url: str, tmp_path: Path, starters):
    go = tmp_path / "go"
    children = [processes.start("migrate", database_url, go) for _ in range(starters)]
    go.touch()
    answers = processes.results(children)
    assert answers == [{"revision": HEAD}] * starters
    database = open_database(database_url, migrate=False)
    with database.read() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (HEAD,)
        ]
    database.dispose()


def test_a_schema_from_a_newer_release_is_refused(database_url: str):
    database = open_database(database_url)
    with database.transaction() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    database.dispose()
    with pytest.raises(ConfigurationError, match="unknown to this version"):
        open_database(database_url)


def test_postgres_urls_use_psycopg_3():
    for url in (
        "postgresql://u:pw@db/noms",
        "postgres://u:pw@db/noms",
        "postgresql+psycopg://u@db/n",
    ):
        assert normalize_url(url).drivername == "postgresql+psycopg"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql+psycopg2://u:hunter2@db/noms", "psycopg2"),
        ("mysql://u:hunter2@db/noms", "unsupported database"),
        ("sqlite://", "must be a file"),
        ("sqlite:///:memory:", "must be a file"),
        ("not a url", "not a valid URL"),
    ],
)
def test_unusable_urls_are_refused_without_echoing_passwords(url: str, message: str):
    with pytest.raises(ConfigurationError, match=message) as caught:
        normalize_url(url)
    assert "hunter2" not in str(caught.value)


def test_sqlite_in_a_missing_folder_is_refused(tmp_path: Path):
    with pytest.raises(ConfigurationError, match="does not exist"):
        open_database(sqlite_url(tmp_path / "absent" / "noms.db"))


def test_safe_url_masks_the_password(postgres_url: str):
    database = open_database(postgres_url.replace("postgres@", "postgres:hunter2@"), migrate=False)
    assert "hunter2" not in database.safe_url
    database.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db_url: str):
    database = open_database(sqlite_db_url)
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    database.dispose()


def test_times_come_back_as_the_same_utc_instant(database_url: str):
    database = open_database(database_url)
    instant = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    with database.transaction() as connection:
        connection.execute(
            alerts.insert().values(
                key="k",
                patient_ref="Patient/1",
                scope="T9",
                tier="urgent",
                tier_rank=2,
                created_at=instant,
            )
        )
    with database.read() as connection:
        stored = connection.execute(select(alerts.c.created_at)).scalar_one()
    assert stored == instant and stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 3, 1, 10, 30, 15, 123456, tzinfo=UTC)
    database.dispose()


def test_naive_times_are_refused(database_url: str):
    database = open_database(database_url)
    with pytest.raises(Exception, match="naive datetime"), database.transaction() as connection:
        connection.execute(
            alerts.insert().values(
                key="k",
                patient_ref="Patient/1",
                scope="T9",
                tier="urgent",
                tier_rank=2,
                created_at=datetime(2026, 3, 1, 12, 0),
            )
        )
    database.dispose()
