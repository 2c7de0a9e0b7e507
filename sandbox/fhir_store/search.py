"""FHIR search: parsing parameters into criteria and matching stored resources.

Implements the subset of R4 search.html the sandbox needs: ``_id``, ``_lastUpdated`` (date with
prefixes), ``_tag``, ``identifier``, ``code``, ``category``, ``status`` (tokens), ``patient`` and
``subject`` (references), ``_count``, ``_summary=count`` and ``_sort`` on ``_lastUpdated`` /
``_id``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .errors import FhirError
from .resources import element_names
from .storage import Version

#: Search parameters every type supports (R4 "Parameters for all resources").
COMMON_PARAMS: dict[str, str] = {"_id": "token", "_lastUpdated": "date", "_tag": "token"}

#: Type-specific parameters and the element each one needs to exist on the type.
_ELEMENT_PARAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("identifier", "token", ("identifier",)),
    ("code", "token", ("code",)),
    ("category", "token", ("category",)),
    ("status", "token", ("status",)),
    ("patient", "reference", ("subject", "patient")),
    ("subject", "reference", ("subject",)),
)

#: Result parameters the store applies.
CONTROL_PARAMS = frozenset({"_count", "_sort"})
_SORT_KEYS = frozenset({"_lastUpdated", "_id"})
_DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_REFERENCE_RE = re.compile(r"(?:^|/)([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")
_DATE_RE = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?)?)?)?$"
)


def supported_params(resource_type: str) -> dict[str, str]:
    """Return ``{name: type}`` of the search parameters supported for a resource type."""
    elements = element_names(resource_type)
    params = dict(COMMON_PARAMS)
    for name, kind, needs in _ELEMENT_PARAMS:
        if any(element in elements for element in needs):
            params[name] = kind
    return dict(sorted(params.items()))


# -- criteria ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenAlternative:
    """One comma-separated value of a token parameter.

    ``mode`` is ``any`` for ``code``, ``none`` for ``|code`` and ``exact`` for ``system|code``
    or ``system|`` (then ``code`` is ``None``: any code in that system).
    """

    mode: Literal["any", "none", "exact"]
    system: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class TokenCriterion:
    """A token parameter: matches when any alternative matches any token of the resource."""

    name: str
    alternatives: tuple[TokenAlternative, ...]


@dataclass(frozen=True, slots=True)
class ReferenceCriterion:
    """A reference parameter; each target is ``(type or None, id)``."""

    name: str
    targets: tuple[tuple[str | None, str], ...]


@dataclass(frozen=True, slots=True)
class DateCriterion:
    """``_lastUpdated``: each alternative is ``(prefix, start, end)`` with ``end`` exclusive."""

    name: str
    alternatives: tuple[tuple[str, datetime, datetime], ...]


Criterion = TokenCriterion | ReferenceCriterion | DateCriterion


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search: criteria (ANDed), page size, sort, and the parameters actually used."""

    resource_type: str
    criteria: tuple[Criterion, ...]
    count: int
    sort: tuple[tuple[str, bool], ...]
    applied: tuple[tuple[str, str], ...]


# -- parsing ----------------------------------------------------------------------------------


def split_escaped(value: str, separator: str) -> list[str]:
    r"""Split on ``separator`` unless escaped with ``\``.

    R4 search.html "Escaping Search Parameters": ``\,``, ``\|``, ``\$`` and ``\\`` are literal.
    """
    parts: list[str] = []
    current: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped in (",", "|", "$", "\\") and escaped != separator:
                current.append("\\" + escaped)  # keep for the next, inner split
            else:
                current.append(escaped)
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\([,|$\\])", r"\1", value)


def _parse_token(name: str, value: str) -> TokenCriterion:
    alternatives = []
    for raw in split_escaped(value, ","):
        pieces = split_escaped(raw, "|")
        if len(pieces) == 1:
            alternatives.append(TokenAlternative("any", None, _unescape(pieces[0])))
        elif len(pieces) == 2:
            system, code = (_unescape(p) for p in pieces)
            if not system and not code:
                raise FhirError(400, f"empty token value in {name}={value!r}", code="value")
            if not system:
                alternatives.append(TokenAlternative("none", None, code))
            else:
                alternatives.append(TokenAlternative("exact", system, code or None))
        else:
            raise FhirError(400, f"too many '|' in token {name}={value!r}", code="value")
    return TokenCriterion(name, tuple(alternatives))


def _parse_reference(name: str, value: str, type_modifier: str | None) -> ReferenceCriterion:
    # patient= targets Patient only (the R4 'patient' parameters are subject/patient "where
    # resolve() is Patient"); subject= may name any type, and a bare id then matches any type.
    default_type = "Patient" if name == "patient" else type_modifier
    targets = []
    for raw in split_escaped(value, ","):
        raw = _unescape(raw).strip()
        match = _REFERENCE_RE.search(raw)
        if match:
            target_type, target_id = match.group(1), match.group(2)
            if type_modifier and target_type != type_modifier:
                continue  # e.g. subject:Patient=Group/1 can match nothing
            targets.append((target_type, target_id))
        elif re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", raw):
            targets.append((default_type, raw))
        else:
            raise FhirError(400, f"cannot read {name}={value!r} as a reference", code="value")
    return ReferenceCriterion(name, tuple(targets))


def parse_date_range(value: str) -> tuple[datetime, datetime]:
    """Turn a FHIR date/dateTime search value into the ``[start, end)`` range of its precision.

    A value without a time zone is taken as UTC (R4 leaves it to the server).

    Raises:
        FhirError: 400 when the value is not a FHIR date or dateTime.
    """
    # An unencoded '+' in a query string arrives as a space: accept "...T10:00:00 02:00".
    value = re.sub(r" (\d{2}:\d{2})$", r"+\1", value.strip())
    match = _DATE_RE.match(value)
    if not match:
        raise FhirError(400, f"{value!r} is not a FHIR date or dateTime", code="value")
    parts = match.groupdict()
    if parts["hour"] is not None and parts["tz"] is None:
        parts["tz"] = "Z"
    try:
        year = int(parts["year"])
        if parts["month"] is None:
            return _aware(datetime(year, 1, 1)), _aware(datetime(year + 1, 1, 1))
        month = int(parts["month"])
        if parts["day"] is None:
            start = datetime(year, month, 1)
            end = datetime(year + 1, 1, 1) if month == 12 else datetime(year, month + 1, 1)
            return _aware(start), _aware(end)
        day = int(parts["day"])
        if parts["hour"] is None:
            start = _aware(datetime(year, month, day))
            return start, start + timedelta(days=1)
        offset = _tz_offset(parts["tz"])
        start = datetime(year, month, day, int(parts["hour"]), int(parts["minute"]))
        if parts["second"] is None:
            step = timedelta(minutes=1)
        else:
            start = start.replace(second=int(parts["second"]))
            fraction = (parts["fraction"] or "")[:6]
            if fraction:
                start = start.replace(microsecond=int(fraction.ljust(6, "0")))
                step = timedelta(microseconds=10 ** (6 - len(fraction)))
            else:
                step = timedelta(seconds=1)
        start = (start - offset).replace(tzinfo=UTC)
        return start, start + step
    except ValueError as exc:
        raise FhirError(400, f"{value!r} is not a valid date: {exc}", code="value") from exc


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def _tz_offset(tz: str) -> timedelta:
    if tz == "Z":
        return timedelta(0)
    sign = 1 if tz[0] == "+" else -1
    hours, minutes = tz[1:].split(":")
    return sign * timedelta(hours=int(hours), minutes=int(minutes))


def _parse_date(name: str, value: str) -> DateCriterion:
    alternatives = []
    for raw in split_escaped(value, ","):
        prefix = raw[:2] if raw[:2] in _DATE_PREFIXES else "eq"
        body = raw[2:] if raw[:2] in _DATE_PREFIXES else raw
        if prefix == "ap":
            raise FhirError(400, f"the 'ap' prefix is not supported ({name})", code="not-supported")
        start, end = parse_date_range(body)
        alternatives.append((prefix, start, end))
    return DateCriterion(name, tuple(alternatives))


def parse_search(
    resource_type: str,
    params: Iterable[tuple[str, str]],
    *,
    default_count: int,
    max_count: int,
    strict: bool = False,
) -> SearchQuery:
    """Parse search parameters for one resource type.

    Unknown or unsupported parameters are ignored and left out of ``applied`` (R4 search.html:
    servers SHOULD ignore them, and SHALL report in the ``self`` link only the parameters they
    used); with ``strict`` (``Prefer: handling=strict``, and always for conditional-create
    criteria) they are a 400 instead. A modifier on a known parameter that the store does not
    support is always a 400, because ignoring a modifier would change the meaning of the search.

    Raises:
        FhirError: 400 for malformed values, unsupported modifiers, and unknown parameters when
            ``strict``.
    """
    known = supported_params(resource_type)
    criteria: list[Criterion] = []
    applied: list[tuple[str, str]] = []
    count = default_count
    sort: tuple[tuple[str, bool], ...] = ()
    for key, value in params:
        name, _, modifier = key.partition(":")
        if name in ("_format", "_pretty"):  # presentation only; JSON is all the store speaks
            continue
        if name == "_count" and not modifier:
            try:
                requested = int(value)
            except ValueError as exc:
                raise FhirError(400, f"_count must be an integer, not {value!r}") from exc
            if requested < 0:
                raise FhirError(400, "_count must not be negative")
            count = min(requested, max_count)
            applied = [(k, v) for k, v in applied if k != "_count"] + [("_count", str(count))]
            continue
        if name == "_summary" and not modifier and value == "count":
            # _summary=count: only the total (other _summary values are ignored, leniently).
            count = 0
            applied = [(k, v) for k, v in applied if k != "_summary"] + [("_summary", "count")]
            continue
        if name == "_sort" and not modifier:
            keys = []
            for raw in value.split(","):
                raw = raw.strip()
                descending = raw.startswith("-")
                if raw.lstrip("-") in _SORT_KEYS:
                    keys.append((raw.lstrip("-"), descending))
                elif strict:
                    raise FhirError(400, f"cannot sort by {raw!r}", code="not-supported")
            if keys:
                sort = tuple(keys)
                text = ",".join(("-" if d else "") + k for k, d in keys)
                applied = [(k, v) for k, v in applied if k != "_sort"] + [("_sort", text)]
            continue
        if name not in known:
            if strict:
                raise FhirError(
                    400,
                    f"search parameter {key!r} is not supported for {resource_type}",
                    code="not-supported",
                )
            continue
        if value == "":
            continue  # an empty value constrains nothing
        kind = known[name]
        if kind == "reference":
            if modifier and not re.fullmatch(r"[A-Z][A-Za-z]+", modifier):
                raise FhirError(
                    400, f"modifier ':{modifier}' is not supported on {name}", code="not-supported"
                )
            criteria.append(_parse_reference(name, value, modifier or None))
        elif modifier:
            raise FhirError(
                400, f"modifier ':{modifier}' is not supported on {name}", code="not-supported"
            )
        elif kind == "token":
            criteria.append(_parse_token(name, value))
        else:
            criteria.append(_parse_date(name, value))
        applied.append((key, value))
    return SearchQuery(resource_type, tuple(criteria), count, sort, tuple(applied))


# -- matching ---------------------------------------------------------------------------------


def coded_tokens(value: Any) -> Iterator[tuple[str | None, str, bool]]:
    """Yield ``(system, code, is_primitive)`` from a code, Coding, CodeableConcept or list."""
    if isinstance(value, list):
        for item in value:
            yield from coded_tokens(item)
    elif isinstance(value, str):
        yield None, value, True
    elif isinstance(value, dict):
        if "coding" in value:
            yield from coded_tokens(value["coding"])
        elif isinstance(value.get("code"), str):
            yield value.get("system"), value["code"], False


def _identifier_tokens(value: Any) -> Iterator[tuple[str | None, str, bool]]:
    if isinstance(value, list):
        for item in value:
            yield from _identifier_tokens(item)
    elif isinstance(value, dict) and isinstance(value.get("value"), str):
        yield value.get("system"), value["value"], False


def _tokens(version: Version, name: str) -> Iterator[tuple[str | None, str, bool]]:
    resource = version.resource
    if name == "_id":
        yield None, version.id, True
    elif name == "_tag":
        yield from coded_tokens((resource.get("meta") or {}).get("tag", []))
    elif name == "identifier":
        yield from _identifier_tokens(resource.get("identifier"))
    else:
        yield from coded_tokens(resource.get(name))


def _token_matches(alternative: TokenAlternative, token: tuple[str | None, str, bool]) -> bool:
    system, code, primitive = token
    if alternative.code is not None and code != alternative.code:
        return False
    if alternative.mode == "any":
        return True
    if alternative.mode == "none":
        return system is None
    # A primitive `code` element (e.g. Observation.status) has an implied system the store does
    # not know, so `system|code` is matched on the code alone there.
    return primitive or system == alternative.system


def normalize_reference(reference: str) -> tuple[str, str] | None:
    """Return ``(type, id)`` of a literal reference (relative or absolute), or ``None``."""
    match = _REFERENCE_RE.search(reference.split("?", 1)[0])
    return (match.group(1), match.group(2)) if match else None


def _references(version: Version, name: str) -> Iterator[tuple[str, str]]:
    elements = ("subject", "patient") if name == "patient" else ("subject",)
    for element in elements:
        value = version.resource.get(element)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and isinstance(item.get("reference"), str):
                target = normalize_reference(item["reference"])
                if target:
                    yield target


def _date_matches(prefix: str, start: datetime, end: datetime, moment: datetime) -> bool:
    # The target (meta.lastUpdated) is a single instant; the search value is a range set by its
    # precision (R4 search.html "date" prefixes).
    if prefix == "eq":
        return start <= moment < end
    if prefix == "ne":
        return not start <= moment < end
    if prefix in ("gt", "sa"):
        return moment >= end
    if prefix in ("lt", "eb"):
        return moment < start
    if prefix == "ge":
        return moment >= start
    return moment < end  # le


def matches(version: Version, criteria: Sequence[Criterion]) -> bool:
    """Tell whether a stored version satisfies every criterion (repeated parameters AND)."""
    for criterion in criteria:
        if isinstance(criterion, TokenCriterion):
            tokens = list(_tokens(version, criterion.name))
            if not any(_token_matches(a, t) for a in criterion.alternatives for t in tokens):
                return False
        elif isinstance(criterion, ReferenceCriterion):
            found = list(_references(version, criterion.name))
            if criterion.name == "patient":
                found = [t for t in found if t[0] == "Patient"]
            if not any(
                (want_type is None or want_type == have_type) and want_id == have_id
                for want_type, want_id in criterion.targets
                for have_type, have_id in found
            ):
                return False
        elif not any(
            _date_matches(prefix, start, end, version.last_updated)
            for prefix, start, end in criterion.alternatives
        ):
            return False
    return True


def run_search(candidates: Iterable[Version], query: SearchQuery) -> list[Version]:
    """Filter and sort candidate versions (default order: oldest ``lastUpdated`` first)."""
    found = [v for v in candidates if matches(v, query.criteria)]
    # Sort by the last key first; Python's sort is stable (also with reverse=True), so earlier
    # keys end up taking precedence.
    for key, descending in reversed(query.sort):
        if key == "_id":
            found.sort(key=_id_sort_key, reverse=descending)
        else:
            found.sort(key=lambda v: v.seq, reverse=descending)
    return found


def _id_sort_key(version: Version) -> tuple[bool, int, str]:
    # Server ids are numbers: sort those numerically, client-chosen ids after them as text.
    numeric = version.id.isdigit()
    return (not numeric, int(version.id) if numeric else 0, version.id)
