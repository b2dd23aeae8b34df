"""Follows the notification log into a read model: batches of events, one transaction each,
with the tracking position written in the same transaction as the rows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import structlog
from eventsourcing.application import Application

from infra.sql import Cursor, Database, Row
from projections import tracking

log = structlog.get_logger()


class Projection(Protocol):
    name: str
    topics: tuple[str, ...]

    def create(self, cur: Cursor) -> None: ...
    def drop(self, cur: Cursor) -> None: ...
    def apply(self, cur: Cursor, events: Sequence[Any]) -> None: ...
    def rows(self, cur: Cursor) -> dict[str, list[Row]]: ...
    def shadow(self) -> Projection: ...
    def replace_with(self, cur: Cursor, shadow: Projection) -> None: ...


class NotificationReader:
    """Reads and decodes the application's notification log, in order, in bulk."""

    def __init__(self, app: Application[Any]) -> None:
        self.app = app

    def read(
        self, after: int, limit: int, topics: Sequence[str] = (), stop: int | None = None
    ) -> list[tuple[int, Any]]:
        notes = self.app.recorder.select_notifications(
            after, limit, stop=stop, topics=topics, inclusive_of_start=False
        )
        return [(n.id, self.app.mapper.to_domain_event(n)) for n in notes]

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0


def apply_batch(
    cur: Cursor, reader: NotificationReader, projection: Projection, limit: int,
    stop: int | None = None,
) -> int:
    """Applies the next batch inside the caller's transaction; returns how many it applied."""
    start = tracking.position(cur, projection.name, lock=True)
    batch = reader.read(start, limit, projection.topics, stop)
    if not batch:
        return 0
    projection.apply(cur, [event for _, event in batch])
    tracking.advance(cur, projection.name, start, batch[-1][0])
    return len(batch)


class ProjectionRunner:
    def __init__(
        self, reader: NotificationReader, db: Database, projection: Projection,
        batch_size: int = 500,
    ) -> None:
        self.reader = reader
        self.db = db
        self.projection = projection
        self.batch_size = batch_size

    def setup(self) -> None:
        with self.db.transaction() as cur:
            tracking.create_table(cur)
            self.projection.create(cur)

    def step(self, stop: int | None = None) -> int:
        with self.db.transaction() as cur:
            return apply_batch(cur, self.reader, self.projection, self.batch_size, stop)

    def position(self) -> int:
        with self.db.reading() as cur:
            return tracking.position(cur, self.projection.name)

    def catch_up(
        self, stop: int | None = None, progress: Callable[[int], None] | None = None
    ) -> int:
        total = 0
        while applied := self.step(stop):
            total += applied
            if progress:
                progress(self.position())
        return total

    def run(self, stopping: threading.Event, poll_interval: float) -> None:
        self.setup()
        log.info("projection.started", projection=self.projection.name, position=self.position())
        while not stopping.is_set():
            try:
                applied = self.catch_up()
            except tracking.TrackingConflict as conflict:
                log.warning("projection.conflict", projection=self.projection.name, detail=str(conflict))
                applied = 0
            if applied:
                log.info(
                    "projection.advanced", projection=self.projection.name,
                    events=applied, position=self.position(),
                )
            stopping.wait(poll_interval)
