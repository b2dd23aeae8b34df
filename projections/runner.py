"""Follows the notification log into a read model: batches of events, one transaction each,
with the tracking position written in the same transaction as the rows.

While catching up over full batches, the next batch is read and decoded on a second thread
while the database writes the current one (`ReadAhead`): the write's round trips release the
interpreter, so the read costs little more than the time it overlaps. A batch read ahead is used
only if the projection's position is, when its turn comes, exactly where that read started."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import structlog
from eventsourcing.application import Application

from infra.sql import Cursor, Database, Row
from projections import tracking
from projections.followers import (
    FAILED,
    RETRYING,
    RUNNING,
    STOPPED,
    FollowerFailed,
    Heartbeat,
    Retry,
    Supervision,
    prepare,
)

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


Batch = list[tuple[int, Any]]


class ReadAhead:
    """Reads the batch after a full one on a worker thread, for the caller's next step."""

    def __init__(
        self, reader: NotificationReader, topics: Sequence[str], limit: int, stop: int | None
    ) -> None:
        self.reader, self.topics, self.limit, self.stop = reader, topics, limit, stop
        self._pool: ThreadPoolExecutor | None = None
        self._after: int | None = None
        self._pending: Future[Batch] | None = None

    def read(self, after: int) -> Batch:
        """The batch after `after`: the one read ahead if it started there, else read now."""
        pending, self._pending = self._pending, None
        if pending is not None and self._after == after:
            batch = pending.result()
        else:
            if pending is not None:
                pending.cancel()
            batch = self.reader.read(after, self.limit, self.topics, self.stop)
        if len(batch) == self.limit:  # a full batch: more probably follows
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="read-ahead")
            self._after = batch[-1][0]
            self._pending = self._pool.submit(
                self.reader.read, self._after, self.limit, self.topics, self.stop
            )
        return batch

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending = None


def apply_batch(
    cur: Cursor,
    reader: NotificationReader,
    projection: Projection,
    limit: int,
    stop: int | None = None,
    ahead: ReadAhead | None = None,
) -> int:
    """Applies the next batch inside the caller's transaction; returns how many it applied."""
    start = tracking.position(cur, projection.name, lock=True)
    batch = ahead.read(start) if ahead else reader.read(start, limit, projection.topics, stop)
    if not batch:
        return 0
    projection.apply(cur, [event for _, event in batch])
    tracking.advance(cur, projection.name, start, batch[-1][0])
    return len(batch)


class ProjectionRunner:
    def __init__(
        self,
        reader: NotificationReader,
        db: Database,
        projection: Projection,
        batch_size: int = 500,
    ) -> None:
        self.reader = reader
        self.db = db
        self.projection = projection
        self.batch_size = batch_size

    def setup(self) -> None:
        prepare(self.db, [self.projection])

    def step(self, stop: int | None = None, ahead: ReadAhead | None = None) -> int:
        with self.db.transaction() as cur:
            return apply_batch(cur, self.reader, self.projection, self.batch_size, stop, ahead)

    def position(self) -> int:
        with self.db.reading() as cur:
            return tracking.position(cur, self.projection.name)

    def catch_up(self, stop: int | None = None, progress: Callable[[int], None] | None = None) -> int:
        total = 0
        ahead = ReadAhead(self.reader, self.projection.topics, self.batch_size, stop)
        try:
            while applied := self.step(stop, ahead):
                total += applied
                if progress:
                    progress(self.position())
        finally:
            ahead.close()
        return total

    def run(
        self,
        stopping: threading.Event,
        poll_interval: float,
        retry: Retry | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        """Follows the log until `stopping` is set. A failure (a dropped connection, a database
        restarting) is logged and retried with back-off; after failing for longer than the retry
        budget it raises FollowerFailed, for the process to exit and be restarted."""
        name = self.projection.name
        supervision = Supervision(name, retry or Retry(), "projection")
        heartbeat = heartbeat or Heartbeat(self.db, name)
        started = False
        seen = 0
        while not stopping.is_set():
            try:
                if not started:
                    self.setup()
                    log.info("projection.started", projection=name, position=self.position())
                    started = True
                head = self.reader.head()
                applied = self.catch_up(progress=lambda at: heartbeat.beat(RUNNING, at))
                seen = max(head, self.position())
                supervision.succeeded()
                heartbeat.beat(RUNNING, seen)
            except tracking.TrackingConflict as conflict:
                log.warning("projection.conflict", projection=name, detail=str(conflict))
                applied = 0
            except Exception as failure:  # noqa: BLE001 - supervised: retried, then given up
                try:
                    delay = supervision.failed(failure)
                except FollowerFailed as gave_up:
                    heartbeat.beat(FAILED, seen, str(gave_up), force=True)
                    raise
                heartbeat.beat(RETRYING, seen, f"{type(failure).__name__}: {failure}", force=True)
                stopping.wait(delay)
                continue
            if applied:
                log.info("projection.advanced", projection=name, events=applied, position=self.position())
            stopping.wait(poll_interval)
        heartbeat.beat(STOPPED, seen, force=True)
