"""Real databases for the tests: SQLite files, and a PostgreSQL server from Debian's package.

The PostgreSQL server is started once per test session: ``initdb`` in a temporary folder, then
``pg_ctl start``, both as the ``postgres`` user when the tests run as root (PostgreSQL refuses to
run as root). It listens only on a Unix socket in that folder (no TCP port is opened, so no other
local user can reach its trust authentication); the port number is a free one and names the
socket. Every test gets a new database on it. The server is stopped and the folder removed at the
end of the session. ``make system-packages`` installs PostgreSQL (``apt-get install postgresql``).

Registered in tests/conftest.py as a plugin: fixtures ``postgres_server``, ``postgres_url``,
``sqlite_db_url`` and ``database_url`` (parametrised over both).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from service.storage.database import sqlite_url


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).resolve().parent if which else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A throw-away PostgreSQL server on a Unix socket in its own temporary folder."""

    def __init__(self, *, fsync: bool = False) -> None:
        """Args: fsync: make commits durable (off in tests, for speed; on in benchmarks)."""
        bin_dir = _pg_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL is not installed: run 'make system-packages'")
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="noms-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.fsync = fsync
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        result = subprocess.run(
            [*prefix, *command],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stderr.strip() or result.stdout}")

    def start(self) -> None:
        """``initdb`` and ``pg_ctl start`` (waits until it accepts connections)."""
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses='' -k {self.root} -p {self.port} "
            f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=100"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(
                    str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` over the Unix socket."""
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            database=database,
            query={"host": str(self.root), "port": str(self.port)},
        ).render_as_string(hide_password=False)

    def create_database(self) -> str:
        """A new, empty database; return its URL."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh PostgreSQL database."""
    return postgres_server.create_database()


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    """A fresh SQLite database file."""
    return sqlite_url(tmp_path / "noms.sqlite3")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh database of each kind (the test runs once on each)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_db_url")
    return request.getfixturevalue("postgres_url")
