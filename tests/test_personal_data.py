"""Personal data is encrypted at rest when a key is configured; production refuses to start
without one, or with plain tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from domain.disputes.dispute import Category, Severity
from infra.bootstrap import ConfigurationError, bootstrap
from infra.directory import parse_directory_file
from service.seal.checkpoint import new_key
from tests.support import GRID, Clock, person, settings_for

NAME, PHONE = "Zhang Sanfeng", "13800001111"


def report(system) -> None:
    system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": NAME, "phone": PHONE}, {"name": "Li Si"}],
        category=Category.FAMILY,
        severity=Severity.MINOR,
        description="a house divided",
        occurred_at=system.casebook.clock() - timedelta(days=1),
    )


def stored_bytes(system) -> bytes:
    return b"".join(n.state for n in system.casebook.recorder.select_notifications(1, 1000))


def test_with_a_key_names_and_phone_numbers_are_unreadable_in_the_store(tmp_path: Path):
    settings = settings_for(tmp_path, cipher_key=AESCipher.create_key(32))
    system = bootstrap(settings, Clock())
    system.seed()
    report(system)
    raw = stored_bytes(system)
    assert NAME.encode() not in raw and PHONE.encode() not in raw
    assert b"Wang Fang" not in raw, "the directory's people are personal data too"
    [dispute_id] = {
        n.originator_id
        for n in system.casebook.recorder.select_notifications(1, 1000)
        if n.topic == "fengqiao.dispute:Reported"
    }
    assert system.casebook.disputes.get(None, dispute_id).parties[0]["phone"] == PHONE
    system.close()


def test_without_a_key_the_store_is_plain_so_the_check_above_can_fail(tmp_path: Path):
    system = bootstrap(settings_for(tmp_path), Clock())
    system.seed()
    report(system)
    assert NAME.encode() in stored_bytes(system)
    system.close()


def test_production_refuses_to_start_without_a_key(tmp_path: Path):
    settings = settings_for(tmp_path, mode="production")
    with pytest.raises(ConfigurationError, match="FENGQIAO_CIPHER_KEY"):
        bootstrap(settings)


def test_production_refuses_any_token_in_the_directory_file(tmp_path: Path):
    settings = settings_for(
        tmp_path,
        mode="production",
        cipher_key=AESCipher.create_key(32),
        id_key=AESCipher.create_key(32),
        seal_key=new_key(),
    )
    with pytest.raises(ConfigurationError, match="gives plain tokens"):
        bootstrap(settings)
    hashed = parse_directory_file({"person": [{"id": "a", "name": "A", "token_sha256": "0" * 64}]})
    with pytest.raises(
        ConfigurationError, match=r"gives token_sha256 entries \(a\); file tokens are for development"
    ):
        bootstrap(settings, directory_file=hashed)
    without = parse_directory_file({"person": [{"id": "a", "name": "A"}]})
    system = bootstrap(settings, directory_file=without)
    system.close()
