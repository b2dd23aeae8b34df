"""Signing in with a password: a server-side session in a cookie, CSRF on changes, expiry, sign-out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from eventsourcing.cryptography import AESCipher
from fastapi.testclient import TestClient
from pydantic import SecretStr

from infra.bootstrap import ConfigurationError, System, bootstrap
from infra.directory import parse_directory_file
from infra.settings import Settings
from service.seal.checkpoint import new_key
from tests.identity_support import (
    CHEAP_HASH,
    PASSWORD,
    bearer,
    client,
    csrf,
    enrol,
    identity_system,
    leave_last_post,
    sign_in,
)
from tests.support import GRID, Clock

REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}


@pytest.fixture
def system(settings: Settings, clock: Clock) -> Iterator[System]:
    yield from identity_system(settings, clock, session_idle_minutes=30, session_absolute_hours=8)


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with client(system) as api:
        enrol(api, "grid_member")
        yield api


def test_a_person_signs_in_with_their_password_and_the_session_says_who_they_are(api: TestClient):
    signed_in = sign_in(api, "grid_member")
    assert signed_in.status_code == 200, signed_in.text
    cookie = signed_in.headers["set-cookie"].lower()
    assert "fq_session=" in cookie
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= {part.strip() for part in cookie.split(";")}
    assert signed_in.headers["cache-control"] == "no-store"
    me = api.get("/session").json()
    assert (me["person_id"], me["name"], me["signed_in_with"]) == ("wang-fang", "Wang Fang", "session")
    assert [(p["post"], p["node"]) for p in me["posts"]] == [("grid_member", GRID)]
    assert me["csrf_token"] == signed_in.json()["csrf_token"]


def test_a_wrong_password_or_an_unknown_person_is_refused_and_sets_no_cookie(api: TestClient):
    wrong = sign_in(api, "grid_member", password="not the password")
    unknown = api.post("/session", json={"person_id": "nobody", "password": PASSWORD})
    never_enrolled = sign_in(api, "mediator")
    for refused in (wrong, unknown, never_enrolled):
        assert refused.status_code == 401, refused.text
        assert "set-cookie" not in refused.headers
        assert refused.json()["detail"] == "wrong person or password"
    assert api.get("/session").status_code == 401


def test_a_change_with_the_session_cookie_needs_the_csrf_token(api: TestClient):
    signed_in = sign_in(api, "grid_member")
    assert api.post("/disputes", json=REPORT).status_code == 403
    assert api.post("/disputes", json=REPORT, headers={"X-CSRF-Token": "guessed"}).status_code == 403
    made = api.post("/disputes", json=REPORT, headers=csrf(signed_in))
    assert made.status_code == 201, made.text
    assert made.json()["reported_by"] == "wang-fang"
    assert api.get(f"/disputes/{made.json()['id']}").status_code == 200  # reading needs no token


def test_a_bearer_token_needs_no_csrf_token(api: TestClient):
    assert api.post("/disputes", json=REPORT, headers=bearer("grid_member")).status_code == 201


def test_signing_out_ends_the_session_for_good(api: TestClient):
    signed_in = sign_in(api, "grid_member")
    cookie = api.cookies["fq_session"]
    assert api.delete("/session").status_code == 403  # without the CSRF token: not signed out
    assert api.get("/session").status_code == 200
    out = api.delete("/session", headers=csrf(signed_in))
    assert out.status_code == 204
    assert "fq_session=" in out.headers["set-cookie"] and "max-age=0" in out.headers["set-cookie"].lower()
    api.cookies.set("fq_session", cookie)  # a copy of the cookie kept elsewhere
    assert api.get("/session").status_code == 401


def test_a_session_ends_after_the_idle_time_and_is_kept_alive_by_use(api: TestClient, clock: Clock):
    sign_in(api, "grid_member")
    for _ in range(3):
        clock.advance(timedelta(minutes=29))
        assert api.get("/session").status_code == 200
    clock.advance(timedelta(minutes=30))
    refused = api.get("/session")
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]


def test_a_session_ends_at_its_absolute_time_however_busy(api: TestClient, clock: Clock):
    signed_in = sign_in(api, "grid_member")
    assert signed_in.json()["session_expires_at"] == "2026-03-03T01:00:00+08:00"  # 17:00 UTC, in local time
    for _ in range(16):
        clock.advance(timedelta(minutes=29))
        assert api.get("/session").status_code == 200
    clock.advance(timedelta(minutes=16))  # 8 h 00 after sign-in
    assert api.get("/session").status_code == 401


def test_a_person_whose_post_ended_is_refused_with_their_session(api: TestClient, system: System):
    assert sign_in(api, "grid_member").status_code == 200
    leave_last_post(system, "grid_member")
    refused = api.get("/session")
    assert (
        refused.status_code == 401
        and refused.json()["detail"] == "wang-fang holds no post in the directory now"
    )
    api.cookies.clear()
    assert sign_in(api, "grid_member").status_code == 401


def test_a_session_begun_on_one_replica_holds_on_another_and_ends_on_both(
    api: TestClient, system: System, clock: Clock
):
    other = bootstrap(system.settings, clock)
    try:
        with client(other) as replica:
            signed_in = sign_in(api, "grid_member")
            replica.cookies.set("fq_session", api.cookies["fq_session"])
            assert replica.get("/session").json()["person_id"] == "wang-fang"
            assert replica.delete("/session", headers=csrf(signed_in)).status_code == 204
            assert api.get("/session").status_code == 401
    finally:
        other.close()


def test_production_refuses_a_session_cookie_without_secure(settings: Settings):
    production = settings.model_copy(
        update={
            **CHEAP_HASH,
            "mode": "production",
            "cipher_key": SecretStr(AESCipher.create_key(32)),
            "id_key": SecretStr(AESCipher.create_key(32)),
            "seal_key": SecretStr(new_key()),
            "session_cookie_secure": False,
        }
    )
    hashed = parse_directory_file({"person": [{"id": "a", "name": "A", "token_sha256": "0" * 64}]})
    with pytest.raises(ConfigurationError, match="SESSION_COOKIE_SECURE"):
        bootstrap(production, directory_file=hashed)


@pytest.mark.http
def test_with_secure_off_the_cookie_travels_over_plain_http(settings: Settings, clock: Clock):
    for system in identity_system(settings, clock, session_cookie_secure=False):
        with TestClient(client(system).app, base_url="http://testserver") as api:
            enrol(api, "grid_member")
            signed_in = sign_in(api, "grid_member")
            assert "secure" not in signed_in.headers["set-cookie"].lower()
            assert api.get("/session").status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_sign_in_takes_json_only_which_a_form_on_another_site_cannot_send(api: TestClient, content_type: str):
    body = '{"person_id": "wang-fang", "password": "correct horse battery"}'
    posted = api.post("/session", content=body, headers={"Content-Type": content_type})
    assert posted.status_code == 422
    assert "set-cookie" not in posted.headers
    assert sign_in(api, "grid_member").status_code == 200


def test_every_route_that_changes_anything_goes_through_the_check_that_asks_for_the_csrf_token(
    api: TestClient,
):
    # Only the dependency that checks the CSRF token (api.deps.current_person) asks for a bearer token.
    paths = api.get("/openapi.json").json()["paths"]
    changes = [(m.upper(), p) for p, ops in paths.items() for m in ops if m not in {"get", "head", "options"}]
    unguarded = {
        (method, path)
        for method, path in changes
        if not any("HTTPBearer" in s for s in paths[path][method.lower()].get("security", []))
    }
    # signing in and enrolling take no cookie; signing out checks the token itself (tested above)
    assert unguarded == {("POST", "/session"), ("POST", "/enrolment"), ("DELETE", "/session")}
    assert len(changes) > 50


def test_signing_in_again_replaces_the_earlier_session(api: TestClient):
    sign_in(api, "grid_member")
    first = api.cookies["fq_session"]
    sign_in(api, "grid_member")
    assert api.cookies["fq_session"] != first
    api.cookies.set("fq_session", first)
    assert api.get("/session").status_code == 401
