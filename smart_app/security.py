"""The browser side of a session: the cookie, form tokens, same-origin checks, page headers.

- The cookie holds only a random browser id. It must work inside an EHR's iframe, where the app
  is a third party: ``SameSite=None`` (sent in the frame) needs ``Secure``, and ``Partitioned``
  (CHIPS) keeps it to this EHR's frame, so browsers that block unpartitioned third-party cookies
  still send it. ``HttpOnly``: no script reads it. Browsers accept ``Secure`` cookies from
  ``http://127.0.0.1`` and ``http://localhost``, which is how the demo and the tests run; with an
  https public URL the cookie gets the ``__Host-`` prefix (no Domain, Path ``/``, Secure).
- Every state-changing request (POST) must carry the session's form token, and when the browser
  says where it comes from (``Sec-Fetch-Site``, ``Origin``), it must be this app's own origin.
- Pages load nothing but the app's own styles and script (CSP), and may be framed only by the
  configured EHR origins (``NOMS_FRAME_ANCESTORS``).
"""

from __future__ import annotations

import hmac
import re
from typing import Final
from urllib.parse import urlsplit

from flask import Request, Response

from service.config import Settings
from service.web.headers import content_security_policy
from smart_app.errors import CsrfRefused, SessionForbidden
from smart_app.sessions import SmartSession, new_id

COOKIE_NAME: Final = "noms-smart"
SECURE_COOKIE_NAME: Final = "__Host-noms-smart"
CSRF_FIELD: Final = "csrf_token"
_ID: Final = re.compile(r"[A-Za-z0-9_-]{43}")


def cookie_name(settings: Settings) -> str:
    """The cookie's name: with the ``__Host-`` prefix when the app is served over https."""
    return SECURE_COOKIE_NAME if settings.https else COOKIE_NAME


def browser_id(request: Request, settings: Settings) -> str | None:
    """The browser id the request's cookie carries, when it has a well-formed one."""
    value = request.cookies.get(cookie_name(settings), "")
    return value if _ID.fullmatch(value) else None


def set_browser_cookie(response: Response, settings: Settings, browser: str) -> None:
    """Give the browser its id (a session cookie fit for an EHR iframe)."""
    response.set_cookie(
        cookie_name(settings),
        browser,
        path="/",
        secure=True,
        httponly=True,
        samesite="None",
        partitioned=True,
    )


def browser_for_launch(request: Request, settings: Settings) -> tuple[str, bool]:
    """The browser id to bind a new launch to, and whether the cookie must be (re)set."""
    known = browser_id(request, settings)
    return (known, False) if known else (new_id(), True)


def check_owner(request: Request, settings: Settings, session: SmartSession) -> None:
    """The session must belong to the browser asking.

    Raises:
        SessionForbidden: no cookie, or another browser's.
    """
    presented = browser_id(request, settings) or ""
    if not hmac.compare_digest(presented.encode(), session.browser.encode()):
        raise SessionForbidden(
            "This page belongs to a session of another browser, or your browser did not send "
            "the app's cookie. Launch the app again from the EHR."
        )


def public_origin(settings: Settings) -> str:
    """The app's own origin, as browsers send it in ``Origin``."""
    parts = urlsplit(settings.public_base_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_form(request: Request, settings: Settings, session: SmartSession) -> None:
    """A POST must come from this app's page of this session.

    Raises:
        CsrfRefused: another site sent it, or the form token is missing or wrong.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        raise CsrfRefused("The form was sent from another site; nothing was done.")
    origin = request.headers.get("Origin")
    # Pages are served with Referrer-Policy: no-referrer, so browsers send "Origin: null" even
    # on a same-origin form post; that is accepted only when Sec-Fetch-Site (which no page can
    # forge) vouches for the same origin.
    null_ok = origin == "null" and fetch_site == "same-origin"
    if origin is not None and not null_ok and origin.lower() != public_origin(settings):
        raise CsrfRefused("The form was sent from another site; nothing was done.")
    token = request.form.get(CSRF_FIELD, "")
    if not session.csrf or not hmac.compare_digest(token.encode(), session.csrf.encode()):
        raise CsrfRefused(
            "The form did not carry this session's token (it may come from an older page); "
            "nothing was done. Reload the page and try again."
        )


def page_headers(response: Response, settings: Settings) -> Response:
    """CSP for an HTML page of the app: own styles, own script, framed by the EHRs only."""
    response.headers["Content-Security-Policy"] = content_security_policy(
        settings,
        style_src="'self'",
        script_src="'self'",
        img_src="'self'",
        connect_src="'self'",
        form_action="'self'",
    )
    response.headers["Cache-Control"] = "no-store"
    return response
