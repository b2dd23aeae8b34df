"""Helpers of the identity tests: a system with a cheap password hash, a client over HTTPS (so
that the Secure session cookie is sent), and people enrolled and signed in through the API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System, bootstrap
from infra.settings import Settings
from tests.support import TOKENS, Clock, person

# Argon2id at its smallest cost: the same code path, a fraction of the time.
CHEAP_HASH = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}
PASSWORD = "correct horse battery"
BASE_URL = "https://testserver"
ADDRESS = "10.0.0.1"


def identity_system(settings: Settings, clock: Clock, **overrides: object) -> Iterator[System]:
    built = bootstrap(settings.model_copy(update={**CHEAP_HASH, **overrides}), clock)
    built.seed()
    yield built
    built.close()


def client(system: System, address: str = ADDRESS) -> TestClient:
    return TestClient(create_api(system), base_url=BASE_URL, client=(address, 50000))


def bearer(role_or_token: str) -> dict[str, str]:
    token = TOKENS.get(role_or_token, role_or_token)
    return {"Authorization": f"Bearer {token}"}


def enrol(api: TestClient, role: str, password: str = PASSWORD, by: str = "township") -> None:
    issued = api.post(f"/people/{person(role)}/enrolment", headers=bearer(by))
    assert issued.status_code == 201, issued.text
    done = api.post("/enrolment", json={"code": issued.json()["code"], "password": password})
    assert done.status_code == 200, done.text


def sign_in(api: TestClient, role: str, password: str = PASSWORD) -> httpx.Response:
    return api.post("/session", json={"person_id": person(role), "password": password})


def csrf(signed_in: httpx.Response) -> dict[str, str]:
    return {"X-CSRF-Token": signed_in.json()["csrf_token"]}


def leave_last_post(system: System, role: str) -> None:
    """The person's only post ends now, by the township's workstation."""
    directory = system.casebook.current_directory()
    [tenure] = directory.posts_of(person(role), system.casebook.clock())
    system.casebook.directory.leave_post(
        person("township"),
        person_id=tenure.person_id,
        post=tenure.post,
        node=tenure.node,
        reason="moved away",
    )
