"""CDS client JWTs (CDS Hooks 2.0 §Trusting CDS Clients): what is accepted and every refusal.

The spec's own test vector and the CDS Hooks sandbox's published key are the reference tokens
(tests/data/cds-hooks/ORIGIN.md).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from joserfc.jwk import ECKey, RSAKey

from service.cds.jwks import JwksUnavailable, KeySource
from service.cds.jwt import JwtVerifier
from service.config import load_settings
from service.errors import Unauthenticated
from service.storage.keyvalue import RedisStore, SqliteStore
from tests.cds import tokens
from tests.cds.tokens import SANDBOX_ISSUER, SANDBOX_JKU, SPEC_AUDIENCE, SPEC_ISSUER

AUD = "https://cds.example.org/cds-services/spine-mets-noms"
SPEC_EXP, SPEC_IAT = 1422568860, 1311280970  # from jwt-example-payload.json


class FakeFetch:
    """Serves JWKS by URL and counts the fetches (the real fetch is tested over HTTP)."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self.calls: list[str] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.calls.append(url)
        if url not in self.documents:
            raise JwksUnavailable("HTTP 404")
        return self.documents[url]


def verifier(tmp_path: Path, issuers: dict, *, clock=time.time, fetch=None, store=None, **settings):
    values = {"NOMS_STATE_DIR": str(tmp_path), "NOMS_CDS_ISSUERS": json.dumps(issuers)}
    values.update({f"NOMS_{name}": str(value) for name, value in settings.items()})
    config = load_settings(values)
    store = store or SqliteStore(tmp_path / "kv.sqlite3", clock=clock)
    fetch = fetch or FakeFetch({SANDBOX_JKU: tokens.sandbox_public_jwks()})
    keys = KeySource(store, config.cds_jwks_cache_seconds, fetch=fetch, clock=clock)
    return JwtVerifier(config, store, keys, clock=clock)


def refused(check: JwtVerifier, token: str | None, audience: str = AUD) -> str:
    with pytest.raises(Unauthenticated) as caught:
        check.verify(None if token is None else f"Bearer {token}", audience)
    return caught.value.reason


SANDBOX_TRUST = {SANDBOX_ISSUER: {"jku": [SANDBOX_JKU]}}


@pytest.fixture(scope="module")
def sandbox_key() -> ECKey:
    return tokens.sandbox_private_key()


# ---- the specification's test vector --------------------------------------------------------


def spec_verifier(tmp_path: Path, clock) -> JwtVerifier:
    return verifier(
        tmp_path,
        {SPEC_ISSUER: {"jwks": tokens.spec_public_jwks()}},
        clock=clock,
        CDS_MAX_TOKEN_LIFETIME=86400,
    )


def test_spec_vector_is_refused_as_expired_today(tmp_path: Path):
    assert (
        refused(spec_verifier(tmp_path, time.time), tokens.spec_token(), SPEC_AUDIENCE) == "expired"
    )


def test_spec_vector_is_accepted_with_the_clock_set_back(tmp_path: Path):
    # Its lifetime (iat 2011, exp 2015) is far beyond any sane limit, so the clock is set to a
    # day before it expires (the lifetime check looks at exp - now).
    check = spec_verifier(tmp_path, lambda: SPEC_EXP - 3600)
    caller = check.verify(f"Bearer {tokens.spec_token()}", SPEC_AUDIENCE)
    assert caller.issuer == SPEC_ISSUER
    assert caller.tenant == "2ddd6c3a-8e9a-44c6-a305-52111ad302a2"
    assert caller.expires_at == SPEC_EXP


def test_spec_vector_with_the_clock_set_back_is_still_refused_for_another_endpoint(tmp_path: Path):
    check = spec_verifier(tmp_path, lambda: SPEC_EXP - 3600)
    assert refused(check, tokens.spec_token(), AUD) == "wrong-audience"


def test_spec_vector_is_refused_before_it_was_issued(tmp_path: Path):
    check = spec_verifier(tmp_path, lambda: SPEC_IAT - 3600)
    assert refused(check, tokens.spec_token(), SPEC_AUDIENCE) == "iat-in-future"


# ---- the CDS Hooks sandbox's key ------------------------------------------------------------


def test_sandbox_token_is_accepted_when_its_issuer_is_allowed(tmp_path: Path, sandbox_key):
    fetch = FakeFetch({SANDBOX_JKU: tokens.sandbox_public_jwks()})
    check = verifier(tmp_path, SANDBOX_TRUST, fetch=fetch)
    caller = check.verify(f"Bearer {tokens.sign(sandbox_key, AUD)}", AUD)
    assert caller.issuer == SANDBOX_ISSUER
    check.verify(f"bearer {tokens.sign(sandbox_key, [AUD, 'https://other'])}", AUD)
    assert fetch.calls == [SANDBOX_JKU]  # fetched once, then from the shared store


def test_sandbox_token_with_keys_on_record_needs_no_fetch(tmp_path: Path, sandbox_key):
    fetch = FakeFetch({})
    check = verifier(
        tmp_path, {SANDBOX_ISSUER: {"jwks": tokens.sandbox_public_jwks()}}, fetch=fetch
    )
    check.verify(
        f"Bearer {tokens.sign(sandbox_key, AUD)}", AUD
    )  # its jku is neither listed nor used
    assert fetch.calls == []


def test_rs384_is_accepted(tmp_path: Path):
    key = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    check = verifier(tmp_path, {"https://ehr.example.org": {"jwks": tokens.public_jwks(key)}})
    token = tokens.sign(
        key, AUD, issuer="https://ehr.example.org", kid="rsa-1", jku=None, alg="RS384"
    )
    assert check.verify(f"Bearer {token}", AUD).issuer == "https://ehr.example.org"


# ---- refusals -------------------------------------------------------------------------------


def test_wrong_audience(tmp_path: Path, sandbox_key):
    check = verifier(tmp_path, SANDBOX_TRUST)
    assert refused(check, tokens.sign(sandbox_key, AUD + "-other")) == "wrong-audience"
    assert (
        refused(check, tokens.sign(sandbox_key, "https://cds.example.org/cds-services"))
        == "wrong-audience"
    )
    assert refused(check, tokens.sign(sandbox_key, [AUD + "/feedback"])) == "wrong-audience"


def test_unknown_issuer(tmp_path: Path, sandbox_key):
    check = verifier(tmp_path, SANDBOX_TRUST)
    assert (
        refused(check, tokens.sign(sandbox_key, AUD, issuer="https://evil.example.org"))
        == "issuer-not-allowed"
    )
    assert refused(check, tokens.sign(sandbox_key, AUD, issuer=None)) == "issuer-not-allowed"


def test_alg_none(tmp_path: Path):
    check = verifier(tmp_path, SANDBOX_TRUST)
    assert refused(check, tokens.unsigned(AUD)) == "alg-not-allowed"


def test_hs256_keyed_with_the_public_key(tmp_path: Path):
    check = verifier(tmp_path, {SANDBOX_ISSUER: {"jwks": tokens.sandbox_public_jwks()}})
    token = tokens.hs256_with_public_key(AUD, tokens.sandbox_public_jwks())
    assert refused(check, token) == "alg-not-allowed"


def test_es384_header_over_an_hs256_signature_is_a_bad_signature(tmp_path: Path):
    check = verifier(tmp_path, {SANDBOX_ISSUER: {"jwks": tokens.sandbox_public_jwks()}})
    _head, body, signature = tokens.hs256_with_public_key(AUD, tokens.sandbox_public_jwks()).split(
        "."
    )
    es_head = tokens.b64(
        json.dumps({"alg": "ES384", "typ": "JWT", "kid": tokens.SANDBOX_KID}).encode()
    )
    assert refused(check, f"{es_head}.{body}.{signature}") == "bad-signature"


def test_signed_by_another_key(tmp_path: Path):
    impostor = ECKey.generate_key("P-384", parameters={"kid": tokens.SANDBOX_KID})
    check = verifier(tmp_path, SANDBOX_TRUST)
    assert refused(check, tokens.sign(impostor, AUD)) == "bad-signature"


def test_replayed_jti(tmp_path: Path, sandbox_key):
    check = verifier(tmp_path, SANDBOX_TRUST)
    token = tokens.sign(sandbox_key, AUD)
    check.verify(f"Bearer {token}", AUD)
    assert refused(check, token) == "replayed"
    # a new token that reuses the jti is a replay too
    assert (
        refused(
            check,
            tokens.sign(
                sandbox_key,
                AUD,
                jti=json.loads(tokens.base64.urlsafe_b64decode(token.split(".")[1] + "=="))["jti"],
            ),
        )
        == "replayed"
    )


def test_replayed_jti_across_replicas_sharing_redis(tmp_path: Path, sandbox_key, redis_url: str):
    # Two verifiers, as in two replicas on two machines, with only Redis in common.
    first = verifier(tmp_path / "a", SANDBOX_TRUST, store=RedisStore(redis_url))
    second = verifier(tmp_path / "b", SANDBOX_TRUST, store=RedisStore(redis_url))
    token = tokens.sign(sandbox_key, AUD)
    first.verify(f"Bearer {token}", AUD)
    assert refused(second, token) == "replayed"
    assert refused(first, token) == "replayed"


def test_unlisted_jku(tmp_path: Path, sandbox_key):
    fetch = FakeFetch({})
    check = verifier(tmp_path, SANDBOX_TRUST, fetch=fetch)
    assert (
        refused(check, tokens.sign(sandbox_key, AUD, jku="https://evil.example.org/jwks.json"))
        == "jku-not-allowed"
    )
    assert (
        refused(check, tokens.sign(sandbox_key, AUD, jku=SANDBOX_JKU + "/../evil"))
        == "jku-not-allowed"
    )
    assert fetch.calls == []  # nothing was fetched from the unlisted URL


def test_no_jku_and_no_keys_on_record(tmp_path: Path, sandbox_key):
    check = verifier(tmp_path, SANDBOX_TRUST)
    assert refused(check, tokens.sign(sandbox_key, AUD, jku=None)) == "no-keys"


def test_expired(tmp_path: Path, sandbox_key):
    check = verifier(tmp_path, SANDBOX_TRUST, CDS_CLOCK_SKEW=30)
    now = time.time()
    assert (
        refused(check, tokens.sign(sandbox_key, AUD, now=now - 400)) == "expired"
    )  # exp 100 s ago
    check.verify(f"Bearer {tokens.sign(sandbox_key, AUD, now=now - 320)}", AUD)  # within the skew


def test_missing_time_claims(tmp_path: Path, sandbox_key):
    check = verifier(tmp_path, SANDBOX_TRUST)
    assert refused(check, tokens.sign(sandbox_key, AUD, exp=None)) == "exp-missing"
    assert refused(check, tokens.sign(sandbox_key, AUD, iat=None)) == "iat-missing"
    assert refused(check, tokens.sign(sandbox_key, AUD, exp="tomorrow")) == "exp-missing"
    assert refused(check, tokens.sign(sandbox_key, AUD, jti=None)) == "jti-missing"
    assert refused(check, tokens.sign(sandbox_key, AUD, jti="")) == "jti-missing"


def test_future_iat_nbf_and_long_lifetime(tmp_path: Path, sandbox_key):
    check = verifier(tmp_path, SANDBOX_TRUST, CDS_CLOCK_SKEW=60, CDS_MAX_TOKEN_LIFETIME=3600)
    now = time.time()
    assert refused(check, tokens.sign(sandbox_key, AUD, iat=int(now) + 600)) == "iat-in-future"
    assert refused(check, tokens.sign(sandbox_key, AUD, nbf=int(now) + 600)) == "not-yet-valid"
    assert refused(check, tokens.sign(sandbox_key, AUD, lifetime=7200)) == "lifetime-too-long"


def test_kid_matching_no_key_and_missing_kid(tmp_path: Path, sandbox_key):
    fetch = FakeFetch({SANDBOX_JKU: tokens.sandbox_public_jwks()})
    check = verifier(tmp_path, SANDBOX_TRUST, fetch=fetch)
    assert refused(check, tokens.sign(sandbox_key, AUD, kid="no-such-kid")) == "kid-unknown"
    assert refused(check, tokens.sign(sandbox_key, AUD, kid="another-unknown")) == "kid-unknown"
    assert fetch.calls == [SANDBOX_JKU]  # an unknown kid does not make every request refetch
    assert refused(check, tokens.sign(sandbox_key, AUD, kid=None)) == "kid-missing"
    inline = verifier(tmp_path / "inline", {SANDBOX_ISSUER: {"jwks": tokens.sandbox_public_jwks()}})
    assert refused(inline, tokens.sign(sandbox_key, AUD, kid="no-such-kid")) == "kid-unknown"


def test_rotated_key_is_found_after_the_refresh_interval(tmp_path: Path):
    clock_now = [time.time()]
    old = ECKey.generate_key("P-384", parameters={"kid": "old"})
    new = ECKey.generate_key("P-384", parameters={"kid": "new"})
    fetch = FakeFetch({SANDBOX_JKU: tokens.public_jwks(old)})
    check = verifier(tmp_path, SANDBOX_TRUST, fetch=fetch, clock=lambda: clock_now[0])
    check.verify(f"Bearer {tokens.sign(old, AUD, kid='old', now=clock_now[0])}", AUD)
    fetch.documents[SANDBOX_JKU] = tokens.public_jwks(old, new)
    assert refused(check, tokens.sign(new, AUD, kid="new", now=clock_now[0])) == "kid-unknown"
    clock_now[0] += 61
    check.verify(f"Bearer {tokens.sign(new, AUD, kid='new', now=clock_now[0])}", AUD)
    assert len(fetch.calls) == 2


def test_a_cached_jwks_is_imported_once_per_text_and_read_from_the_shared_store(
    tmp_path: Path, sandbox_key, monkeypatch
):
    from service.cds import jwks

    jwks._cached_entry.cache_clear()
    imports: list[int] = []
    real_import = jwks._import
    monkeypatch.setattr(jwks, "_import", lambda doc: imports.append(1) or real_import(doc))
    fetch = FakeFetch({SANDBOX_JKU: tokens.sandbox_public_jwks()})
    store = SqliteStore(tmp_path / "kv.sqlite3")
    first = verifier(tmp_path, SANDBOX_TRUST, fetch=fetch, store=store)
    for _ in range(3):
        first.verify(f"Bearer {tokens.sign(sandbox_key, AUD)}", AUD)
    # Another worker sharing the store: no fetch, and the same cached text is not re-imported.
    other = verifier(tmp_path, SANDBOX_TRUST, fetch=fetch, store=store)
    other.verify(f"Bearer {tokens.sign(sandbox_key, AUD)}", AUD)
    assert fetch.calls == [SANDBOX_JKU]
    assert len(imports) == 2  # once when fetched, once for the cached text
    # The store stays the authority: an entry gone from it is fetched again.
    store.delete("jwks:" + hashlib.sha256(SANDBOX_JKU.encode()).hexdigest())
    other.verify(f"Bearer {tokens.sign(sandbox_key, AUD)}", AUD)
    assert fetch.calls == [SANDBOX_JKU] * 2


def test_failed_fetch_is_not_retried_at_once(tmp_path: Path, sandbox_key):
    fetch = FakeFetch({})
    check = verifier(tmp_path, SANDBOX_TRUST, fetch=fetch)
    assert refused(check, tokens.sign(sandbox_key, AUD)) == "jwks-unavailable"
    assert refused(check, tokens.sign(sandbox_key, AUD)) == "jwks-unavailable"
    assert fetch.calls == [SANDBOX_JKU]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic dXNlcjpwdw==",
        "Bearer",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer " + "a" * 9000,
    ],
)
def test_malformed_authorization(tmp_path: Path, authorization: str | None):
    check = verifier(tmp_path, SANDBOX_TRUST)
    with pytest.raises(Unauthenticated):
        check.verify(authorization, AUD)


def test_typ_other_than_jwt(tmp_path: Path, sandbox_key):
    from joserfc import jwt as jose_jwt

    check = verifier(tmp_path, SANDBOX_TRUST)
    now = int(time.time())
    token = jose_jwt.encode(
        {"alg": "ES384", "typ": "at+jwt", "kid": tokens.SANDBOX_KID, "jku": SANDBOX_JKU},
        {"iss": SANDBOX_ISSUER, "aud": AUD, "exp": now + 60, "iat": now, "jti": "x"},
        sandbox_key,
        algorithms=["ES384"],
    )
    assert refused(check, token) == "typ-not-jwt"


def test_refusals_are_logged_with_a_reason_and_never_the_token(tmp_path: Path, sandbox_key, caplog):
    check = verifier(tmp_path, SANDBOX_TRUST)
    token = tokens.sign(sandbox_key, AUD + "-other")
    logger = logging.getLogger("noms_cds.cds")  # the app's "noms_cds" logger does not propagate
    logger.addHandler(caplog.handler)
    try:
        refused(check, token)
    finally:
        logger.removeHandler(caplog.handler)
    record = next(r for r in caplog.records if r.name == "noms_cds.cds")
    assert record.reason == "wrong-audience" and record.issuer == SANDBOX_ISSUER
    assert token not in caplog.text and token.split(".")[2] not in caplog.text
