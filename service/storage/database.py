"""The service's database: SQLite (a file) by default, PostgreSQL when the URL says so.

``open_database(url)`` builds the engine and, by default, brings the schema to the newest
migration. Migrations (Alembic, shipped in ``service/storage/migrations`` so an installed wheel
can migrate) run at every start-up: idempotently, and safely when several processes start at
once. Each upgrade runs in one transaction that first takes a lock every other migrator waits on:

- PostgreSQL: ``pg_advisory_xact_lock`` (released at commit; DDL is transactional there);
- SQLite: ``BEGIN IMMEDIATE`` (the database's write lock; others wait ``busy_timeout``).

The second process then finds the schema at the head and does nothing.

SQLite connections run in WAL mode (readers do not block the writer) with foreign keys on, and
every transaction opened by :meth:`Database.transaction` is ``BEGIN IMMEDIATE``: it takes the
write lock at once, so a read-then-write transaction can never fail half-way on a lock upgrade
(pysqlite's own deferred ``BEGIN`` would). Reads use :meth:`Database.read` (``BEGIN DEFERRED``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from service.errors import ConfigurationError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Key of the PostgreSQL advisory lock every migrator takes ("NOMS" in ASCII).
MIGRATION_LOCK_KEY = 0x4E4F4D53

_SQLITE_BEGIN_OPTION = "noms_sqlite_begin"
_POSTGRES_DRIVER = "postgresql+psycopg"


@dataclass(frozen=True, slots=True)
class Database:
    """An open database: the engine plus the transaction helpers the service uses.

    Attributes:
        engine: the SQLAlchemy engine (a pool of connections).
    """

    engine: Engine

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The URL with any password masked, fit for logs and error messages."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A read-write transaction, committed on success and rolled back on an exception.

        On SQLite it starts with ``BEGIN IMMEDIATE`` (the write lock, waiting up to the busy
        timeout), so every statement in it sees and changes the database alone.
        """
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (``BEGIN DEFERRED`` on SQLite: it does not block writers)."""
        with (
            self.engine.connect().execution_options(**{_SQLITE_BEGIN_OPTION: "DEFERRED"}) as conn,
            conn.begin(),
        ):
            yield conn

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or in a child after ``fork``)."""
        self.engine.dispose()


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of an SQLite database file (made absolute)."""
    return URL.create("sqlite", database=str(Path(path).resolve())).render_as_string()


def normalize_url(url: str) -> URL:
    """Parse a database URL and pick the driver the service ships with.

    ``sqlite:///path`` stays as is (pysqlite, in the standard library). ``postgresql://``,
    ``postgres://`` and ``postgresql+psycopg://`` all use psycopg 3 (the ``psycopg[binary]``
    dependency); platforms often hand out the first two forms.

    Raises:
        ConfigurationError: not a URL, another database, another PostgreSQL driver, or an
            in-memory SQLite database (it would vanish with its connection).
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError("the database URL is not a valid URL") from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgresql", "postgres"):
        if driver not in ("", "psycopg"):
            raise ConfigurationError(
                f"PostgreSQL driver {driver!r} is not installed: use postgresql+psycopg://"
            )
        return parsed.set(drivername=_POSTGRES_DRIVER)
    if backend == "sqlite":
        if driver not in ("", "pysqlite"):
            raise ConfigurationError(f"SQLite driver {driver!r} is not supported")
        if not parsed.database or parsed.database == ":memory:":
            raise ConfigurationError("an SQLite database must be a file: sqlite:////path/to/db")
        return parsed
    raise ConfigurationError(
        f"unsupported database {backend!r}: use sqlite:///FILE or postgresql+psycopg://..."
    )


def open_database(
    url: str,
    *,
    migrate: bool = True,
    busy_timeout_seconds: float = 30.0,
    connect_timeout_seconds: float = 10.0,
    pool_size: int = 5,
    echo: bool = False,
) -> Database:
    """Open the database at ``url`` and, unless told not to, migrate it to the newest schema.

    Args:
        url: ``sqlite:////abs/path.db`` (the file is created; its folder must exist) or
            ``postgresql+psycopg://user:password@host:port/dbname`` (see :func:`normalize_url`).
        migrate: run the migrations (idempotent, safe with concurrent starters).
        busy_timeout_seconds: SQLite only: how long a writer waits for another one's lock.
        connect_timeout_seconds: PostgreSQL only: how long to wait for a connection.
        pool_size: connections kept open per process.
        echo: log every SQL statement (debugging only: statements carry patient references).

    Raises:
        ConfigurationError: an unusable URL (never echoing its password).
    """
    parsed = normalize_url(url)
    options: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_folder(parsed)
        options["connect_args"] = {"timeout": busy_timeout_seconds}
        options["pool_size"] = pool_size
    else:
        options["connect_args"] = {
            "connect_timeout": max(1, round(connect_timeout_seconds)),
            "application_name": "noms-cds",
        }
        options["pool_size"] = pool_size
    engine = create_engine(parsed, **options)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_seconds)
    database = Database(engine)
    if migrate:
        try:
            upgrade(database)
        except BaseException:
            database.dispose()  # close the pool now, not when the garbage collector gets to it
            raise
    return database


def _check_sqlite_folder(url: URL) -> None:
    folder = Path(url.database or "").resolve().parent
    if not folder.is_dir():
        raise ConfigurationError(f"the folder of the SQLite database does not exist: {folder}")


def _configure_sqlite(engine: Engine, busy_timeout_seconds: float) -> None:
    """Connection settings and our own ``BEGIN`` (SQLAlchemy's pysqlite recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop pysqlite from issuing its own (deferred) BEGIN; ours comes from "begin" below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_seconds * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: a crash may lose the last transactions of the OS, not corrupt the
            # file; FULL makes every commit durable at once. Alerts must not be lost: FULL.
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_SQLITE_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    # ConfigParser interpolates "%": escape it in the path.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of the service."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found in service/storage/migrations")
    return head


def current_revision(database: Database) -> str | None:
    """The migration the database is at (``None`` before the first one)."""
    with database.read() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database) -> str:
    """Migrate to the newest schema, holding the migration lock; return the revision reached.

    Raises:
        ConfigurationError: the database is at a revision this version does not know (it was
            migrated by a newer release): refuse to run against a schema we do not understand.
    """
    head = head_revision()
    with database.transaction() as connection:
        if database.dialect == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        # Inside our transaction Alembic runs "in an external transaction" and commits nothing
        # itself: the lock, the DDL and the version row commit together below.
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return head
        known = {
            script.revision
            for script in ScriptDirectory.from_config(_alembic_config()).walk_revisions()
        }
        if current is not None and current not in known:
            raise ConfigurationError(
                f"the database schema is at revision {current!r}, unknown to this version "
                f"(newest known: {head!r}); was it migrated by a newer release?"
            )
        logger.info("migrating the database from %s to %s", current or "empty", head)
        command.upgrade(_alembic_config(connection), "head")
    return head
