"""Configuration of the sandbox FHIR store: a frozen dataclass plus the rules it carries."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

#: Where the lead's demo patients live; the store seeds from here unless told otherwise.
# The demo patients (package data of service.demo); found by path, as the store imports nothing
# of the service.
DEFAULT_SEED_DIR = Path(__file__).resolve().parents[2] / "service" / "demo" / "patients"

_BASE_PATH_RE = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
_TYPE_RE = re.compile(r"^[A-Z][A-Za-z]+$")
_FAULT_KINDS = ("fail", "hang", "fail-after")


def _check_type_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not _TYPE_RE.match(name):
        raise ValueError(f"{what} must be a FHIR resource type name such as 'Observation'")
    return name


def _reject_unknown_keys(data: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"unknown {what} field(s): {', '.join(unknown)}")


@dataclass(frozen=True, slots=True)
class WriteRefusal:
    """Refuse create/update of one resource type, as real EHR write APIs do.

    Oracle Health (Millennium R4) has no RiskAssessment API at all and creates Observations only in
    the ``laboratory`` and ``vital-signs`` categories; Epic exposes only resource-specific writes.
    ``WriteRefusal("RiskAssessment")`` imitates the first,
    ``WriteRefusal("Observation", allowed_categories=("laboratory", "vital-signs"))`` the second.

    Attributes:
        resource_type: the type whose writes are refused.
        allowed_categories: when set, only resources none of whose ``category`` codes is in this
            list are refused. Entries are bare codes (``laboratory``) or ``system|code``.
        status: HTTP status of the refusal (422 Unprocessable Entity by default: a business rule).
    """

    resource_type: str
    allowed_categories: tuple[str, ...] | None = None
    status: int = 422

    def __post_init__(self) -> None:
        _check_type_name(self.resource_type, "WriteRefusal.resource_type")
        if self.allowed_categories is not None:
            if isinstance(self.allowed_categories, str) or not all(
                isinstance(c, str) and c for c in self.allowed_categories
            ):
                raise ValueError("WriteRefusal.allowed_categories must be a list of codes")
            object.__setattr__(self, "allowed_categories", tuple(self.allowed_categories))
        if not isinstance(self.status, int) or not 400 <= self.status <= 599:
            raise ValueError("WriteRefusal.status must be an HTTP error status (400-599)")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WriteRefusal:
        """Build a rule from its admin-API JSON form (the same field names)."""
        if not isinstance(data, Mapping):
            raise ValueError("a write refusal must be a JSON object")
        _reject_unknown_keys(data, {"resource_type", "allowed_categories", "status"}, "refusal")
        categories = data.get("allowed_categories")
        return cls(
            resource_type=data.get("resource_type"),  # type: ignore[arg-type]
            allowed_categories=tuple(categories) if categories is not None else None,
            status=data.get("status", 422),
        )

    def to_json(self) -> dict[str, Any]:
        """Return the admin-API JSON form."""
        return {
            "resource_type": self.resource_type,
            "allowed_categories": (
                list(self.allowed_categories) if self.allowed_categories is not None else None
            ),
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class SearchRequirement:
    """Reject searches of one type that use none of some parameters, as some EHRs do.

    Epic's Observation search needs ``patient`` and also ``code`` or ``category``; an
    unqualified ``Observation?patient=...`` gets a 400 there. Imitate it with
    ``SearchRequirement("Observation", ("patient", "subject"))`` plus
    ``SearchRequirement("Observation", ("code", "category"))``; several requirements for one type
    must all be met.

    Attributes:
        resource_type: the searched type the rule applies to.
        any_of: the search must use at least one of these parameters (with a value).
    """

    resource_type: str
    any_of: tuple[str, ...]

    def __post_init__(self) -> None:
        _check_type_name(self.resource_type, "SearchRequirement.resource_type")
        if isinstance(self.any_of, str) or not self.any_of:
            raise ValueError("SearchRequirement.any_of must be a non-empty list of parameters")
        if not all(isinstance(name, str) and name for name in self.any_of):
            raise ValueError("SearchRequirement.any_of must hold parameter names")
        object.__setattr__(self, "any_of", tuple(self.any_of))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SearchRequirement:
        """Build a rule from its admin-API JSON form (the same field names)."""
        if not isinstance(data, Mapping):
            raise ValueError("a search requirement must be a JSON object")
        _reject_unknown_keys(data, {"resource_type", "any_of"}, "search requirement")
        any_of = data.get("any_of")
        return cls(
            resource_type=data.get("resource_type"),  # type: ignore[arg-type]
            any_of=tuple(any_of) if isinstance(any_of, list) else any_of,  # type: ignore[arg-type]
        )

    def to_json(self) -> dict[str, Any]:
        """Return the admin-API JSON form."""
        return {"resource_type": self.resource_type, "any_of": list(self.any_of)}


@dataclass(frozen=True, slots=True)
class FaultRule:
    """Make the next ``count`` matching FHIR requests fail or hang.

    Attributes:
        kind: ``"fail"`` answers with ``status`` (and ``Retry-After`` when set) without touching
            the data; ``"hang"`` waits ``hang_seconds`` and then handles the request normally, to
            push clients past their timeouts; ``"fail-after"`` handles the request normally (a
            write is committed) and then answers with ``status`` instead, as a server whose
            answer is lost after the commit.
        count: how many matching requests the rule applies to.
        status: HTTP status for ``fail`` (e.g. 500, 502, 503, 429).
        retry_after: ``Retry-After`` header value in seconds for ``fail``.
        hang_seconds: delay for ``hang``.
        method: only requests with this HTTP method match (any method when ``None``).
        path_prefix: only requests whose path below the FHIR base starts with this prefix match,
            e.g. ``"Observation"`` or ``"metadata"``; ``""`` or ``"/"`` matches only the base
            itself (transaction and batch POSTs, and the ``next`` links of searches).
        resource_type: only requests whose first path segment below the base is this type match.
    """

    kind: Literal["fail", "hang", "fail-after"]
    count: int = 1
    status: int = 503
    retry_after: int | None = None
    hang_seconds: float = 1.0
    method: str | None = None
    path_prefix: str | None = None
    resource_type: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError("FaultRule.kind must be 'fail', 'hang' or 'fail-after'")
        if not isinstance(self.count, int) or self.count < 1:
            raise ValueError("FaultRule.count must be a positive integer")
        if not isinstance(self.status, int) or not 400 <= self.status <= 599:
            raise ValueError("FaultRule.status must be an HTTP error status (400-599)")
        if self.retry_after is not None and (
            not isinstance(self.retry_after, int) or self.retry_after < 0
        ):
            raise ValueError("FaultRule.retry_after must be a non-negative number of seconds")
        if not isinstance(self.hang_seconds, int | float) or self.hang_seconds < 0:
            raise ValueError("FaultRule.hang_seconds must be a non-negative number")
        if self.method is not None:
            if not isinstance(self.method, str) or not self.method.isalpha():
                raise ValueError("FaultRule.method must be an HTTP method such as 'GET'")
            object.__setattr__(self, "method", self.method.upper())
        if self.path_prefix is not None:
            if not isinstance(self.path_prefix, str):
                raise ValueError("FaultRule.path_prefix must be a string")
            object.__setattr__(self, "path_prefix", self.path_prefix.lstrip("/"))
        if self.resource_type is not None:
            _check_type_name(self.resource_type, "FaultRule.resource_type")

    def matches(self, method: str, relative_path: str) -> bool:
        """Tell whether a request (method, path below the FHIR base without ``/``) matches."""
        if self.method is not None and method.upper() != self.method:
            return False
        path = relative_path.lstrip("/")
        if self.path_prefix == "":  # the base itself: transaction, batch and paging links
            if path:
                return False
        elif self.path_prefix is not None and not path.startswith(self.path_prefix):
            return False
        return self.resource_type is None or path.split("/", 1)[0] == self.resource_type

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaultRule:
        """Build a rule from its admin-API JSON form (the same field names)."""
        if not isinstance(data, Mapping):
            raise ValueError("a fault must be a JSON object")
        allowed = {
            "kind",
            "count",
            "status",
            "retry_after",
            "hang_seconds",
            "method",
            "path_prefix",
            "resource_type",
        }
        _reject_unknown_keys(data, allowed, "fault")
        return cls(**dict(data))

    def to_json(self) -> dict[str, Any]:
        """Return the admin-API JSON form (every field, by name)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Everything the sandbox store is started with.

    The switches, latency, tokens, refusals, search requirements and faults are only the starting
    values: the admin API
    (``/_admin/settings``, ``/_admin/faults``) changes them at run time, and ``/_admin/reset``
    brings them back to these values.

    Attributes:
        base_path: path of the FHIR base below the server root.
        page_size: search page size when the client sends no ``_count``.
        max_page_size: upper bound applied to ``_count``.
        seed_dir: directory whose ``*.json`` transaction Bundles are loaded at start-up; ``None``
            loads nothing, and a missing directory is treated as empty.
        validate: parse written resources with the fhir.resources R4B models and reject failures.
        latency_ms: delay added before every FHIR request is handled.
        transactions: accept ``transaction`` Bundles (advertised as the ``transaction``
            system interaction).
        batch: accept ``batch`` Bundles.
        conditional_create: honour ``If-None-Exist`` / ``entry.request.ifNoneExist``; when off the
            header is ignored, as servers without conditional create do.
        bearer_tokens: when not empty, every FHIR request except ``/metadata`` needs
            ``Authorization: Bearer <one of these>``.
        write_refusals: create/update refusal rules.
        search_requirements: parameters some searches must use (Epic-like); none by default.
        faults: fault rules armed at start-up.
        resource_types: the resource types served; ``None`` means every R4B resource type.
        clock: returns the current UTC time for ``meta.lastUpdated``; for deterministic tests.
        max_logged_requests: how many request-log entries are kept (the count keeps going).
        max_search_snapshots: how many paged search result sets are kept for ``next`` links.
    """

    base_path: str = "/fhir"
    page_size: int = 50
    max_page_size: int = 500
    seed_dir: Path | None = DEFAULT_SEED_DIR
    validate: bool = True
    latency_ms: int = 0
    transactions: bool = True
    batch: bool = True
    conditional_create: bool = True
    bearer_tokens: tuple[str, ...] = ()
    write_refusals: tuple[WriteRefusal, ...] = ()
    search_requirements: tuple[SearchRequirement, ...] = ()
    faults: tuple[FaultRule, ...] = ()
    resource_types: tuple[str, ...] | None = None
    clock: Callable[[], datetime] | None = field(default=None, compare=False)
    max_logged_requests: int = 10_000
    max_search_snapshots: int = 256

    def __post_init__(self) -> None:
        if not isinstance(self.base_path, str) or not _BASE_PATH_RE.match(self.base_path):
            raise ValueError("base_path must look like '/fhir' (leading slash, no trailing slash)")
        if self.base_path.startswith("/_admin"):
            raise ValueError("base_path must not be below /_admin")
        if not 1 <= self.page_size <= self.max_page_size:
            raise ValueError("page_size must be between 1 and max_page_size")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        if self.seed_dir is not None:
            object.__setattr__(self, "seed_dir", Path(self.seed_dir))
        if isinstance(self.bearer_tokens, str):
            raise ValueError("bearer_tokens must be a list of tokens, not one string")
        tokens = tuple(self.bearer_tokens)
        if not all(isinstance(t, str) and t for t in tokens):
            raise ValueError("bearer_tokens must be non-empty strings")
        object.__setattr__(self, "bearer_tokens", tokens)
        object.__setattr__(self, "write_refusals", tuple(self.write_refusals))
        object.__setattr__(self, "search_requirements", tuple(self.search_requirements))
        object.__setattr__(self, "faults", tuple(self.faults))
        if self.resource_types is not None:
            types = tuple(self.resource_types)
            for name in types:
                _check_type_name(name, "resource_types entry")
            object.__setattr__(self, "resource_types", types)
        if self.max_logged_requests < 1 or self.max_search_snapshots < 1:
            raise ValueError("max_logged_requests and max_search_snapshots must be positive")
