"""Access control hook: how an authorization server in front of the store limits each request.

The store knows nothing about OAuth. An :class:`AccessPolicy` (the sandbox SMART server's, in
``sandbox/smart_auth/``) turns the ``Authorization`` header into an :class:`Access`, which answers
one question: for an interaction (SMART v2 letters ``c r u d s``) on a resource type, under which
:class:`AccessRule` s is it allowed? The engine asks it for every read, search, create and update,
also inside batches and transactions, through :class:`Guard`. Without a policy (and without
static tokens) the store is open, as before.

The access of the request being handled is kept in a context variable so that the engine and
Bundle processing need no extra parameters; the HTTP layer sets it and resets it per request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from .compartment import Resolver, in_patient_compartment
from .errors import FhirError
from .search import ReferenceCriterion, SearchQuery, matches, parse_search
from .storage import Version, utc_now

#: SMART App Launch 2.2 v2 permission letters and the FHIR interactions they stand for.
INTERACTIONS: dict[str, str] = {
    "c": "create",
    "r": "read",
    "u": "update",
    "d": "delete",
    "s": "search",
}


@dataclass(frozen=True, slots=True)
class AccessRule:
    """One way an interaction on a type is allowed.

    Attributes:
        patient: when set, only resources in this patient's compartment (``patient/`` scopes).
        params: search parameters every resource must match (SMART v2 granular scopes such as
            ``patient/Observation.rs?category=laboratory``; also ``_id`` for "only this one").
        scope: the scope the rule comes from, for error messages.
    """

    patient: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    scope: str = ""


class Access(Protocol):
    """What one access token allows."""

    def rules(self, interaction: str, resource_type: str) -> Sequence[AccessRule]:
        """Return the rules under which ``interaction`` on ``resource_type`` is allowed."""
        ...


class AccessPolicy(Protocol):
    """Authenticates FHIR requests; plugged into the store by ``create_app(access_policy=...)``."""

    def authenticate(self, authorization: str | None) -> Access:
        """Return the access of a request's ``Authorization`` header value.

        Raises:
            FhirError: 401 with ``WWW-Authenticate`` for a missing, unknown or expired token.
        """
        ...

    def open_paths(self) -> frozenset[str]:
        """Paths below the FHIR base that need no token (e.g. ``metadata``)."""
        ...

    def security(self, base_url: str) -> dict[str, Any]:
        """Return ``CapabilityStatement.rest.security`` for the FHIR base ``base_url``."""
        ...


_current: ContextVar[Access | None] = ContextVar("sandbox_fhir_store_access", default=None)


@contextmanager
def acting_with(access: Access | None) -> Iterator[None]:
    """Handle the requests inside the block with ``access`` (``None``: no access control)."""
    token = _current.set(access)
    try:
        yield
    finally:
        _current.reset(token)


def set_access(access: Access | None) -> Any:
    """Set the access of the current request; return the token for :func:`reset_access`."""
    return _current.set(access)


def reset_access(token: Any) -> None:
    """Undo :func:`set_access`."""
    _current.reset(token)


def insufficient_scope(message: str) -> FhirError:
    """A 403 that names what the token lacks (RFC 6750 §3.1 ``insufficient_scope``)."""
    return FhirError(
        403,
        message,
        code="forbidden",
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
    )


@dataclass(slots=True)
class Guard:
    """The rules that apply to one interaction on one type during the current request.

    ``rules`` is ``None`` when the request is not access-controlled: then everything passes.
    """

    interaction: str
    resource_type: str
    rules: tuple[AccessRule, ...] | None
    resolve: Resolver | None = None
    _queries: dict[int, SearchQuery] = field(default_factory=dict)

    @classmethod
    def of(cls, interaction: str, resource_type: str, resolve: Resolver | None = None) -> Guard:
        """Return the guard of the current request.

        Raises:
            FhirError: 403 when the token allows this interaction on no resource of the type.
        """
        access = _current.get()
        if access is None:
            return cls(interaction, resource_type, None, resolve)
        rules = tuple(access.rules(interaction, resource_type))
        if not rules:
            raise insufficient_scope(
                f"the access token does not allow {INTERACTIONS[interaction]} of {resource_type}"
            )
        return cls(interaction, resource_type, rules, resolve)

    def _matches_params(self, index: int, rule: AccessRule, resource: dict[str, Any]) -> bool:
        query = self._queries.get(index)
        if query is None:
            query = parse_search(
                self.resource_type, rule.params, default_count=1, max_count=1, strict=True
            )
            self._queries[index] = query
        resource_id = str(resource.get("id", ""))
        version = Version(self.resource_type, resource_id, 0, utc_now(), 0, resource)
        return matches(version, query.criteria)

    def permits(self, resource: dict[str, Any]) -> bool:
        """Tell whether one resource may be touched by this interaction."""
        if self.rules is None:
            return True
        for index, rule in enumerate(self.rules):
            if rule.patient is not None and not in_patient_compartment(
                resource, rule.patient, self.resolve
            ):
                continue
            if rule.params and not self._matches_params(index, rule, resource):
                continue
            return True
        return False

    def check(self, resource: dict[str, Any], *, expression: str | None = None) -> None:
        """Refuse a resource outside what the token allows.

        Raises:
            FhirError: 403 naming the patient compartment or the scopes that do not cover it.
        """
        if self.rules is None or self.permits(resource):
            return
        patients = sorted({r.patient for r in self.rules if r.patient is not None})
        where = f"Patient/{patients[0]}'s record" if len(patients) == 1 else "the granted scopes"
        name = f"{resource.get('resourceType')}/{resource.get('id')}"
        if self.interaction == "c" or resource.get("id") is None:
            name = f"this {resource.get('resourceType')}"
        raise FhirError(
            403,
            f"the access token does not allow {INTERACTIONS[self.interaction]} of {name}: "
            f"it is outside {where}",
            code="forbidden",
            expression=expression,
            headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
        )

    def check_search(self, query: SearchQuery) -> None:
        """Refuse a search that names another patient than a patient-only token's.

        Results are filtered anyway; this turns a silent empty answer into a clear 403 when the
        client plainly asked for someone else's data.

        Raises:
            FhirError: 403 when every rule is patient-bound and the ``patient``/``subject``
                criteria name only other patients.
        """
        if self.rules is None or any(rule.patient is None for rule in self.rules):
            return
        allowed = {rule.patient for rule in self.rules}
        for criterion in query.criteria:
            if not isinstance(criterion, ReferenceCriterion):
                continue
            if criterion.name not in ("patient", "subject") or not criterion.targets:
                continue
            if not any(
                kind in (None, "Patient") and ident in allowed for kind, ident in criterion.targets
            ):
                raise insufficient_scope(
                    f"the access token is limited to Patient/{sorted(allowed)[0]}'s record"
                )
