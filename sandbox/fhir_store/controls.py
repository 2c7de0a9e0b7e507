"""Run-time controls of the store: switches, latency, faults, write refusals, request log."""

from __future__ import annotations

import dataclasses
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config import FaultRule, SearchRequirement, StoreConfig, WriteRefusal
from .storage import format_instant, utc_now

_SETTING_KEYS = frozenset(
    {
        "latency_ms",
        "transactions",
        "batch",
        "conditional_create",
        "bearer_tokens",
        "write_refusals",
        "search_requirements",
    }
)


@dataclass(slots=True)
class ArmedFault:
    """A fault rule with the number of matching requests it still applies to."""

    id: int
    rule: FaultRule
    remaining: int

    def to_json(self) -> dict[str, Any]:
        """Return the admin-API JSON form: the rule plus ``id`` and ``remaining``."""
        return {"id": self.id, **self.rule.to_json(), "remaining": self.remaining}


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One FHIR request as seen by the store."""

    method: str
    path: str
    query: str
    status: int
    time: str
    duration_ms: float

    def to_json(self) -> dict[str, Any]:
        """Return the admin-API JSON form (every field, by name)."""
        return dataclasses.asdict(self)


@dataclass(slots=True)
class Controls:
    """Mutable settings shared by all request threads; every access goes through ``lock``.

    Starts from a :class:`StoreConfig` and goes back to it on :meth:`reset_settings`.
    """

    config: StoreConfig
    lock: threading.Lock = field(default_factory=threading.Lock)
    latency_ms: int = 0
    transactions: bool = True
    batch: bool = True
    conditional_create: bool = True
    bearer_tokens: tuple[str, ...] = ()
    write_refusals: tuple[WriteRefusal, ...] = ()
    search_requirements: tuple[SearchRequirement, ...] = ()
    faults: list[ArmedFault] = field(default_factory=list)
    request_count: int = 0
    requests: deque[LoggedRequest] = field(default_factory=deque)
    _next_fault_id: int = 1

    def __post_init__(self) -> None:
        self.requests = deque(maxlen=self.config.max_logged_requests)
        self.reset_settings()
        self.reset_faults()

    # -- settings ----------------------------------------------------------------------------

    def reset_settings(self) -> None:
        """Restore switches, latency, tokens, refusals and requirements to the configuration."""
        with self.lock:
            self.latency_ms = self.config.latency_ms
            self.transactions = self.config.transactions
            self.batch = self.config.batch
            self.conditional_create = self.config.conditional_create
            self.bearer_tokens = self.config.bearer_tokens
            self.write_refusals = self.config.write_refusals
            self.search_requirements = self.config.search_requirements

    def update_settings(self, changes: Mapping[str, Any]) -> None:
        """Apply a partial settings update (admin API); validates everything before changing.

        Raises:
            ValueError: unknown keys or invalid values.
        """
        unknown = sorted(set(changes) - _SETTING_KEYS)
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(unknown)}")
        new: dict[str, Any] = {}
        if "latency_ms" in changes:
            value = changes["latency_ms"]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError("latency_ms must be a non-negative number")
            new["latency_ms"] = value
        for switch in ("transactions", "batch", "conditional_create"):
            if switch in changes:
                if not isinstance(changes[switch], bool):
                    raise ValueError(f"{switch} must be true or false")
                new[switch] = changes[switch]
        if "bearer_tokens" in changes:
            tokens = changes["bearer_tokens"]
            if not isinstance(tokens, list) or not all(isinstance(t, str) and t for t in tokens):
                raise ValueError("bearer_tokens must be a list of non-empty strings")
            new["bearer_tokens"] = tuple(tokens)
        if "write_refusals" in changes:
            rules = changes["write_refusals"]
            if not isinstance(rules, list):
                raise ValueError("write_refusals must be a list")
            new["write_refusals"] = tuple(WriteRefusal.from_json(rule) for rule in rules)
        if "search_requirements" in changes:
            rules = changes["search_requirements"]
            if not isinstance(rules, list):
                raise ValueError("search_requirements must be a list")
            new["search_requirements"] = tuple(SearchRequirement.from_json(rule) for rule in rules)
        with self.lock:
            for key, value in new.items():
                setattr(self, key, value)

    def settings_json(self) -> dict[str, Any]:
        """Return the current settings (tokens are not echoed, only whether auth is on)."""
        with self.lock:
            return {
                "latency_ms": self.latency_ms,
                "transactions": self.transactions,
                "batch": self.batch,
                "conditional_create": self.conditional_create,
                "auth_required": bool(self.bearer_tokens),
                "write_refusals": [rule.to_json() for rule in self.write_refusals],
                "search_requirements": [rule.to_json() for rule in self.search_requirements],
            }

    # -- faults ------------------------------------------------------------------------------

    def arm_fault(self, rule: FaultRule) -> ArmedFault:
        """Add a fault rule behind the ones already armed."""
        with self.lock:
            armed = ArmedFault(self._next_fault_id, rule, rule.count)
            self._next_fault_id += 1
            self.faults.append(armed)
            return armed

    def take_fault(self, method: str, relative_path: str) -> FaultRule | None:
        """Consume one use of the first armed fault that matches a request, if any."""
        with self.lock:
            for armed in self.faults:
                if armed.rule.matches(method, relative_path):
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        self.faults.remove(armed)
                    return armed.rule
        return None

    def faults_json(self) -> list[dict[str, Any]]:
        """Return the armed faults."""
        with self.lock:
            return [armed.to_json() for armed in self.faults]

    def reset_faults(self) -> None:
        """Disarm everything, then re-arm the faults given in the configuration."""
        with self.lock:
            self.faults.clear()
        for rule in self.config.faults:
            self.arm_fault(rule)

    def clear_faults(self) -> None:
        """Disarm every fault."""
        with self.lock:
            self.faults.clear()

    # -- request log -------------------------------------------------------------------------

    def log_request(
        self, method: str, path: str, query: str, status: int, duration_ms: float
    ) -> None:
        """Record one FHIR request."""
        entry = LoggedRequest(
            method, path, query, status, format_instant(utc_now()), round(duration_ms, 3)
        )
        with self.lock:
            self.request_count += 1
            self.requests.append(entry)

    def requests_json(self) -> dict[str, Any]:
        """Return ``{"count": n, "requests": [...]}`` since the last reset."""
        with self.lock:
            return {
                "count": self.request_count,
                "requests": [entry.to_json() for entry in self.requests],
            }

    def reset_requests(self) -> None:
        """Forget the logged requests and restart the count."""
        with self.lock:
            self.request_count = 0
            self.requests.clear()
