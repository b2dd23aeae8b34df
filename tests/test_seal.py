"""The seal catches changes made behind the system's back: SQL run straight against the events table
(SQLite `stored_events`, PostgreSQL `casebook_events`) changing a byte, deleting, inserting or swapping
events is found at its notification id and named; a tail rewritten together with a recomputed seal is
found by a checkpoint kept outside the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import pytest

from infra.bootstrap import System
from infra.seal_store import SealTables
from infra.seal_verify import Verdict, Verifier
from infra.settings import Settings
from service.seal.leaves import Record
from tests.conftest import seeded
from tests.support import Clock


@pytest.fixture
def sealed(settings: Settings, clock: Clock) -> Iterator[System]:
    """A seeded system (its directory, policy, calendars and templates: over a hundred events)."""
    built = seeded(settings, clock)
    yield built
    built.close()


@contextmanager
def behind_the_back(system: System) -> Iterator[tuple[Any, str, str]]:
    """A raw connection to the store, its events table and the name of the notification id column."""
    settings = system.settings
    if settings.store == "sqlite":
        conn = sqlite3.connect(settings.sqlite_events_path)
        try:
            yield conn.cursor(), "stored_events", "rowid"
            conn.commit()
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=settings.pg_dbname,
    ) as conn:
        yield conn.cursor(), f'"{settings.pg_schema}".casebook_events', "notification_id"


def sql(system: System, statement: str, *params: object) -> list[Any]:
    with behind_the_back(system) as (cur, table, nid):
        ph = "?" if system.settings.store == "sqlite" else "%s"
        cur.execute(statement.format(table=table, id=nid).replace("?", ph), params)
        return cur.fetchall() if cur.description else []


def verify(system: System, outside: list[Any] | None = None) -> Verdict:
    seal = system.seal
    verifier = Verifier(system.casebook.recorder, seal.signer.public_key, seal.signer.origin)
    return verifier.verify([("outside", cp) for cp in outside or []])


def ids(system: System) -> list[int]:
    return [row[0] for row in sql(system, "SELECT {id} FROM {table} ORDER BY {id}")]


def test_an_untouched_store_verifies_against_its_seal_and_checkpoints(sealed: System) -> None:
    first = sealed.seal.checkpoint()
    verdict = verify(sealed, [first])
    assert verdict.ok, verdict
    assert verdict.events == verdict.sealed == len(ids(sealed)) > 100
    assert verdict.root_hash == first.root_hash == sealed.seal.head().root_hash


def test_one_byte_changed_in_one_event_is_found_as_changed_at_its_id(sealed: System) -> None:
    target = ids(sealed)[40]
    [(state,)] = sql(sealed, "SELECT state FROM {table} WHERE {id} = ?", target)
    bent = bytearray(state)
    bent[len(bent) // 2] ^= 0x01
    sql(sealed, "UPDATE {table} SET state = ? WHERE {id} = ?", bytes(bent), target)
    verdict = verify(sealed)
    assert verdict.first is not None and not verdict.ok
    assert (verdict.first.notification_id, verdict.first.kind) == (target, "changed")


def test_a_deleted_event_is_found_as_missing_at_its_id(sealed: System) -> None:
    target = ids(sealed)[17]
    sql(sealed, "DELETE FROM {table} WHERE {id} = ?", target)
    verdict = verify(sealed)
    assert verdict.first is not None
    assert (verdict.first.notification_id, verdict.first.kind) == (target, "missing")


def test_an_inserted_event_is_found_as_inserted_at_its_id(sealed: System) -> None:
    [(stream, topic, state)] = sql(
        sealed, "SELECT originator_id, topic, state FROM {table} WHERE {id} = ?", ids(sealed)[5]
    )
    sql(
        sealed,
        "INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
        stream,
        999,
        topic,
        state,
    )
    inserted = ids(sealed)[-1]
    verdict = verify(sealed)
    assert verdict.first is not None
    assert (verdict.first.notification_id, verdict.first.kind) == (inserted, "inserted")


def test_two_events_swapped_are_found_as_reordered_at_the_first(sealed: System) -> None:
    a, b = ids(sealed)[30], ids(sealed)[31]
    sql(sealed, "UPDATE {table} SET {id} = ? WHERE {id} = ?", -1, a)
    sql(sealed, "UPDATE {table} SET {id} = ? WHERE {id} = ?", a, b)
    sql(sealed, "UPDATE {table} SET {id} = ? WHERE {id} = ?", b, -1)
    verdict = verify(sealed)
    assert verdict.first is not None
    assert (verdict.first.notification_id, verdict.first.kind) == (a, "reordered")


def test_a_kept_checkpoint_fails_when_an_event_it_covers_is_changed(sealed: System) -> None:
    sealed.seal.checkpoint()
    target = ids(sealed)[3]
    sql(sealed, "UPDATE {table} SET topic = ? WHERE {id} = ?", "forged:Event", target)
    verdict = verify(sealed)
    [finding] = verdict.checkpoints
    assert any("do not hash to its root" in p for p in finding.problems)


def test_a_tail_rewritten_with_a_recomputed_seal_is_found_by_a_checkpoint_kept_outside(
    sealed: System,
) -> None:
    kept_by_the_county = sealed.seal.checkpoint()
    cut = 60
    rewrite_tail_and_seal(sealed, cut)
    fooled = verify(sealed)
    assert fooled.first is None, "the rewrite is consistent with the seal in the store"
    assert fooled.root_hash != kept_by_the_county.root_hash
    verdict = verify(sealed, [kept_by_the_county])
    assert not verdict.ok
    [finding] = verdict.checkpoints
    assert finding.source == "outside"
    assert any("do not hash to its root" in p for p in finding.problems)


def test_a_gap_left_by_a_failed_insert_is_not_tampering(sealed: System) -> None:
    from eventsourcing.persistence import IntegrityError

    recorder = sealed.casebook.recorder
    [first] = recorder.select_notifications(1, 1)
    from eventsourcing.persistence import StoredEvent

    duplicate = StoredEvent(first.originator_id, first.originator_version, first.topic, first.state)
    with pytest.raises(IntegrityError):
        recorder.insert_events([duplicate])
    fresh = StoredEvent(first.originator_id, 10_000, first.topic, first.state)
    recorder.insert_events([fresh])
    if sealed.settings.store == "postgres":
        known = ids(sealed)
        assert known[-1] - known[-2] == 2, "the failed insert used a sequence value"
    assert sealed.seal.inclusion(ids(sealed)[-1], sealed.seal.head().tree_size) is not None
    verdict = verify(sealed)
    assert verdict.ok, verdict


def test_a_seal_that_fails_rolls_the_events_back_with_it(
    sealed: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eventsourcing.persistence import StoredEvent

    recorder = sealed.casebook.recorder
    before = ids(sealed)
    [first] = recorder.select_notifications(1, 1)

    def broken(*_: Any) -> None:
        raise RuntimeError("the seal failed")

    monkeypatch.setattr(SealTables, "append", broken)
    with pytest.raises(RuntimeError, match="the seal failed"):
        recorder.insert_events([StoredEvent(first.originator_id, 10_001, first.topic, first.state)])
    monkeypatch.undo()
    assert ids(sealed) == before
    assert verify(sealed).ok


def rewrite_tail_and_seal(system: System, cut: int) -> None:
    """What someone who controls the database can do: change every event after the `cut`-th, then
    recompute the seal's leaves and nodes from there and drop the checkpoints kept in the store."""
    tables: SealTables = system.casebook.recorder.seal_tables
    datastore = system.casebook.recorder.datastore
    with datastore.transaction(commit=True) as c:
        tail = tables.events_after(c, ids(system)[cut - 1], 100_000)
        for record in tail:
            c.execute(
                f"UPDATE {tables.events} SET topic = {tables.p} WHERE {tables.event_id} = {tables.p}",
                (record.topic + "#forged", record.notification_id),
            )
        c.execute(f"DELETE FROM {tables.leaves} WHERE leaf_index >= {tables.p}", (cut,))
        for level in range(1, 64):
            c.execute(
                f"DELETE FROM {tables.nodes} WHERE level = {tables.p} AND idx >= {tables.p}",
                (level, cut >> level),  # every node over a leaf from the cut on
            )
        c.execute(f"DELETE FROM {tables.checkpoints}")
        c.execute(f"DELETE FROM {tables.head}")
        forged = [
            Record(r.notification_id, r.stream_id, r.version, r.topic + "#forged", r.state) for r in tail
        ]
        tables.append(c, forged)


class Ticks:
    """A stopping event whose waits end at once: `n` intervals pass, then it is set."""

    def __init__(self, n: int) -> None:
        self.n = n

    def wait(self, timeout: float) -> bool:
        self.n -= 1
        return self.n < 0


def test_the_interval_checkpoints_only_a_tree_that_grew(sealed: System) -> None:
    from eventsourcing.persistence import StoredEvent

    seal = sealed.seal
    seal.run(Ticks(3), interval=60)  # type: ignore[arg-type]
    assert [cp.tree_size for cp in seal.checkpoints()] == [seal.head().tree_size]
    [first] = sealed.casebook.recorder.select_notifications(1, 1)
    sealed.casebook.recorder.insert_events(
        [StoredEvent(first.originator_id, 10_002, first.topic, first.state)]
    )
    seal.run(Ticks(2), interval=60)  # type: ignore[arg-type]
    sizes = [cp.tree_size for cp in seal.checkpoints()]
    assert sizes == [sizes[0], sizes[0] + 1]
    assert verify(sealed).ok


@pytest.mark.parametrize(
    ("seal_key", "message"),
    [
        (None, "without FENGQIAO_SEAL_KEY"),
        ("bm90IGEga2V5", "32-byte Ed25519 seed"),
        ("ZmVuZ3FpYW8tZGV2ZWxvcG1lbnQtc2VhbC1rZXkhISE=", "development FENGQIAO_SEAL_KEY"),
    ],
)
def test_production_refuses_to_start_without_its_own_seal_key(
    tmp_path: Any, seal_key: str | None, message: str
) -> None:
    from eventsourcing.cryptography import AESCipher

    from infra.bootstrap import ConfigurationError, bootstrap
    from tests.support import settings_for

    keys = {"cipher_key": AESCipher.create_key(32), "id_key": AESCipher.create_key(32)}
    settings = settings_for(tmp_path, mode="production", seal_key=seal_key, **keys)
    with pytest.raises(ConfigurationError, match=message):
        bootstrap(settings)


def test_an_encrypted_store_is_verified_without_the_cipher_key(tmp_path: Any, clock: Clock) -> None:
    from eventsourcing.cryptography import AESCipher

    from infra.settings import DEVELOPMENT_SEAL_KEY
    from service.casebook import Casebook
    from service.seal.checkpoint import Signer
    from tests.support import settings_for

    encrypted = seeded(settings_for(tmp_path, cipher_key=AESCipher.create_key(32)), clock)
    checkpoint = encrypted.seal.checkpoint()
    encrypted.close()
    without_key = Casebook(settings_for(tmp_path).event_store_env())
    signer = Signer.from_setting(DEVELOPMENT_SEAL_KEY, "fengqiao/development")
    verdict = Verifier(without_key.recorder, signer.public_key, signer.origin).verify(
        [("outside", checkpoint)]
    )
    without_key.close()
    assert verdict.ok, verdict
    assert verdict.root_hash == checkpoint.root_hash


def test_the_first_sealed_write_adopts_a_history_recorded_before_the_seal(
    settings: Settings, clock: Clock
) -> None:
    from eventsourcing.persistence import StoredEvent

    from service.casebook import Casebook

    plain = {k: v for k, v in settings.event_store_env().items() if k != "APPLICATION_RECORDER_TOPIC"}
    before = Casebook(plain)
    before.recorder.insert_events([StoredEvent(uuid4(), 1, "old:Event", b"%d" % n) for n in range(7)])
    before.close()
    system = seeded(settings, clock)
    try:
        verdict = verify(system)
        assert verdict.ok, verdict
        assert verdict.sealed == verdict.events == len(ids(system)) > 7
    finally:
        system.close()
