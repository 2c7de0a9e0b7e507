"""A small key-value store shared by every worker process and every replica of the service.

It holds what must be seen the same by all of them: JWT ids already used (replay protection),
fetched JWKS, and later the SMART app's sessions. Two implementations with one interface:

- ``SqliteStore``: a SQLite file in the state folder (the default). Safe across processes on one
  machine: WAL journal, one connection per thread and process, and every operation a single
  statement (set-if-absent is one ``INSERT ... ON CONFLICT``). Writers take turns: the threads
  of one process behind a lock, the processes by retrying a busy write after a short, growing
  pause (``BUSY_PAUSES``) until the busy timeout. SQLite's own busy handler sleeps 1, 2, 5,
  10... ms between tries, so under load (every CDS call records its JWT id) a write that met
  another one waited milliseconds for a lock held some microseconds.
- ``RedisStore``: when ``NOMS_REDIS_URL`` is set; needed when replicas run on several machines.
  Set-if-absent is ``SET NX PX``.

Values are strings (callers serialise); every entry has a time to live. Keys are namespaced by
the caller (``jti:...``, ``jwks:...``); keys may be long, values should stay small.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final, Protocol

import redis

from service.config import Settings
from service.errors import ServiceError

Clock = Callable[[], float]
PURGE_EVERY: Final = 200  # writes between two purges of expired rows
# Pauses (s) between tries of a write another process holds up; the last one repeats. A write
# holds the lock for tens of microseconds (WAL, synchronous=NORMAL: no fsync per commit).
BUSY_PAUSES: Final = (0.0001, 0.0002, 0.0005, 0.001, 0.002)
REDIS_PREFIX: Final = "noms-cds:"


class StoreUnavailable(ServiceError):
    """The shared store cannot be reached or refused the operation (retrying may help)."""

    code = "store-unavailable"


class KeyValueStore(Protocol):
    """What the service needs from a shared store."""

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Set ``key`` only if it is absent (or expired); True when this call set it."""
        ...

    def set(self, key: str, value: str, ttl: float) -> None:
        """Set ``key``, replacing any value."""
        ...

    def get(self, key: str) -> str | None:
        """The value of ``key``, or None when absent or expired."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` (nothing happens when it is absent)."""
        ...

    def ping(self) -> None:
        """Check that the store answers; raise StoreUnavailable otherwise."""
        ...


def _ttl_seconds(ttl: float) -> float:
    if not ttl > 0:
        raise ValueError(f"ttl must be positive, not {ttl!r}")
    return float(ttl)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds the file (worth retrying)."""
    # The primary code: SQLITE_BUSY_RECOVERY, _SNAPSHOT... are busy too.
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # raised without a code: judged by its words
        return "locked" in str(exc) or "busy" in str(exc)
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class SqliteStore:
    """The store in a SQLite file, safe for several processes and threads on one machine."""

    SCHEMA: Final = (
        "CREATE TABLE IF NOT EXISTS kv ("
        " key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL) WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires)",
    )

    def __init__(self, path: Path, clock: Clock = time.time, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._write_lock, self._lock_pid = threading.Lock(), os.getpid()
        self._writes = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for statement in self.SCHEMA:
            self._write(statement, ())

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread, and a new one after a fork (gunicorn forks its workers).
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = None
            try:
                db = sqlite3.connect(
                    self.path,
                    timeout=self._busy_timeout,
                    isolation_level=None,
                    check_same_thread=True,
                )
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA busy_timeout=0")  # from now on _execute retries, briefly
            except sqlite3.OperationalError as exc:
                if db is not None:
                    db.close()
                if _is_busy(exc):
                    # Another process holds the file (gunicorn's workers all open it at start,
                    # and switching to WAL can be refused without SQLite's busy wait): the
                    # caller's retry loop tries again until its deadline.
                    raise
                raise StoreUnavailable(f"cannot open the store {self.path}: {exc}") from exc
            except sqlite3.Error as exc:
                if db is not None:
                    db.close()
                raise StoreUnavailable(f"cannot open the store {self.path}: {exc}") from exc
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _execute(self, sql: str, parameters: tuple[object, ...]) -> sqlite3.Cursor:
        deadline = time.monotonic() + self._busy_timeout
        for attempt in itertools.count():
            try:
                return self._connection().execute(sql, parameters)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise StoreUnavailable(f"store operation failed: {type(exc).__name__}") from exc
                time.sleep(BUSY_PAUSES[min(attempt, len(BUSY_PAUSES) - 1)])
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"store operation failed: {type(exc).__name__}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, sql: str, parameters: tuple[object, ...]) -> sqlite3.Cursor:
        if self._lock_pid != os.getpid():  # a forked worker: a lock of its own
            self._write_lock, self._lock_pid = threading.Lock(), os.getpid()
        with self._write_lock:  # this process's threads take turns without SQLite's sleeps
            return self._execute(sql, parameters)

    def _after_write(self, now: float) -> None:
        self._writes += 1
        if self._writes % PURGE_EVERY == 0:
            self._write("DELETE FROM kv WHERE expires <= ?", (now,))

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Set ``key`` only if it is absent or expired, atomically across processes."""
        now = self._clock()
        cursor = self._write(
            "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires "
            "WHERE kv.expires <= ?",
            (key, value, now + _ttl_seconds(ttl), now),
        )
        self._after_write(now)
        return cursor.rowcount == 1

    def set(self, key: str, value: str, ttl: float) -> None:
        """Set ``key``, replacing any value."""
        now = self._clock()
        self._write(
            "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
            (key, value, now + _ttl_seconds(ttl)),
        )
        self._after_write(now)

    def get(self, key: str) -> str | None:
        """The value of ``key``, or None when absent or expired."""
        row = self._execute(
            "SELECT value FROM kv WHERE key = ? AND expires > ?", (key, self._clock())
        ).fetchone()
        return None if row is None else row[0]

    def delete(self, key: str) -> None:
        """Remove ``key``."""
        self._write("DELETE FROM kv WHERE key = ?", (key,))

    def ping(self) -> None:
        """Check that the file can be read."""
        self._execute("SELECT 1 FROM kv LIMIT 1", ())

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


class RedisStore:
    """The store in Redis, shared by replicas on several machines."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
        )

    def _call(self, operation: Callable[[], object]) -> object:
        try:
            return operation()
        except redis.RedisError as exc:
            # The exception text may repeat the URL (and its password): keep only its class.
            raise StoreUnavailable(f"redis operation failed: {type(exc).__name__}") from None

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Set ``key`` only if it is absent (``SET NX``)."""
        milliseconds = max(1, round(_ttl_seconds(ttl) * 1000))
        done = self._call(
            lambda: self._redis.set(REDIS_PREFIX + key, value, nx=True, px=milliseconds)
        )
        return bool(done)

    def set(self, key: str, value: str, ttl: float) -> None:
        """Set ``key``, replacing any value."""
        milliseconds = max(1, round(_ttl_seconds(ttl) * 1000))
        self._call(lambda: self._redis.set(REDIS_PREFIX + key, value, px=milliseconds))

    def get(self, key: str) -> str | None:
        """The value of ``key``, or None."""
        value = self._call(lambda: self._redis.get(REDIS_PREFIX + key))
        return None if value is None else str(value)

    def delete(self, key: str) -> None:
        """Remove ``key``."""
        self._call(lambda: self._redis.delete(REDIS_PREFIX + key))

    def ping(self) -> None:
        """Check that Redis answers."""
        self._call(self._redis.ping)

    def close(self) -> None:
        """Close the connection pool."""
        self._redis.close()


def open_store(settings: Settings) -> KeyValueStore:
    """The store the settings name: Redis when ``NOMS_REDIS_URL`` is set, else the SQLite file."""
    if settings.redis_url:
        return RedisStore(settings.redis_url)
    return SqliteStore(settings.store_path)
