"""Search result snapshots behind the opaque ``next`` links of searchset Bundles."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from .storage import Version


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The matches of one search, frozen when the first page was served."""

    resource_type: str
    versions: tuple[Version, ...]


class SearchPages:
    """Keeps the most recent snapshots (least recently used ones are dropped).

    Paging through a snapshot rather than re-running the search keeps pages free of duplicates
    and gaps while other clients write: later pages show the versions that matched at the time of
    the first request. An expired token gets 410 Gone, as HAPI answers for an unknown search id.
    """

    def __init__(self, limit: int) -> None:
        """Create an empty cache keeping at most ``limit`` snapshots."""
        self._limit = limit
        self._lock = threading.Lock()
        self._snapshots: OrderedDict[str, Snapshot] = OrderedDict()

    def add(self, resource_type: str, versions: list[Version]) -> str:
        """Store a snapshot and return its opaque token."""
        token = secrets.token_hex(12)
        with self._lock:
            self._snapshots[token] = Snapshot(resource_type, tuple(versions))
            while len(self._snapshots) > self._limit:
                self._snapshots.popitem(last=False)
        return token

    def get(self, token: str) -> Snapshot | None:
        """Return a snapshot by token, or ``None`` when unknown or expired."""
        with self._lock:
            snapshot = self._snapshots.get(token)
            if snapshot is not None:
                self._snapshots.move_to_end(token)
            return snapshot

    def clear(self) -> None:
        """Drop every snapshot."""
        with self._lock:
            self._snapshots.clear()
