"""The OAuth 2.0 side of a SMART launch, on Authlib's requests client (``OAuth2Session``).

SMART App Launch 2.2 app-launch.md: the authorization request carries ``response_type=code``,
``client_id``, ``redirect_uri``, ``scope``, ``state``, ``aud`` (the FHIR base), PKCE
``code_challenge`` with ``code_challenge_method=S256`` and, for an EHR launch, ``launch``; the
token request ``grant_type=authorization_code``, ``code``, ``redirect_uri`` and
``code_verifier``. How the client authenticates depends on its registration
(client-confidential-*.md):

- public: ``client_id`` in the body, nothing else (PKCE protects the code);
- confidential-symmetric: HTTP Basic with the client secret (``client_secret_basic``);
- confidential-asymmetric: ``private_key_jwt``, a new assertion for every request (RS384 or
  ES384, ``kid``, ``exp`` under five minutes, a fresh ``jti``): Authlib's own PrivateKeyJWT
  signs RS256 for an hour and reuses its ``jti`` (docs/smart-app.md), so the assertion comes
  from ``service.fhir.auth.client_assertion``.

Refreshing (app-launch.md step 7) sends no ``scope``, so the same grant comes back; a new
refresh token, when sent, replaces the old one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final

import requests
from authlib.common.urls import add_params_to_qs
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc.jwk import ECKey, RSAKey

from service import fetch
from service.config import SmartSettings
from service.errors import InvalidJson
from service.fhir import jsonio
from service.fhir.auth import ASSERTION_TYPE, algorithm_for, client_assertion
from smart_app.discovery import Endpoints
from smart_app.errors import TokenError

log = logging.getLogger("noms_cds.smart")

AUTH_METHOD: Final = {
    "public": "none",
    "confidential-symmetric": "client_secret_basic",
    "confidential-asymmetric": "private_key_jwt",
}
MAX_TOKEN_RESPONSE_BYTES: Final = 64 * 1024  # a token answer is a few KB, id_token included
MAX_TOKEN_RESPONSE_DEPTH: Final = 8


def bounded_token_response(timeout: float) -> Callable[..., requests.Response]:
    """A requests response hook that reads a token endpoint's answer within bounds.

    Authlib reads and parses the answer itself (``response.json()``), whole and without a depth
    limit. Response hooks run before requests reads the body, so this one reads it first: at
    most ``MAX_TOKEN_RESPONSE_BYTES`` within ``timeout`` seconds overall, no deeper than
    ``MAX_TOKEN_RESPONSE_DEPTH``. What it read stays the body Authlib then parses.
    """

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        deadline = time.monotonic() + timeout
        body = fetch.read_body(response, max_bytes=MAX_TOKEN_RESPONSE_BYTES, deadline=deadline)
        try:
            jsonio.loads(
                body, max_bytes=MAX_TOKEN_RESPONSE_BYTES, max_depth=MAX_TOKEN_RESPONSE_DEPTH
            )
        except InvalidJson as exc:
            raise fetch.FetchFailed("not JSON within the bounds") from exc
        response._content = body
        response._content_consumed = True
        return response

    return hook


class SmartOAuthClient:
    """Builds authorization URLs and talks to token endpoints for the app's registration."""

    def __init__(
        self,
        settings: SmartSettings,
        redirect_uri: str,
        key: RSAKey | ECKey | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._key = key
        self._clock = clock

    def public_jwks(self) -> dict[str, Any] | None:
        """The public key of a confidential-asymmetric app as a JWKS (for EHRs that take a URL)."""
        if self._key is None:
            return None
        public = self._key.as_dict(private=False)
        public.setdefault("alg", algorithm_for(self._key))
        public.setdefault("use", "sig")
        return {"keys": [public]}

    def _session(self) -> OAuth2Session:
        method = AUTH_METHOD[self.settings.client_type]
        session = OAuth2Session(
            self.settings.client_id,
            self.settings.client_secret,
            token_endpoint_auth_method=method,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            default_timeout=self.settings.http_timeout,
        )
        session.trust_env = False  # never a .netrc password next to our own credentials
        session.hooks["response"].append(bounded_token_response(self.settings.http_timeout))
        if method == "private_key_jwt":
            session.register_client_auth_method(("private_key_jwt", self._sign_assertion))
        return session

    def _sign_assertion(
        self, auth: Any, method: str, uri: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        """Authlib client-auth hook: add a fresh ``private_key_jwt`` assertion to the body."""
        if self._key is None:  # settings give this client type a key; never sign with nothing
            raise TokenError("The app has no signing key configured.")
        assertion = client_assertion(self._key, auth.client_id, uri, self._clock())
        body = add_params_to_qs(
            body or "", [("client_assertion_type", ASSERTION_TYPE), ("client_assertion", assertion)]
        )
        if "Content-Length" in headers:
            headers["Content-Length"] = str(len(body))
        return uri, headers, body

    def authorization_url(
        self,
        endpoints: Endpoints,
        *,
        state: str,
        code_verifier: str,
        scope: str,
        launch: str | None,
        nonce: str | None,
    ) -> str:
        """The authorization request to send the browser to."""
        extra: dict[str, str] = {"aud": endpoints.fhir_base}
        if launch is not None:
            extra["launch"] = launch
        if nonce is not None:
            extra["nonce"] = nonce
        with self._session() as session:
            url, _ = session.create_authorization_url(
                endpoints.authorize,
                state=state,
                code_verifier=code_verifier,
                scope=scope,
                **extra,
            )
        return url

    def exchange_code(self, token_url: str, code: str, code_verifier: str) -> dict[str, Any]:
        """Trade an authorization code for tokens.

        Raises:
            TokenError: the endpoint refused, failed, or answered without a bearer token.
        """
        with self._session() as session:
            return self._token_call(
                lambda: session.fetch_token(
                    token_url,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
            )

    def refresh(self, token_url: str, refresh_token: str) -> dict[str, Any]:
        """A new access token from a refresh token (no ``scope``: the same grant).

        Raises:
            TokenError: the refresh token was refused (expired, revoked, used) or the call failed.
        """
        with self._session() as session:
            token = self._token_call(
                lambda: session.refresh_token(token_url, refresh_token=refresh_token)
            )
        token.setdefault("refresh_token", refresh_token)
        return token

    def _token_call(self, call: Callable[[], Any]) -> dict[str, Any]:
        try:
            token = dict(call())
        except OAuthError as exc:
            log.warning("token endpoint refused", extra={"error": str(exc.error)[:64]})
            raise TokenError(
                f"The EHR refused to give the app access ({str(exc.error)[:64]}). "
                "Launch the app again."
            ) from exc
        except (requests.RequestException, ValueError, fetch.FetchFailed) as exc:
            log.warning("token endpoint failed", extra={"error": type(exc).__name__})
            raise TokenError(
                "The EHR's token service did not answer properly; try launching again."
            ) from exc
        if not isinstance(token.get("access_token"), str) or not token["access_token"]:
            raise TokenError("The EHR answered without an access token.")
        if str(token.get("token_type", "")).lower() != "bearer":
            raise TokenError("The EHR answered with a token the app cannot use (not Bearer).")
        return token
