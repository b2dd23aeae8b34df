"""A backup restores to identical answers: back up a running store, change it after, destroy it,
restore; the seal verifies, every read model equals what it was and a rebuild from the restored
log, and a case reads back as it was when the backup was made."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from domain.disputes.dispute import AgreementForm
from domain.evidence import Kind
from infra.backup import BackupError, backup, restore
from infra.binding import bind
from infra.bootstrap import ConfigurationError, System, bootstrap
from infra.cli import main
from infra.seal_verify import Verifier
from infra.settings import Settings
from projections import tracking
from projections.followers import DISPATCHER
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from service.evidence.blobs import sha256_of
from tests.evidence_support import photo
from tests.support import person, settings_for
from tests.test_clock_board import report


def project(system: System) -> None:
    for projection in system.projections:
        runner = ProjectionRunner(system.reader, system.views, projection)
        runner.setup()
        runner.catch_up()


def read_models(system: System) -> dict[str, list[tuple[object, ...]]]:
    with system.views.reading() as cur:
        if cur.dialect == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        else:
            cur.execute(
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?",
                (system.settings.pg_schema,),
            )
        names = sorted(r["name"] for r in cur.fetchall() if "stored_events" not in r["name"])
        found = {}
        for name in names:
            cur.execute(f'SELECT * FROM "{name}"')
            found[name] = sorted(tuple(str(v) for v in r.values()) for r in cur.fetchall())
        return found


def destroy(settings: Settings) -> None:
    if settings.store == "sqlite":
        for path in settings.var_dir.glob("*.sqlite*"):
            path.unlink()
        return
    with psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=settings.pg_dbname,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP SCHEMA "{settings.pg_schema}" CASCADE')


def test_a_backup_restores_to_identical_answers_and_a_verifying_seal(settings: Settings, tmp_path: Path):
    system = bootstrap(settings)
    system.seed()
    dispute = report(system)
    system.casebook.keepers["dispute"].sync(dispute.id, 0)
    project(system)
    system.seal.checkpoint()
    before = read_models(system)
    version = system.casebook.repository.get(dispute.id).version
    folder = tmp_path / "backup"
    assert backup(settings, folder).head == system.reader.head()
    system.casebook.disputes.reach_agreement(
        person("grid_member"), dispute.id, form=AgreementForm.ORAL, terms="ok"
    )
    system.close()

    destroy(settings)
    restore(settings, folder)
    if settings.store == "sqlite":
        with pytest.raises(BackupError, match="--replace"):
            restore(settings, folder)  # a store is there now: not over it without being told

    again = bootstrap(settings)
    try:
        assert again.casebook.repository.get(dispute.id).version == version  # as it was at the backup
        seal = again.seal
        verdict = Verifier(again.casebook.recorder, seal.signer.public_key, seal.signer.origin).verify()
        assert verdict.ok and verdict.sealed > 0 and not verdict.problems
        assert read_models(again) == before
        for projection in again.projections:
            assert rebuild(again.reader, again.views, projection, switch=False).equal, projection.name
    finally:
        again.close()


def test_the_commands_refuse_a_backup_whose_files_were_changed(
    sqlite_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    system = bootstrap(sqlite_settings)
    system.seed()
    project(system)
    system.close()
    monkeypatch.setenv("FENGQIAO_VAR_DIR", str(sqlite_settings.var_dir))
    folder = tmp_path / "backup"
    assert main(["backup", str(folder)]) == 0
    assert main(["backup", str(folder)]) == 1 and "not empty" in capsys.readouterr().err
    with (folder / "events.sqlite").open("ab") as f:
        f.write(b"\0")
    destroy(sqlite_settings)
    assert main(["restore", str(folder)]) == 1
    assert "does not match the manifest" in capsys.readouterr().err
    assert not sqlite_settings.sqlite_events_path.exists()


def test_a_restore_for_a_fresh_temporal_server_has_the_dispatcher_start_again_from_the_log(
    sqlite_settings: Settings, tmp_path: Path
):
    system = bootstrap(sqlite_settings)
    system.seed()
    project(system)
    with system.views.transaction() as cur:
        tracking.position(cur, DISPATCHER, lock=True)
        tracking.advance(cur, DISPATCHER, 0, system.reader.head())
    system.close()
    backup(sqlite_settings, tmp_path / "backup")
    restore(sqlite_settings, tmp_path / "backup", replace=True, fresh_temporal=True)
    again = bootstrap(sqlite_settings)
    with again.views.reading() as cur:
        assert tracking.position(cur, DISPATCHER) == 0
    again.close()


def test_a_restore_for_a_fresh_temporal_namespace_binds_the_store_to_it(
    sqlite_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    system = bootstrap(sqlite_settings)
    system.seed()
    project(system)
    recorded = bind(system)  # the first start bound it to the namespace it ran in
    system.seal.checkpoint()
    system.close()
    folder = tmp_path / "backup"
    backup(sqlite_settings, folder)
    elsewhere = settings_for(tmp_path / "restored", temporal_namespace="fengqiao-restored")
    restore(elsewhere, folder)
    again = bootstrap(elsewhere)
    with pytest.raises(ConfigurationError, match="FENGQIAO_TEMPORAL_NAMESPACE"):
        bind(again)  # not told that Temporal is fresh: the store's workflows are in the old namespace
    again.close()
    monkeypatch.setenv("FENGQIAO_VAR_DIR", str(elsewhere.var_dir))
    monkeypatch.setenv("FENGQIAO_TEMPORAL_NAMESPACE", "fengqiao-restored")
    assert main(["restore", str(folder), "--replace", "--fresh-temporal"]) == 0
    told = capsys.readouterr().out
    again = bootstrap(elsewhere)
    try:
        bound = bind(again)
        assert (bound.namespace, bound.task_queue) == ("fengqiao-restored", recorded.task_queue)
        seal = again.seal  # the binding recorded after the restore leaves the sealed log intact
        verdict = Verifier(again.casebook.recorder, seal.signer.public_key, seal.signer.origin).verify()
        assert verdict.ok and not verdict.problems
    finally:
        again.close()
    assert "bound to Temporal namespace 'fengqiao-restored'" in told


def with_a_photo(settings: Settings) -> tuple[Any, dict[str, Any]]:
    """A store with one dispute and a photo attached to it, its read models caught up."""
    system = bootstrap(settings)
    system.seed()
    dispute = report(system)
    _, added = system.evidence.attach(
        person("grid_member"), "dispute", dispute.id, data=photo(), filename="fence.jpg", kind=Kind.PHOTO
    )
    project(system)
    system.close()
    return dispute, added


def test_a_backup_carries_the_attachments_files_and_a_restore_puts_them_back(
    settings: Settings, tmp_path: Path
):
    dispute, added = with_a_photo(settings)
    folder = tmp_path / "backup"
    manifest = backup(settings, folder)
    kept = [name for name in manifest.files if name.startswith("evidence/")]
    assert [name.rsplit("/", 1)[1] for name in kept] == [added["sha256"]]

    destroy(settings)
    shutil.rmtree(settings.evidence_path)
    restore(settings, folder)
    again = bootstrap(settings)
    try:
        found, data = again.evidence.open(person("mediator"), "dispute", dispute.id, added["id"])
        assert sha256_of(data) == found["sha256"] == added["sha256"]
    finally:
        again.close()


def test_a_restore_refuses_a_backup_whose_attachment_file_was_changed(
    sqlite_settings: Settings, tmp_path: Path
):
    with_a_photo(sqlite_settings)
    folder = tmp_path / "backup"
    backup(sqlite_settings, folder)
    (changed,) = [p for p in (folder / "evidence").rglob("*") if p.is_file()]
    changed.write_bytes(changed.read_bytes() + b"\0")
    with pytest.raises(BackupError, match="does not match the manifest"):
        restore(sqlite_settings, folder, replace=True)
