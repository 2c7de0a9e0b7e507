"""The documents an alert delivers: a Communication + Task transaction for the EHR, a webhook body.

Both are built from the one report view (``service/views``) when the alert is enqueued, and the
outbox stores them as they are (docs/alerts.md, "What an alert says"):

- EHR: a FHIR R4 transaction of two conditional creates, each carrying the alert identifier
  (``service.alerts.keys``), so that a resend creates nothing new. The Communication (R4
  ``Communication``: a message that was sent) goes to the CareTeam about the patient, its payload
  the urgency headline; the Task (R4 ``Task``, intent ``order``) asks the CareTeam to act on it,
  its ``focus`` the Communication. Priority ``stat`` for emergent, ``urgent`` for urgent (R4
  request-priority value set). No code is invented: the Task's code is text only.
- Webhook: a JSON object whose ``id`` is the alert key (so the signature covers it), with the
  patient, scope, tier and headline, and when and how the alert arose.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from service.alerts.keys import AlertFinding, alert_identifier, if_none_exist

WEBHOOK_TYPE: Final = "spine-alert"
#: R4 request-priority codes per tier (http://hl7.org/fhir/request-priority).
PRIORITY: Final = {"emergent": "stat", "urgent": "urgent", "routine": "routine"}
TASK_TEXT: Final = "Review the spinal metastasis alert"
_NAMESPACE: Final = uuid.UUID("6f0b3c1e-5d0a-4c59-9a57-2f1b9f4c8e21")  # our urn:uuid space


@dataclass(frozen=True, slots=True)
class AlertContent:
    """What an alert says, taken from the report view.

    Attributes:
        finding: The patient, scope and tier.
        headline: The urgency headline of that scope (the view's words).
        certain: Whether the tier is certain (else it is the highest still possible).
        deciding: The inputs the chart could still supply that decide the tier.
        assessed_at: When the assessment was made (ISO 8601, UTC).
        trigger: What led to the assessment: ``cds-patient-view``, ``api`` or ``subscription``.
    """

    finding: AlertFinding
    headline: str
    certain: bool
    deciding: tuple[str, ...]
    assessed_at: str
    trigger: str

    @property
    def text(self) -> str:
        """The message in words: the scope and its headline."""
        where = "patient" if self.finding.scope == "patient" else f"level {self.finding.scope}"
        return f"Spinal metastasis alert ({where}): {self.headline}"


def communication_url(key: str) -> str:
    """The Communication's ``urn:uuid`` inside the transaction (the same on every build)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def ehr_transaction(content: AlertContent, care_team: str, sent: str) -> dict[str, Any]:
    """The Communication + Task transaction Bundle of one alert, to ``care_team``."""
    finding = content.finding
    key = finding.key
    priority = PRIORITY[finding.tier]
    patient = {"reference": finding.patient}
    team = {"reference": care_team}
    full_url = communication_url(key)
    communication = {
        "resourceType": "Communication",
        "identifier": [alert_identifier(key)],
        "status": "completed",
        "priority": priority,
        "subject": patient,
        "sent": sent,
        "recipient": [team],
        "payload": [{"contentString": content.text}],
    }
    task = {
        "resourceType": "Task",
        "identifier": [alert_identifier(key)],
        "status": "requested",
        "intent": "order",
        "priority": priority,
        "code": {"text": TASK_TEXT},
        "description": content.text,
        "focus": {"reference": full_url},
        "for": patient,
        "authoredOn": sent,
        "owner": team,
    }
    condition = if_none_exist(key)
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": full_url,
                "resource": communication,
                "request": {"method": "POST", "url": "Communication", "ifNoneExist": condition},
            },
            {
                "resource": task,
                "request": {"method": "POST", "url": "Task", "ifNoneExist": condition},
            },
        ],
    }


def webhook_body(content: AlertContent, sent: str) -> dict[str, Any]:
    """The webhook's JSON body of one alert (its ``id`` is the alert key)."""
    finding = content.finding
    return {
        "id": finding.key,
        "type": WEBHOOK_TYPE,
        "patient": finding.patient,
        "scope": finding.scope,
        "tier": finding.tier,
        "certain": content.certain,
        "headline": content.headline,
        "deciding": list(content.deciding),
        "assessedAt": content.assessed_at,
        "trigger": content.trigger,
        "created": sent,
    }
