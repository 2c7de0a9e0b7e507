"""The shared store: the same behaviour from SQLite and from a real Redis, across processes."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.config import load_settings
from service.storage.keyvalue import (
    KeyValueStore,
    RedisStore,
    SqliteStore,
    StoreUnavailable,
    open_store,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyValueStore]:
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "kv.sqlite3")
    else:
        store = RedisStore(request.getfixturevalue("redis_url"))
    yield store
    store.close()


def key() -> str:
    return f"test:{uuid.uuid4()}"


def test_add_sets_only_when_absent(store: KeyValueStore):
    name = key()
    assert store.add(name, "first", ttl=60) is True
    assert store.add(name, "second", ttl=60) is False
    assert store.get(name) == "first"


def test_set_get_delete(store: KeyValueStore):
    name = key()
    assert store.get(name) is None
    store.set(name, "one", ttl=60)
    store.set(name, "two", ttl=60)
    assert store.get(name) == "two"
    store.delete(name)
    assert store.get(name) is None
    store.delete(name)  # deleting what is absent is fine


def test_entries_expire(store: KeyValueStore):
    name = key()
    assert store.add(name, "short", ttl=0.2)
    time.sleep(0.35)
    assert store.get(name) is None
    assert store.add(name, "again", ttl=60) is True


def test_ttl_must_be_positive(store: KeyValueStore):
    with pytest.raises(ValueError, match="ttl must be positive"):
        store.add(key(), "x", ttl=0)


def test_ping(store: KeyValueStore):
    store.ping()


def test_sqlite_expiry_follows_its_clock(tmp_path: Path):
    clock = Clock()
    store = SqliteStore(tmp_path / "kv.sqlite3", clock=clock)
    assert store.add("k", "v", ttl=10)
    clock.now += 9.9
    assert store.get("k") == "v" and not store.add("k", "w", ttl=10)
    clock.now += 0.2
    assert store.get("k") is None
    assert store.add("k", "w", ttl=10) and store.get("k") == "w"


def _race(path: str, name: str, start, results) -> None:
    store = SqliteStore(Path(path))
    start.wait()
    results.put(sum(store.add(f"{name}:{i}", "x", ttl=60) for i in range(200)))


def test_sqlite_add_is_atomic_across_processes(tmp_path: Path):
    # Four processes race to claim the same 200 keys: each key is claimed exactly once.
    path = str(tmp_path / "kv.sqlite3")
    SqliteStore(Path(path))
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_race, args=(path, "race", start, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    claimed = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sum(claimed) == 200


def test_redis_add_is_atomic_across_clients(redis_url: str):
    first, second = RedisStore(redis_url), RedisStore(redis_url)
    names = [key() for _ in range(50)]
    claimed = sum(first.add(n, "a", 60) for n in names) + sum(second.add(n, "b", 60) for n in names)
    assert claimed == 50


def test_unreachable_redis_is_store_unavailable_without_the_url():
    store = RedisStore("redis://:hunter2@127.0.0.1:9/0", timeout=0.5)
    with pytest.raises(StoreUnavailable) as caught:
        store.ping()
    assert "hunter2" not in str(caught.value)


def test_settings_choose_the_store(tmp_path: Path, redis_url: str):
    sqlite = open_store(load_settings({"NOMS_STATE_DIR": str(tmp_path)}))
    assert isinstance(sqlite, SqliteStore) and sqlite.path == tmp_path / "store.sqlite3"
    redis_store = open_store(
        load_settings({"NOMS_STATE_DIR": str(tmp_path), "NOMS_REDIS_URL": redis_url})
    )
    assert isinstance(redis_store, RedisStore)
    redis_store.ping()


def test_sqlite_write_waits_briefly_for_another_writer_then_succeeds(tmp_path: Path):
    # Another process's write transaction holds the lock for 50 ms: the write is retried (short
    # pauses, not SQLite's millisecond sleeps) and lands once the lock is free.
    store = SqliteStore(tmp_path / "kv.sqlite3", busy_timeout=5.0)
    other = sqlite3.connect(tmp_path / "kv.sqlite3", isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.05, lambda: other.execute("COMMIT"))
    release.start()
    assert store.add("held", "v", ttl=60)  # retried until the lock was free, not refused
    release.join()
    other.close()
    assert store.get("held") == "v"


def test_sqlite_write_held_up_past_the_busy_timeout_is_unavailable(tmp_path: Path):
    store = SqliteStore(tmp_path / "kv.sqlite3", busy_timeout=0.1)
    other = sqlite3.connect(tmp_path / "kv.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreUnavailable):
            store.add("held", "v", ttl=60)
        assert store.get("held") is None  # reads are not held up by a writer (WAL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.add("held", "v", ttl=60)


def test_sqlite_threads_of_one_process_claim_each_key_once(tmp_path: Path):
    store = SqliteStore(tmp_path / "kv.sqlite3")
    claimed: list[int] = []

    def claim() -> None:
        claimed.append(sum(store.add(f"t:{i}", "x", ttl=60) for i in range(300)))

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(claimed) == 300


def _open_and_claim(path: str, start: Any, results: Any) -> None:
    start.wait()
    try:
        results.put(SqliteStore(Path(path)).add("boot", str(os.getpid()), ttl=60))
    except StoreUnavailable as exc:
        results.put(str(exc))


def test_a_new_sqlite_store_opened_by_many_processes_at_once_opens_in_each(tmp_path: Path):
    # gunicorn's workers all open the store as they boot. Switching a new file to WAL can be
    # refused at once ("database is locked", no busy wait) while another process holds it; a
    # worker then failed to boot (exit code 3). 8 processes x 60 fresh files: before the
    # retry, about 10 of the 480 opens failed here.
    context = multiprocessing.get_context("fork")
    for round_ in range(60):
        path = str(tmp_path / f"kv-{round_}.sqlite3")
        start, results = context.Barrier(8), context.Queue()
        workers = [
            context.Process(target=_open_and_claim, args=(path, start, results)) for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        answers = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
        assert sorted(answers, key=str) == [False] * 7 + [True], answers
