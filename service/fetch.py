"""Bounded GETs of small JSON documents: JWKS, SMART discovery, styles, token answers.

These documents come from allow-listed parties (a CDS client's JWKS, an EHR's
``.well-known/smart-configuration``) but are still untrusted input. One reader serves the CDS
trust layer and the SMART app, so both keep the same bounds: no credentials are sent and no
``.netrc`` is read, redirects are not followed (a redirect could lead anywhere), the body is read
up to a size limit and an overall deadline however slowly it trickles, and the JSON nesting is
bounded before parsing.
"""

from __future__ import annotations

import time
from typing import Any, Final

import requests
import urllib3

from service.errors import InvalidJson
from service.fhir import jsonio

MAX_DOCUMENT_BYTES: Final = 256 * 1024
MAX_DOCUMENT_DEPTH: Final = 16
CONNECT_TIMEOUT: Final = 5.0


class FetchFailed(Exception):
    """The document could not be had; the message is a short reason for the log."""


def read_body(response: requests.Response, *, max_bytes: int, deadline: float) -> bytes:
    """Read a streamed response body, refusing it past ``max_bytes`` or the monotonic ``deadline``.

    Raises:
        FetchFailed: the body is too large, arrives too slowly or the connection broke.
    """
    body = bytearray()
    try:
        # read1 returns what has arrived, so the deadline is checked however slow the peer
        while chunk := response.raw.read1(8192):
            body.extend(chunk)
            if len(body) > max_bytes:
                raise FetchFailed(f"larger than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchFailed("too slow")
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise FetchFailed(type(exc).__name__) from exc
    return bytes(body)


def get_json(
    url: str,
    timeout: float,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DOCUMENT_DEPTH,
    accept: str = "application/json",
) -> Any:
    """GET ``url`` and parse its JSON, all of it within ``timeout`` seconds and the bounds.

    Raises:
        FetchFailed: not 200, too large, too slow, not JSON, or the connection failed.
    """
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials; proxies are still taken from the env
    deadline = time.monotonic() + timeout
    try:
        with session.get(
            url,
            timeout=(min(timeout, CONNECT_TIMEOUT), timeout),
            allow_redirects=False,
            stream=True,
            headers={"Accept": accept},
            proxies=requests.utils.get_environ_proxies(url),
        ) as response:
            if response.status_code != 200:
                raise FetchFailed(f"HTTP {response.status_code}")
            body = read_body(response, max_bytes=max_bytes, deadline=deadline)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise FetchFailed(type(exc).__name__) from exc
    finally:
        session.close()
    try:
        return jsonio.loads(body, max_bytes=max_bytes, max_depth=max_depth)
    except InvalidJson as exc:  # too deep, not JSON, NaN...
        raise FetchFailed("not JSON") from exc
