"""Thread-safe in-memory version store: ids, versions, ``meta.lastUpdated`` and rollback."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


def format_instant(moment: datetime) -> str:
    """Format an aware datetime as a FHIR ``instant`` in UTC with microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class Version:
    """One stored version of a resource. ``resource`` already carries ``id`` and ``meta``.

    The dict is shared with readers and must never be changed after it is stored.
    """

    resource_type: str
    id: str
    version_id: int
    last_updated: datetime
    seq: int
    resource: dict[str, Any]

    @property
    def reference(self) -> str:
        """``Type/id`` of the resource."""
        return f"{self.resource_type}/{self.id}"

    @property
    def etag(self) -> str:
        """Weak ETag carrying the version id (R4 http.html "Resource Metadata and Versioning")."""
        return f'W/"{self.version_id}"'

    @property
    def history_path(self) -> str:
        """``Type/id/_history/vid``, as used in ``Location`` and ``response.location``."""
        return f"{self.resource_type}/{self.id}/_history/{self.version_id}"


@dataclass(frozen=True, slots=True)
class _State:
    data: dict[str, dict[str, tuple[Version, ...]]]
    next_id: int
    seq: int


class ResourceStore:
    """All resource versions, keyed by type and id, behind one re-entrant lock.

    Ids are assigned from one counter shared by all types (``"1"``, ``"2"``, ...), as HAPI does,
    so loading the same seed files always gives the same ids. ``meta.lastUpdated`` is the clock's
    time but strictly increasing: two writes in the same microsecond get distinct, ordered
    instants, which keeps ``_lastUpdated`` searches and sorting deterministic.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        """Create an empty store; ``clock`` returns aware UTC datetimes (default: system time)."""
        self.lock = threading.RLock()
        self._clock = clock or utc_now
        self._data: dict[str, dict[str, list[Version]]] = {}
        self._next_id = 1
        self._seq = 0
        self._last_time: datetime | None = None
        self._journal: list[tuple[str, str]] | None = None
        self._baseline: _State | None = None

    def now(self) -> datetime:
        """Return the clock's current time (aware, UTC)."""
        return self._clock().astimezone(UTC)

    # -- reads -------------------------------------------------------------------------------

    def current(self, resource_type: str, resource_id: str) -> Version | None:
        """Return the latest version of a resource, or ``None``."""
        with self.lock:
            versions = self._data.get(resource_type, {}).get(resource_id)
            return versions[-1] if versions else None

    def version(self, resource_type: str, resource_id: str, version_id: int) -> Version | None:
        """Return one version of a resource, or ``None``."""
        with self.lock:
            versions = self._data.get(resource_type, {}).get(resource_id, [])
            if 1 <= version_id <= len(versions):
                return versions[version_id - 1]
            return None

    def all_current(self, resource_type: str) -> list[Version]:
        """Return the latest version of every resource of a type, oldest write first."""
        with self.lock:
            latest = [versions[-1] for versions in self._data.get(resource_type, {}).values()]
        latest.sort(key=lambda v: v.seq)
        return latest

    def counts(self) -> dict[str, int]:
        """Return the number of resources per type (types with none are left out)."""
        with self.lock:
            return {t: len(ids) for t, ids in sorted(self._data.items()) if ids}

    # -- writes ------------------------------------------------------------------------------

    def allocate_id(self, resource_type: str) -> str:
        """Return a fresh server id for a type (skipping ids that clients chose with PUT)."""
        with self.lock:
            taken = self._data.get(resource_type, {})
            while True:
                candidate = str(self._next_id)
                self._next_id += 1
                if candidate not in taken:
                    return candidate

    def put(self, resource_type: str, resource_id: str, resource: dict[str, Any]) -> Version:
        """Store a new version of a resource and return it.

        ``resource`` is taken over (not copied): ``id``, ``meta.versionId`` and
        ``meta.lastUpdated`` are set on it, other ``meta`` elements are kept.
        """
        with self.lock:
            history = self._data.setdefault(resource_type, {}).setdefault(resource_id, [])
            now = self._clock().astimezone(UTC)
            if self._last_time is not None and now <= self._last_time:
                now = self._last_time + timedelta(microseconds=1)
            self._last_time = now
            self._seq += 1
            version_id = len(history) + 1
            meta = dict(resource.get("meta") or {})
            meta["versionId"] = str(version_id)
            meta["lastUpdated"] = format_instant(now)
            resource["id"] = resource_id
            resource["meta"] = meta
            stored = Version(resource_type, resource_id, version_id, now, self._seq, resource)
            history.append(stored)
            if self._journal is not None:
                self._journal.append((resource_type, resource_id))
            return stored

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Hold the lock; if the block raises, undo every ``put`` made inside it.

        Id and sequence counters are rolled back too, so a failed transaction leaves no trace.
        """
        with self.lock:
            if self._journal is not None:  # already inside an atomic block: join it
                yield
                return
            self._journal = []
            next_id, seq, last_time = self._next_id, self._seq, self._last_time
            try:
                yield
            except BaseException:
                for resource_type, resource_id in reversed(self._journal):
                    ids = self._data[resource_type]
                    ids[resource_id].pop()
                    if not ids[resource_id]:
                        del ids[resource_id]
                self._next_id, self._seq, self._last_time = next_id, seq, last_time
                raise
            finally:
                self._journal = None

    # -- baseline ----------------------------------------------------------------------------

    def mark_baseline(self) -> None:
        """Remember the current contents (normally right after seeding) for :meth:`reset`."""
        with self.lock:
            self._baseline = self._capture()

    def reset(self) -> None:
        """Go back to the contents saved by :meth:`mark_baseline` (empty if never marked)."""
        with self.lock:
            state = self._baseline or _State({}, 1, 0)
            self._data = {
                t: {i: list(vs) for i, vs in ids.items()} for t, ids in state.data.items()
            }
            self._next_id = state.next_id
            self._seq = state.seq
            # _last_time is kept: lastUpdated must never go backwards across a reset.

    def _capture(self) -> _State:
        data = {t: {i: tuple(vs) for i, vs in ids.items()} for t, ids in self._data.items()}
        return _State(data, self._next_id, self._seq)
