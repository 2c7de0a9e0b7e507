"""Where credentials may go (service.fhir.origins) and what server text may be shown
(service.fhir.untrusted)."""

from __future__ import annotations

import pytest

from service.fhir.origins import FhirBase, origin_of
from service.fhir.untrusted import REDACTED, clean_text

BASE = FhirBase.parse("https://ehr.example:8443/r4/fhir/")


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("https://ehr.example:8443/r4/fhir", True),
        ("https://ehr.example:8443/r4/fhir/", True),
        ("https://EHR.example:8443/r4/fhir/Patient/1?x=y", True),
        ("HTTPS://ehr.example:8443/r4/fhir/Observation?_getpages=abc", True),
        ("http://ehr.example:8443/r4/fhir/Patient/1", False),  # scheme
        ("https://ehr.example/r4/fhir/Patient/1", False),  # port (443 is not 8443)
        ("https://other.example:8443/r4/fhir/Patient/1", False),  # host
        ("https://ehr.example.evil:8443/r4/fhir/Patient/1", False),
        ("https://ehr.example:8443/r4/fhirx/Patient/1", False),  # a longer path is not under
        ("https://ehr.example:8443/r4/Patient/1", False),
        ("https://ehr.example:8443/r4/fhir/../admin", False),  # dot segments
        ("https://ehr.example:8443/r4/fhir/%2e%2e/admin", False),
        ("https://user:pw@ehr.example:8443/r4/fhir/Patient/1", False),  # user information
        ("https://ehr.example:8443@evil.example/r4/fhir/Patient/1", False),
        ("https://ehr.example:99999/r4/fhir", False),  # not a port
        ("/r4/fhir/Patient/1", False),  # not absolute
    ],
)
def test_what_lies_under_the_base(url: str, inside: bool):
    assert BASE.contains(url) is inside


def test_default_ports_count_as_given():
    base = FhirBase.parse("https://ehr.example/fhir")
    assert base.contains("https://ehr.example:443/fhir/Patient/1")
    assert not base.contains("https://ehr.example:444/fhir/Patient/1")
    assert FhirBase.parse("http://127.0.0.1:8090/fhir").is_loopback
    assert not base.is_loopback


@pytest.mark.parametrize(
    "url",
    [
        "ftp://ehr.example/fhir",
        "ehr.example/fhir",
        "https://user@ehr.example/fhir",
        "https://ehr.example/fhir?tenant=1",
        "https://ehr.example/fhir#x",
        "https://ehr.example/a/../fhir",
    ],
)
def test_unusable_bases_are_refused(url: str):
    with pytest.raises(ValueError, match="the FHIR base must"):
        FhirBase.parse(url)


def test_links_resolve_against_the_page_that_held_them():
    page = "https://ehr.example:8443/r4/fhir/Condition?patient=1"
    assert (
        BASE.resolve("?page=2", against=page) == "https://ehr.example:8443/r4/fhir/Condition?page=2"
    )
    assert BASE.resolve("Patient/1") == "https://ehr.example:8443/r4/fhir/Patient/1"
    assert BASE.resolve("/elsewhere") == "https://ehr.example:8443/elsewhere"


def test_origins_are_named_without_path_or_query():
    assert origin_of("https://evil.example:8443/fhir/Patient/123?patient=9") == (
        "https://evil.example:8443"
    )
    assert origin_of("no-scheme") == "(a URL without a host)"
    assert origin_of("https://ehr.example:99999/") == "(an unreadable URL)"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain words", "plain words"),
        ("\x1b[2J\x1b[31mred\x1b[0m", "[2J [31mred [0m"),
        ("title\x1b]0;pwned\x07 end", "title ]0;pwned end"),
        ("one\nline\r\nonly\ttabs", "one line only tabs"),
        ("left\u202eright\u2066x\u200by", "left right x y"),
        ("\x00\x7f\x9f", ""),
        (12345, "12345"),
        ({"not": "text"}, "{'not': 'text'}"),
    ],
)
def test_server_text_loses_its_control_characters(text, shown: str):
    assert clean_text(text) == shown


def test_server_text_is_bounded_and_redacted():
    token = "abcdefghijklmnop"
    text = f"bad token {token}; " * 200
    shown = clean_text(text, secrets=[token], limit=50)
    assert len(shown) == 50 and shown.endswith("…")
    assert token not in shown and shown.startswith(f"bad token {REDACTED};")
    # A secret split by the cut is never half shown: redaction comes first.
    assert token[:8] not in clean_text("x" * 45 + token, secrets=[token], limit=50)
