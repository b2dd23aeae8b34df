"""`fengqiao backup DIR` and `fengqiao restore DIR`: the event store (with the seal's tables, which
live beside the events) and the read-model database, as one folder with a manifest.

SQLite: each database file is copied with SQLite's online backup API (`sqlite3.Connection.backup`),
a consistent copy while the components keep writing. PostgreSQL: `pg_dump --format=custom` of the
store's schema (events, seal, read models, tracking: one schema holds them all), restored with
`pg_restore --clean --if-exists`. The manifest names the store, the log's head when the copy was
made, and each file's SHA-256; restore refuses a folder whose files do not match it.

Attachments' files (`evidence_store = "files"`, under FENGQIAO_EVIDENCE_DIR) are copied into
`evidence/` after the databases: a file is written before the event that names it, so every file
an event in the copy names is in the copy too. Restore puts back the files that are missing and
leaves the ones already there (they are content-addressed and never change; a file there that no
longer matches its name is kept aside as `*.before-restore`). An S3 store is backed up by the
object store's own versioning or replication, not here."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from infra.blob_files import INCOMING
from infra.settings import Settings

MANIFEST = "manifest.json"
PG_DUMP = "fengqiao.pgdump"
EVIDENCE = "evidence"


class BackupError(Exception):
    """The backup or restore could not be done, and why."""


@dataclass(frozen=True)
class Manifest:
    store: str
    made_at: str
    head: int
    files: dict[str, str]  # file name → sha256

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(self.__dict__, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            return cls(**json.loads((folder / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as failure:
            raise BackupError(f"{folder}: no readable {MANIFEST}: {failure}") from None


def backup(settings: Settings, folder: Path) -> Manifest:
    """Writes a backup into `folder` (which must be empty or new)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    if settings.store == "sqlite":
        for source in (settings.sqlite_events_path, settings.sqlite_views_path):
            if not source.exists():
                raise BackupError(f"{source} does not exist: is FENGQIAO_VAR_DIR right?")
            _sqlite_copy(source, folder / source.name)
        head = _sqlite_head(folder / settings.sqlite_events_path.name)
    else:
        head = _pg_head(settings)
        _pg(
            "pg_dump",
            settings,
            "--format=custom",
            f"--schema={settings.pg_schema}",
            f"--file={folder / PG_DUMP}",
        )
    _copy_evidence(settings, folder)
    manifest = Manifest(
        store=settings.store,
        made_at=datetime.now(UTC).isoformat(timespec="seconds"),
        head=head,
        files={p.relative_to(folder).as_posix(): _sha256(p) for p in _files(folder)},
    )
    manifest.write(folder)
    return manifest


def restore(
    settings: Settings, folder: Path, *, replace: bool = False, fresh_temporal: bool = False
) -> Manifest:
    """Restores `folder` into the configured store. An existing SQLite store is replaced only with
    `replace` (the files it replaces are kept beside it, as `*.before-restore`). With
    `fresh_temporal` (the Temporal server's state was lost too, or the store goes to a new
    namespace) the dispatcher's position is set back to the start, so that it starts every case's
    clock workflow again from the log, and the store is bound to the namespace configured now."""
    manifest = Manifest.read(folder)
    if manifest.store != settings.store:
        raise BackupError(f"the backup is of a {manifest.store} store; this one is {settings.store}")
    for name, digest in manifest.files.items():
        if not (folder / name).exists() or _sha256(folder / name) != digest:
            raise BackupError(f"{folder / name} is missing or does not match the manifest: not restoring")
    if settings.store == "sqlite":
        targets = [settings.sqlite_events_path, settings.sqlite_views_path]
        present = [t for t in targets if t.exists()]
        if present and not replace:
            raise BackupError(
                f"{', '.join(map(str, present))} exist: stop the system and restore with --replace"
            )
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        for target in targets:
            for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                if leftover.exists():
                    shutil.move(leftover, f"{leftover}.before-restore")
            _sqlite_copy(folder / target.name, target)
    else:
        _pg("pg_restore", settings, "--clean", "--if-exists", "--no-owner", str(folder / PG_DUMP))
    _restore_evidence(settings, folder, manifest)
    if fresh_temporal:
        _replay_dispatcher(settings, manifest)
    return manifest


def _files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file()]


def _copy_evidence(settings: Settings, folder: Path) -> None:
    source = settings.evidence_path
    if settings.evidence_store != "files" or not source.is_dir():
        return
    half_written = shutil.ignore_patterns(f"{INCOMING}*")
    shutil.copytree(source, folder / EVIDENCE, ignore=half_written)


def _restore_evidence(settings: Settings, folder: Path, manifest: Manifest) -> None:
    prefix = f"{EVIDENCE}/"
    for name, digest in manifest.files.items():
        if not name.startswith(prefix):
            continue
        target = settings.evidence_path / name[len(prefix) :]
        if target.exists():
            if _sha256(target) == digest:
                continue
            shutil.move(target, f"{target}.before-restore")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / name, target)


def _replay_dispatcher(settings: Settings, manifest: Manifest) -> None:
    from infra.binding import rebind
    from infra.bootstrap import bootstrap
    from projections import tracking
    from projections.followers import DISPATCHER

    system = bootstrap(settings)
    try:
        with system.views.transaction() as cur:
            tracking.reset(cur, DISPATCHER)
        rebind(system, f"restored from the backup of {manifest.made_at} for a Temporal without its workflows")
    finally:
        system.close()


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg(tool: str, settings: Settings, *args: str) -> None:
    found = shutil.which(tool)
    if found is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    connection = [
        f"--host={settings.pg_host}",
        f"--port={settings.pg_port}",
        f"--username={settings.pg_user}",
    ]
    target = [f"--dbname={settings.pg_dbname}"]
    env = {
        **os.environ,
        "PGPASSWORD": settings.pg_password,
        "PGCONNECT_TIMEOUT": str(int(settings.pg_connect_timeout)),
    }
    done = subprocess.run(
        [found, *connection, *target, *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[:1000]}")


def _sqlite_head(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT max(rowid) FROM stored_events").fetchone()[0] or 0)
    finally:
        db.close()


def _pg_head(settings: Settings) -> int:
    from infra.bootstrap import bootstrap

    system = bootstrap(settings)
    try:
        return system.reader.head()
    finally:
        system.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
