"""Webhook signatures: what a receiver accepts and refuses."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from service.alerts.errors import SignatureError
from service.alerts.signing import sign, verify

SECRET = "whsec-test-0123456789abcdef0123"
BODY = b'{"id":"alert-T9-urgent-a48863854502d538ad3b2258e3ab8b1e","tier":"urgent"}'
NOW = 1_780_000_000


def test_a_signature_verifies_and_matches_the_documented_scheme():
    header = sign(BODY, SECRET, timestamp=NOW)
    # docs/alerts.md: HMAC-SHA256(secret, "<t>." + body), hex, as "t=<t>,v1=<hex>".
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"
    assert verify(BODY, header, SECRET, now=NOW + 10) == NOW


@pytest.mark.parametrize(
    "body",
    [
        BODY.replace(b"urgent", b"routine"),
        BODY + b" ",
        BODY[:-1],
        b"",
    ],
    ids=["changed-value", "appended-space", "truncated", "empty"],
)
def test_a_tampered_body_fails(body: bytes):
    header = sign(BODY, SECRET, timestamp=NOW)
    with pytest.raises(SignatureError) as caught:
        verify(body, header, SECRET, now=NOW)
    assert caught.value.reason == "mismatch"


def test_a_wrong_secret_fails():
    header = sign(BODY, SECRET, timestamp=NOW)
    with pytest.raises(SignatureError) as caught:
        verify(BODY, header, "another-secret-0123456789abcdef", now=NOW)
    assert caught.value.reason == "mismatch"


def test_a_changed_timestamp_fails_even_inside_the_window():
    header = sign(BODY, SECRET, timestamp=NOW).replace(f"t={NOW}", f"t={NOW + 1}")
    with pytest.raises(SignatureError) as caught:
        verify(BODY, header, SECRET, now=NOW)
    assert caught.value.reason == "mismatch"


@pytest.mark.parametrize(
    "offset", [301, 3600, -301], ids=["just-stale", "replayed-later", "future"]
)
def test_a_timestamp_outside_the_tolerance_is_refused(offset: int):
    header = sign(BODY, SECRET, timestamp=NOW)
    with pytest.raises(SignatureError) as caught:
        verify(BODY, header, SECRET, now=NOW + offset)
    assert caught.value.reason == "stale"


def test_the_edge_of_the_window_is_accepted_and_the_window_is_configurable():
    header = sign(BODY, SECRET, timestamp=NOW)
    assert verify(BODY, header, SECRET, now=NOW + 300) == NOW
    with pytest.raises(SignatureError):
        verify(BODY, header, SECRET, now=NOW + 61, tolerance_seconds=60)


def test_rotation_signs_with_both_secrets_and_either_verifies():
    old, new = "old-secret-0123456789abcdef", "new-secret-0123456789abcdef"
    header = sign(BODY, [old, new], timestamp=NOW)
    assert header.count("v1=") == 2
    assert verify(BODY, header, new, now=NOW) == NOW
    assert verify(BODY, header, old, now=NOW) == NOW
    # A receiver mid-rotation accepts a header signed with only one of its secrets.
    assert verify(BODY, sign(BODY, old, timestamp=NOW), [new, old], now=NOW) == NOW


def test_unknown_schemes_are_ignored_for_forward_compatibility():
    header = sign(BODY, SECRET, timestamp=NOW) + ",v2=something-newer"
    assert verify(BODY, header, SECRET, now=NOW) == NOW


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "v1=" + "0" * 64,
        f"t={NOW}",
        f"t={NOW},v1=short",
        f"t={NOW},v1=" + "g" * 64,
        f"t=-5,v1={'0' * 64}",
        f"t={NOW},t={NOW},v1={'0' * 64}",
        f"t={NOW};v1={'0' * 64}",
        f"t={NOW}," + ",".join(["v1=" + "0" * 64] * 9),
        "t=1," + "x" * 2000,
    ],
    ids=[
        "absent",
        "empty",
        "no-timestamp",
        "no-signature",
        "short-signature",
        "not-hex",
        "negative-time",
        "two-timestamps",
        "wrong-separator",
        "too-many-signatures",
        "oversized",
    ],
)
def test_malformed_headers_are_refused(header: str | None):
    with pytest.raises(SignatureError) as caught:
        verify(BODY, header, SECRET, now=NOW)
    assert caught.value.reason == "malformed"


def test_short_secrets_are_refused_on_both_sides():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        sign(BODY, "short")
    with pytest.raises(ValueError, match="at least 16 bytes"):
        verify(BODY, sign(BODY, SECRET), "short")
    with pytest.raises(ValueError):
        sign(BODY, [])


def test_the_example_in_the_docs_verifies():
    # docs/alerts.md, "Signed webhooks": a receiver implementer checks their code against it.
    docs = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text(encoding="utf-8")
    body = b'{"id":"alert-T9-emergent-1f26f84e0db39518816d4718c7b96400","tier":"emergent"}'
    header = sign(body, "example-secret-0123456789abcdef", timestamp=1780000000)
    assert f"X-NOMS-Signature: {header}" in docs
    assert body.decode() in docs
