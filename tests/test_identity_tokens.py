"""API tokens for machines and scripts: issued with a name and an expiry and shown once, listed
without their secret, revoked by the person or their workstation; all without a restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from domain.identity.credentials import credentials_id
from infra.bootstrap import System
from infra.settings import Settings
from tests.identity_support import bearer, client, csrf, enrol, identity_system, leave_last_post, sign_in
from tests.support import Clock

TOKENS = "/people/wang-fang/tokens"
NEXT_MONTH = "2026-04-02T09:00:00+00:00"


@pytest.fixture
def system(settings: Settings, clock: Clock) -> Iterator[System]:
    yield from identity_system(settings, clock, token_max_days=90)


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with client(system) as api:
        yield api


def issued(api: TestClient, name: str = "nightly export", by: str = "grid_member", **body: str) -> dict:
    response = api.post(TOKENS, json={"name": name, "expires_at": NEXT_MONTH, **body}, headers=bearer(by))
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def me(api: TestClient, token: str) -> int:
    return api.get("/session", headers=bearer(token)).status_code


def test_a_token_is_shown_once_works_at_once_and_is_listed_without_its_secret(
    api: TestClient, system: System, clock: Clock
):
    token = issued(api)
    assert token["token"].startswith("fq_wang-fang.")
    assert (token["name"], token["live"], token["last_used_at"]) == ("nightly export", True, None)
    clock.advance(timedelta(minutes=5))
    who = api.get("/session", headers=bearer(token["token"])).json()
    assert (who["person_id"], who["signed_in_with"], who["csrf_token"]) == ("wang-fang", "token", None)
    [listed] = api.get(TOKENS, headers=bearer("grid_member")).json()["tokens"]
    assert "token" not in listed and token["token"] not in str(listed)
    assert listed["last_used_at"] == "2026-03-02T17:05:00+08:00"  # shown in local time
    assert datetime.fromisoformat(listed["expires_at"]) == datetime.fromisoformat(NEXT_MONTH)
    stored = repr([r.__dict__ for r in system.casebook.recorder.select_notifications(1, 10_000)])
    assert token["token"].rpartition(".")[2] not in stored


def test_a_token_changes_things_without_a_csrf_token(api: TestClient):
    token = issued(api)["token"]
    second = api.post(TOKENS, json={"name": "second", "expires_at": NEXT_MONTH}, headers=bearer(token))
    assert second.status_code == 201


def test_a_revoked_token_stops_working_at_once(api: TestClient, system: System):
    token = issued(api)
    assert me(api, token["token"]) == 200
    assert api.delete(f"{TOKENS}/{token['id']}", headers=bearer("grid_member")).status_code == 204
    assert me(api, token["token"]) == 401
    [listed] = api.get(TOKENS, headers=bearer("grid_member")).json()["tokens"]
    assert listed["revoked_at"] and not listed["live"]
    assert api.delete(f"{TOKENS}/{token['id']}", headers=bearer("grid_member")).status_code == 409
    kinds = [
        type(e).__name__ for e in system.casebook.repository.event_store.get(credentials_id("wang-fang"))
    ]
    assert kinds == ["Opened", "TokenIssued", "TokenRevoked"]


def test_a_token_stops_working_when_it_expires(api: TestClient, clock: Clock):
    token = issued(api)["token"]
    clock.advance(timedelta(days=31) - timedelta(seconds=1))
    assert me(api, token) == 200
    clock.advance(timedelta(seconds=1))
    assert me(api, token) == 401


def test_a_token_with_a_forged_secret_or_id_is_refused(api: TestClient):
    token = issued(api)["token"]
    prefix, token_id, secret = token.rsplit(".", 2)
    assert me(api, f"{prefix}.{token_id}.{secret[:-2]}xx") == 401
    assert me(api, f"{prefix}.0000000000000000.{secret}") == 401
    assert me(api, f"fq_li-ming.{token_id}.{secret}") == 401


def test_the_persons_workstation_issues_lists_and_revokes_their_tokens(api: TestClient):
    token = issued(api, by="township")
    assert token["issued_by"] == "chen-jing"
    assert len(api.get(TOKENS, headers=bearer("village_staff")).json()["tokens"]) == 1
    assert api.delete(f"{TOKENS}/{token['id']}", headers=bearer("village_staff")).status_code == 204


@pytest.mark.parametrize("who", ["mediator", "foreign_village_staff", "foreign_township"])
def test_nobody_else_touches_a_persons_tokens(api: TestClient, who: str):
    token = issued(api)
    body = {"name": "theirs", "expires_at": NEXT_MONTH}
    assert api.post(TOKENS, json=body, headers=bearer(who)).status_code == 403
    assert api.get(TOKENS, headers=bearer(who)).status_code == 403
    assert api.delete(f"{TOKENS}/{token['id']}", headers=bearer(who)).status_code == 403


def test_a_token_must_expire_within_the_longest_lifetime(api: TestClient):
    for expires_at in ("2026-03-01T00:00:00+00:00", "2026-06-01T09:00:01+00:00", "2026-04-02T09:00:00"):
        response = api.post(
            TOKENS, json={"name": "x", "expires_at": expires_at}, headers=bearer("grid_member")
        )
        assert response.status_code == 422, expires_at
    assert issued(api, expires_at="2026-05-31T09:00:00+00:00")["live"]


def test_two_live_tokens_may_not_share_a_name(api: TestClient):
    issued(api, name="export")
    again = api.post(TOKENS, json={"name": "export", "expires_at": NEXT_MONTH}, headers=bearer("grid_member"))
    assert again.status_code == 422


def test_tokens_and_sessions_stop_when_the_person_holds_no_post(api: TestClient, system: System):
    token = issued(api)["token"]
    enrol(api, "grid_member")
    signed_in = sign_in(api, "grid_member")
    leave_last_post(system, "grid_member")
    assert me(api, token) == 401
    assert me(api, "dev-grid-wang") == 401  # the development token too
    assert (
        api.post(TOKENS, json={"name": "new", "expires_at": NEXT_MONTH}, headers=csrf(signed_in)).status_code
        == 401
    )


def test_a_session_issues_a_token_with_its_csrf_token(api: TestClient):
    enrol(api, "grid_member")
    signed_in = sign_in(api, "grid_member")
    body = {"name": "from the browser", "expires_at": NEXT_MONTH}
    assert api.post(TOKENS, json=body).status_code == 403
    assert api.post(TOKENS, json=body, headers=csrf(signed_in)).status_code == 201
