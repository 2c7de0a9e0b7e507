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
    """408, 429, 5xx, a timeout or a broken connection, still failing after the retries."""

    code = "fhir-temporary"


class FhirRequestError(FhirError):
    """Any other 4xx: the server refused the request as made (e.g. an unsupported search)."""

    code = "fhir-request"


class FhirInvalidResponse(FhirError):
    """The server answered 2xx with something that is not the FHIR JSON expected."""

    code = "fhir-invalid-response"


class AuthConfigurationError(ConfigurationError):
    """Authentication settings that cannot work (e.g. a key that is not RS384/ES384-capable)."""


class RequestError(ServiceError):
    """The request cannot be processed as sent; the caller must change it (HTTP 400 family)."""

    code = "invalid-request"


class InvalidJson(RequestError):
    """The body is not JSON (or not UTF-8, or uses NaN/Infinity)."""

    code = "invalid-json"


class JsonTooDeep(RequestError):
    """The JSON nests deeper than the configured limit (refused before parsing)."""

    code = "json-too-deep"


class UnsupportedMediaType(RequestError):
    """The body is not declared as a media type the endpoint reads (HTTP 415)."""

    code = "unsupported-media-type"


class Unauthenticated(ServiceError):
    """The caller did not prove who it is (HTTP 401, answered without detail).

    Attributes:
        reason: A short reason code for the log (never the token), e.g. ``"expired"``.
    """

    code = "unauthenticated"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotConfigured(ServiceError):
    """The deployment is not set up for what was asked (e.g. no EHR for live assessments)."""

    code = "not-configured"


class DataUnavailable(ServiceError):
    """The data a decision needs can be had neither from the request nor from a FHIR server.

    CDS Hooks answers this with 412 Precondition Failed (docs/architecture.md, web layer).
    """

    code = "data-unavailable"
