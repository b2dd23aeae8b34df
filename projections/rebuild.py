"""Rebuild a read model from zero beside the live one, compare the two, and switch over."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from infra.sql import Cursor, Database, Row
from projections import tracking
from projections.followers import prepare
from projections.runner import (
    NotificationReader,
    Projection,
    ProjectionRunner,
    apply_batch,
)

UUID_IN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Difference:
    """One row on which a read model and its rebuild from the log disagree, paired by the
    table's primary key: only in the live model, only in the rebuild, or in both with the
    columns that differ."""

    table: str
    key: dict[str, str]
    live: dict[str, str] | None
    rebuilt: dict[str, str] | None

    @property
    def columns(self) -> list[str]:
        if self.live is None or self.rebuilt is None:
            return []
        return [c for c in self.live if self.live[c] != self.rebuilt.get(c)]

    def streams(self) -> list[UUID]:
        """The streams the row speaks of (the ids in its key and columns): whose events are
        behind it."""
        found: dict[str, None] = {}
        for row in (self.key, self.live or {}, self.rebuilt or {}):
            for value in row.values():
                found.update(dict.fromkeys(UUID_IN.findall(str(value))))
        return [UUID(u) for u in found]

    def __str__(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        if self.rebuilt is None:
            return f"{self.table} [{key}]: live has {self.live}, rebuilt has not"
        if self.live is None:
            return f"{self.table} [{key}]: rebuilt has {self.rebuilt}, live has not"
        changed = "; ".join(f"{c}: live {self.live[c]}, rebuilt {self.rebuilt.get(c)}" for c in self.columns)
        return f"{self.table} [{key}]: {changed}"


def events_behind(app: Any, difference: Difference, limit: int = 20) -> Iterator[str]:
    """The events of the streams a differing row speaks of, in words an auditor can look up
    (stream, version, kind, when it took effect, when it was recorded) — never their content."""
    for stream in difference.streams():
        for event in app.repository.event_store.get(stream, limit=limit):
            effective = getattr(event, "effective_at", None)
            yield (
                f"{stream} v{event.originator_version} {type(event).__qualname__}"
                + (f", effective {effective.isoformat()}" if effective else "")
                + f", recorded {event.timestamp.isoformat()}"
            )


@dataclass
class RebuildReport:
    projection: str
    position: int
    rows: int
    differences: list[Difference] = field(default_factory=list)
    switched: bool = False
    live_position: int = 0  # where the live read model was when compared
    head: int = 0  # the log's last notification then
    behind: int = 0  # notifications of the read model's topics after the live position, up to head

    @property
    def equal(self) -> bool:
        return not self.differences


def rebuild(
    reader: NotificationReader,
    db: Database,
    projection: Projection,
    *,
    switch: bool,
    batch_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Replays the whole log into shadow tables and compares them with the live ones.

    With `switch` (a rebuild), holding the write lock, it brings live and shadow to the same
    position, compares them, and makes the shadow live. Without (a verification) it changes
    nothing live: the shadow is replayed up to where the live read model is, compared, dropped,
    and the report says how far behind the log the live model is."""
    shadow = projection.shadow()
    prepare(db, [projection])
    with db.transaction() as cur:
        shadow.drop(cur)
        shadow.create(cur)
        tracking.reset(cur, shadow.name)
    head = reader.head()
    if not switch:
        with db.reading() as cur:
            head = min(head, tracking.position(cur, projection.name))
    runner = ProjectionRunner(reader, db, shadow, batch_size)
    runner.catch_up(stop=head, progress=(lambda pos: progress(pos, head)) if progress else None)

    with db.transaction() as cur:
        live_position = tracking.position(cur, projection.name, lock=True)  # holds the live runner off
        log_head = reader.head()
        target = log_head if switch else live_position
        while apply_batch(cur, reader, shadow, batch_size, stop=target):
            pass
        if switch:
            while apply_batch(cur, reader, projection, batch_size, stop=target):
                pass
        position = max(tracking.position(cur, shadow.name), live_position if not switch else 0)
        live_rows, shadow_rows = projection.rows(cur), shadow.rows(cur)
        report = RebuildReport(
            projection=projection.name,
            position=position,
            rows=sum(len(rows) for rows in shadow_rows.values()),
            differences=_differences(cur, live_rows, list(shadow_rows.values())),
            live_position=live_position,
            head=log_head,
            behind=_pending(reader, projection, live_position, log_head),
        )
        if switch:
            projection.replace_with(cur, shadow)
            tracking.set_position(cur, projection.name, position)
            report.switched = True
        else:
            shadow.drop(cur)
        tracking.reset(cur, shadow.name)
    return report


def _pending(reader: NotificationReader, projection: Projection, after: int, head: int) -> int:
    """How many notifications of the read model's topics lie after `after`, up to `head`."""
    count = 0
    while after < head:
        notes = reader.app.recorder.select_notifications(
            after, 5000, stop=head, topics=projection.topics, inclusive_of_start=False
        )
        if not notes:
            break
        count += len(notes)
        after = notes[-1].id
    return count


def _differences(cur: Cursor, live: dict[str, list[Row]], shadow: list[list[Row]]) -> list[Difference]:
    found = []
    for (table, live_rows), shadow_rows in zip(live.items(), shadow, strict=True):
        columns = list((live_rows or shadow_rows or [{}])[0].keys())
        key = [c for c in primary_key(cur, table) if c in columns] or columns
        live_by = {_key(r, key): _shown(r) for r in live_rows}
        rebuilt_by = {_key(r, key): _shown(r) for r in shadow_rows}
        for k in sorted(live_by.keys() | rebuilt_by.keys()):
            was, now = live_by.get(k), rebuilt_by.get(k)
            if was != now:
                found.append(Difference(table, dict(k), was, now))
    return found


def primary_key(cur: Cursor, table: str) -> list[str]:
    """The columns of a table's primary key, in order, as the database has them."""
    if cur.dialect == "sqlite":
        cur.execute(f"PRAGMA table_info({table})")
        return [r["name"] for r in sorted(cur.fetchall(), key=lambda r: r["pk"]) if r["pk"]]
    cur.execute(
        "SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(?) AND i.indisprimary "
        "ORDER BY array_position(i.indkey::int2[], a.attnum)",
        (table,),
    )
    return [r["name"] for r in cur.fetchall()]


def _shown(row: Row) -> dict[str, str]:
    return {k: str(v) for k, v in row.items()}


def _key(row: Row, columns: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple((c, str(row[c])) for c in columns)
