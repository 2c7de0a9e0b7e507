"""Errors of the alert pathway, split by what the caller must do.

Messages are stored in the outbox and logged: they carry status codes and error classes, never
tokens, secrets, response bodies or patient identifiers.
"""

from __future__ import annotations

from service.errors import ServiceError


class DeliveryError(ServiceError):
    """A sender could not deliver; the outbox records it and schedules the next attempt.

    Attributes:
        permanent: retrying the same request cannot succeed as things stand (the receiver refused
            it: 400, 403, 422...). The delivery turns ``failing`` at once and is retried only at
            the longest interval: a person must look, but it is never dropped.
        retry_after: seconds the receiver asked us to wait (``Retry-After``), if any.
    """

    code = "alert-delivery"

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class NotificationError(ServiceError):
    """A Subscription notification that cannot be accepted as sent (answer with ``status``)."""

    code = "subscription-notification"

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NotificationUnauthorized(NotificationError):
    """The notification lacks the subscription's secret header, or carries a wrong one (401)."""

    code = "subscription-notification-unauthorized"

    def __init__(self, message: str = "missing or wrong subscription secret") -> None:
        super().__init__(message, status=401)


class SignatureError(ServiceError):
    """A webhook signature that does not verify (for a receiver: answer 401 and drop the body).

    Attributes:
        reason: ``malformed``, ``stale`` (outside the tolerance window) or ``mismatch``.
    """

    code = "webhook-signature"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
