"""Helpers for the SMART tests: registered test clients, Authlib sessions, launches, HTML forms."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7523.assertion import private_key_jwt_sign
from joserfc.jwk import KeySet

from sandbox.ehr import RunningEhr, app_registration
from sandbox.smart_auth import ClientRegistration

SMART_DATA = Path(__file__).resolve().parents[1] / "data" / "smart"
APP_ORIGIN = "http://127.0.0.1:1"  # never contacted: the tests read redirects themselves
APP_LAUNCH_URL = f"{APP_ORIGIN}/smart/launch"
APP_REDIRECT_URI = f"{APP_ORIGIN}/smart/callback"

PUBLIC_APP = "noms-cds-smart-app"
SYMMETRIC_APP = "sandbox-symmetric-app"
SYMMETRIC_SECRET = "sandbox-symmetric-secret"
ASYMMETRIC_APP = "sandbox-asymmetric-app"
BACKEND = "sandbox-backend-service"


def load(name: str) -> Any:
    """Parse a file of tests/data/smart."""
    return json.loads((SMART_DATA / name).read_text(encoding="utf-8"))


def published_keys(kind: str, *, private: bool) -> dict[str, Any]:
    """The SMART IG's published test JWKS (RS384 or ES384), public or private."""
    part = "private" if private else "public"
    return load(f"example-jwks-{kind}.{part}-PUBLISHED-TEST-KEY.json")


def private_key(kind: str, *, any_alg: bool = False) -> Any:
    """The private key of a published test JWKS, as a joserfc key.

    The published keys name their algorithm; ``any_alg`` drops it, so that a test can sign
    with one the server must refuse.
    """
    jwks = published_keys(kind, private=True)
    keys = [k for k in jwks["keys"] if "d" in k]
    if any_alg:
        keys = [{k: v for k, v in key.items() if k != "alg"} for key in keys]
    return KeySet.import_key_set({"keys": keys}).keys[0]


def registered_clients() -> tuple[ClientRegistration, ...]:
    """One client of each SMART kind, the public one being the NOMS-CDS app."""
    public_jwks = {
        "keys": published_keys("RS384", private=False)["keys"]
        + published_keys("ES384", private=False)["keys"]
    }
    return (
        app_registration(APP_LAUNCH_URL, [APP_REDIRECT_URI]),
        ClientRegistration(
            SYMMETRIC_APP,
            "confidential-symmetric",
            name="Symmetric test app",
            redirect_uris=(APP_REDIRECT_URI,),
            launch_url=f"{APP_ORIGIN}/symmetric/launch",
            client_secret=SYMMETRIC_SECRET,
        ),
        ClientRegistration(
            ASYMMETRIC_APP,
            "confidential-asymmetric",
            name="Asymmetric test app",
            redirect_uris=(APP_REDIRECT_URI,),
            jwks=public_jwks,
        ),
        ClientRegistration(BACKEND, "backend-service", name="Backend", jwks=public_jwks),
    )


class FreshPrivateKeyJWT(PrivateKeyJWT):
    """Authlib's private_key_jwt with SMART's rules: a new ``jti`` and ``exp`` every time.

    Authlib's default is one hour (and RS256); SMART allows at most five minutes
    (docs/sandbox-ehr.md, the private_key_jwt rule).
    """

    def __init__(self, token_endpoint: str, key: Any, alg: str) -> None:
        super().__init__(token_endpoint, alg=alg)
        self.kid = key.kid

    def sign(self, auth: Any, token_endpoint: str) -> str:
        """Sign a fresh assertion."""
        return private_key_jwt_sign(
            auth.client_secret,
            client_id=auth.client_id,
            token_endpoint=token_endpoint,
            alg=self.alg,
            header={"kid": self.kid, "typ": "JWT"},
            claims={"exp": int(time.time()) + 240},
        )


@dataclass
class Flow:
    """One authorization code flow in progress."""

    session: OAuth2Session
    url: str
    state: str
    verifier: str


def oauth_session(
    ehr: RunningEhr, client_id: str = PUBLIC_APP, scope: str = "launch openid fhirUser"
) -> OAuth2Session:
    """An Authlib client for one of the test clients."""
    token_url = ehr.auth_url + "/token"
    if client_id == SYMMETRIC_APP:
        return OAuth2Session(
            client_id,
            SYMMETRIC_SECRET,
            token_endpoint_auth_method="client_secret_basic",
            redirect_uri=APP_REDIRECT_URI,
            scope=scope,
            code_challenge_method="S256",
        )
    if client_id == ASYMMETRIC_APP:
        key = private_key("RS384")
        session = OAuth2Session(
            client_id,
            key,
            token_endpoint_auth_method="private_key_jwt",
            redirect_uri=APP_REDIRECT_URI,
            scope=scope,
            code_challenge_method="S256",
        )
        session.register_client_auth_method(FreshPrivateKeyJWT(token_url, key, "RS384"))
        return session
    return OAuth2Session(
        client_id,
        token_endpoint_auth_method="none",
        redirect_uri=APP_REDIRECT_URI,
        scope=scope,
        code_challenge_method="S256",
    )


def start_flow(
    ehr: RunningEhr,
    *,
    client_id: str = PUBLIC_APP,
    scope: str = "launch openid fhirUser",
    **params: str,
) -> Flow:
    """Build the authorization URL of a flow (PKCE S256, ``aud`` = the FHIR base)."""
    session = oauth_session(ehr, client_id, scope)
    verifier = generate_token(48)
    params.setdefault("aud", ehr.fhir_base)
    url, state = session.create_authorization_url(
        ehr.auth_url + "/authorize", code_verifier=verifier, **params
    )
    return Flow(session, url, state, verifier)


def redirect_params(response: requests.Response) -> dict[str, str]:
    """The query parameters of a redirect to the app's redirect URI."""
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(APP_REDIRECT_URI + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(ehr: RunningEhr, flow: Flow, response: requests.Response) -> dict[str, Any]:
    """Trade the code of a redirect for tokens with the flow's verifier."""
    assert "code" in redirect_params(response), response.headers["Location"]
    return dict(
        flow.session.fetch_token(
            ehr.auth_url + "/token",
            authorization_response=response.headers["Location"],
            state=flow.state,
            code_verifier=flow.verifier,
        )
    )


def ehr_launch(ehr: RunningEhr, patient: str, user: str = "clinician", **options: Any) -> str:
    """Record an EHR launch of the NOMS-CDS app, as the EHR page does; return ``launch``."""
    options.setdefault("smart_style_url", ehr.root_url + "/smart-style.json")
    return ehr.auth.launch(PUBLIC_APP, user, patient, **options)


def bearer(token: Mapping[str, Any] | str) -> dict[str, str]:
    """The Authorization header for a token response or an access token."""
    value = token if isinstance(token, str) else token["access_token"]
    return {"Authorization": f"Bearer {value}"}


class FormParser(HTMLParser):
    """Collects the forms of a page: action, method and (name, value, type) of each input."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record forms and their fields (a select's options as fields of its name)."""
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"action": values.get("action"), "method": values.get("method")})
            self.forms[-1]["fields"] = []
        elif tag == "select":
            self._select = values.get("name")
        elif tag == "option" and self.forms and self._select:
            self.forms[-1]["fields"].append((self._select, values.get("value"), "option"))
        elif tag in ("input", "button") and self.forms:
            self.forms[-1]["fields"].append(
                (values.get("name"), values.get("value"), values.get("type") or tag)
            )

    def handle_endtag(self, tag: str) -> None:
        """Leave a select."""
        if tag == "select":
            self._select = None


def forms_of(html: str) -> list[dict[str, Any]]:
    """The forms of an HTML page."""
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def field_values(form: Mapping[str, Any], name: str) -> list[str]:
    """Every value offered for one field name in a form."""
    return [value or "" for n, value, _ in form["fields"] if n == name]
