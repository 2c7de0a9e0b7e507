"""The alert settings (docs/alerts.md): where alerts go, who may trigger them, how they are sent.

One block of variables (``ALERT_VARIABLES``, part of ``variables.VARIABLES``) and the frozen
``AlertSettings`` that ``Settings.alerts`` holds. Alerts are on when a channel is configured: the
EHR channel by a CareTeam (on the EHR of ``NOMS_FHIR_BASE_URL``), the webhook channel by a URL and
its secret. Subscription notifications are accepted only with a configured secret header value.
A setting that cannot work stops start-up in one line naming its variable; secrets never appear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from service.config import parsers as p
from service.config.variable import Variable

#: Shortest webhook secret (bytes) and Subscription header value (characters) accepted: the same
#: floors as ``service.alerts.signing`` and ``service.alerts.notifications`` enforce.
MIN_WEBHOOK_SECRET_BYTES: Final = 16
MIN_NOTIFICATION_SECRET_CHARS: Final = 16
ALERT_EHR_MODES: Final = ("transaction", "individual")
_CARE_TEAM = re.compile(r"CareTeam/[A-Za-z0-9\-.]{1,64}")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}")


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """Where alerts go and how they are delivered (docs/alerts.md).

    Attributes:
        care_team: ``CareTeam/<id>`` on the EHR of ``NOMS_FHIR_BASE_URL``: the recipient of the
            Communication and owner of the Task; None turns the EHR channel off.
        ehr_mode: ``transaction`` (one Bundle) or ``individual`` (one conditional create each).
        webhook_url: The spine team's webhook; None turns the webhook channel off.
        webhook_secrets: HMAC secrets (the first and, during a rotation, the next).
        subscription_header: The header a Subscription sends its secret in.
        subscription_secrets: Accepted values of that header (several during a rotation).
        lease_seconds, batch_size, poll_seconds: The delivery worker's lease, batch and idle wait.
        base_delay_seconds, max_delay_seconds, failing_after: The backoff of failed deliveries.
        connect_timeout, read_timeout: Seconds per delivery request.
    """

    care_team: str | None
    ehr_mode: str
    webhook_url: str | None
    webhook_secrets: tuple[str, ...] = field(repr=False)
    subscription_header: str
    subscription_secrets: tuple[str, ...] = field(repr=False)
    lease_seconds: float
    batch_size: int
    poll_seconds: float
    base_delay_seconds: float
    max_delay_seconds: float
    failing_after: int
    connect_timeout: float
    read_timeout: float

    @property
    def channels(self) -> tuple[str, ...]:
        """The configured channels (``ehr``, ``webhook``); none means alerts are off."""
        return tuple(
            name
            for name, on in (("ehr", self.care_team), ("webhook", self.webhook_url))
            if on is not None
        )

    @property
    def enabled(self) -> bool:
        """Whether any channel is configured."""
        return bool(self.channels)


def number(low: float, high: float) -> Any:
    """A parser of numbers (seconds) from ``low`` to ``high``."""

    def parse(name: str, value: Any) -> float:
        try:
            result = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            result = None
        if result is None or not low <= result <= high:
            raise p.fail(name, f"must be a number from {low:g} to {high:g}, not {p.shown(value)}")
        return result

    return parse


def _care_team(name: str, value: Any) -> str | None:
    text = str(value).strip()
    if not text:
        return None
    if not _CARE_TEAM.fullmatch(text):
        raise p.fail(name, f"must be a reference CareTeam/<id>, not {p.shown(value)}")
    return text


def _ehr_mode(name: str, value: Any) -> str:
    text = str(value).strip().lower()
    if text not in ALERT_EHR_MODES:
        raise p.fail(name, f"must be transaction or individual, not {p.shown(value)}")
    return text


def _webhook_url(name: str, value: Any) -> str | None:
    return p.url(name, value, https_unless_loopback=True) if value else None


def _secrets(minimum: int, unit: str) -> Any:
    """One secret, or a JSON array of them (a rotation); never echoed in a message."""

    def parse(name: str, value: Any) -> tuple[str, ...]:
        if not value:
            return ()
        text = value if isinstance(value, str) else None
        items: Any = value
        if text is not None:
            items = p.json_value(name, text) if text.lstrip().startswith("[") else [text]
        if not isinstance(items, list | tuple) or not items:
            raise p.fail(name, "must be one secret or a JSON array of secrets")
        found = []
        for item in items:
            text = item.strip() if isinstance(item, str) else ""
            size = len(text.encode("utf-8")) if unit == "bytes" else len(text)
            if size < minimum:
                raise p.fail(name, f"each secret needs at least {minimum} {unit}")
            found.append(item.strip())
        return tuple(found)

    return parse


def _header_name(name: str, value: Any) -> str:
    text = str(value).strip()
    if not _HEADER_NAME.fullmatch(text):
        raise p.fail(name, f"must be an HTTP header name, not {p.shown(value)}")
    return text


ALERT_VARIABLES: Final[tuple[Variable, ...]] = (
    Variable(
        "ALERT_CARE_TEAM",
        "",
        _care_team,
        "`CareTeam/<id>` on the EHR of `NOMS_FHIR_BASE_URL` that alerts go to (a Communication "
        "and a Task); turns the EHR alert channel on",
    ),
    Variable(
        "ALERT_EHR_MODE",
        "transaction",
        _ehr_mode,
        "`transaction` (one Bundle) or `individual` (one conditional create per resource, for "
        "EHRs without transactions)",
    ),
    Variable(
        "ALERT_WEBHOOK_URL",
        "",
        _webhook_url,
        "the spine team's webhook (https; http only on loopback); turns the webhook channel on",
    ),
    Variable(
        "ALERT_WEBHOOK_SECRET",
        "",
        _secrets(MIN_WEBHOOK_SECRET_BYTES, "bytes"),
        "HMAC secret of the webhook signature (16+ bytes), or a JSON array of two during a "
        "rotation",
        from_file=True,
    ),
    Variable(
        "SUBSCRIPTION_HEADER",
        "Authorization",
        _header_name,
        "the header FHIR Subscriptions send their secret in (their `channel.header`)",
    ),
    Variable(
        "SUBSCRIPTION_SECRET",
        "",
        _secrets(MIN_NOTIFICATION_SECRET_CHARS, "characters"),
        "accepted value of that header (e.g. `Bearer <secret>`, 16+ characters), or a JSON "
        "array of values; without it every notification is refused (401)",
        from_file=True,
    ),
    Variable(
        "ALERT_LEASE_SECONDS",
        "120",
        number(1, 3600),
        "how long a delivery worker holds a delivery (more than twice the timeouts)",
    ),
    Variable("ALERT_BATCH_SIZE", "10", p.integer(1, 500), "deliveries a worker claims at once"),
    Variable("ALERT_POLL_SECONDS", "1", number(0.01, 300), "a worker's wait when nothing is due"),
    Variable(
        "ALERT_BASE_DELAY", "5", number(0.01, 3600), "seconds before the first retry (doubling)"
    ),
    Variable(
        "ALERT_MAX_DELAY",
        "900",
        number(0.01, 86400),
        "longest wait between retries; a failing delivery is retried at this interval",
    ),
    Variable(
        "ALERT_FAILING_AFTER",
        "8",
        p.integer(1, 1000),
        "attempts after which a delivery is reported `failing` (and still retried)",
    ),
    Variable("ALERT_CONNECT_TIMEOUT", "5", number(0.1, 120), "seconds to connect, per delivery"),
    Variable("ALERT_READ_TIMEOUT", "20", number(0.1, 600), "seconds to wait for an answer"),
)


def alert_settings(values: Mapping[str, Any]) -> AlertSettings:
    """The alert block from parsed values; an incomplete channel fails here, naming it."""
    care_team, webhook, secrets = (
        values["ALERT_CARE_TEAM"],
        values["ALERT_WEBHOOK_URL"],
        values["ALERT_WEBHOOK_SECRET"],
    )
    if care_team and not values["FHIR_BASE_URL"]:
        raise p.fail("ALERT_CARE_TEAM", f"needs {p.PREFIX}FHIR_BASE_URL (the EHR it is on)")
    if webhook and not secrets:
        raise p.fail("ALERT_WEBHOOK_URL", f"needs {p.PREFIX}ALERT_WEBHOOK_SECRET")
    if secrets and not webhook:
        raise p.fail("ALERT_WEBHOOK_SECRET", f"is for {p.PREFIX}ALERT_WEBHOOK_URL, not set")
    if values["ALERT_BASE_DELAY"] > values["ALERT_MAX_DELAY"]:
        raise p.fail("ALERT_BASE_DELAY", f"must not exceed {p.PREFIX}ALERT_MAX_DELAY")
    request = values["ALERT_CONNECT_TIMEOUT"] + values["ALERT_READ_TIMEOUT"]
    if values["ALERT_LEASE_SECONDS"] <= 2 * request:
        raise p.fail(
            "ALERT_LEASE_SECONDS",
            f"must exceed twice the connect and read timeouts ({2 * request:g} s)",
        )
    return AlertSettings(
        care_team=care_team,
        ehr_mode=values["ALERT_EHR_MODE"],
        webhook_url=webhook,
        webhook_secrets=secrets,
        subscription_header=values["SUBSCRIPTION_HEADER"],
        subscription_secrets=values["SUBSCRIPTION_SECRET"],
        lease_seconds=values["ALERT_LEASE_SECONDS"],
        batch_size=values["ALERT_BATCH_SIZE"],
        poll_seconds=values["ALERT_POLL_SECONDS"],
        base_delay_seconds=values["ALERT_BASE_DELAY"],
        max_delay_seconds=values["ALERT_MAX_DELAY"],
        failing_after=values["ALERT_FAILING_AFTER"],
        connect_timeout=values["ALERT_CONNECT_TIMEOUT"],
        read_timeout=values["ALERT_READ_TIMEOUT"],
    )
