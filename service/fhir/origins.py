"""Where credentials may go: the configured FHIR base, and the test of whether a URL is under it.

SMART App Launch (app-launch.md step 6): apps SHOULD NOT send the token to other servers. The
client sends credentials only to URLs under its base (same scheme, host, port and path prefix);
a ``next`` link, a redirect or a ``Location`` that leaves it is not followed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from service.fhir.untrusted import clean_text

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


@dataclass(frozen=True, slots=True)
class FhirBase:
    """A FHIR base URL, and the test of whether a URL lies under it.

    "Under" means same scheme, host and port (the default port of the scheme when none is
    given) and a path that is the base path or continues it after a ``/``; a URL with user
    information or with ``.``/``..`` segments is never under it.
    """

    url: str
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> FhirBase:
        """Check and split a base URL.

        Raises:
            ValueError: not an absolute http(s) URL, or one with user information, a query or
                a fragment.
        """
        try:
            parts = urlsplit(url.strip())
        except ValueError:  # "Invalid IPv6 URL": an unclosed bracket
            parts = None
        scheme = parts.scheme.lower() if parts else ""
        if parts is None or scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"the FHIR base must be an http or https URL, not {url!r}")
        if "[" in parts.netloc and not _IPV6_NETLOC.fullmatch(parts.netloc.rpartition("@")[2]):
            raise ValueError(
                "the FHIR base's host in brackets must be an IPv6 address, with at most a port "
                "after it ([::1]:8080)"
            )
        if parts.username is not None or parts.password is not None:
            raise ValueError("the FHIR base must not carry user information")
        if parts.query or parts.fragment:
            raise ValueError("the FHIR base must not carry a query or a fragment")
        path = parts.path.rstrip("/")
        if _has_dot_segments(path):
            raise ValueError("the FHIR base must not contain '.' or '..' segments")
        try:
            port = parts.port or _DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError("the FHIR base's port is not a port number (0 to 65535)") from None
        host = parts.hostname.lower()
        _check_host(host)
        return cls(url.strip().rstrip("/"), scheme, host, port, path)

    @property
    def is_loopback(self) -> bool:
        """Whether the base is on this machine (plain HTTP cannot be overheard there)."""
        return is_loopback_host(self.host)

    def contains(self, url: str) -> bool:
        """Whether ``url`` (absolute) lies under this base."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        scheme = parts.scheme.lower()
        if scheme != self.scheme or (parts.hostname or "").lower() != self.host:
            return False
        if "@" in parts.netloc or (port or _DEFAULT_PORTS.get(scheme)) != self.port:
            return False
        if _has_dot_segments(parts.path):
            return False
        return parts.path.rstrip("/") == self.path or parts.path.startswith(self.path + "/")

    def resolve(self, link: str, against: str | None = None) -> str:
        """An absolute URL for a link as a server wrote it (relative ones against ``against``,
        the URL of the answer that held it, or the base)."""
        return urljoin((against or self.url) + ("" if against else "/"), link.strip())

    def relative(self, url: str) -> str:
        """The part of a URL under this base, without its query: ``Patient/123``."""
        path = urlsplit(url).path
        return path[len(self.path) :].strip("/") if path.startswith(self.path) else ""


# An IPv6 literal as RFC 3986 §3.2.2 writes it (optionally with a zone, RFC 6874), and a port.
_IPV6_NETLOC = re.compile(r"\[[0-9A-Fa-f:.]+(?:%25[A-Za-z0-9._~-]+)?\](?::[0-9]*)?", re.ASCII)


def is_loopback_host(host: str) -> bool:
    """Whether a host (as ``urlsplit().hostname`` gives it: IPv6 without brackets) is this
    machine: ``localhost``, or an address of 127.0.0.0/8 or ``::1`` (also IPv4-mapped), parsed
    as an address: a name that merely starts with ``127.`` (``127.evil.example``) is not."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _check_host(host: str) -> None:
    """Refuse a host name that DNS cannot carry (RFC 1035 §2.3.4: labels of 1 to 63 octets,
    253 in all, counted on the IDNA form of RFC 5890), so that the HTTP library's encoding
    errors never surface as a traceback later, at the first request."""
    try:
        ipaddress.ip_address(host.replace("%25", "%", 1))
        return
    except ValueError:
        if ":" in host:  # only an IPv6 address has colons in its host
            raise ValueError(f"the FHIR base's host [{host}] is not an IPv6 address") from None
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError:
        encoded = ""
    labels = encoded.removesuffix(".").split(".")
    if not encoded or len(encoded) > 253 or not all(0 < len(label) <= 63 for label in labels):
        raise ValueError(
            "the FHIR base's host name is not usable: DNS allows labels of 1 to 63 characters "
            "and 253 in all"
        )


def _has_dot_segments(path: str) -> bool:
    segments = unquote(path).replace("\\", "/").split("/")
    return any(segment in (".", "..") for segment in segments)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, cleaned: how a message names where a link points,
    without its path and query (which may carry patient ids)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an unreadable URL)"
    if not parts.scheme or not host:
        return "(a URL without a host)"
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal, written as in a URL (RFC 3986 §3.2.2)
    return clean_text(f"{parts.scheme}://{host}{port}", limit=120)
