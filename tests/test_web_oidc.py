"""Signing in through an OpenID provider, against a provider made here (a small FastAPI app
reached in process, RS256 tokens signed with a key made for the test; no network): the happy
path ends in an ordinary session; a wrong state or nonce, an expired token, another audience,
a token signed with another key, a person outside the directory or without a post are refused
with a page that says so, and no session is made."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI, Form, Header, HTTPException
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from infra.bootstrap import System
from infra.oidc import OidcConfig, OidcSignIn
from tests.identity_support import client, identity_system, leave_last_post
from tests.support import person

ISSUER = "https://id.county.test"
CLIENT_ID, SECRET = "fengqiao", "client-secret-of-the-test"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}, private=True)
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"}, private=True)


class Provider:
    """An OpenID provider: discovery, JWKS, an authorization endpoint that just records the
    request, and a token endpoint that checks the client, the code and the PKCE verifier."""

    def __init__(self) -> None:
        self.asked: dict[str, str] = {}
        self.subject = ""
        self.claims: dict[str, Any] = {}  # overrides of the ID token's claims
        self.key = KEY
        self.app = FastAPI()
        self.app.get("/.well-known/openid-configuration")(self.discovery)
        self.app.get("/jwks")(lambda: KeySet([KEY]).as_dict(private=False))
        self.app.post("/token")(self.token)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def authorize(self, url: str, subject: str) -> str:
        """The browser at the provider: the person signs in there; returns the code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert url.startswith(f"{ISSUER}/authorize?")
        assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
        assert query["code_challenge_method"] == "S256" and query["state"] and query["nonce"]
        self.asked, self.subject = query, subject
        return "code-1"

    def token(
        self,
        grant_type: str = Form(),
        code: str = Form(),
        code_verifier: str = Form(),
        redirect_uri: str = Form(),
        authorization: str = Header(),
    ) -> dict[str, Any]:
        expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        if authorization != f"Basic {expected}" or grant_type != "authorization_code" or code != "code-1":
            raise HTTPException(400, "invalid_grant")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=")
        if challenge.decode() != self.asked["code_challenge"] or redirect_uri != self.asked["redirect_uri"]:
            raise HTTPException(400, "invalid_grant")
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": self.subject,
            "iat": now,
            "exp": now + 300,
            "nonce": self.asked["nonce"],
        } | self.claims
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return {"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}


@pytest.fixture
def provider() -> Provider:
    return Provider()


@pytest.fixture
def web_system(settings, clock) -> Iterator[System]:
    yield from identity_system(settings, clock)


@pytest.fixture
def browser(web_system: System, provider: Provider) -> Iterator[TestClient]:
    with client(web_system) as c, TestClient(provider.app) as at_provider:
        config = OidcConfig(issuer=ISSUER, client_id=CLIENT_ID, client_secret=SECRET, name="县统一身份认证")
        c.app.state.oidc = OidcSignIn(config, web_system.views, transport=at_provider._transport)
        c.follow_redirects = False
        yield c


def sign_in_through(browser: TestClient, provider: Provider, subject: str, **params: str) -> Any:
    """Click the button, sign in at the provider as `subject`, come back with its answer."""
    begun = browser.get("/app/sign-in/oidc?next=/app/disputes")
    assert begun.status_code == 303, begun.text
    code = provider.authorize(begun.headers["location"], subject)
    answer = {"code": code, "state": provider.asked["state"]} | params
    return browser.get("/app/sign-in/oidc/callback", params=answer)


def signed_in_as(browser: TestClient) -> str | None:
    who = browser.get("/session")
    return who.json()["person_id"] if who.status_code == 200 else None


def test_the_sign_in_page_offers_the_provider_when_one_is_configured(browser):
    page = browser.get("/app/sign-in?next=/app/disputes")
    assert (
        "通过县统一身份认证登录" in page.text and 'href="/app/sign-in/oidc?next=/app/disputes"' in page.text
    )


def test_without_a_provider_there_is_no_button_and_no_flow(browser):
    browser.app.state.oidc = None
    assert "/app/sign-in/oidc" not in browser.get("/app/sign-in").text
    assert browser.get("/app/sign-in/oidc").status_code == 404


def test_a_person_of_the_directory_signs_in_through_the_provider_into_an_ordinary_session(browser, provider):
    back = sign_in_through(browser, provider, person("mediator"))
    assert back.status_code == 303 and back.headers["location"] == "/app/disputes"
    assert provider.asked["redirect_uri"] == "https://testserver/app/sign-in/oidc/callback"
    assert signed_in_as(browser) == person("mediator")
    assert browser.get("/app/disputes").status_code == 200


def test_the_answer_is_used_once(browser, provider):
    sign_in_through(browser, provider, person("mediator"))
    browser.cookies.clear()
    again = browser.get(
        "/app/sign-in/oidc/callback", params={"code": "code-1", "state": provider.asked["state"]}
    )
    assert again.status_code == 400 and signed_in_as(browser) is None


@pytest.mark.parametrize(
    ("claims", "params"),
    [
        ({"nonce": "another nonce"}, {}),
        ({}, {"state": "another state"}),
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, {}),
        ({"aud": "another-client"}, {}),
        ({"iss": "https://evil.test"}, {}),
    ],
    ids=["wrong nonce", "wrong state", "expired", "wrong audience", "wrong issuer"],
)
def test_an_answer_that_does_not_verify_is_refused(browser, provider, claims, params):
    provider.claims = claims
    refused = sign_in_through(browser, provider, person("mediator"), **params)
    assert refused.status_code == 400 and "登录未能完成" in refused.text
    assert signed_in_as(browser) is None


def test_a_token_signed_with_another_key_is_refused(browser, provider):
    provider.key = OTHER_KEY  # same kid, not the provider's published key
    refused = sign_in_through(browser, provider, person("mediator"))
    assert refused.status_code == 400 and signed_in_as(browser) is None


def test_a_person_outside_the_directory_is_refused(browser, provider):
    refused = sign_in_through(browser, provider, "nobody-we-know")
    assert refused.status_code == 403 and "不在本系统的人员名录中" in refused.text
    assert signed_in_as(browser) is None


def test_a_person_without_a_post_is_refused(browser, provider, web_system):
    leave_last_post(web_system, "mediator")
    refused = sign_in_through(browser, provider, person("mediator"))
    assert refused.status_code == 403 and "没有任何职务" in refused.text
    assert signed_in_as(browser) is None


def test_the_refusal_page_speaks_english_when_asked(browser, provider):
    browser.headers["Accept-Language"] = "en"
    refused = sign_in_through(browser, provider, "nobody-we-know")
    assert "Your account is not a person of this system" in refused.text
