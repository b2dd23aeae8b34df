"""A petitioner's record is found by a keyed hash of their identity number: without the secret
key nobody can compute it from the few possible numbers. Production refuses to start without a
key; development falls back to a fixed, public one."""

from __future__ import annotations

from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from domain.petitions.petition import Channel, PetitionType
from domain.petitions.petitioner import Petitioner, petitioner_id
from infra.bootstrap import ConfigurationError, System, bootstrap
from infra.settings import DEVELOPMENT_ID_KEY
from tests.petition_dsl import ZHANG
from tests.support import VILLAGE, Clock, person, settings_for

KEY_A, KEY_B = AESCipher.create_key(32), AESCipher.create_key(32)


def started(tmp_path: Path, **settings: object) -> System:
    system = bootstrap(settings_for(tmp_path, **settings), Clock())
    system.seed()
    return system


def filed(system: System) -> Petitioner:
    """The record of the petitioner after one petition: found only through the desk's key."""
    desk = system.casebook.petitions
    desk.register(
        person("petition_agent"),
        node=VILLAGE,
        channel=Channel.VIA_AGENT,
        type=PetitionType.COMPLAINT,
        petitioner=ZHANG,
        content="The road money was never paid.",
        matter="road compensation",
    )
    [opened] = [
        n
        for n in system.casebook.recorder.select_notifications(1, 1000)
        if n.topic == "fengqiao.petition:PetitionerOpened"
    ]
    assert opened.originator_id == desk.petitioner_id(ZHANG["id_number"])
    return system.casebook.load(Petitioner, opened.originator_id, "petitioner")


def test_two_systems_with_different_keys_give_the_same_person_different_ids(tmp_path: Path):
    first, second = started(tmp_path / "a", id_key=KEY_A), started(tmp_path / "b", id_key=KEY_B)
    try:
        one, other = filed(first), filed(second)
        assert one.id != other.id
        assert one.id == petitioner_id(ZHANG["id_number"], KEY_A.encode())
        assert other.id == petitioner_id(ZHANG["id_number"], KEY_B.encode())
    finally:
        first.close()
        second.close()


def test_the_same_key_finds_the_same_record_again(tmp_path: Path):
    system = started(tmp_path, id_key=KEY_A)
    try:
        record = filed(system)
    finally:
        system.close()
    again = bootstrap(settings_for(tmp_path, id_key=KEY_A), Clock())
    try:
        assert again.casebook.petitions.petitioner_id(ZHANG["id_number"]) == record.id
        assert list(again.casebook.load(Petitioner, record.id, "petitioner").matters) == ["road compensation"]
    finally:
        again.close()


def test_development_without_a_key_uses_the_fixed_development_key(tmp_path: Path):
    system = started(tmp_path)
    try:
        assert filed(system).id == petitioner_id(ZHANG["id_number"], DEVELOPMENT_ID_KEY.encode())
    finally:
        system.close()


@pytest.mark.parametrize(
    ("id_key", "message"),
    [
        (None, "without FENGQIAO_ID_KEY"),
        ("short", "at least 32 characters"),
        (DEVELOPMENT_ID_KEY, "not the development key"),
    ],
)
def test_production_refuses_to_start_without_a_secret_id_key(
    tmp_path: Path, id_key: str | None, message: str
):
    settings = settings_for(tmp_path, mode="production", cipher_key=AESCipher.create_key(32), id_key=id_key)
    with pytest.raises(ConfigurationError, match=message):
        bootstrap(settings)


def test_no_key_is_made_up_in_production_or_in_a_casebook_built_without_one(tmp_path: Path):
    from service.casebook import Casebook

    with pytest.raises(ValueError, match="FENGQIAO_ID_KEY is required"):
        settings_for(tmp_path, mode="production").petitioner_id_key()
    casebook = Casebook(settings_for(tmp_path).event_store_env())
    try:
        with pytest.raises(RuntimeError, match="no key for petitioner ids"):
            casebook.petitions.petitioner_id(ZHANG["id_number"])
    finally:
        casebook.close()


def test_the_key_is_read_from_the_environment_and_never_shown(monkeypatch: pytest.MonkeyPatch):
    from infra.settings import Settings

    monkeypatch.setenv("FENGQIAO_ID_KEY", KEY_A)
    settings = Settings()
    assert settings.petitioner_id_key() == KEY_A.encode()
    assert KEY_A not in repr(settings)
