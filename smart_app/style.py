"""The EHR's look: ``smart_style_url`` fetched, checked, and served as CSS custom properties.

SMART App Launch 2.2 (app-launch.md, "Styling"; experimental): the token response may carry
``smart_style_url``, a JSON document of colours, dimensions and fonts (``color_background``,
``color_text``, ``dim_font_size``, ``font_family_body``...). The app fetches it from its server,
and only from one of the EHR's own origins (the FHIR server or its authorization server):
following any URL a token response names would let it point the app at internal addresses.
Every value must look like what its name says; anything else is dropped, so a style can never
inject CSS. Urgency colours stay the app's own: an EHR palette must not make an emergency look
routine.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import urlsplit

from service.config.parsers import is_loopback
from service.fetch import FetchFailed, get_json

log = logging.getLogger("noms_cds.smart")

_COLOUR = re.compile(
    r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\(\s*\d{1,3}%?(\s*,\s*\d{1,3}%?){2}(\s*,\s*[01]?\.?\d*)?\s*\)"
)
_DIMENSION = re.compile(r"\d{1,3}(\.\d{1,3})?(px|em|rem|pt)")
_FONT = re.compile(r"[A-Za-z0-9 ,\-\"']{1,120}")
# SMART style name -> (CSS custom property, pattern)
STYLE_PROPERTIES: Final[dict[str, tuple[str, re.Pattern[str]]]] = {
    "color_background": ("--ehr-background", _COLOUR),
    "color_text": ("--ehr-text", _COLOUR),
    "color_highlight": ("--ehr-highlight", _COLOUR),
    "color_error": ("--ehr-error", _COLOUR),
    "color_success": ("--ehr-success", _COLOUR),
    "dim_border_radius": ("--ehr-radius", _DIMENSION),
    "dim_font_size": ("--ehr-font-size", _DIMENSION),
    "dim_spacing_size": ("--ehr-spacing", _DIMENSION),
    "font_family_body": ("--ehr-font-body", _FONT),
    "font_family_heading": ("--ehr-font-heading", _FONT),
}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def checked_style(document: Any) -> dict[str, str]:
    """The values of a SMART style document that look like what their names say."""
    if not isinstance(document, dict):
        return {}
    return {
        name: document[name].strip()
        for name, (_, pattern) in STYLE_PROPERTIES.items()
        if isinstance(document.get(name), str) and pattern.fullmatch(document[name].strip())
    }


def fetch_style(url: Any, ehr_urls: Iterable[str], timeout: float) -> dict[str, str]:
    """The EHR's style, or nothing when the URL is not the EHR's or cannot be read."""
    if not isinstance(url, str) or not url:
        return {}
    parts = urlsplit(url)
    allowed = {_origin(u) for u in ehr_urls}
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and is_loopback(parts.hostname or "")
    )
    if not secure or _origin(url) not in allowed or parts.username or parts.password:
        log.info("smart_style_url ignored: not one of the EHR's origins")
        return {}
    try:
        return checked_style(get_json(url, timeout, max_bytes=16 * 1024))
    except FetchFailed as exc:
        log.info("smart_style_url unreadable", extra={"reason": str(exc)})
        return {}


def style_css(style: dict[str, str]) -> str:
    """CSS custom properties for the page (``:root { --ehr-text: ...; }``)."""
    lines = [
        f"  {STYLE_PROPERTIES[name][0]}: {value};"
        for name, value in style.items()
        if name in STYLE_PROPERTIES and STYLE_PROPERTIES[name][1].fullmatch(value)
    ]
    return ":root {\n" + "\n".join(lines) + "\n}\n"
