"""The auditor's diff: a read model's rows against another copy of them, row by row, with the
events behind each row that differs.

The other copy is either a rebuild of the read model from the log (projections/rebuild.py, which
`projections verify` and `projections diff` share) or the tables of another version of the read
model kept in the views database (a release that changes a definition names its tables with a
new version and leaves the old ones behind). Rows are paired by the live table's primary key, read
from the database's catalogue; each difference is a row only in live, only in the other copy, or
in both with the columns that differ and both values. The events behind a row are those of the
streams the row names (the ids in its key and columns) among the read model's topics, as the log
has them: notification id, stream, version, topic, kind, effective and recorded times — never
their content."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from infra.sql import Cursor, Row

UUID_IN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
VERSIONED = re.compile(r"^(?P<base>.+)_v(?P<version>\d+)$")
REBUILD = "rebuild"  # what a read model is compared against by default

ONLY_LIVE, ONLY_OTHER, CHANGED = "only_live", "only_other", "changed"

Shown = dict[str, str | None]


@dataclass(frozen=True)
class Difference:
    """One row on which the live read model and the other copy disagree, paired by the live
    table's primary key: only in live, only in the other copy, or in both with the columns that
    differ. `against` names the other copy: "rebuild", or a version ("v2")."""

    table: str
    key: dict[str, str | None]
    live: Shown | None
    other: Shown | None
    against: str = REBUILD
    other_table: str | None = None  # the other version's table, when against a version

    @property
    def kind(self) -> str:
        return ONLY_OTHER if self.live is None else ONLY_LIVE if self.other is None else CHANGED

    @property
    def columns(self) -> list[str]:
        """The columns whose values differ (a column only one side has among them)."""
        if self.live is None or self.other is None:
            return []
        names = list(self.live) + [c for c in self.other if c not in self.live]
        return [c for c in names if self.live.get(c) != self.other.get(c)]

    def streams(self) -> list[UUID]:
        """The streams the row speaks of (the ids in its key and columns): whose events are
        behind it."""
        found: dict[str, None] = {}
        for row in (self.key, self.live or {}, self.other or {}):
            for value in row.values():
                found.update(dict.fromkeys(UUID_IN.findall(str(value))))
        return [UUID(u) for u in found]

    def describe(self) -> str:
        return {ONLY_LIVE: "only in live", ONLY_OTHER: f"only in {self.against}", CHANGED: "changed"}[
            self.kind
        ]

    def __str__(self) -> str:
        key = ", ".join(f"{k}={v}" for k, v in self.key.items())
        where = f"{self.table} [{key}] {self.describe()}"
        if self.kind == ONLY_LIVE:
            return f"{where}: live has {self.live}"
        if self.kind == ONLY_OTHER:
            return f"{where}: {self.against} has {self.other}"
        live, other = self.live or {}, self.other or {}
        changed = "; ".join(
            f"{c}: live {_cell(live, c)}, {self.against} {_cell(other, c)}" for c in self.columns
        )
        return f"{where}: {changed}"

    def as_json(self, events: list[EventBehind] | None = None) -> dict[str, Any]:
        live, other = self.live or {}, self.other or {}
        return {
            "table": self.table,
            "other_table": self.other_table,
            "key": self.key,
            "kind": self.kind,
            "columns": {c: {"live": live.get(c), "other": other.get(c)} for c in self.columns},
            "live": self.live,
            "other": self.other,
            "events": [e.as_json() for e in events or []],
        }


def _cell(row: Shown, column: str) -> str:
    if column not in row:
        return "(no such column)"
    return "NULL" if row[column] is None else str(row[column])


def compare(
    cur: Cursor,
    pairs: list[tuple[str, list[Row], list[Row]]],
    against: str = REBUILD,
    other_tables: dict[str, str] | None = None,
) -> list[Difference]:
    """The differences between the rows of each live table and those of its counterpart, as
    (live table, live rows, other rows), paired by the live table's primary key (its columns that
    both sides have; every shared column when the table has no key)."""
    found = []
    for table, live_rows, other_rows in pairs:
        live_columns = list((live_rows or other_rows or [{}])[0].keys())
        other_columns = set((other_rows or live_rows or [{}])[0].keys())
        shared = [c for c in live_columns if c in other_columns]
        key = [c for c in primary_key(cur, table) if c in shared] or shared
        live_by = {_key(r, key): _shown(r) for r in live_rows}
        other_by = {_key(r, key): _shown(r) for r in other_rows}
        for k in sorted(live_by.keys() | other_by.keys(), key=_sortable):
            was, now = live_by.get(k), other_by.get(k)
            if was != now:
                other_table = (other_tables or {}).get(table)
                found.append(Difference(table, dict(k), was, now, against, other_table))
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


def _shown(row: Row) -> Shown:
    return {k: None if v is None else str(v) for k, v in row.items()}


def _key(row: Row, columns: list[str]) -> tuple[tuple[str, str | None], ...]:
    return tuple((c, None if row.get(c) is None else str(row[c])) for c in columns)


def _sortable(key: tuple[tuple[str, str | None], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((c, "" if v is None else v) for c, v in key)


# -- versions -------------------------------------------------------------------------------------


def version_of(name: str) -> int | None:
    """The version a read model's or table's name carries (`dispute_summary_v3` → 3)."""
    matched = VERSIONED.match(name)
    return int(matched["version"]) if matched else None


def with_version(table: str, version: int) -> str:
    """The name a table of the read model has in another version."""
    matched = VERSIONED.match(table)
    if matched is None:
        raise VersionMissing(f"{table} carries no version in its name")
    return f"{matched['base']}_v{version}"


class VersionMissing(Exception):
    """The views database holds no tables of the version asked for."""


def table_exists(cur: Cursor, table: str) -> bool:
    if cur.dialect == "sqlite":
        cur.execute("SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = ?", (table,))
        return cur.fetchone() is not None
    cur.execute("SELECT to_regclass(?) IS NOT NULL AS found", (table,))
    row = cur.fetchone()
    return bool(row and row["found"])


def kept_versions(cur: Cursor, table: str) -> list[int]:
    """The versions of a table the views database holds (the current one among them)."""
    matched = VERSIONED.match(table)
    if matched is None:
        return []
    if cur.dialect == "sqlite":
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cur.execute("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()")
    pattern = re.compile(rf"^{re.escape(matched['base'])}_v(\d+)$")
    return sorted(int(m[1]) for r in cur.fetchall() if (m := pattern.match(r["name"])))


def all_rows(cur: Cursor, table: str) -> list[Row]:
    cur.execute(f"SELECT * FROM {table}")
    return cur.fetchall()


def against_version(cur: Cursor, projection: Any, version: int) -> tuple[list[Difference], list[str]]:
    """The live read model's tables against those of another version kept in the views database,
    every column of each (`SELECT *`: a version may add or drop columns). Returns the differences
    and the live tables whose other version is not there (compared with nothing, and said so);
    raises VersionMissing when none of them is."""
    against = f"v{version}"
    tables = list(projection.rows(cur))
    others = {t: with_version(t, version) for t in tables}
    missing = [t for t in tables if not table_exists(cur, others[t])]
    if len(missing) == len(tables):
        kept = kept_versions(cur, tables[0])
        raise VersionMissing(
            f"the views database holds no {against} of {projection.name} (no table {others[tables[0]]}); "
            f"it holds {', '.join(f'v{v}' for v in kept) or 'none'}"
        )
    pairs = [(t, all_rows(cur, t), all_rows(cur, others[t])) for t in tables if t not in missing]
    return compare(cur, pairs, against, others), missing


# -- the events behind a row ----------------------------------------------------------------------


@dataclass(frozen=True)
class EventBehind:
    """One event of a stream a differing row names, as the log has it (no content)."""

    notification_id: int | None
    stream: str
    version: int
    topic: str
    kind: str
    effective_at: datetime | None
    recorded_at: datetime

    def __str__(self) -> str:
        at = f"#{self.notification_id} " if self.notification_id is not None else ""
        return (
            f"{at}{self.stream} v{self.version} {self.kind}"
            + (f", effective {self.effective_at.isoformat()}" if self.effective_at else "")
            + f", recorded {self.recorded_at.isoformat()} ({self.topic})"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "notification_id": self.notification_id,
            "stream": self.stream,
            "version": self.version,
            "topic": self.topic,
            "kind": self.kind,
            "effective_at": self.effective_at.isoformat() if self.effective_at else None,
            "recorded_at": self.recorded_at.isoformat(),
        }


def events_behind(
    app: Any, difference: Difference, topics: tuple[str, ...] = (), limit: int = 50
) -> list[EventBehind]:
    """The events of the streams a differing row names, in stream order, among `topics` (the
    read model's; all when empty), at most `limit` a stream. Read from the events table beside
    the seal (with notification ids); without one, through the repository (without)."""
    from eventsourcing.persistence import StoredEvent

    tables = getattr(app.recorder, "seal_tables", None)
    found: list[EventBehind] = []
    for stream in difference.streams():
        stored: list[tuple[int | None, Any, str]]
        if tables is None:
            stored = [(None, e, getattr(e, "TOPIC", "")) for e in app.repository.event_store.get(stream)]
        else:
            with app.recorder.datastore.transaction(commit=False) as c:
                records = [r for r in tables.stream(c, str(stream)) if not topics or r.topic in topics]
            stored = [
                (
                    r.notification_id,
                    app.mapper.to_domain_event(StoredEvent(stream, r.version, r.topic, r.state)),
                    r.topic,
                )
                for r in records
            ]
        for notification_id, event, topic in stored[:limit]:
            found.append(
                EventBehind(
                    notification_id,
                    str(stream),
                    event.originator_version,
                    topic,
                    type(event).__qualname__,
                    getattr(event, "effective_at", None),
                    event.timestamp,
                )
            )
    return found
