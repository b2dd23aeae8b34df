"""Seeded stores, built once per test session and copied for each test.

Seeding (`System.seed`: the directory file, the policy and calendar files, the assessment
templates) issues over a hundred commands and was most of a store-backed test's set-up. The first
test that asks for a store seeded with given settings and clock seeds a template store; every test
after it gets a copy of that store: on SQLite a copy of the files, on PostgreSQL a fresh schema
of its own into which the template schema's rows are copied. Each test still has a store of its
own, and its clock is its own: the template is keyed by the clock's reading at seeding and by
whether the events were stamped with it, so what a copy holds is exactly what seeding with the
test's clock would have recorded (a clock set elsewhere gets a template of its own).
"""

from __future__ import annotations

import copy
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from infra.bootstrap import System, bootstrap
from infra.directory import DirectoryFile, read_directory_file
from infra.settings import Settings
from tests.support import Clock

SQLITE_FILES = ("events.sqlite", "views.sqlite")


@dataclass(frozen=True)
class Template:
    where: Path | str  # the var dir (SQLite) or the schema (PostgreSQL) of the seeded store
    changed: int  # what seeding it returned


class Seeds:
    """The session's template stores, by what makes two seeded stores equal."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[tuple[Any, ...], Template] = {}
        self.directory_files: dict[Path, DirectoryFile] = {}
        self.built = 0  # templates seeded (for the tests of this module)

    def system(self, settings: Settings, clock: Clock, stamped: bool) -> System:
        """A system on `settings` whose store holds what `bootstrap(settings, clock).seed()`
        records. `stamped`: the event store stamps events with `clock` (the `clock` fixture
        patches the library's clock), else with the library's own clock."""
        key = _key(settings, clock.now, stamped)
        template = self.templates.get(key)
        if template is None:
            template = self.templates[key] = self._seed(settings, clock.now, stamped)
        if settings.store == "sqlite":
            settings.var_dir.mkdir(parents=True, exist_ok=True)
            for name in SQLITE_FILES:
                for path in Path(template.where).glob(f"{name}*"):
                    shutil.copyfile(path, settings.var_dir / path.name)
            return bootstrap(settings, clock, self._directory_file(settings))
        # bootstrap creates the event store's tables in the test's schema
        built = bootstrap(settings, clock, self._directory_file(settings))
        _copy_schema(settings, str(template.where), settings.pg_schema)
        return built

    def _directory_file(self, settings: Settings) -> DirectoryFile:
        """The directory file, read once (a copy for each test: nothing shares its lists)."""
        path = settings.directory_file.resolve()
        if path not in self.directory_files:
            self.directory_files[path] = read_directory_file(path)
        return copy.deepcopy(self.directory_files[path])

    def _seed(self, settings: Settings, now: datetime, stamped: bool) -> Template:
        self.built += 1
        if settings.store == "sqlite":
            where: Path | str = self.folder / f"seeded-{self.built}"
            at = settings.model_copy(update={"var_dir": where})
        else:
            where = f"seeded_{self.built}_{uuid.uuid4().hex[:8]}"
            at = settings.model_copy(update={"pg_schema": where})
            with _admin(settings) as conn:
                conn.execute(f'CREATE SCHEMA "{where}"')
        clock = Clock(now)
        with _stamping(clock if stamped else None):
            template = bootstrap(at, clock)
            try:
                changed = template.seed()
            finally:
                template.close()
        return Template(where, changed)


def _key(settings: Settings, now: datetime, stamped: bool) -> tuple[Any, ...]:
    store = {
        k: v
        for k, v in settings.event_store_env().items()
        if k not in ("SQLITE_DBNAME", "POSTGRES_SCHEMA")  # where the copy goes, not what it holds
    }
    return (
        tuple(sorted(store.items())),
        settings.petitioner_id_key(),
        settings.mode,
        *(
            str(p.resolve())
            for p in (
                settings.directory_file,
                settings.policy_dir,
                settings.calendar_dir,
                settings.template_dir,
            )
        ),
        now,
        stamped,
    )


@contextmanager
def _stamping(clock: Clock | None) -> Iterator[None]:
    """The event store stamps events with `clock` inside the block (as the `clock` fixture makes
    it do for a whole test); None leaves the library's clock as it is."""
    if clock is None:
        yield
        return
    import eventsourcing.domain

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: clock.now)
        yield


@contextmanager
def _admin(settings: Settings) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=settings.pg_dbname,
        autocommit=True,
    ) as conn:
        yield conn


def _copy_schema(settings: Settings, source: str, target: str) -> None:
    """Copies every row of every table in `source` into the table of that name in `target`,
    which the system has just created, and moves the target's sequences past what was copied
    (the notification ids go on from the template's)."""
    from psycopg import sql

    with _admin(settings) as conn, conn.transaction():
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_type = 'BASE TABLE' ORDER BY table_name",
                (source,),
            )
        ]
        present = {
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (target,)
            )
        }
        missing = sorted(set(tables) - present)
        if missing:
            raise RuntimeError(
                f"the seeded template holds tables the system does not create at start: {missing}; "
                "teach tests/seeds.py to copy them"
            )
        for table in tables:
            conn.execute(
                sql.SQL("INSERT INTO {} SELECT * FROM {}").format(
                    sql.Identifier(target, table), sql.Identifier(source, table)
                )
            )
            serials = conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_default LIKE 'nextval(%%'",
                (target, table),
            ).fetchall()
            for (column,) in serials:
                conn.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence(%s, %s), "
                        "COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)"
                    ).format(sql.Identifier(column), sql.Identifier(target, table)),
                    (f'"{target}"."{table}"', column),
                )
