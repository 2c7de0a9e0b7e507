"""SMART App Launch 2.2 scopes: parsing, what a client may be granted, what a token allows.

Source: SMART App Launch 2.2 ``scopes-and-launch-context.md``. Resource scopes are
``(patient|user|system)/(Type|*).<permissions>[?param=value&...]``; SMART v1 permissions
``read``, ``write`` and ``*`` map to the v2 letters ``rs``, ``cud`` and ``cruds``; v2 letters
must be a subset of ``cruds`` in that order (``.dus`` is malformed and is not granted). A scope
that cannot be enforced is not granted either: the token response's ``scope`` says what was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from sandbox.fhir_store import AccessRule

Context = Literal["patient", "user", "system"]

#: v1 permission words and their v2 letters (scopes-and-launch-context.md, "SMART 1.0 scopes").
V1_PERMISSIONS: dict[str, str] = {"read": "rs", "write": "cud", "*": "cruds"}
_V2_PERMISSIONS_RE = re.compile(r"^c?r?u?d?s?$")
_RESOURCE_SCOPE_RE = re.compile(
    r"^(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]+)\.(?P<perm>[a-z*]+)"
    r"(?:\?(?P<query>.+))?$"
)

#: Launch context requests: ``launch`` (EHR launch) and the standalone ``launch/<type>``.
LAUNCH = "launch"
LAUNCH_PATIENT = "launch/patient"
LAUNCH_ENCOUNTER = "launch/encounter"
#: Identity (OpenID Connect) scopes.
OPENID = "openid"
FHIR_USER = "fhirUser"
PROFILE = "profile"
#: Refresh-token scopes: ``offline_access`` survives the session, ``online_access`` does not
#: (the sandbox has no sessions to end, so both behave the same here).
OFFLINE_ACCESS = "offline_access"
ONLINE_ACCESS = "online_access"
REFRESH_SCOPES = frozenset({OFFLINE_ACCESS, ONLINE_ACCESS})
USER_SCOPES = frozenset(
    {LAUNCH, LAUNCH_PATIENT, LAUNCH_ENCOUNTER, OPENID, FHIR_USER, PROFILE, *REFRESH_SCOPES}
)

#: Advertised in ``scopes_supported`` (examples: every well-formed resource scope is understood).
SUPPORTED_SCOPE_EXAMPLES: tuple[str, ...] = (
    OPENID,
    FHIR_USER,
    PROFILE,
    LAUNCH,
    LAUNCH_PATIENT,
    LAUNCH_ENCOUNTER,
    OFFLINE_ACCESS,
    ONLINE_ACCESS,
    "patient/*.rs",
    "patient/*.cruds",
    "user/*.rs",
    "user/*.cruds",
    "system/*.rs",
    "system/*.cruds",
    "patient/*.read",
    "user/*.read",
    "user/*.write",
    "system/*.read",
    "system/*.write",
)


@dataclass(frozen=True, slots=True)
class ResourceScope:
    """One parsed resource scope.

    Attributes:
        text: the scope as requested (and granted).
        context: ``patient``, ``user`` or ``system``.
        resource_type: a type name or ``*``.
        permissions: v2 letters, e.g. ``"rs"`` for both ``.read`` and ``.rs``.
        params: the granular-scope query, e.g. ``(("category", "laboratory"),)``.
    """

    text: str
    context: Context
    resource_type: str
    permissions: str
    params: tuple[tuple[str, str], ...] = ()

    def covers(self, interaction: str, resource_type: str) -> bool:
        """Tell whether the scope names this interaction (a v2 letter) on this type."""
        return interaction in self.permissions and self.resource_type in ("*", resource_type)


def parse_resource_scope(text: str) -> ResourceScope | None:
    """Parse a SMART v1 or v2 resource scope; ``None`` when it is not one (or is malformed).

    >>> parse_resource_scope("patient/Observation.read").permissions
    'rs'
    >>> parse_resource_scope("user/*.cruds").resource_type
    '*'
    >>> parse_resource_scope("patient/Observation.dus") is None
    True
    """
    match = _RESOURCE_SCOPE_RE.match(text)
    if match is None:
        return None
    permission = match.group("perm")
    query = match.group("query")
    if permission in V1_PERMISSIONS:
        if query:  # granular (query) scopes exist only in v2
            return None
        letters = V1_PERMISSIONS[permission]
    elif permission and _V2_PERMISSIONS_RE.match(permission):
        letters = permission
    else:
        return None
    params: tuple[tuple[str, str], ...] = ()
    if query:
        params = tuple(parse_qsl(query, keep_blank_values=True))
        if not params or any(not name or not value for name, value in params):
            return None
    return ResourceScope(text, match.group("context"), match.group("type"), letters, params)  # type: ignore[arg-type]


def split_scope(scope: str | None) -> list[str]:
    """Split a space-separated scope string, dropping repeats but keeping the order."""
    return list(dict.fromkeys((scope or "").split()))


def grant(
    requested: str | None,
    *,
    backend: bool,
    params_supported: Callable[[str, Sequence[tuple[str, str]]], bool],
) -> list[str]:
    """Return the scopes a client is granted out of the ones it asked for.

    Apps launched by a user (``backend=False``) get ``patient/`` and ``user/`` resource scopes
    plus the launch, identity and refresh scopes; Backend Services clients get ``system/``
    scopes only (backend-services.md: no user, no refresh tokens). Unknown or malformed scopes
    are left out, as are granular scopes whose parameters the FHIR store cannot check.

    Args:
        requested: the ``scope`` parameter.
        backend: whether the client is a Backend Services client.
        params_supported: tells whether a type's search parameters can be enforced.
    """
    granted = []
    for text in split_scope(requested):
        if text in USER_SCOPES:
            if not backend:
                granted.append(text)
            continue
        scope = parse_resource_scope(text)
        if scope is None or (scope.context == "system") != backend:
            continue
        if scope.params and (
            scope.resource_type == "*" or not params_supported(scope.resource_type, scope.params)
        ):
            continue
        granted.append(text)
    return granted


def resource_scopes(scopes: Iterable[str]) -> list[ResourceScope]:
    """Return the resource scopes among granted scopes."""
    return [s for s in (parse_resource_scope(text) for text in scopes) if s is not None]


def wants_patient_context(scopes: Iterable[str]) -> bool:
    """Tell whether a patient must be chosen: ``launch/patient`` or any ``patient/`` scope.

    SMART: "If a patient/ scope is granted, the EHR SHALL establish a patient context".
    """
    listed = list(scopes)
    return LAUNCH_PATIENT in listed or any(s.context == "patient" for s in resource_scopes(listed))


@dataclass(frozen=True, slots=True)
class ScopedAccess:
    """What an access token allows in the FHIR store (implements the store's ``Access``).

    Attributes:
        scopes: the granted resource scopes.
        patient: the launch patient; ``patient/`` scopes reach only this patient's compartment
            and none at all without one.
        user_resource: ``(type, id)`` of the user (``fhirUser``); the ``fhirUser`` scope lets the
            app read that one resource.
    """

    scopes: tuple[ResourceScope, ...]
    patient: str | None = None
    user_resource: tuple[str, str] | None = None

    def rules(self, interaction: str, resource_type: str) -> list[AccessRule]:
        """Return the rules under which an interaction on a type is allowed."""
        rules = []
        for scope in self.scopes:
            if not scope.covers(interaction, resource_type):
                continue
            if scope.context == "patient":
                if self.patient is None:
                    continue
                rules.append(AccessRule(self.patient, scope.params, scope.text))
            else:
                rules.append(AccessRule(None, scope.params, scope.text))
        if (
            self.user_resource is not None
            and interaction == "r"
            and resource_type == self.user_resource[0]
        ):
            rules.append(AccessRule(None, (("_id", self.user_resource[1]),), FHIR_USER))
        return rules
