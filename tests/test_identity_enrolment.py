"""First passwords through a one-time code from the person's workstation; changes by the person;
what is recorded of it (hashes, never a secret)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from domain.identity.credentials import Credentials, credentials_id
from infra.bootstrap import System
from infra.settings import Settings
from tests.identity_support import PASSWORD, bearer, client, csrf, enrol, identity_system, sign_in
from tests.support import Clock, person

NEW_PASSWORD = "a much longer passphrase"


@pytest.fixture
def system(settings: Settings, clock: Clock) -> Iterator[System]:
    yield from identity_system(settings, clock, enrolment_code_hours=48)


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with client(system) as api:
        yield api


def issue(api: TestClient, role: str = "grid_member", by: str = "township") -> dict:
    issued = api.post(f"/people/{person(role)}/enrolment", headers=bearer(by))
    assert issued.status_code == 201, issued.text
    return issued.json()


def test_an_enrolment_code_sets_the_first_password_once(api: TestClient):
    code = issue(api)["code"]
    assert code.startswith("wang-fang.")
    used = api.post("/enrolment", json={"code": code, "password": PASSWORD})
    assert used.status_code == 200 and used.json() == {"person_id": "wang-fang"}
    assert sign_in(api, "grid_member").status_code == 200
    again = api.post("/enrolment", json={"code": code, "password": "someone else's choice"})
    assert again.status_code == 401 and "used" in again.json()["detail"]
    assert sign_in(api, "grid_member", "someone else's choice").status_code == 401


def test_an_enrolment_code_expires(api: TestClient, clock: Clock):
    issued = issue(api)
    assert issued["expires_at"] == "2026-03-04T17:00:00+08:00"  # 09:00 UTC, in local time
    clock.advance(timedelta(hours=48))
    late = api.post("/enrolment", json={"code": issued["code"], "password": PASSWORD})
    assert late.status_code == 401 and "expired" in late.json()["detail"]


def test_a_new_code_replaces_the_one_before(api: TestClient):
    first, second = issue(api)["code"], issue(api)["code"]
    assert api.post("/enrolment", json={"code": first, "password": PASSWORD}).status_code == 401
    assert api.post("/enrolment", json={"code": second, "password": PASSWORD}).status_code == 200


def test_a_wrong_code_or_a_short_password_sets_nothing(api: TestClient, system: System):
    code = issue(api)["code"]
    wrong = code[:-1] + ("Y" if code.endswith("X") else "X")  # one character off, never the code itself
    assert api.post("/enrolment", json={"code": wrong, "password": PASSWORD}).status_code == 401
    assert api.post("/enrolment", json={"code": "nobody.ABCDEFGH", "password": PASSWORD}).status_code == 401
    short = api.post("/enrolment", json={"code": code, "password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"
    assert system.identity.desk.credentials("wang-fang").password_hash is None
    assert api.post("/enrolment", json={"code": code, "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize(
    "by, status",
    [
        ("township", 201),  # workstation staff of the township above the grid
        ("village_staff", 201),  # workstation staff of the village
        ("county_staff", 201),
        ("foreign_village_staff", 403),  # another village's workstation
        ("foreign_township", 403),
        ("mediator", 403),  # no right to manage the directory
        ("grid_member", 403),  # not even for oneself
    ],
)
def test_only_a_workstation_above_the_persons_post_issues_their_code(api: TestClient, by: str, status: int):
    response = api.post("/people/wang-fang/enrolment", headers=bearer(by))
    assert response.status_code == status, response.text


def test_a_person_changes_their_password_giving_the_current_one(api: TestClient):
    enrol(api, "grid_member")
    signed_in = sign_in(api, "grid_member")
    path, headers = "/people/wang-fang/password", csrf(signed_in)
    wrong = api.post(path, json={"current_password": "guess", "new_password": NEW_PASSWORD}, headers=headers)
    assert wrong.status_code == 401
    changed = api.post(
        path, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=headers
    )
    assert changed.status_code == 204, changed.text
    assert api.get("/session").status_code == 200  # the session that changed it goes on
    api.cookies.clear()
    assert sign_in(api, "grid_member").status_code == 401
    assert sign_in(api, "grid_member", NEW_PASSWORD).status_code == 200


def test_changing_the_password_ends_the_persons_other_sessions(api: TestClient, system: System):
    enrol(api, "grid_member")
    with client(system) as elsewhere:
        assert sign_in(elsewhere, "grid_member").status_code == 200
        signed_in = sign_in(api, "grid_member")
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
        assert api.post("/people/wang-fang/password", json=body, headers=csrf(signed_in)).status_code == 204
        assert elsewhere.get("/session").status_code == 401


def test_nobody_changes_another_persons_password(api: TestClient):
    enrol(api, "grid_member")
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert api.post("/people/wang-fang/password", json=body, headers=bearer("township")).status_code == 403


def test_the_events_keep_hashes_of_the_password_and_the_code_never_the_secrets(
    api: TestClient, system: System
):
    code = issue(api)["code"]
    api.post("/enrolment", json={"code": code, "password": PASSWORD})
    events = list(system.casebook.repository.event_store.get(credentials_id("wang-fang")))
    assert [type(e).__name__ for e in events] == ["Opened", "EnrolmentIssued", "PasswordSet"]
    assert [e.actor for e in events[1:]] == ["chen-jing", "wang-fang"]
    stored = repr([r.__dict__ for r in system.casebook.recorder.select_notifications(1, 10_000)])
    secret = code.rpartition(".")[2]
    assert secret not in stored and PASSWORD not in stored
    found: Credentials = system.casebook.repository.get(credentials_id("wang-fang"))
    assert found.password_hash is not None and found.password_hash.startswith("$argon2id$")
