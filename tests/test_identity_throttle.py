"""Failed sign-ins and failed tokens are counted per account and per client address: past the
limit every attempt is refused with 429 and Retry-After until the window ends, and logged with
the client's address, never the secret."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from infra.bootstrap import System
from infra.settings import Settings
from tests.identity_support import PASSWORD, bearer, client, enrol, identity_system, sign_in
from tests.support import Clock

LIMITS = {"auth_account_failures": 3, "auth_address_failures": 5, "auth_window_minutes": 10}


@pytest.fixture
def system(settings: Settings, clock: Clock) -> Iterator[System]:
    yield from identity_system(settings, clock, **LIMITS)


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with client(system, address="10.0.0.1") as api:
        enrol(api, "grid_member")
        enrol(api, "mediator")
        yield api


def test_an_account_is_refused_with_retry_after_once_its_failures_are_used_up(api: TestClient, clock: Clock):
    for _ in range(3):
        assert sign_in(api, "grid_member", "wrong guess").status_code == 401
        clock.advance(timedelta(minutes=1))
    refused = sign_in(api, "grid_member")  # even the right password, while refused
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(7 * 60)
    assert refused.json()["scope"] == "account"
    assert sign_in(api, "mediator").status_code == 200  # another account from the same address
    clock.advance(timedelta(minutes=7))
    assert sign_in(api, "grid_member").status_code == 200


def test_a_success_clears_the_accounts_failures(api: TestClient):
    for _ in range(2):
        sign_in(api, "grid_member", "wrong guess")
    assert sign_in(api, "grid_member").status_code == 200
    for _ in range(2):
        assert sign_in(api, "grid_member", "wrong guess").status_code == 401
    assert sign_in(api, "grid_member").status_code == 200


def test_an_address_is_refused_once_it_fails_on_many_accounts(api: TestClient, system: System):
    for who in ("a", "b", "c", "d", "e"):
        assert api.post("/session", json={"person_id": who, "password": PASSWORD}).status_code == 401
    refused = sign_in(api, "grid_member")
    assert refused.status_code == 429 and refused.json()["scope"] == "address"
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    with client(system, address="10.0.0.2") as elsewhere:
        assert sign_in(elsewhere, "grid_member").status_code == 200


def test_failed_tokens_count_against_the_address(api: TestClient, system: System):
    for i in range(5):
        assert api.get("/session", headers=bearer(f"not-a-token-{i}")).status_code == 401
    refused = api.get("/session", headers=bearer("grid_member"))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"
    with client(system, address="10.0.0.2") as elsewhere:
        assert elsewhere.get("/session", headers=bearer("grid_member")).status_code == 200


def test_failed_tokens_of_one_person_count_against_their_account(api: TestClient, system: System):
    body = {"name": "script", "expires_at": "2026-04-01T00:00:00+00:00"}
    token = api.post("/people/wang-fang/tokens", json=body, headers=bearer("grid_member")).json()["token"]
    forged = token[:-4] + "AAAA"
    with client(system, address="10.0.0.3") as a, client(system, address="10.0.0.4") as b:
        for attempt in (a, b, a):
            assert attempt.get("/session", headers=bearer(forged)).status_code == 401
        assert b.get("/session", headers=bearer(token)).status_code == 429


def test_a_failure_is_logged_with_the_address_and_without_the_secret(api: TestClient):
    with capture_logs() as logs:
        sign_in(api, "grid_member", "my secret guess")
        api.get("/session", headers=bearer("a-secret-token"))
    failed = [line for line in logs if line["event"] == "auth.failed"]
    assert [(f["kind"], f["person"], f["address"]) for f in failed] == [
        ("password", "wang-fang", "10.0.0.1"),
        ("token", None, "10.0.0.1"),
    ]
    assert "my secret guess" not in repr(logs) and "a-secret-token" not in repr(logs)


def test_a_refusal_is_logged_with_the_address(api: TestClient):
    for _ in range(3):
        sign_in(api, "grid_member", "wrong guess")
    with capture_logs() as logs:
        assert sign_in(api, "grid_member").status_code == 429
    [throttled] = [line for line in logs if line["event"] == "auth.throttled"]
    assert (throttled["person"], throttled["address"], throttled["retry_after"]) == (
        "wang-fang",
        "10.0.0.1",
        600,
    )


def test_wrong_enrolment_codes_are_counted_too(api: TestClient):
    issued = api.post("/people/zhou-yun/enrolment", headers=bearer("township")).json()["code"]
    for _ in range(3):
        assert (
            api.post("/enrolment", json={"code": "zhou-yun.WRONGCODE", "password": PASSWORD}).status_code
            == 401
        )
    assert api.post("/enrolment", json={"code": issued, "password": PASSWORD}).status_code == 429
