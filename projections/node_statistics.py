"""The node statistics read model: counts per leaf node, business day, measure and detail
(projections/measures.py says what is counted), kept from the log in batches; and the sums
over a set of nodes and a range of days that every metric (projections/metrics.py) reads.

Each batch reads the memory of the streams it touches in one query per 500 streams, counts
in memory, and writes each touched counter and memory row once: no query per event.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from infra.sql import Cursor, Row
from projections.measures import STOCKS, TOPICS, Memory, counts, stream_ids

VERSION = 1
COLUMNS = ("node", "day", "measure", "detail", "n")
CHUNK = 500


class NodeStatistics:
    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.name = f"node_statistics_v{VERSION}{suffix}"
        self.table = f"node_counts_v{VERSION}{suffix}"
        self.memory = f"node_counts_memory_v{VERSION}{suffix}"
        self.topics = TOPICS

    def shadow(self) -> NodeStatistics:
        return NodeStatistics(self.suffix + "__rebuild")

    # -- schema ---------------------------------------------------------------------------------

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (node TEXT NOT NULL, day TEXT NOT NULL, "
            "measure TEXT NOT NULL, detail TEXT NOT NULL, n INTEGER NOT NULL, "
            "PRIMARY KEY (node, day, measure, detail))"
        )
        cur.execute(f"CREATE TABLE IF NOT EXISTS {self.memory} (stream_id TEXT PRIMARY KEY, state TEXT NOT NULL)")

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        cur.execute(f"DROP TABLE IF EXISTS {self.memory}")

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        cur.execute(f"ALTER TABLE {shadow.memory} RENAME TO {self.memory}")
        self.create(cur)

    # -- events ---------------------------------------------------------------------------------

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        recalled = self._recall(cur, set(stream_ids(list(events))))
        memory: dict[str, Memory | None] = dict(recalled)
        tally: Counter[tuple[str, str, str, str]] = Counter()
        for event in events:
            key = str(event.originator_id)
            found, memory[key] = counts(event, memory.get(key))
            for c in found:
                tally[(c.node, c.day, c.measure, c.detail)] += c.n
        if tally:
            cur.executemany(
                f"INSERT INTO {self.table} ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?) "
                f"ON CONFLICT (node, day, measure, detail) DO UPDATE SET n = {self.table}.n + excluded.n",
                [(*key, n) for key, n in sorted(tally.items())],
            )
        kept = [(k, json.dumps(v, sort_keys=True)) for k, v in sorted(memory.items()) if v is not None]
        if kept:
            cur.executemany(
                f"INSERT INTO {self.memory} (stream_id, state) VALUES (?, ?) "
                "ON CONFLICT (stream_id) DO UPDATE SET state = excluded.state",
                kept,
            )
        forgotten = sorted(k for k in recalled if memory.get(k) is None)
        for chunk in _chunks(forgotten):
            cur.execute(f"DELETE FROM {self.memory} WHERE stream_id IN ({_marks(chunk)})", chunk)

    def _recall(self, cur: Cursor, keys: set[str]) -> dict[str, Memory | None]:
        found: dict[str, Memory | None] = {}
        for chunk in _chunks(sorted(keys)):
            cur.execute(f"SELECT stream_id, state FROM {self.memory} WHERE stream_id IN ({_marks(chunk)})", chunk)
            found.update({r["stream_id"]: json.loads(r["state"]) for r in cur.fetchall()})
        return found

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY node, day, measure, detail")
        counted = cur.fetchall()
        cur.execute(f"SELECT stream_id, state FROM {self.memory} ORDER BY stream_id")
        return {self.table: counted, self.memory: cur.fetchall()}

    # -- questions ----------------------------------------------------------------------------------

    def sums(self, cur: Cursor, nodes: Iterable[str], start: str, end: str) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
        """The counts of the nodes summed by (measure, detail): over the days start..end
        (inclusive, ISO dates), and for the stock measures over every day up to end."""
        flows: Counter[tuple[str, str]] = Counter()
        stocks: Counter[tuple[str, str]] = Counter()
        for chunk in _chunks(sorted(set(nodes))):
            cur.execute(
                f"SELECT measure, detail, SUM(n) AS n FROM {self.table} WHERE node IN ({_marks(chunk)}) "
                "AND day >= ? AND day <= ? GROUP BY measure, detail",
                (*chunk, start, end),
            )
            for row in cur.fetchall():
                flows[(row["measure"], row["detail"])] += int(row["n"])
            cur.execute(
                f"SELECT measure, detail, SUM(n) AS n FROM {self.table} WHERE node IN ({_marks(chunk)}) "
                f"AND day <= ? AND measure IN ({_marks(STOCKS)}) GROUP BY measure, detail",
                (*chunk, end, *STOCKS),
            )
            for row in cur.fetchall():
                stocks[(row["measure"], row["detail"])] += int(row["n"])
        return flows, stocks


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _marks(items: Sequence[Any]) -> str:
    return ", ".join("?" * len(items))
