"""Sandbox users, client registrations and the settings of the authorization server."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from authlib.oauth2.rfc6749 import ClientMixin
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

#: Where the authorization server's endpoints live below the server root.
AUTH_PREFIX = "/auth"

ClientKind = Literal[
    "public", "confidential-symmetric", "confidential-asymmetric", "backend-service"
]
CLIENT_KINDS: tuple[ClientKind, ...] = (
    "public",
    "confidential-symmetric",
    "confidential-asymmetric",
    "backend-service",
)

#: How each kind authenticates at the token endpoint (SMART App Launch 2.2 client types) and
#: which grants it may use.
AUTH_METHOD: dict[ClientKind, str] = {
    "public": "none",
    "confidential-symmetric": "client_secret_basic",
    "confidential-asymmetric": "private_key_jwt",
    "backend-service": "private_key_jwt",
}
GRANT_TYPES: dict[ClientKind, frozenset[str]] = {
    "public": frozenset({"authorization_code", "refresh_token"}),
    "confidential-symmetric": frozenset({"authorization_code", "refresh_token"}),
    "confidential-asymmetric": frozenset({"authorization_code", "refresh_token"}),
    "backend-service": frozenset({"client_credentials"}),
}

#: Identifier system of the sandbox users' Practitioner resources.
USER_ID_SYSTEM = "http://noms-cds.org/fhir/sid/sandbox-user"


@dataclass(frozen=True, slots=True)
class SandboxUser:
    """Someone who can sign in to the sandbox EHR (there are no passwords: pick and go).

    Attributes:
        id: login name, also the ``sub`` of the ``id_token``.
        given: given name.
        family: family name.
        role: what the person does, shown on the pages and put into
            ``Practitioner.qualification.code.text`` (free text: no code is invented).
        practitioner_id: id of the Practitioner resource seeded for the user (``fhirUser``).
    """

    id: str
    given: str
    family: str
    role: str
    practitioner_id: str

    @property
    def display(self) -> str:
        """Name as shown on the pages."""
        return f"Dr {self.given} {self.family}"

    @property
    def fhir_user(self) -> str:
        """The relative reference of the user's Practitioner resource."""
        return f"Practitioner/{self.practitioner_id}"

    def practitioner(self) -> dict[str, Any]:
        """Return the user's Practitioner resource (R4)."""
        return {
            "resourceType": "Practitioner",
            "id": self.practitioner_id,
            "identifier": [{"system": USER_ID_SYSTEM, "value": self.id}],
            "active": True,
            "name": [{"given": [self.given], "family": self.family, "prefix": ["Dr"]}],
            "qualification": [{"code": {"text": self.role}}],
        }


#: The sandbox staff: the clinician who assesses and saves, and the radiologist a later issue
#: needs (imaging findings entered by the radiologist).
DEFAULT_USERS: tuple[SandboxUser, ...] = (
    SandboxUser("clinician", "Amara", "Okafor", "Spine oncology surgeon", "sandbox-clinician"),
    SandboxUser("radiologist", "Jonas", "Lindgren", "Neuroradiologist", "sandbox-radiologist"),
    SandboxUser(
        "oncologist", "Mei", "Tanaka", "Radiation oncologist", "sandbox-radiation-oncologist"
    ),
)


@dataclass(frozen=True, slots=True)
class ClientRegistration(ClientMixin):
    """A registered client (SMART app-launch.md step 1: registration happens out of band).

    Attributes:
        client_id: the id the client sends.
        kind: ``public`` (PKCE only), ``confidential-symmetric`` (``client_secret_basic``),
            ``confidential-asymmetric`` (``private_key_jwt``) or ``backend-service``
            (``client_credentials`` with ``private_key_jwt``).
        name: shown on the sign-in page and the EHR page.
        redirect_uris: exactly these redirect URIs are accepted (SMART: fully specified).
        launch_url: where the EHR opens the app for an EHR launch; apps without one can only be
            launched standalone.
        client_secret: the shared secret of a symmetric client.
        jwks: the public keys of an asymmetric or backend client (a JWKS).
    """

    client_id: str
    kind: ClientKind
    name: str = ""
    redirect_uris: tuple[str, ...] = ()
    launch_url: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    jwks: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.client_id or not isinstance(self.client_id, str):
            raise ValueError("a client needs a client_id")
        if self.kind not in CLIENT_KINDS:
            raise ValueError(f"client kind must be one of {', '.join(CLIENT_KINDS)}")
        object.__setattr__(self, "redirect_uris", tuple(self.redirect_uris))
        if self.kind != "backend-service" and not self.redirect_uris:
            raise ValueError(f"client {self.client_id} needs at least one redirect URI")
        if self.kind == "confidential-symmetric" and not self.client_secret:
            raise ValueError(f"client {self.client_id} is symmetric and needs a client_secret")
        if self.kind in ("confidential-asymmetric", "backend-service"):
            if not self.jwks:
                raise ValueError(f"client {self.client_id} needs a JWKS of public keys")
            try:
                keys = KeySet.import_key_set(dict(self.jwks))
            except (JoseError, ValueError, TypeError) as exc:
                raise ValueError(f"client {self.client_id}: the JWKS does not load") from exc
            if any(key.is_private for key in keys.keys):
                raise ValueError(f"client {self.client_id}: register public keys only")
            if any(not key.kid for key in keys.keys):
                raise ValueError(f"client {self.client_id}: every key needs a kid")

    @property
    def auth_method(self) -> str:
        """How the client authenticates at the token endpoint."""
        return AUTH_METHOD[self.kind]

    @property
    def display(self) -> str:
        """Name as shown on the pages."""
        return self.name or self.client_id

    # -- Authlib ClientMixin --------------------------------------------------------------------

    def get_client_id(self) -> str:
        """Return the client id."""
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        """No default: SMART authorization requests must carry ``redirect_uri``."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        """Return ``scope`` unchanged; the SMART launch extension decides what is granted."""
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Accept only a registered redirect URI, character for character."""
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        """Compare the secret in constant time."""
        if self.client_secret is None:
            return False
        return hmac.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        """Each client authenticates with its one registered method."""
        if endpoint == "token":
            return method == self.auth_method
        return True

    def check_response_type(self, response_type: str) -> bool:
        """Only the authorization code flow, and not for backend services."""
        return response_type == "code" and self.kind != "backend-service"

    def check_grant_type(self, grant_type: str) -> bool:
        """Grants allowed for the client's kind."""
        return grant_type in GRANT_TYPES[self.kind]


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """Settings of the sandbox authorization server.

    Attributes:
        users: who can sign in.
        clients: the registered clients.
        access_token_lifetime: seconds an access token of a launch lives (SMART: at most 1 h).
        backend_token_lifetime: seconds a Backend Services token lives (SMART: at most 300).
        code_lifetime: seconds an authorization code can be exchanged (SMART: about a minute).
        launch_lifetime: seconds an EHR launch id stays valid.
        id_token_lifetime: seconds an ``id_token`` is valid.
        signing_key_file: a private RSA JWK to sign ``id_token`` s with; a new key is generated
            at every start when not given.
        public_url: the server root as apps and browsers reach it (``http://host:port``); by
            default the root of each request.
    """

    users: tuple[SandboxUser, ...] = DEFAULT_USERS
    clients: tuple[ClientRegistration, ...] = ()
    access_token_lifetime: int = 3600
    backend_token_lifetime: int = 300
    code_lifetime: int = 60
    launch_lifetime: int = 3600
    id_token_lifetime: int = 3600
    signing_key_file: Path | None = None
    public_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "users", tuple(self.users))
        object.__setattr__(self, "clients", tuple(self.clients))
        for what, values in (("user", [u.id for u in self.users]), ("client", self.client_ids)):
            if len(set(values)) != len(values):
                raise ValueError(f"{what} ids must be unique")
        for name in (
            "access_token_lifetime",
            "backend_token_lifetime",
            "code_lifetime",
            "launch_lifetime",
            "id_token_lifetime",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive number of seconds")
        if self.public_url is not None:
            object.__setattr__(self, "public_url", self.public_url.rstrip("/"))

    @property
    def client_ids(self) -> list[str]:
        """The registered client ids."""
        return [c.client_id for c in self.clients]


def client_from_json(data: Mapping[str, Any], base_dir: Path | None = None) -> ClientRegistration:
    """Build a registration from its JSON form.

    Keys: ``client_id``, ``type`` (a client kind), ``name``, ``redirect_uris``, ``launch_url``,
    ``client_secret``, and ``jwks`` (inline) or ``jwks_file`` (relative to ``base_dir``).

    Raises:
        ValueError: unknown keys, a missing field, or a key file that does not load.
    """
    allowed = {
        "client_id",
        "type",
        "name",
        "redirect_uris",
        "launch_url",
        "client_secret",
        "jwks",
        "jwks_file",
    }
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"unknown client field(s): {', '.join(unknown)}")
    jwks = data.get("jwks")
    if data.get("jwks_file"):
        path = Path(data["jwks_file"])
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        try:
            jwks = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read the JWKS file {path}") from exc
    return ClientRegistration(
        client_id=data.get("client_id", ""),
        kind=data.get("type", ""),  # type: ignore[arg-type]
        name=data.get("name", ""),
        redirect_uris=tuple(data.get("redirect_uris") or ()),
        launch_url=data.get("launch_url"),
        client_secret=data.get("client_secret"),
        jwks=jwks,
    )


def load_clients(path: Path) -> tuple[ClientRegistration, ...]:
    """Read ``{"clients": [...]}`` from a JSON file (see :func:`client_from_json`).

    Raises:
        ValueError: the file does not read or a registration is invalid.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the clients file {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("clients"), list):
        raise ValueError(f"{path}: expected {{'clients': [...]}}")
    return tuple(client_from_json(item, path.parent) for item in data["clients"])
