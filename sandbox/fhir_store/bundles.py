"""Batch and transaction Bundles (R4 http.html "batch/transaction").

Transaction: atomic; entries run in the order the spec prescribes (DELETE, POST, PUT, GET; DELETE
is refused here), POST ids are assigned first and every ``fullUrl`` (``urn:uuid:``, ``urn:oid:``
or a RESTful URL) is replaced by ``Type/id`` wherever the Bundle mentions it, conditional creates
(``ifNoneExist``) are resolved before that so references follow a matched resource, conditional
references (``Patient?identifier=...``) are resolved, and the first failure rolls everything back
and is answered with a single OperationOutcome carrying that entry's status.

Batch: every entry stands alone; a failing entry gets its own status and outcome in the
``batch-response``, and the others still happen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .capability import capability_statement
from .engine import FhirStore, Result
from .errors import FhirError, operation_outcome, status_line
from .resources import ID_RE, TYPE_NAME_RE
from .storage import Version, format_instant

_METHOD_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "GET": 3}
_UNSUPPORTED_METHODS = ("DELETE", "PATCH", "HEAD")
_ABSOLUTE_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_PLACEHOLDER_RE = re.compile(r"urn:(?:uuid|oid):[A-Za-z0-9.\-]+")
_CONDITIONAL_REFERENCE_RE = re.compile(r"^[A-Z][A-Za-z]+\?.+")
_RELATIVE_REFERENCE_RE = re.compile(r"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")
_RESTFUL_FULL_URL_RE = re.compile(r"^(https?://.+?)/[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")
_NARRATIVE_LINK_RE = re.compile(r'((?:href|src)\s*=\s*")([^"]+)(")')


@dataclass(slots=True)
class EntryRequest:
    """One ``Bundle.entry`` with its request, checked and split up."""

    index: int
    method: str
    url: str
    parts: list[str]
    query: str
    resource: dict[str, Any] | None
    full_url: str | None
    if_none_exist: str | None
    if_match: str | None

    @property
    def expression(self) -> str:
        """FHIRPath of the entry, for OperationOutcome.issue.expression."""
        return f"Bundle.entry[{self.index}]"

    @property
    def resource_type(self) -> str:
        """The resource type the request URL names."""
        return self.parts[0]

    @property
    def target(self) -> str:
        """``Type/id`` of a PUT."""
        return f"{self.parts[0]}/{self.parts[1]}"


def _optional_string(value: Any, name: str, expression: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FhirError(400, f"{name} must be a string", expression=expression)
    return value


def parse_entry(index: int, raw: Any, base_url: str) -> EntryRequest:
    """Check one Bundle entry and split its request URL.

    Raises:
        FhirError: 400 for a malformed entry, 405 for DELETE/PATCH/HEAD (not supported here).
    """
    expression = f"Bundle.entry[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        raise FhirError(400, "every entry needs a request", code="required", expression=expression)
    request = raw["request"]
    method = request.get("method")
    if not isinstance(method, str) or method.upper() not in (*_METHOD_ORDER, "PATCH", "HEAD"):
        raise FhirError(400, f"unknown request.method {method!r}", expression=expression)
    method = method.upper()
    if method in _UNSUPPORTED_METHODS:
        raise FhirError(
            405,
            f"{method} is not supported by this sandbox",
            code="not-supported",
            expression=expression,
        )
    url = request.get("url")
    if not isinstance(url, str) or not url.strip():
        raise FhirError(400, "request.url is required", code="required", expression=expression)
    url = url.strip()
    relative = url
    if base_url and (relative == base_url or relative.startswith((base_url + "/", base_url + "?"))):
        relative = relative[len(base_url) :]
    elif _ABSOLUTE_URL_RE.match(relative):
        raise FhirError(400, f"request.url {url!r} is not on this server", expression=expression)
    relative = relative.lstrip("/")
    path, _, query = relative.partition("?")
    parts = path.split("/") if path else [""]
    resource = raw.get("resource")
    full_url = _optional_string(raw.get("fullUrl"), "fullUrl", expression)
    if_none_exist = _optional_string(request.get("ifNoneExist"), "ifNoneExist", expression)
    if_match = _optional_string(request.get("ifMatch"), "ifMatch", expression)
    entry = EntryRequest(
        index, method, url, parts, query, resource, full_url, if_none_exist, if_match
    )
    _check_shape(entry)
    return entry


def _check_shape(entry: EntryRequest) -> None:
    parts, expression = entry.parts, entry.expression
    if entry.method == "GET":
        paging = parts == [""] and "_getpages=" in entry.query
        if paging or parts == ["metadata"]:
            return
        shape_ok = (
            (len(parts) == 1 and TYPE_NAME_RE.match(parts[0]))
            or (len(parts) == 2 and TYPE_NAME_RE.match(parts[0]) and ID_RE.match(parts[1]))
            or (len(parts) == 4 and TYPE_NAME_RE.match(parts[0]) and parts[2] == "_history")
        )
        if not shape_ok:
            raise FhirError(400, f"cannot GET {entry.url!r} here", expression=expression)
        return
    if entry.resource is None:
        raise FhirError(
            400, f"{entry.method} needs a resource", code="required", expression=expression
        )
    if entry.method == "PUT" and entry.query:
        raise FhirError(
            400,
            "conditional update is not supported by this sandbox",
            code="not-supported",
            expression=expression,
        )
    expected = 1 if entry.method == "POST" else 2
    if len(parts) != expected or not TYPE_NAME_RE.match(parts[0]) or entry.query:
        form = "[type]" if entry.method == "POST" else "[type]/[id]"
        raise FhirError(
            400, f"{entry.method} url must be {form}, not {entry.url!r}", expression=expression
        )


@contextmanager
def _about(entry: EntryRequest) -> Iterator[None]:
    """Tie an error raised while handling an entry to that entry."""
    try:
        yield
    except FhirError as exc:
        if exc.expression is None:
            exc.expression = entry.expression
        prefix = f"{entry.expression} ({entry.method} {entry.url}): "
        if not exc.diagnostics.startswith(prefix):
            exc.diagnostics = prefix + exc.diagnostics
        raise


def _execute_get(store: FhirStore, entry: EntryRequest, base_url: str, query: str) -> Result:
    parts = entry.parts
    if parts == ["metadata"]:
        return Result(200, capability_statement(store, base_url))
    params = parse_qsl(query, keep_blank_values=True)
    if parts == [""]:
        values = dict(params)
        try:
            offset = int(values.get("_getpagesoffset", "0"))
            count = int(values.get("_count", str(store.config.page_size)))
        except ValueError as exc:
            raise FhirError(400, "bad paging parameters") from exc
        return store.page(values.get("_getpages", ""), offset, count, base_url)
    if len(parts) == 1:
        return store.search(parts[0], params, base_url)
    if len(parts) == 2:
        return store.read(parts[0], parts[1])
    return store.vread(parts[0], parts[1], parts[3])


def _response_entry(
    entry: EntryRequest, result: Result, base_url: str, prefer_return: str | None
) -> dict[str, Any]:
    response: dict[str, Any] = {"status": status_line(result.status)}
    out: dict[str, Any] = {}
    version = result.version
    if version is not None:
        out["fullUrl"] = f"{base_url}/{version.reference}"
        if entry.method != "GET":
            response["location"] = version.history_path
        response["etag"] = version.etag
        response["lastModified"] = format_instant(version.last_updated)
    if entry.method == "GET":
        out["resource"] = result.body
    elif prefer_return == "representation":
        out["resource"] = result.body
    elif prefer_return == "OperationOutcome":
        verb = (
            "created" if result.status == 201 else "updated" if entry.method == "PUT" else "found"
        )
        response["outcome"] = operation_outcome(
            f"{version.reference if version else 'resource'} {verb}",
            severity="information",
            code="informational",
        )
    out["response"] = response
    return out


def _failed_entry(error: FhirError) -> dict[str, Any]:
    return {"response": {"status": status_line(error.status), "outcome": error.outcome()}}


class _ReferenceRewriter:
    """Replaces fullUrls and conditional references in the resources of a transaction."""

    def __init__(
        self,
        mapping: dict[str, str],
        conditional: Callable[[str], str],
    ) -> None:
        self.mapping = mapping
        self.conditional = conditional

    def substitute(self, text: str) -> str:
        """Replace placeholders inside free text such as a search URL."""
        return _PLACEHOLDER_RE.sub(lambda m: self.mapping.get(m.group(0), m.group(0)), text)

    def rewrite(self, entry: EntryRequest) -> None:
        """Rewrite the entry's resource in place."""
        match = _RESTFUL_FULL_URL_RE.match(entry.full_url or "")
        self._walk(entry.resource, match.group(1) if match else None)

    def _reference(self, value: str, root: str | None) -> str:
        if value in self.mapping:
            return self.mapping[value]
        if _CONDITIONAL_REFERENCE_RE.match(value):
            return self.conditional(value)
        # R4 bundle.html "Resolving references in Bundles": a relative reference inside an entry
        # with a RESTful fullUrl is read against that fullUrl's root.
        if root and _RELATIVE_REFERENCE_RE.match(value):
            return self.mapping.get(f"{root}/{value}", value)
        return value

    def _walk(self, node: Any, root: str | None) -> None:
        # R4 http.html: "Servers SHALL replace all matching links in the bundle, whether they are
        # found in the resource ids, resource references, elements of type uri, url, oid, uuid,
        # and <a href="" & <img src="" in the narrative". Without types at hand, any string that
        # equals a fullUrl exactly is treated as such a link.
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if key == "reference":
                        node[key] = self._reference(value, root)
                    elif key == "div":
                        node[key] = _NARRATIVE_LINK_RE.sub(
                            lambda m: (
                                m.group(1) + self.mapping.get(m.group(2), m.group(2)) + m.group(3)
                            ),
                            value,
                        )
                    elif value in self.mapping:
                        node[key] = self.mapping[value]
                elif isinstance(value, dict | list):
                    self._walk(value, root)
        elif isinstance(node, list):
            for position, item in enumerate(node):
                if isinstance(item, str) and item in self.mapping:
                    node[position] = self.mapping[item]
                elif isinstance(item, dict | list):
                    self._walk(item, root)


def _references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            elif isinstance(value, dict | list):
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


def process_bundle(
    store: FhirStore,
    bundle: Any,
    base_url: str,
    *,
    prefer_return: str | None = None,
    enforce_rules: bool = True,
) -> Result:
    """Process a ``transaction`` or ``batch`` Bundle posted to the base.

    Args:
        store: the store to work on.
        bundle: the parsed request body.
        base_url: absolute FHIR base of the request, for ``fullUrl`` and links.
        prefer_return: the ``Prefer: return=`` value; write entries carry their resource only
            for ``representation`` (R4 http.html: by default a transaction response has just
            ``entry.response``).
        enforce_rules: apply the client-facing switches and write refusals (off for seeding).

    Raises:
        FhirError: for a bad Bundle, a disabled interaction, or a failed transaction.
    """
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(400, "POST to the base needs a Bundle", code="structure")
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise FhirError(400, f"Bundle.type must be transaction or batch, not {kind!r}")
    if enforce_rules:
        with store.controls.lock:
            enabled = store.controls.transactions if kind == "transaction" else store.controls.batch
        if not enabled:
            raise FhirError(400, f"{kind} is not supported by this server", code="not-supported")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError(400, "Bundle.entry must be a list", code="structure")
    honour_conditional = store.conditional_create_enabled() or not enforce_rules
    if kind == "transaction":
        response_entries = _transaction(
            store, entries, base_url, prefer_return, enforce_rules, honour_conditional
        )
    else:
        response_entries = _batch(
            store, entries, base_url, prefer_return, enforce_rules, honour_conditional
        )
    body: dict[str, Any] = {"resourceType": "Bundle", "type": f"{kind}-response"}
    if response_entries:  # FHIR JSON has no empty arrays
        body["entry"] = response_entries
    return Result(200, body)


def _batch(
    store: FhirStore,
    raw_entries: list[Any],
    base_url: str,
    prefer_return: str | None,
    enforce_rules: bool,
    honour_conditional: bool,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any] | None] = [None] * len(raw_entries)
    entries: list[EntryRequest] = []
    for index, raw in enumerate(raw_entries):
        try:
            entries.append(parse_entry(index, raw, base_url))
        except FhirError as exc:
            out[index] = _failed_entry(exc)
    full_urls = {e.full_url: e.index for e in entries if e.full_url}
    # The spec runs a batch in transaction order too, although the order must not matter.
    for entry in sorted(entries, key=lambda e: (_METHOD_ORDER[e.method], e.index)):
        try:
            out[entry.index] = _response_entry(
                entry,
                _batch_one(store, entry, base_url, full_urls, enforce_rules, honour_conditional),
                base_url,
                prefer_return,
            )
        except FhirError as exc:
            out[entry.index] = _failed_entry(exc)
    return [e for e in out if e is not None]


def _batch_one(
    store: FhirStore,
    entry: EntryRequest,
    base_url: str,
    full_urls: dict[str, int],
    enforce_rules: bool,
    honour_conditional: bool,
) -> Result:
    if entry.method == "GET":
        return _execute_get(store, entry, base_url, entry.query)
    # R4 http.html batch rules: entries SHALL NOT depend on each other, and references from one
    # entry's resource to another entry are non-conformant; servers SHOULD check.
    for reference in _references(entry.resource):
        other = full_urls.get(reference)
        if other is not None and other != entry.index:
            raise FhirError(
                400,
                f"batch entries must not refer to each other ({reference!r} is "
                f"Bundle.entry[{other}]); use a transaction",
                code="invalid",
            )
    if entry.method == "POST":
        return store.create(
            entry.resource_type,
            entry.resource,
            if_none_exist=entry.if_none_exist if honour_conditional else None,
            enforce_rules=enforce_rules,
        )
    return store.update(
        entry.parts[0],
        entry.parts[1],
        entry.resource,
        if_match=entry.if_match,
        enforce_rules=enforce_rules,
    )


def _transaction(
    store: FhirStore,
    raw_entries: list[Any],
    base_url: str,
    prefer_return: str | None,
    enforce_rules: bool,
    honour_conditional: bool,
) -> list[dict[str, Any]]:
    entries = [parse_entry(index, raw, base_url) for index, raw in enumerate(raw_entries)]
    posts = [e for e in entries if e.method == "POST"]
    puts = [e for e in entries if e.method == "PUT"]
    gets = [e for e in entries if e.method == "GET"]
    results: dict[int, Result] = {}

    # Refusals and validation first: they depend on nothing else in the Bundle.
    for entry in [*posts, *puts]:
        with _about(entry):
            store.prepare_write(
                entry.resource_type,
                entry.resource,
                resource_id=entry.parts[1] if entry.method == "PUT" else None,
                enforce_rules=enforce_rules,
            )

    with store.data.atomic():
        mapping: dict[str, str] = {}
        conditional_targets: dict[tuple[str, str], str] = {}
        new_ids: dict[int, str] = {}
        matched: dict[int, Version | str] = {}
        rewriter = _ReferenceRewriter(
            mapping, lambda ref: _resolve_conditional(store, ref, conditional_targets)
        )

        # 1. POST identities: conditional creates are settled before any id is handed out, so a
        #    urn:uuid that names a matched resource is rewritten to point at it.
        for entry in posts:
            with _about(entry):
                target = None
                criteria = entry.if_none_exist if honour_conditional else None
                key = None
                if criteria:
                    key = (entry.resource_type, rewriter.substitute(criteria))
                    if key in conditional_targets:  # same criteria twice in one Bundle
                        target = conditional_targets[key]
                        matched[entry.index] = target
                    else:
                        found = store.conditional_matches(*key)
                        if len(found) > 1:
                            raise FhirError(
                                412,
                                f"ifNoneExist {criteria!r} matches {len(found)} resources",
                                code="multiple-matches",
                            )
                        if found:
                            target = found[0].reference
                            matched[entry.index] = found[0]
                if target is None:
                    new_ids[entry.index] = store.data.allocate_id(entry.resource_type)
                    target = f"{entry.resource_type}/{new_ids[entry.index]}"
                if key is not None:
                    conditional_targets[key] = target
                if entry.full_url:
                    mapping[entry.full_url] = target
        for entry in puts:
            if entry.full_url:
                mapping[entry.full_url] = entry.target

        # 2. R4: "If any resource identities ... overlap in steps 1-3, then the transaction SHALL
        #    fail." (Identical conditional creates are folded into one above, as HAPI does.)
        written: dict[str, int] = {}
        for entry in posts:
            if entry.index in new_ids:
                written[f"{entry.resource_type}/{new_ids[entry.index]}"] = entry.index
        matched_targets = {
            (m if isinstance(m, str) else m.reference): i for i, m in matched.items()
        }
        for entry in puts:
            other = written.get(entry.target, matched_targets.get(entry.target))
            if other is not None:
                with _about(entry):
                    raise FhirError(
                        400,
                        f"{entry.target} is also the target of Bundle.entry[{other}]",
                        code="duplicate",
                    )
            written[entry.target] = entry.index

        # 3. References, then If-Match, then the writes (creates before updates).
        for entry in [*posts, *puts]:
            if entry.method == "PUT" or entry.index in new_ids:
                with _about(entry):
                    rewriter.rewrite(entry)
        for entry in puts:
            with _about(entry):
                store.check_if_match(entry.resource_type, entry.parts[1], entry.if_match)
        previous: dict[int, dict[str, Any]] = {}
        for entry in posts:
            if entry.index in new_ids:
                version = store.data.put(entry.resource_type, new_ids[entry.index], entry.resource)
                results[entry.index] = Result(201, version.resource, version)
        for entry in puts:
            existing = store.data.current(entry.resource_type, entry.parts[1])
            if existing is not None:
                previous[entry.index] = existing.resource
            version = store.data.put(entry.resource_type, entry.parts[1], entry.resource)
            results[entry.index] = Result(200 if existing else 201, version.resource, version)
        for index, match in matched.items():
            if isinstance(match, str):  # folded into another entry of this Bundle
                resource_type, resource_id = match.split("/", 1)
                match = store.data.current(resource_type, resource_id)
            results[index] = Result(200, match.resource, match)

        # Access is checked once everything is written (and rolled back with it on refusal):
        # only then are references final and the targets of a Provenance in the store.
        for entry in [*posts, *puts]:
            with _about(entry):
                store.check_written(
                    "c" if entry.method == "POST" else "u",
                    results[entry.index].body or {},
                    previous.get(entry.index),
                )

        # 4. Reads and searches see the state after the writes.
        for entry in gets:
            with _about(entry):
                results[entry.index] = _execute_get(
                    store, entry, base_url, rewriter.substitute(entry.query)
                )

    return [_response_entry(e, results[e.index], base_url, prefer_return) for e in entries]


def _resolve_conditional(
    store: FhirStore, reference: str, conditional_targets: dict[tuple[str, str], str]
) -> str:
    # R4 http.html "Conditional References": exactly one match replaces the search URI; none or
    # several fail the transaction. A conditional create of the same Bundle with the same
    # criteria counts as the match, so a Bundle can create what it also points at.
    resource_type, _, query = reference.partition("?")
    known = conditional_targets.get((resource_type, query))
    if known is not None:
        return known
    found = store.conditional_matches(resource_type, query)
    if len(found) != 1:
        raise FhirError(
            412,
            f"conditional reference {reference!r} matches {len(found)} resources (needs exactly 1)",
            code="not-found" if not found else "multiple-matches",
        )
    return found[0].reference
