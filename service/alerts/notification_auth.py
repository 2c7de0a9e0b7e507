"""The secret header of Subscription notifications, checked in constant time.

A Subscription sends a header with every notification (R4 ``Subscription.channel.header``, e.g.
``Authorization: Bearer <secret>``); the service accepts the configured values only. Split from
:mod:`service.alerts.notifications`, which re-exports :class:`NotificationAuth`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from service.alerts.errors import NotificationUnauthorized

#: Shortest accepted header value: a secret must not be guessable.
MIN_SECRET_CHARS = 16
_HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")


@dataclass(frozen=True, slots=True)
class NotificationAuth:
    """The secret header a Subscription sends with every notification.

    Attributes:
        header: the header's name (``Authorization``, or a custom one such as ``X-Api-Key``).
        values: the accepted values (several while a secret is rotated), e.g.
            ``("Bearer 3c5f...",)``; each at least 16 characters.
    """

    header: str
    values: tuple[str, ...] = field(repr=False)

    def __post_init__(self) -> None:
        if not _HEADER_NAME_RE.match(self.header or ""):
            raise ValueError("the notification header name is not a valid HTTP header name")
        values = (self.values,) if isinstance(self.values, str) else tuple(self.values)
        if not values or any(
            not isinstance(v, str) or len(v.strip()) < MIN_SECRET_CHARS for v in values
        ):
            raise ValueError(
                f"each accepted notification header value needs {MIN_SECRET_CHARS}+ characters"
            )
        object.__setattr__(self, "values", tuple(v.strip() for v in values))

    @classmethod
    def from_header_line(cls, line: str) -> NotificationAuth:
        """From a Subscription's header line, e.g. ``"Authorization: Bearer <secret>"``."""
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError("a header line is 'Name: value'")
        return cls(name.strip(), (value.strip(),))

    def check(self, headers: Mapping[str, str]) -> None:
        """Raise :class:`NotificationUnauthorized` unless the header carries an accepted value.

        Every accepted value is compared, in constant time, whatever the first comparison gave.
        """
        received = header_value(headers, self.header)
        if received is None:
            raise NotificationUnauthorized()
        given = received.strip().encode("utf-8")
        matched = False
        for value in self.values:
            matched |= hmac.compare_digest(given, value.encode("utf-8"))
        if not matched:
            raise NotificationUnauthorized()


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name`` (any case), or None."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value
