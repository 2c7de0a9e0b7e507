"""The one door to ``fhir.resources``: R4B models, wire-compatible with FHIR R4 for what we use.

``fhir.resources`` 8 puts R5 at its top level; R4 servers' JSON must be read with the R4B
subpackage (standards.md §3.6). Nothing else in the project imports it.

Validating a resource with the models is by far the dearest step of reading a chart (pure
Python, element by element: about 0.2 ms for a small Condition). The verdict is a pure function
of the resource's JSON, and the same resources come back again and again (each chart open of a
CDS client sends the same prefetch), so :func:`validate` keeps the last ``VERDICT_CACHE_SIZE``
verdicts in a bounded LRU cache keyed by a SHA-256 of the resource's content
(:func:`content_key`): a resource changed in any way is validated afresh.
"""

from __future__ import annotations

import hashlib
import marshal
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

VERDICT_CACHE_SIZE: Final = 4096  # verdicts kept; an entry is ~200 bytes, so ~1 MB at most


class InvalidResource(ValueError):
    """A resource that does not parse as the R4B model of its type."""


@dataclass(frozen=True, slots=True)
class CacheInfo:
    """How the verdict cache has served (for tests and diagnostics)."""

    hits: int
    misses: int
    size: int
    max_size: int


class _VerdictCache:
    """A bounded, thread-safe LRU map: content digest → None (valid) or the error message."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._entries: OrderedDict[bytes, str | None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: bytes) -> tuple[bool, str | None]:
        with self._lock:
            if key not in self._entries:
                self.misses += 1
                return False, None
            self._entries.move_to_end(key)
            self.hits += 1
            return True, self._entries[key]

    def put(self, key: bytes, verdict: str | None) -> None:
        with self._lock:
            self._entries[key] = verdict
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self.hits, self.misses, len(self._entries), self.max_size)


_verdicts = _VerdictCache(VERDICT_CACHE_SIZE)


def content_key(resource: dict[str, Any]) -> bytes | None:
    """SHA-256 of the resource as ``marshal`` (format 2) writes it, or None when it cannot.

    Format 2 writes values structurally (no back-references), with a type code for every value
    and dict items in their order: equal bytes read back as equal values, so two resources
    share a key exactly when they are equal element for element, of the same JSON types and in
    the same order (``1``, ``1.0`` and ``true`` stay apart), and a shared verdict is always the
    verdict. It is four times cheaper than ``json.dumps`` of the same resource; sorting keys
    would only turn a reordered copy from a miss into a hit. What JSON cannot hold (a caller's
    object, a ``dict`` subclass) is refused by ``marshal`` and validated without the cache.
    """
    try:
        text = marshal.dumps(resource, 2)
    except (ValueError, TypeError):  # not plain data: validated, not cached
        return None
    return hashlib.sha256(text).digest()


def validate(resource: dict[str, Any]) -> None:
    """Raise InvalidResource unless the resource parses as its R4B model.

    Checks structure, cardinality of required elements, choice types and unknown elements;
    not invariants, bindings or profiles (those are the profiles' job). The verdict, valid or
    not, is cached by content (see the module's docstring).
    """
    key = content_key(resource)
    if key is not None:
        known, problem = _verdicts.get(key)
        if known:
            if problem is not None:
                raise InvalidResource(problem)
            return
    try:
        _validate_uncached(resource)
    except InvalidResource as exc:
        if key is not None:
            _verdicts.put(key, str(exc))
        raise
    if key is not None:
        _verdicts.put(key, None)


def validation_cache_info() -> CacheInfo:
    """Hits, misses and size of the verdict cache of this process."""
    return _verdicts.info()


def clear_validation_cache() -> None:
    """Forget every cached verdict (tests; a deployment never needs it)."""
    _verdicts.clear()


def _validate_uncached(resource: dict[str, Any]) -> None:
    resource_type = resource.get("resourceType")
    model = _model(resource_type)
    if model is None:
        raise InvalidResource(f"unknown resourceType {resource_type!r}")
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise InvalidResource(f"{resource_type}: {first.get('msg', 'invalid')} at {where}") from exc


def is_resource_type(name: object) -> bool:
    """True when name is a FHIR R4B resource type (not a data type)."""
    return _model(name) is not None


def _model(name: object) -> type[Resource] | None:
    if not isinstance(name, str) or not name[:1].isupper() or len(name) > 64:
        return None
    return _model_named(name)


@lru_cache(maxsize=512)  # the R4B resource types are about 150; anything else is one miss
def _model_named(name: str) -> type[Resource] | None:
    try:
        model = get_fhir_model_class(name)
    except ValueError:
        return None
    return model if issubclass(model, Resource) else None
