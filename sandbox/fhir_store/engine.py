"""The FHIR interactions of the sandbox store, independent of HTTP.

The Flask layer (``api.py``) and Bundle processing (``bundles.py``) both call these methods, so a
read or search inside a batch behaves exactly like the same request sent on its own.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .access import AccessPolicy, Guard
from .config import StoreConfig, WriteRefusal
from .controls import Controls
from .errors import FhirError
from .paging import SearchPages
from .resources import ID_RE, r4b_resource_types, validate_resource
from .search import coded_tokens, parse_search, run_search
from .storage import ResourceStore, Version, format_instant

logger = logging.getLogger(__name__)

_ETAG_RE = re.compile(r'^(?:W/)?"?([0-9]+)"?$')


@dataclass(slots=True)
class Result:
    """Outcome of one interaction.

    Attributes:
        status: HTTP status.
        body: the resource, searchset Bundle or response Bundle to return (``None``: no body).
        version: for reads and writes, the version concerned (gives Location/ETag/Last-Modified).
    """

    status: int
    body: dict[str, Any] | None
    version: Version | None = None


class FhirStore:
    """One sandbox FHIR server: configuration, data, run-time controls and search snapshots."""

    def __init__(self, config: StoreConfig) -> None:
        """Create an empty store for ``config`` (seeding is a separate step: :meth:`seed`)."""
        self.config = config
        self.data = ResourceStore(config.clock)
        self.controls = Controls(config)
        self.pages = SearchPages(config.max_search_snapshots)
        # Set when the server shuts down: cuts injected latency and hangs short.
        self.shutdown = threading.Event()
        known = r4b_resource_types()
        if config.resource_types is None:
            self.resource_types: tuple[str, ...] = known
        else:
            unknown = sorted(set(config.resource_types) - set(known))
            if unknown:
                raise ValueError(f"not R4B resource types: {', '.join(unknown)}")
            self.resource_types = tuple(sorted(set(config.resource_types)))
        self._type_set = frozenset(self.resource_types)
        self.started = format_instant(self.data.now())
        #: Set by ``create_app(access_policy=...)``: every FHIR request then needs its tokens.
        self.access_policy: AccessPolicy | None = None

    # -- helpers -----------------------------------------------------------------------------

    def resolve(self, resource_type: str, resource_id: str) -> dict[str, Any] | None:
        """Return the current content of a resource, or ``None`` (for compartment checks)."""
        version = self.data.current(resource_type, resource_id)
        return version.resource if version is not None else None

    def guard(self, interaction: str, resource_type: str) -> Guard:
        """Return the access guard of the current request for an interaction on a type.

        Raises:
            FhirError: 403 when the request's token allows no such interaction at all.
        """
        return Guard.of(interaction, resource_type, self.resolve)

    def check_written(
        self,
        interaction: str,
        resource: dict[str, Any],
        previous: dict[str, Any] | None = None,
        *,
        expression: str | None = None,
    ) -> None:
        """Refuse a write (or a conditional-create match) outside the request's access.

        An update is checked against the old content too, so a token cannot move another
        patient's resource into its own patient's record.

        Raises:
            FhirError: 403.
        """
        guard = self.guard(interaction, str(resource.get("resourceType")))
        if previous is not None:
            guard.check(previous, expression=expression)
        guard.check(resource, expression=expression)

    def check_type(self, resource_type: str) -> None:
        """Raise 404 unless the type is served (R4 http.html: 404 for an unsupported type)."""
        if resource_type not in self._type_set:
            raise FhirError(404, f"resource type {resource_type!r} is not supported by this server")

    def _check_resource(
        self, resource_type: str, resource: Any, expression: str | None = None
    ) -> dict[str, Any]:
        self.check_type(resource_type)
        if not isinstance(resource, dict):
            raise FhirError(
                400,
                "the body must be a FHIR resource (JSON object)",
                code="structure",
                expression=expression,
            )
        actual = resource.get("resourceType")
        if actual != resource_type:
            raise FhirError(
                400,
                f"resourceType {actual!r} does not match the type {resource_type!r} in the URL",
                code="invalid",
                expression=expression,
            )
        return resource

    def check_write(
        self,
        resource_type: str,
        resource: dict[str, Any],
        *,
        enforce_rules: bool = True,
        expression: str | None = None,
    ) -> None:
        """Apply write refusals (when ``enforce_rules``) and R4B validation (when configured).

        Raises:
            FhirError: the refusal's status, or 400 for a resource that does not parse.
        """
        if enforce_rules:
            with self.controls.lock:
                refusals = self.controls.write_refusals
            for rule in refusals:
                if rule.resource_type == resource_type and self._refuses(rule, resource):
                    raise self._refusal_error(rule, resource, expression)
        if self.config.validate:
            validate_resource(resource, expression=expression)

    @staticmethod
    def _refuses(rule: WriteRefusal, resource: dict[str, Any]) -> bool:
        if rule.allowed_categories is None:
            return True
        for system, code, _ in coded_tokens(resource.get("category")):
            if code in rule.allowed_categories or f"{system}|{code}" in rule.allowed_categories:
                return False
        return True

    @staticmethod
    def _refusal_error(
        rule: WriteRefusal, resource: dict[str, Any], expression: str | None
    ) -> FhirError:
        if rule.allowed_categories is None:
            message = f"this server does not accept creates or updates of {rule.resource_type}"
            code = "not-supported"
        else:
            got = sorted({c for _, c, _ in coded_tokens(resource.get("category"))}) or ["none"]
            message = (
                f"this server writes {rule.resource_type} only with category "
                f"{' or '.join(rule.allowed_categories)} (got {', '.join(got)})"
            )
            code = "business-rule"
        return FhirError(rule.status, message, code=code, expression=expression)

    def conditional_create_enabled(self) -> bool:
        """Whether ``If-None-Exist`` is honoured right now."""
        with self.controls.lock:
            return self.controls.conditional_create

    def conditional_matches(self, resource_type: str, criteria: str) -> list[Version]:
        """Run the search behind ``If-None-Exist`` or a conditional reference.

        Unknown parameters are an error here, unlike in a plain search: ignoring one would
        widen the match and silently turn "create unless it exists" into "never create".

        Raises:
            FhirError: 400 for empty or unsupported criteria.
        """
        text = criteria.strip()
        if "?" in text:
            named_type, text = text.split("?", 1)
            if named_type and named_type.rsplit("/", 1)[-1] != resource_type:
                raise FhirError(400, f"criteria {criteria!r} name another resource type")
        self.check_type(resource_type)
        params = parse_qsl(text, keep_blank_values=True)
        query = parse_search(
            resource_type,
            params,
            default_count=self.config.page_size,
            max_count=self.config.max_page_size,
            strict=True,
        )
        if not query.criteria:
            raise FhirError(
                400, f"conditional criteria {criteria!r} select nothing", code="invalid"
            )
        return run_search(self.data.all_current(resource_type), query)

    # -- instance and type interactions --------------------------------------------------------

    def read(self, resource_type: str, resource_id: str) -> Result:
        """Read the current version of a resource.

        Raises:
            FhirError: 404 for an unknown type or resource.
        """
        self.check_type(resource_type)
        guard = self.guard("r", resource_type)
        version = self.data.current(resource_type, resource_id)
        if version is None:
            raise FhirError(404, f"{resource_type}/{resource_id} is not known")
        guard.check(version.resource)
        return Result(200, version.resource, version)

    def vread(self, resource_type: str, resource_id: str, version_id: str) -> Result:
        """Read one version of a resource (the target of every ``Location`` header).

        Raises:
            FhirError: 404 for an unknown type, resource or version.
        """
        self.check_type(resource_type)
        guard = self.guard("r", resource_type)
        version = None
        if version_id.isdigit():
            version = self.data.version(resource_type, resource_id, int(version_id))
        if version is None:
            raise FhirError(
                404, f"{resource_type}/{resource_id}/_history/{version_id} is not known"
            )
        guard.check(version.resource)
        return Result(200, version.resource, version)

    def prepare_write(
        self,
        resource_type: str,
        resource: Any,
        *,
        resource_id: str | None = None,
        enforce_rules: bool = True,
        expression: str | None = None,
    ) -> dict[str, Any]:
        """Check a resource about to be created (``resource_id=None``) or updated.

        Checks the type, ``resourceType``, the id rules of update, write refusals and validation.

        Raises:
            FhirError: 400 (bad body or id), 404 (type), or the refusal's status.
        """
        resource = self._check_resource(resource_type, resource, expression)
        # SMART: PUT is an update (v2 "u") even when it creates, POST a create ("c").
        self.guard("c" if resource_id is None else "u", resource_type)
        if resource_id is not None:
            if not ID_RE.match(resource_id):
                raise FhirError(
                    400, f"{resource_id!r} is not a valid FHIR id", expression=expression
                )
            # R4 http.html update: the body SHALL carry an id equal to the one in the URL.
            if resource.get("id") != resource_id:
                raise FhirError(
                    400,
                    f"the resource id {resource.get('id')!r} must equal the URL id {resource_id!r}",
                    expression=expression,
                )
        self.check_write(
            resource_type, resource, enforce_rules=enforce_rules, expression=expression
        )
        return resource

    def check_if_match(
        self,
        resource_type: str,
        resource_id: str,
        if_match: str | None,
        *,
        expression: str | None = None,
    ) -> Version | None:
        """Return the current version, enforcing a version-aware update's ``If-Match``.

        Raises:
            FhirError: 412 when ``If-Match`` names another version (or the resource is absent).
        """
        with self.data.lock:
            current = self.data.current(resource_type, resource_id)
        if if_match is not None:
            match = _ETAG_RE.match(if_match.strip())
            expected = int(match.group(1)) if match else None
            if current is None or current.version_id != expected:
                raise FhirError(
                    412,
                    f"If-Match {if_match!r} does not match the current version of "
                    f"{resource_type}/{resource_id}",
                    code="conflict",
                    expression=expression,
                )
        return current

    def create(
        self,
        resource_type: str,
        resource: Any,
        *,
        if_none_exist: str | None = None,
        enforce_rules: bool = True,
        expression: str | None = None,
    ) -> Result:
        """Create a resource with a server-assigned id, or conditionally (R4 http.html create).

        With ``if_none_exist``: no match creates (201), one match returns that resource untouched
        (200), several matches fail with 412. Callers pass it only when conditional create is
        switched on.

        Raises:
            FhirError: 400 (bad body), 404 (type), 412 (several matches), refusal status.
        """
        resource = self.prepare_write(
            resource_type, resource, enforce_rules=enforce_rules, expression=expression
        )
        with self.data.lock:
            if if_none_exist is not None:
                found = self.conditional_matches(resource_type, if_none_exist)
                if len(found) > 1:
                    raise FhirError(
                        412,
                        f"If-None-Exist {if_none_exist!r} matches {len(found)} resources",
                        code="multiple-matches",
                        expression=expression,
                    )
                if found:
                    self.check_written("c", found[0].resource, expression=expression)
                    return Result(200, found[0].resource, found[0])
            self.check_written("c", resource, expression=expression)
            # R4 http.html create: an id in the submitted resource is ignored.
            version = self.data.put(resource_type, self.data.allocate_id(resource_type), resource)
        return Result(201, version.resource, version)

    def update(
        self,
        resource_type: str,
        resource_id: str,
        resource: Any,
        *,
        if_match: str | None = None,
        enforce_rules: bool = True,
        expression: str | None = None,
    ) -> Result:
        """Update a resource, or create it with the client's id (R4 http.html update).

        Raises:
            FhirError: 400 (bad id/body), 404 (type), 412 (``If-Match`` mismatch), refusal status.
        """
        resource = self.prepare_write(
            resource_type,
            resource,
            resource_id=resource_id,
            enforce_rules=enforce_rules,
            expression=expression,
        )
        with self.data.lock:
            current = self.check_if_match(
                resource_type, resource_id, if_match, expression=expression
            )
            self.check_written(
                "u",
                resource,
                current.resource if current is not None else None,
                expression=expression,
            )
            version = self.data.put(resource_type, resource_id, resource)
        return Result(201 if current is None else 200, version.resource, version)

    def delete(self, resource_type: str, resource_id: str) -> Result:
        """Refuse deletion: the sandbox keeps every resource (R4: 405 when refused on principle).

        Raises:
            FhirError: always; 404 for an unknown type, else 405.
        """
        self.check_type(resource_type)
        raise FhirError(405, "delete is not supported by this sandbox", code="not-supported")

    # -- search --------------------------------------------------------------------------------

    def search(
        self,
        resource_type: str,
        params: Iterable[tuple[str, str]],
        base_url: str,
        *,
        strict: bool = False,
    ) -> Result:
        """Search one resource type and return the first page as a searchset Bundle.

        Raises:
            FhirError: 404 for an unknown type, 400 for bad parameters.
        """
        self.check_type(resource_type)
        guard = self.guard("s", resource_type)
        query = parse_search(
            resource_type,
            params,
            default_count=self.config.page_size,
            max_count=self.config.max_page_size,
            strict=strict,
        )
        self._check_requirements(resource_type, query.applied)
        guard.check_search(query)
        # Matches outside the token's access are left out, total included (SMART: a server may
        # answer a search with the results the scopes allow).
        found = [
            v
            for v in run_search(self.data.all_current(resource_type), query)
            if guard.permits(v.resource)
        ]
        self_url = f"{base_url}/{resource_type}"
        if query.applied:
            self_url += "?" + urlencode(query.applied)
        token = None
        if 0 < query.count < len(found):
            token = self.pages.add(resource_type, found)
        bundle = self._searchset(found, 0, query.count, base_url, self_url, token)
        return Result(200, bundle)

    def _check_requirements(self, resource_type: str, applied: tuple[tuple[str, str], ...]) -> None:
        with self.controls.lock:
            requirements = self.controls.search_requirements
        used = {key.split(":", 1)[0] for key, _ in applied}
        for rule in requirements:
            if rule.resource_type == resource_type and not used & set(rule.any_of):
                # Epic answers an unqualified Observation search with 400 and "code: required".
                raise FhirError(
                    400,
                    f"a {resource_type} search on this server needs one of: "
                    + ", ".join(rule.any_of),
                    code="required",
                )

    def page(self, token: str, offset: int, count: int, base_url: str) -> Result:
        """Serve a later page of a snapshot (the target of ``next`` links).

        Raises:
            FhirError: 410 when the snapshot is unknown or expired, 400 for bad numbers.
        """
        snapshot = self.pages.get(token)
        if snapshot is None:
            raise FhirError(410, "these search results have expired; run the search again")
        if offset < 0 or count < 1:
            raise FhirError(400, "bad paging parameters")
        guard = self.guard("s", snapshot.resource_type)
        if not all(guard.permits(v.resource) for v in snapshot.versions):
            raise FhirError(403, "these search results were made for another access token")
        count = min(count, self.config.max_page_size)
        self_url = self._page_url(base_url, token, offset, count)
        bundle = self._searchset(list(snapshot.versions), offset, count, base_url, self_url, token)
        return Result(200, bundle)

    @staticmethod
    def _page_url(base_url: str, token: str, offset: int, count: int) -> str:
        query = urlencode({"_getpages": token, "_getpagesoffset": offset, "_count": count})
        return f"{base_url}?{query}"

    def _searchset(
        self,
        found: list[Version],
        offset: int,
        count: int,
        base_url: str,
        self_url: str,
        token: str | None,
    ) -> dict[str, Any]:
        links = [{"relation": "self", "url": self_url}]
        if token is not None and offset > 0:
            previous = max(offset - count, 0)
            links.append(
                {"relation": "previous", "url": self._page_url(base_url, token, previous, count)}
            )
        if token is not None and offset + count < len(found):
            links.append(
                {"relation": "next", "url": self._page_url(base_url, token, offset + count, count)}
            )
        page = found[offset : offset + count] if count else []
        bundle: dict[str, Any] = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "meta": {"lastUpdated": format_instant(self.data.now())},
            "type": "searchset",
            "total": len(found),
            "link": links,
        }
        if page:  # FHIR JSON has no empty arrays
            bundle["entry"] = [
                {
                    "fullUrl": f"{base_url}/{v.reference}",
                    "resource": v.resource,
                    "search": {"mode": "match"},
                }
                for v in page
            ]
        return bundle

    def reset_data(self) -> None:
        """Put the data back to what it was after seeding and drop search snapshots."""
        self.data.reset()
        self.pages.clear()
