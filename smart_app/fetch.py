"""Bounded GETs of small JSON documents from an EHR: discovery, JWKS, SMART style.

The documents come from allow-listed EHRs, but are still untrusted input: no credentials are
sent, redirects are not followed (a redirect could lead anywhere), the body is read up to a size
limit and a deadline however slowly it trickles, and the JSON nesting is bounded before parsing.
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


class FetchFailed(Exception):
    """The document could not be had; the message is a short reason for the log."""


def get_json(
    url: str,
    timeout: float,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    accept: str = "application/json",
) -> Any:
    """GET ``url`` and parse its JSON within the bounds.

    Raises:
        FetchFailed: not 200, too large, too slow, not JSON, or the connection failed.
    """
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials; proxies are still taken from the env
    started = time.monotonic()
    try:
        with session.get(
            url,
            timeout=(min(timeout, 5.0), timeout),
            allow_redirects=False,
            stream=True,
            headers={"Accept": accept},
            proxies=requests.utils.get_environ_proxies(url),
        ) as response:
            if response.status_code != 200:
                raise FetchFailed(f"HTTP {response.status_code}")
            body = bytearray()
            # read1 returns what has arrived, so the deadline is checked however slow the peer
            while chunk := response.raw.read1(8192):
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise FetchFailed(f"larger than {max_bytes} bytes")
                if time.monotonic() - started > timeout:
                    raise FetchFailed("too slow")
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise FetchFailed(type(exc).__name__) from exc
    finally:
        session.close()
    try:
        return jsonio.loads(bytes(body), max_bytes=max_bytes, max_depth=MAX_DOCUMENT_DEPTH)
    except InvalidJson as exc:  # too deep, not JSON, NaN...
        raise FetchFailed("not JSON") from exc
