"""The composition root: builds the system's parts from settings. Nothing else wires things."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.casebook import Casebook, Clock, utc_now
from infra.directory import Directory, load_directory
from infra.settings import Settings
from infra.sql import Database, PostgresDatabase, SQLiteDatabase
from projections.dispute_statistics import DisputeStatistics
from projections.runner import NotificationReader


@dataclass
class System:
    settings: Settings
    directory: Directory
    casebook: Casebook
    views: Database
    statistics: DisputeStatistics = field(default_factory=DisputeStatistics)

    @property
    def reader(self) -> NotificationReader:
        return NotificationReader(self.casebook)

    def close(self) -> None:
        self.views.close()
        self.casebook.close()


def views_database(settings: Settings) -> Database:
    if settings.store == "sqlite":
        return SQLiteDatabase(settings.sqlite_views_path)
    return PostgresDatabase(
        host=settings.pg_host, port=settings.pg_port, user=settings.pg_user,
        password=settings.pg_password, dbname=settings.pg_dbname, schema=settings.pg_schema,
    )


def bootstrap(
    settings: Settings | None = None,
    directory: Directory | None = None,
    clock: Clock = utc_now,
) -> System:
    settings = settings or Settings()
    if settings.store == "sqlite":
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    directory = directory or load_directory(settings.directory_file)
    casebook = Casebook(settings.event_store_env(), directory.tree, clock)
    return System(settings=settings, directory=directory, casebook=casebook, views=views_database(settings))
