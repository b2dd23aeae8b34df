"""The node statistics read model: counts per leaf node, business day, recording day, measure
and detail (projections/measures.py says what is counted), kept from the log in batches; and
the sums over a set of nodes and a range of days that every metric (projections/metrics.py)
reads — as known on any recording day, for auditors (v2 added the recording day; v3 the
petitions not accepted).

Each batch reads the memory of the streams it touches in one query per 500 streams, counts
in memory, and writes each touched counter and memory row once: no query per event.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from domain.time.calendar import CHINA
from infra.sql import Cursor, Row, among, upsert
from projections.measures import STOCKS, TOPICS, Memory, counts, stream_ids
from projections.memory import StreamMemory, chunks

VERSION = 5  # 3: a written agreement ends a dispute when sealed; 4: petitions not accepted (Art. 36);
# 5: the events recorded late (record.late)
COLUMNS = ("node", "day", "recorded", "measure", "detail", "n")
TYPES = ("text", "text", "text", "text", "text", "integer")


class NodeStatistics:
    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.name = f"node_statistics_v{VERSION}{suffix}"
        self.table = f"node_counts_v{VERSION}{suffix}"
        self.memory = StreamMemory(f"node_counts_memory_v{VERSION}{suffix}")
        self.topics = TOPICS

    def shadow(self) -> NodeStatistics:
        return NodeStatistics(self.suffix + "__rebuild")

    # -- schema ---------------------------------------------------------------------------------

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (node TEXT NOT NULL, day TEXT NOT NULL, "
            "recorded TEXT NOT NULL, measure TEXT NOT NULL, detail TEXT NOT NULL, n INTEGER NOT NULL, "
            "PRIMARY KEY (node, day, recorded, measure, detail))"
        )
        self.memory.create(cur)

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.memory.drop(cur)

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        self.memory.take_over(cur, shadow.memory)
        self.create(cur)

    # -- events ---------------------------------------------------------------------------------

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        recalled: dict[str, Memory | None] = self.memory.recall(cur, set(stream_ids(list(events))))
        memory: dict[str, Memory | None] = dict(recalled)
        tally: Counter[tuple[str, str, str, str, str]] = Counter()
        for event in events:
            key = str(event.originator_id)
            recorded = event.timestamp.astimezone(CHINA).date().isoformat()
            found, memory[key] = counts(event, memory.get(key))
            for c in found:
                tally[(c.node, c.day, recorded, c.measure, c.detail)] += c.n
        upsert(
            cur,
            self.table,
            COLUMNS,
            TYPES,
            [(*key, n) for key, n in sorted(tally.items())],
            f"ON CONFLICT (node, day, recorded, measure, detail) DO UPDATE SET n = {self.table}.n + "
            "excluded.n",
        )
        kept = [(k, json.dumps(v, sort_keys=True)) for k, v in sorted(memory.items()) if v is not None]
        self.memory.keep(cur, kept)
        self.memory.forget(cur, sorted(k for k in recalled if memory.get(k) is None))

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY node, day, measure, detail")
        return {self.table: cur.fetchall(), self.memory.table: self.memory.rows(cur)}

    # -- questions ----------------------------------------------------------------------------------

    def sums(
        self, cur: Cursor, nodes: Iterable[str], start: str, end: str, known_on: str | None = None
    ) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
        """The counts of the nodes summed by (measure, detail): over the days start..end
        (inclusive, ISO dates), and for the stock measures over every day up to end; with
        `known_on`, only what had been recorded by the end of that day."""
        flows: Counter[tuple[str, str]] = Counter()
        stocks: Counter[tuple[str, str]] = Counter()
        known = " AND recorded <= ?" if known_on else ""
        by = (known_on,) if known_on else ()
        for chunk in chunks(sorted(set(nodes))):
            in_nodes, node_params = among(cur, "node", chunk)
            cur.execute(
                f"SELECT measure, detail, SUM(n) AS n FROM {self.table} WHERE {in_nodes} "
                f"AND day >= ? AND day <= ?{known} GROUP BY measure, detail",
                (*node_params, start, end, *by),
            )
            for row in cur.fetchall():
                flows[(row["measure"], row["detail"])] += int(row["n"])
            cur.execute(
                f"SELECT measure, detail, SUM(n) AS n FROM {self.table} WHERE {in_nodes} "
                f"AND day <= ?{known} AND measure IN ({_marks(STOCKS)}) GROUP BY measure, detail",
                (*node_params, end, *by, *STOCKS),
            )
            for row in cur.fetchall():
                stocks[(row["measure"], row["detail"])] += int(row["n"])
        return flows, stocks


def _marks(items: Sequence[Any]) -> str:
    return ", ".join("?" * len(items))
