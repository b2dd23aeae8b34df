"""The clock board: every clock of every case, kept from the log, for the lists people work
from — what is overdue and what falls due soon, for a node and everything under it.

A clock is overdue while it runs past its due time (the workflow is about to record it) or
when it was missed and nothing has settled it yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.time.clocks import EVENT_TOPICS, CaseClocks
from infra.sql import Cursor, Row, among, upsert

VERSION = 2  # 2: a due time held on a provisional count is neither overdue nor due soon
COLUMNS = (
    "clocks_id",
    "key",
    "case_kind",
    "case_id",
    "clock",
    "node",
    "started_at",
    "due_at",
    "status",
    "outcome",
    "settled",
    "reminders",
)
TYPES = ("text",) * 11 + ("integer",)
UPDATES = {
    CaseClocks.ClockPaused: lambda e: {"status": "paused"},
    CaseClocks.ClockResumed: lambda e: {"status": "running", "due_at": _iso(e.due_at)},
    CaseClocks.ClockExtended: lambda e: {"due_at": _iso(e.due_at)},
    CaseClocks.DueDateRecomputed: lambda e: {"due_at": _iso(e.due_at)},
    CaseClocks.DeadlineMissed: lambda e: {"status": "missed", "outcome": e.consequence},
    CaseClocks.ClockStopped: lambda e: {"status": "stopped", "outcome": e.outcome},
    CaseClocks.MissedDeadlineSettled: lambda e: {"settled": e.outcome},
    CaseClocks.DueTimeHeld: lambda e: {"status": "held"},
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class ClockBoard:
    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.name = f"clock_board_v{VERSION}{suffix}"
        self.table = f"clock_board_v{VERSION}{suffix}"
        self.cases = f"clock_cases_v{VERSION}{suffix}"
        self.topics = EVENT_TOPICS

    def shadow(self) -> ClockBoard:
        return ClockBoard(self.suffix + "__rebuild")

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.cases} (clocks_id TEXT PRIMARY KEY, case_kind TEXT NOT NULL, "
            "case_id TEXT NOT NULL)"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (clocks_id TEXT NOT NULL, key TEXT NOT NULL, "
            "case_kind TEXT NOT NULL, case_id TEXT NOT NULL, clock TEXT NOT NULL, node TEXT NOT NULL, "
            "started_at TEXT NOT NULL, due_at TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT, settled "
            "TEXT, "
            "reminders INTEGER NOT NULL, PRIMARY KEY (clocks_id, key))"
        )
        if not self.suffix.endswith("__rebuild"):  # a shadow is indexed once it replaces the live table
            cur.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_due ON {self.table} (status, due_at)")

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        cur.execute(f"DROP TABLE IF EXISTS {self.cases}")

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        cur.execute(f"ALTER TABLE {shadow.cases} RENAME TO {self.cases}")
        self.create(cur)

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        cases: dict[str, tuple[str, str]] = {}
        for event in events:
            if isinstance(event, CaseClocks.Opened):
                cases[str(event.originator_id)] = (event.case_kind, event.case_id)
        if cases:
            upsert(
                cur,
                self.cases,
                ("clocks_id", "case_kind", "case_id"),
                ("text", "text", "text"),
                [(k, kind, case) for k, (kind, case) in cases.items()],
                "ON CONFLICT (clocks_id) DO NOTHING",
            )
        rows = self._load(cur, events)
        for event in events:
            clocks_id = str(event.originator_id)
            if isinstance(event, CaseClocks.ClockStarted):
                kind, case = cases.get(clocks_id) or self._case(cur, clocks_id)
                rows[(clocks_id, event.key)] = {
                    "clocks_id": clocks_id,
                    "key": event.key,
                    "case_kind": kind,
                    "case_id": case,
                    "clock": event.clock,
                    "node": event.node,
                    "started_at": _iso(event.effective_at),
                    "due_at": _iso(event.due_at),
                    "status": "running",
                    "outcome": None,
                    "settled": None,
                    "reminders": 0,
                }
            elif isinstance(event, CaseClocks.ReminderRecorded):
                rows[(clocks_id, event.key)]["reminders"] += 1
            elif type(event) in UPDATES:
                row = rows[(clocks_id, event.key)]
                if isinstance(event, CaseClocks.DueDateRecomputed) and row["status"] == "held":
                    row["status"] = "running"
                row.update(UPDATES[type(event)](event))
        if rows:
            updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
            upsert(
                cur,
                self.table,
                COLUMNS,
                TYPES,
                [tuple(row[c] for c in COLUMNS) for row in rows.values()],
                f"ON CONFLICT (clocks_id, key) DO UPDATE SET {updates}",
            )

    def _case(self, cur: Cursor, clocks_id: str) -> tuple[str, str]:
        cur.execute(f"SELECT case_kind, case_id FROM {self.cases} WHERE clocks_id = ?", (clocks_id,))
        row = cur.fetchone()
        assert row is not None, f"clocks {clocks_id} started a clock before it was opened"
        return row["case_kind"], row["case_id"]

    def _load(self, cur: Cursor, events: Sequence[Any]) -> dict[tuple[str, str], Row]:
        keys = {
            (str(e.originator_id), e.key)
            for e in events
            if hasattr(e, "key") and not isinstance(e, CaseClocks.ClockStarted)
        }
        found: dict[tuple[str, str], Row] = {}
        for clocks_id in sorted({k[0] for k in keys}):
            cur.execute(f"SELECT * FROM {self.table} WHERE clocks_id = ?", (clocks_id,))
            found.update({(r["clocks_id"], r["key"]): r for r in cur.fetchall()})
        return found

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY clocks_id, key")
        board = cur.fetchall()
        cur.execute(f"SELECT clocks_id, case_kind, case_id FROM {self.cases} ORDER BY clocks_id")
        return {self.table: board, self.cases: cur.fetchall()}

    # -- the lists ------------------------------------------------------------------

    def overdue(self, cur: Cursor, nodes: list[str], now: datetime) -> list[Row]:
        return self._select(
            cur,
            nodes,
            "((status = 'missed' AND settled IS NULL) OR (status = 'running' AND due_at < ?))",
            (_iso(now),),
        )

    def due_soon(self, cur: Cursor, nodes: list[str], now: datetime, until: datetime) -> list[Row]:
        return self._select(
            cur, nodes, "status = 'running' AND due_at >= ? AND due_at < ?", (_iso(now), _iso(until))
        )

    def _select(self, cur: Cursor, nodes: list[str], condition: str, params: tuple[Any, ...]) -> list[Row]:
        found: list[Row] = []
        for i in range(0, len(nodes), 500):
            in_nodes, node_params = among(cur, "node", nodes[i : i + 500])
            cur.execute(
                "SELECT case_kind, case_id, key, clock, node, started_at, due_at, status, outcome, "
                "reminders "
                f"FROM {self.table} WHERE {condition} AND {in_nodes}",
                (*params, *node_params),
            )
            found.extend(cur.fetchall())
        return sorted(found, key=lambda r: (r["due_at"], r["case_id"], r["key"]))
