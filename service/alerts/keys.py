"""What an alert is about, and its deterministic idempotency key.

An alert says "this patient's vertebral level (or the patient as a whole) reached urgency tier T".
Its key is a pure function of (patient reference, scope, tier), so every process that sees the
same finding computes the same key, and the outbox's unique constraint lets only one of them
enqueue it (docs/alerts.md, "Idempotency").

The key carries the scope and tier in clear (for people reading the outbox) and a hash, not the
patient reference: it is sent to the webhook receiver and written into the EHR's identifiers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

from service.domain.levels import parse_level

#: Urgency tiers of the clinical core, lowest first, with their rank; ``none`` never alerts.
TIER_RANKS: Final[dict[str, int]] = {"routine": 1, "urgent": 2, "emergent": 3}
#: The tier the clinical core reports when nothing is urgent: not an alert.
NO_TIER: Final = "none"
#: Scope of an alert about the patient as a whole rather than one level.
PATIENT_SCOPE: Final = "patient"

#: Identifier system of the Communication and Task an alert creates in the EHR (our canonical's
#: ``sid`` space, as the result identifiers in docs/fhir-output.md).
ALERT_IDENTIFIER_SYSTEM: Final = "http://noms-cds.org/fhir/sid/alert"

_KEY_VERSION = "noms-cds alert v1"
_HASH_HEX_CHARS = 32  # 128 bits: collisions are out of reach for any number of alerts
# A FHIR id is 1-64 of [A-Za-z0-9-.]; a reference is relative (Patient/id) or absolute.
_PATIENT_REF_RE = re.compile(r"^(?:https?://[!-~]{1,400}/)?Patient/[A-Za-z0-9.\-]{1,64}$")
_KEY_RE = re.compile(
    rf"^alert-(?:{PATIENT_SCOPE}|sacrum|coccyx|[CTLS][0-9]{{1,2}})-(?:{'|'.join(TIER_RANKS)})-[0-9a-f]{{32}}$"
)


@dataclass(frozen=True, slots=True)
class AlertFinding:
    """A patient's level (or the patient) at an urgency tier: what one alert is about.

    Attributes:
        patient: the patient's FHIR reference, ``Patient/<id>`` (or an absolute URL of it). Use
            one form consistently: a different spelling is a different alert.
        scope: a vertebral level (``"T9"``; any case, normalised) or ``"patient"``.
        tier: ``"routine"``, ``"urgent"`` or ``"emergent"``.
    """

    patient: str
    scope: str
    tier: str

    def __post_init__(self) -> None:
        if not isinstance(self.patient, str) or not _PATIENT_REF_RE.match(self.patient):
            raise ValueError("patient must be a reference such as 'Patient/123'")
        if not isinstance(self.scope, str):
            raise ValueError("scope must be a vertebral level or 'patient'")
        if self.scope.strip().lower() == PATIENT_SCOPE:
            object.__setattr__(self, "scope", PATIENT_SCOPE)
        else:
            level = parse_level(self.scope)
            if level is None:
                raise ValueError("scope must be a vertebral level (C1-S5) or 'patient'")
            object.__setattr__(self, "scope", level.value)
        if self.tier == NO_TIER:
            raise ValueError("tier 'none' is not an alert")
        if self.tier not in TIER_RANKS:
            raise ValueError(f"tier must be one of {', '.join(TIER_RANKS)}")

    @property
    def rank(self) -> int:
        """The tier's rank: a higher rank is more urgent."""
        return TIER_RANKS[self.tier]

    @property
    def key(self) -> str:
        """The idempotency key ``alert-<scope>-<tier>-<32 hex>``: one finding, one key."""
        return alert_key(self.patient, self.scope, self.tier)


def alert_key(patient: str, scope: str, tier: str) -> str:
    """The idempotency key of (patient, scope, tier); arguments as :class:`AlertFinding` holds them.

    SHA-256 over a versioned, newline-separated text: neither a reference nor a level contains a
    newline, so different findings never give the same text.
    """
    text = "\n".join((_KEY_VERSION, patient, scope, tier))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_HEX_CHARS]
    return f"alert-{scope}-{tier}-{digest}"


def is_alert_key(value: str) -> bool:
    """Whether ``value`` has the form of an alert key (a receiver can check its dedupe header)."""
    return isinstance(value, str) and bool(_KEY_RE.match(value))


def alert_identifier(key: str) -> dict[str, str]:
    """The FHIR ``Identifier`` the alert's Communication and Task carry (for conditional create)."""
    if not is_alert_key(key):
        raise ValueError("not an alert key")
    return {"system": ALERT_IDENTIFIER_SYSTEM, "value": key}


def if_none_exist(key: str) -> str:
    """The ``If-None-Exist`` / ``ifNoneExist`` search that finds the alert's resources."""
    identifier = alert_identifier(key)
    return f"identifier={identifier['system']}|{identifier['value']}"
