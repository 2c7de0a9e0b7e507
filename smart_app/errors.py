"""What can go wrong in a SMART launch or session, each with what the clinician is told.

Every error here is shown as an HTML page (``smart_app/views.py``) with its status; the message
is written for the person in front of the screen and never quotes a token, a code or patient
data. The log line carries only the error's ``code``.
"""

from __future__ import annotations

from service.errors import ServiceError


class SmartError(ServiceError):
    """A launch or a session cannot go on; ``status`` is the HTTP status of the page shown."""

    code = "smart"
    status = 400
    title = "The app cannot continue"


class UnknownIssuer(SmartError):
    """The ``iss`` of a launch is not on the allow-list (refused before it is contacted)."""

    code = "smart-unknown-issuer"
    title = "This EHR is not allowed to launch the app"


class LaunchRequestError(SmartError):
    """The launch or callback request is malformed (no ``iss``, no ``code``...)."""

    code = "smart-bad-request"
    title = "The launch request is not usable"


class StateMismatch(SmartError):
    """The callback's ``state`` is unknown, used, expired, or belongs to another browser."""

    code = "smart-state-mismatch"
    title = "This sign-in answer does not belong to this browser"


class CookieMissing(SmartError):
    """The browser did not send the app's cookie (third-party cookies blocked in the iframe?)."""

    code = "smart-cookie-missing"
    title = "Your browser did not send the app's cookie"


class AuthorizationDenied(SmartError):
    """The EHR answered the authorization request with an error (e.g. the user said no)."""

    code = "smart-authorization-denied"
    status = 403
    title = "The EHR did not authorize the app"


class DiscoveryError(SmartError):
    """The EHR's SMART configuration cannot be read or is not usable."""

    code = "smart-discovery"
    status = 502
    title = "The EHR's SMART configuration is not usable"


class TokenError(SmartError):
    """The token endpoint refused the code or the refresh token, or answered nonsense."""

    code = "smart-token"
    status = 502
    title = "The EHR did not give the app access"


class IdentityError(SmartError):
    """The ``id_token`` does not verify (signature, issuer, audience, expiry or nonce)."""

    code = "smart-identity"
    status = 502
    title = "The EHR's statement of who you are does not verify"


class SessionExpired(SmartError):
    """No session under this id (never made, ended, or expired): launch again."""

    code = "smart-session-expired"
    status = 401
    title = "Your session with the app has ended"


class SessionForbidden(SmartError):
    """The session exists but belongs to another browser (its cookie does not match)."""

    code = "smart-session-forbidden"
    status = 403
    title = "This session belongs to another browser"


class CsrfRefused(SmartError):
    """A state-changing request without this session's form token, or from another site."""

    code = "smart-csrf"
    status = 403
    title = "The form could not be accepted"
