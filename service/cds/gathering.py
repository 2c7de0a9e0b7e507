"""A patient's data for one CDS call: the prefetch first, then the ``fhirServer`` for the rest.

CDS Hooks 2.0 §Prefetch: a client may satisfy all, some or none of the keys; a key it did not
satisfy is absent; a key with no data is ``null`` (a search may also come as an empty Bundle);
a key it tried and failed to fetch may hold an OperationOutcome; results may be paged. Each key
of the service's prefetch (``PATIENT_QUERIES``) is therefore read as:

- a usable answer (the Patient for the read; a searchset Bundle of that type, complete) or
  ``null``: taken as it is (``null`` means no data, never "unknown"), warnings in the Bundle
  kept as issues;
- absent, an OperationOutcome, a Bundle with more pages, an error OperationOutcome among the
  entries, or something that is not the answer to that query: fetched from ``fhirServer``.

What must be fetched is fetched through the FHIR client (``service/fhir/client.py``): one
``batch`` when nothing came prefetched, else the missing reads and searches in parallel, with
the ``fhirAuthorization`` token, only from a ``fhirServer`` on the calling issuer's allow-list
(``fhir_servers`` in ``NOMS_CDS_ISSUERS``), all within ``NOMS_CDS_FHIR_TIMEOUT``. When the data
can be had neither way, ``DataUnavailable`` (412); a FHIR server that fails is a ``FhirError``
(412, or 503 when retrying may help): never an answer without the data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Final

from service.cds.descriptions import PATIENT_ID_IN_TEMPLATE, PATIENT_QUERIES, PrefetchQuery
from service.cds.hooks import HookRequest
from service.config import Settings
from service.errors import DataUnavailable
from service.fhir.auth import Auth, BearerToken, NoAuth
from service.fhir.client import FhirClient
from service.fhir.extract import Issue
from service.fhir.limits import Limits
from service.fhir.untrusted import clean_text

log = logging.getLogger("noms_cds.cds")

BLOCKING_SEVERITIES: Final = frozenset({"error", "fatal"})


@dataclass(frozen=True, slots=True)
class PatientData:
    """The resources gathered for one call and what the reader must know about them.

    Attributes:
        resources: FHIR resources (JSON) of the patient.
        issues: Warnings from the prefetch or the FHIR server.
        fetched: The prefetch keys that were fetched from ``fhirServer``.
    """

    resources: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    fetched: tuple[str, ...] = ()


def _outcome_issues(
    outcome: Mapping[str, Any], secrets: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    """Severity and shown text of each issue; the text is the EHR's, so it is cleaned as server
    text is (the call's token redacted before the text is bounded, controls removed)."""
    found = []
    for issue in outcome.get("issue") or []:
        if isinstance(issue, dict):
            details = issue.get("details")
            text = issue.get("diagnostics") or (
                details.get("text") if isinstance(details, dict) else None
            )
            shown = clean_text(text or "", secrets=secrets, limit=200)
            found.append((clean_text(issue.get("severity") or "error", limit=16), shown))
    return found or [("error", "")]


def _has_next_page(bundle: Mapping[str, Any]) -> bool:
    links = bundle.get("link")
    return isinstance(links, list) and any(
        isinstance(link, dict) and link.get("relation") == "next" for link in links
    )


class _Unusable(Exception):
    """A prefetch value that does not answer its query (the reason, without patient data)."""


def _read_answer(query: PrefetchQuery, value: Mapping[str, Any], patient_id: str) -> list[dict]:
    kind = value.get("resourceType")
    if kind == "OperationOutcome":
        raise _Unusable("the CDS client could not fetch it")
    if kind != query.resource_type:
        raise _Unusable(f"it holds a {kind}, not a {query.resource_type}")
    if value.get("id") not in (None, patient_id):
        raise _Unusable("it holds another patient")
    return [dict(value)]


def _search_answer(
    query: PrefetchQuery,
    value: Mapping[str, Any],
    issues: list[Issue],
    secrets: tuple[str, ...] = (),
) -> list[dict]:
    kind = value.get("resourceType")
    if kind == "OperationOutcome":
        raise _Unusable("the CDS client could not fetch it")
    if kind != "Bundle":
        raise _Unusable(f"it holds a {kind}, not a Bundle")
    if _has_next_page(value):
        raise _Unusable("it holds only the first page")
    entries = value.get("entry") or []
    if not isinstance(entries, list):
        raise _Unusable("its entries are not a list")
    found: list[dict] = []
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if resource.get("resourceType") == "OperationOutcome":
            reported = _outcome_issues(resource, secrets)
            if any(severity in BLOCKING_SEVERITIES for severity, _ in reported):
                raise _Unusable("the CDS client reported an error in it")
            issues.extend(
                Issue("warning", f"prefetch {query.key}: the EHR reported: {text or 'no detail'}")
                for _, text in reported
            )
        elif resource.get("resourceType") == query.resource_type:
            found.append(resource)
        else:
            issues.append(
                Issue("warning", f"prefetch {query.key}: a {resource.get('resourceType')} ignored")
            )
    return found


def from_prefetch(
    request: HookRequest, queries: tuple[PrefetchQuery, ...] = PATIENT_QUERIES
) -> tuple[PatientData, tuple[PrefetchQuery, ...]]:
    """What the prefetch answers, and the queries it leaves to fetch."""
    data = PatientData()
    missing: list[PrefetchQuery] = []
    patient_id = str(request.patient_id)
    authorization = request.fhir_authorization
    secrets = () if authorization is None else (authorization.access_token,)
    for query in queries:
        if query.key not in request.prefetch:
            missing.append(query)
            continue
        value = request.prefetch[query.key]
        if value is None:
            continue  # satisfied, no data (CDS Hooks 2.0 §Prefetch)
        try:
            if query.is_read:
                data.resources.extend(_read_answer(query, value, patient_id))
            else:
                data.resources.extend(_search_answer(query, value, data.issues, secrets))
        except _Unusable as reason:
            log.info("prefetch key unusable", extra={"event": "prefetch", "reason": query.key})
            data.issues.append(Issue("information", f"prefetch {query.key}: {reason}; fetched"))
            missing.append(query)
    return data, tuple(missing)


def _client(
    request: HookRequest, settings: Settings, missing: tuple[PrefetchQuery, ...]
) -> FhirClient:
    lacking = f"the prefetch lacks {', '.join(query.key for query in missing)}"
    issuer = settings.trusted_issuer(request.caller.issuer)
    if request.fhir_server is None:
        raise DataUnavailable(f"{lacking} and the request names no fhirServer")
    if issuer is None or not issuer.allows_fhir_server(request.fhir_server):
        raise DataUnavailable(
            f"{lacking}, and the fhirServer named is not one the service may call for this "
            "CDS client (fhir_servers in NOMS_CDS_ISSUERS)"
        )
    auth: Auth = NoAuth()
    if request.fhir_authorization is not None:
        auth = BearerToken(request.fhir_authorization.access_token)
    return FhirClient(request.fhir_server, auth, limits=cds_limits(settings))


def cds_limits(settings: Settings) -> Limits:
    """The FHIR client's bounds for a CDS call: the configured limits (``NOMS_FHIR_<LIMIT>``,
    docs/integration.md), with the time ones tightened so the whole fetch ends within
    NOMS_CDS_FHIR_TIMEOUT, one retry and short waits (CDS Hooks asks for answers in about
    500 ms). A configured limit that is already tighter stays."""
    seconds = float(settings.cds_fhir_timeout)
    limits = settings.fhir_limits
    return replace(
        limits,
        connect_timeout=min(limits.connect_timeout, 5.0, seconds),
        read_timeout=min(limits.read_timeout, seconds),
        request_deadline=min(limits.request_deadline, seconds),
        gather_deadline=min(limits.gather_deadline, seconds),
        retries=min(limits.retries, 1),
        retry_wait_budget=min(limits.retry_wait_budget, 1.0, seconds),
        max_pages=min(limits.max_pages, 10),
    )


def _params(query: PrefetchQuery, patient_id: str) -> dict[str, str]:
    return {name: value.replace(PATIENT_ID_IN_TEMPLATE, patient_id) for name, value in query.params}


def _fetch(client: FhirClient, query: PrefetchQuery, patient_id: str, deadline: float):
    if query.is_read:
        return [client.read(query.resource_type, patient_id, deadline=deadline)], []
    return client.search(query.resource_type, _params(query, patient_id), deadline=deadline)


def gather(
    request: HookRequest,
    settings: Settings,
    queries: tuple[PrefetchQuery, ...] = PATIENT_QUERIES,
) -> PatientData:
    """The patient's data for ``request``: prefetch first, the rest from ``fhirServer``.

    Raises:
        DataUnavailable: data is missing and no allowed ``fhirServer`` can supply it (412).
        FhirError: the ``fhirServer`` failed (412, or 503 when retrying may help).
    """
    data, missing = from_prefetch(request, queries)
    if not missing:
        return data
    client = _client(request, settings, missing)
    patient_id = str(request.patient_id)
    if len(missing) == len(queries) and queries == PATIENT_QUERIES:
        resources, issues = client.gather(patient_id)
        data.resources.extend(resources)
        data.issues.extend(issues)
    else:
        deadline = time.monotonic() + client.limits.gather_deadline
        with ThreadPoolExecutor(max_workers=len(missing)) as pool:
            results = list(
                pool.map(lambda query: _fetch(client, query, patient_id, deadline), missing)
            )
        for resources, issues in results:
            data.resources.extend(resources)
            data.issues.extend(issues)
    return PatientData(data.resources, data.issues, tuple(query.key for query in missing))
