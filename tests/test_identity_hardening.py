"""Old password hashes are brought up to the current Argon2 parameters at sign-in, and many
people behind one address (a township office's NAT) are not locked out by each other's typos."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.bootstrap import System
from infra.settings import Settings
from service.identity.crypto import PasswordHashing
from tests.identity_support import PASSWORD, client, enrol, identity_system, sign_in
from tests.support import PEOPLE, Clock


@pytest.fixture
def system(settings: Settings, clock: Clock) -> Iterator[System]:
    yield from identity_system(settings, clock)


def events_of(system: System, person_id: str) -> list[str]:
    from domain.identity.credentials import credentials_id

    return [type(e).__name__ for e in system.casebook.history(credentials_id(person_id), 10_000)]


def test_a_hash_made_with_older_parameters_is_rehashed_at_a_successful_sign_in(system: System):
    with client(system) as api:
        enrol(api, "grid_member")
        old = system.identity.desk.credentials("wang-fang").password_hash
        assert sign_in(api, "grid_member", "wrong password!").status_code == 401
        assert "PasswordRehashed" not in events_of(system, "wang-fang")
        system.identity.desk.hashing = PasswordHashing(time_cost=2, memory_kib=128, parallelism=1)
        assert sign_in(api, "grid_member", "wrong password!").status_code == 401
        assert system.identity.desk.credentials("wang-fang").password_hash == old  # only on a match
        assert sign_in(api, "grid_member").status_code == 200
        new = system.identity.desk.credentials("wang-fang").password_hash
        assert new != old and ",t=2," in new and "m=128," in new
        assert sign_in(api, "grid_member").status_code == 200  # once: now current
    assert events_of(system, "wang-fang").count("PasswordRehashed") == 1
    assert PASSWORD not in repr(system.identity.desk.credentials("wang-fang").__dict__)


ROLES = [role for role in PEOPLE if role != "grid_member"]
pytestmark = pytest.mark.http


def test_typos_of_many_people_behind_one_address_lock_none_of_them_out(system: System):
    with client(system, address="10.9.9.9") as api:
        enrol(api, "grid_member")
        for role in ROLES[:8]:  # 8 people × 4 typos = 32 failures from the office's address
            for _ in range(4):
                assert sign_in(api, role, "typo typo typo").status_code == 401
        assert sign_in(api, "grid_member").status_code == 200


def test_guessing_across_many_accounts_from_one_address_is_still_throttled(system: System):
    with client(system, address="10.9.9.8") as api:
        enrol(api, "grid_member")
        answers = [sign_in(api, role, "guess guess").status_code for role in ROLES for _ in range(5)]
        assert answers.count(401) == 100 and answers.count(429) == len(answers) - 100
        assert sign_in(api, "grid_member").status_code == 429
