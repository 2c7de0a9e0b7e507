"""Security headers for every response, and CORS for the CDS Hooks routes.

The service is embedded in EHRs (the SMART app runs in an iframe), so framing is governed by the
CSP ``frame-ancestors`` list from the settings and ``X-Frame-Options`` is never sent: ``DENY``
would break the EHR's iframe and ``ALLOW-FROM`` is obsolete. CDS Hooks clients may call from a
browser (the CDS Hooks sandbox does, with an ``Authorization`` header, so a preflight comes
first); CDS Hooks 2.0 §CORS leaves the details to the service.
"""

from __future__ import annotations

from typing import Final

from flask import Request, Response

from service.config import Settings

HSTS: Final = "max-age=31536000"
CORS_METHODS: Final = "GET, POST, OPTIONS"
CORS_HEADERS: Final = "Authorization, Content-Type, X-Request-ID"
CORS_MAX_AGE: Final = "600"


def content_security_policy(settings: Settings, **directives: str) -> str:
    """The CSP for a response: nothing loads by default; framing by the allowed ancestors.

    Args:
        settings: Where ``frame-ancestors`` comes from.
        directives: Further directives (``script_src="'self'"`` becomes ``script-src 'self'``), for
            surfaces that serve HTML.
    """
    policy = {"default-src": "'none'", "base-uri": "'none'", "form-action": "'none'"}
    policy.update({name.replace("_", "-"): value for name, value in directives.items()})
    policy["frame-ancestors"] = " ".join(settings.frame_ancestors)
    return "; ".join(f"{name} {value}" for name, value in policy.items())


def add_security_headers(response: Response, settings: Settings) -> Response:
    """Set the headers every response carries (a view may set its own CSP first)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(settings))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers.setdefault("Cache-Control", "no-store")  # answers are about patients
    if settings.https:
        headers["Strict-Transport-Security"] = HSTS
    return response


def add_cors_headers(response: Response, request: Request, settings: Settings) -> Response:
    """Allow the configured browser origins on a CDS route, and answer preflights."""
    origin = request.headers.get("Origin")
    if not origin:
        return response
    if settings.cds_cors_origins == ("*",):
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin in settings.cds_cors_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.vary.add("Origin")
    else:
        return response
    response.headers["Access-Control-Expose-Headers"] = "X-Request-ID"
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    return response
