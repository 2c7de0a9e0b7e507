"""The service's errors, split by what the caller must do: fix the request, retry, or give up.

Missing clinical data is never an error (it is a value: see service/domain). Web layers map these
to HTTP in one place; messages carry no patient identifiers and no tokens.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error the service raises on purpose."""

    code = "error"


class ConfigurationError(ServiceError):
    """Settings that cannot work (missing key, conflicting options); fail at start-up."""

    code = "configuration"


class FhirError(ServiceError):
    """A FHIR server answered with an error, or could not be reached.

    Attributes:
        status: HTTP status, when there was a response.
        outcome: The server's OperationOutcome, when it sent one.
    """

    code = "fhir"

    def __init__(
        self, message: str, status: int | None = None, outcome: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.outcome = outcome


class FhirAuthError(FhirError):
    """401 or 403: the token is missing, expired or lacks a scope. Retrying will not help."""

    code = "fhir-auth"


class FhirNotFound(FhirError):
    """404 or 410: the resource (e.g. the patient) does not exist on this server."""

    code = "fhir-not-found"


class FhirTemporaryError(FhirError):
    """408, 429, 5xx, a timeout or a broken connection, still failing after the retries.

    Attributes:
        retry_after: The seconds the server's ``Retry-After`` asked for, when it sent one.
    """

    code = "fhir-temporary"

    def __init__(
        self,
        message: str,
        status: int | None = None,
        outcome: dict[str, Any] | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status, outcome)
        self.retry_after = retry_after


class FhirTimeout(FhirTemporaryError):
    """No complete answer by a deadline (of one request, or of a whole gathering)."""

    code = "fhir-timeout"


class FhirRetryLater(FhirTemporaryError):
    """The server asks to wait (``Retry-After``) longer than the client may wait.

    Attributes:
        retry_after: The seconds the server asked for.
    """

    code = "fhir-retry-later"


class FhirRequestError(FhirError):
    """Any other 4xx: the server refused the request as made (e.g. an unsupported search)."""

    code = "fhir-request"


class FhirInvalidResponse(FhirError):
    """The server answered with something that cannot be used: not the FHIR JSON expected
    (wrong type, an error OperationOutcome in a 2xx, malformed Bundle), beyond a limit (size,
    nesting), wrongly encoded, or a redirect that is not followed. Retrying will not help."""

    code = "fhir-invalid-response"


class FhirOutsideBase(FhirInvalidResponse):
    """A redirect, a ``next`` link or a ``Location`` that leaves the configured FHIR base (scheme,
    host, port and path prefix): not followed, so credentials never reach another origin."""

    code = "fhir-outside-base"


class AuthConfigurationError(ConfigurationError):
    """Authentication settings that cannot work (e.g. a key that is not RS384/ES384-capable)."""


class RequestError(ServiceError):
    """The input cannot be processed as sent (a request, a file, standard input); the caller must
    change it (HTTP 400 family, exit status 2)."""

    code = "invalid-request"


class InvalidJson(RequestError):
    """Bytes that are not the JSON expected: not UTF-8, not JSON, NaN or Infinity, or beyond a
    limit (the subclasses). Raised by the one bounded reader, ``service.fhir.jsonio``.

    Attributes:
        limit: The limit exceeded (bytes or levels), for the subclasses that have one.
    """

    code = "invalid-json"

    def __init__(self, message: str, limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class JsonTooLarge(InvalidJson):
    """More bytes than allowed (counted while reading, before they are all in memory)."""

    code = "json-too-large"


class JsonTooDeep(InvalidJson):
    """Arrays and objects nested deeper than allowed."""

    code = "json-too-deep"


class UnsupportedMediaType(RequestError):
    """The body is not declared as a media type the endpoint reads (HTTP 415)."""

    code = "unsupported-media-type"


class Unauthenticated(ServiceError):
    """The caller did not prove who it is (HTTP 401, answered without detail).

    Attributes:
        reason: A short reason code for the log (never the token), e.g. ``"expired"``.
        challenge: The ``WWW-Authenticate`` value of the answer (RFC 9110 §11.6.1).
        public: What the caller is told: never which check failed, at most that the
            deployment cannot authenticate anyone (e.g. no API keys configured).
    """

    code = "unauthenticated"

    def __init__(
        self,
        reason: str,
        *,
        challenge: str = "Bearer",
        public: str = "authentication required",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.challenge = challenge
        self.public = public


class NotConfigured(ServiceError):
    """The deployment is not set up for what was asked (e.g. no EHR for live assessments)."""

    code = "not-configured"


class DataUnavailable(ServiceError):
    """The data a decision needs can be had neither from the request nor from a FHIR server.

    CDS Hooks answers this with 412 Precondition Failed (docs/architecture.md, web layer).
    """

    code = "data-unavailable"
