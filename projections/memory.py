"""What a batched read model remembers of each stream between batches (a case's state so far,
as JSON), kept in a table of its own beside the model's rows: recalled in one query per 500
streams, written once per batch, renamed with the model when a rebuild switches over."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from infra.sql import Cursor, Row, among, upsert

CHUNK = 500


class StreamMemory:
    def __init__(self, table: str) -> None:
        self.table = table

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (stream_id TEXT PRIMARY KEY, state TEXT NOT NULL)"
        )

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")

    def take_over(self, cur: Cursor, shadow: StreamMemory) -> None:
        """The shadow's table becomes this one (this one dropped first, as a rebuild switches)."""
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")

    def recall(self, cur: Cursor, keys: Iterable[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for chunk in chunks(sorted(keys)):
            condition, params = among(cur, "stream_id", chunk)
            cur.execute(f"SELECT stream_id, state FROM {self.table} WHERE {condition}", params)
            found.update({r["stream_id"]: json.loads(r["state"]) for r in cur.fetchall()})
        return found

    def keep(self, cur: Cursor, states: list[tuple[str, str]]) -> None:
        """Writes (stream id, state as JSON) pairs, replacing what was kept."""
        upsert(
            cur,
            self.table,
            ("stream_id", "state"),
            ("text", "text"),
            states,
            "ON CONFLICT (stream_id) DO UPDATE SET state = excluded.state",
        )

    def forget(self, cur: Cursor, keys: list[str]) -> None:
        for chunk in chunks(keys):
            condition, params = among(cur, "stream_id", chunk)
            cur.execute(f"DELETE FROM {self.table} WHERE {condition}", params)

    def rows(self, cur: Cursor) -> list[Row]:
        cur.execute(f"SELECT stream_id, state FROM {self.table} ORDER BY stream_id")
        return cur.fetchall()


def chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]
