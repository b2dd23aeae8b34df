"""OpenID Connect sign-in (a government unified login, a county's Keycloak): the relying party.

Configuration alone turns it on (FENGQIAO_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET or
_CLIENT_SECRET_FILE; docs/operations.md). The authorization-code flow with PKCE (S256), `state`
and `nonce`, through authlib's OAuth 2.0 client; the ID token's signature is checked against the
provider's JWKS and its `iss`, `aud`, `exp`, `iat` and `nonce` with joserfc (authlib's JOSE
library). Nothing is hand-rolled but the glue.

What a browser started and has not finished — state, nonce, PKCE verifier, where to go back to —
waits server-side in a table of the read-model database (every replica sees it), under the digest
of a random handle that only the browser's short-lived cookie holds; it is used once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc6749 import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from infra.settings import Settings
from infra.sql import Database

log = structlog.get_logger()
PENDING_SECONDS = 600  # a sign-in begun and not finished within ten minutes is forgotten
LEEWAY_SECONDS = 60  # clock skew tolerated on exp / iat
ALGORITHMS = ["RS256", "ES256", "PS256"]
DDL = (
    "CREATE TABLE IF NOT EXISTS fq_oidc_pending (handle_sha256 TEXT PRIMARY KEY, state TEXT NOT NULL, "
    "nonce TEXT NOT NULL, verifier TEXT NOT NULL, next TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL)"
)


class OidcRefused(Exception):
    """The sign-in came back unusable: `reason` says why (for the log and the refusal page)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid"
    person_claim: str = "sub"
    name: str = "OpenID Connect"
    discovery_url: str = ""  # by default {issuer}/.well-known/openid-configuration
    redirect_url: str = ""  # by default this site's /app/sign-in/oidc/callback as the request reached it

    @property
    def discovery(self) -> str:
        return self.discovery_url or f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


def config_of(settings: Settings) -> OidcConfig | None:
    """The provider the settings name, or None when OpenID Connect is not configured."""
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else ""
    return OidcConfig(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=secret,
        scopes=settings.oidc_scopes,
        person_claim=settings.oidc_person_claim,
        name=settings.oidc_name,
        discovery_url=settings.oidc_discovery_url or "",
        redirect_url=settings.oidc_redirect_url or "",
    )


def _digest(handle: str) -> str:
    return hashlib.sha256(handle.encode()).hexdigest()


class OidcSignIn:
    """One provider. `transport` is for tests (an in-process provider); by default real HTTP."""

    def __init__(
        self, config: OidcConfig, db: Database, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self.db = db
        self.transport = transport
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @staticmethod
    def create_tables(cur: Any) -> None:
        cur.execute(DDL)

    def _client(self, redirect_uri: str) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret or None,
            token_endpoint_auth_method="client_secret_basic" if self.config.client_secret else "none",
            scope=self.config.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            transport=self.transport,
            timeout=10,
        )

    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            with httpx.Client(transport=self.transport, timeout=10) as http:
                found = http.get(self.config.discovery)
                found.raise_for_status()
                metadata = found.json()
            if metadata.get("issuer") != self.config.issuer:
                raise OidcRefused(f"the discovery document names issuer {metadata.get('issuer')!r}")
            self._metadata = metadata
        return self._metadata

    def keys(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            with httpx.Client(transport=self.transport, timeout=10) as http:
                found = http.get(self.metadata()["jwks_uri"])
                found.raise_for_status()
                self._keys = KeySet.import_key_set(found.json())
        return self._keys

    # -- the flow ---------------------------------------------------------------------------

    def begin(self, redirect_uri: str, next_path: str) -> tuple[str, str]:
        """Where to send the browser, and the handle its cookie keeps until it comes back."""
        handle, state, nonce = secrets.token_urlsafe(32), generate_token(40), generate_token(40)
        verifier = generate_token(64)
        url, _ = self._client(redirect_uri).create_authorization_url(
            self.metadata()["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
        )
        now = time.time()
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM fq_oidc_pending WHERE created_at <= ?", (now - PENDING_SECONDS,))
            cur.execute(
                "INSERT INTO fq_oidc_pending (handle_sha256, state, nonce, verifier, next, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (_digest(handle), state, nonce, verifier, next_path, now),
            )
        return url, handle

    def _take(self, handle: str | None) -> dict[str, Any]:
        """The pending sign-in of the cookie's handle, forgotten as it is taken (used once)."""
        if not handle:
            raise OidcRefused("no sign-in was begun in this browser (the cookie is missing)")
        with self.db.transaction() as cur:
            cur.execute("SELECT * FROM fq_oidc_pending WHERE handle_sha256 = ?", (_digest(handle),))
            row = cur.fetchone()
            cur.execute("DELETE FROM fq_oidc_pending WHERE handle_sha256 = ?", (_digest(handle),))
        if row is None or row["created_at"] <= time.time() - PENDING_SECONDS:
            raise OidcRefused("the sign-in was begun too long ago, or already used")
        return row

    def finish(self, handle: str | None, params: dict[str, str], redirect_uri: str) -> tuple[str, str]:
        """The person id the provider vouches for, and where to go back to. Raises OidcRefused."""
        pending = self._take(handle)
        if "error" in params:
            raise OidcRefused(f"the provider refused: {params['error']}")
        if not hmac.compare_digest(params.get("state", "").encode(), pending["state"].encode()):
            raise OidcRefused("the state does not match the sign-in begun in this browser")
        if not params.get("code"):
            raise OidcRefused("the provider sent no authorization code")
        try:
            token = self._client(redirect_uri).fetch_token(
                self.metadata()["token_endpoint"],
                grant_type="authorization_code",
                code=params["code"],
                code_verifier=pending["verifier"],
            )
        except (OAuth2Error, httpx.HTTPError) as failure:
            raise OidcRefused(f"the token request failed: {failure}") from None
        if "id_token" not in token:
            raise OidcRefused("the provider sent no ID token")
        claims = self._verified(token["id_token"], pending["nonce"])
        person = claims.get(self.config.person_claim)
        if not isinstance(person, str) or not person:
            raise OidcRefused(f"the ID token has no {self.config.person_claim!r} claim")
        return person, pending["next"]

    def _verified(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            try:
                decoded = jwt.decode(id_token, self.keys(), algorithms=ALGORITHMS)
            except JoseError:
                decoded = jwt.decode(id_token, self.keys(refresh=True), algorithms=ALGORITHMS)  # keys rolled
            jwt.JWTClaimsRegistry(
                now=int(time.time()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.config.issuer},
                aud={"essential": True, "value": self.config.client_id},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as failure:
            raise OidcRefused(f"the ID token is not valid: {failure}") from None
        return dict(decoded.claims)
