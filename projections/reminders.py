"""The reminders inbox: what the clocks said to people, kept from the log.

- A reminder (CaseClocks.ReminderRecorded) is addressed to the people it names (`notify`: the
  holders, when it was recorded, of the posts that act on the case at its node and the node
  above; a shift's leader). It is in their inbox, and only theirs.
- A missed deadline (CaseClocks.DeadlineMissed: an escalation, a referral, a case left late)
  is addressed to nobody in particular: it is in the inbox of everyone who may read the node it
  happened at (asked at read time, so a person who takes up a post sees what is there).

Nothing is sent anywhere: no SMS, no message. The inbox is where these are read.

Read or not is not in the log: each person's marks are rows of their own (`fq_inbox_read`,
person, item, when), written when they open or mark an item. The marks are not rebuilt from
the log and a rebuild of the inbox keeps them (the items' ids are the events' own).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.time.clocks import CaseClocks
from infra.sql import Cursor, Row, among, upsert
from projections.memory import chunks

VERSION = 1
COLUMNS = (
    "item_id",
    "kind",
    "case_kind",
    "case_id",
    "clock",
    "node",
    "at",
    "due_at",
    "fraction",
    "consequence",
)
TYPES = ("text",) * 8 + ("double precision", "text")
READS = "fq_inbox_read"
REMINDER, MISSED = "reminder", "missed"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class Reminders:
    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.name = f"reminders_v{VERSION}{suffix}"
        self.table = f"inbox_items_v{VERSION}{suffix}"
        self.recipients = f"inbox_recipients_v{VERSION}{suffix}"
        self.clocks = f"inbox_clocks_v{VERSION}{suffix}"
        self.topics = tuple(
            e.TOPIC
            for e in (
                CaseClocks.Opened,
                CaseClocks.ClockStarted,
                CaseClocks.ReminderRecorded,
                CaseClocks.DeadlineMissed,
            )
        )

    def shadow(self) -> Reminders:
        return Reminders(self.suffix + "__rebuild")

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (item_id TEXT PRIMARY KEY, kind TEXT NOT NULL, "
            "case_kind TEXT NOT NULL, case_id TEXT NOT NULL, clock TEXT NOT NULL, node TEXT NOT NULL, "
            "at TEXT NOT NULL, due_at TEXT NOT NULL, fraction DOUBLE PRECISION, consequence TEXT)"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.recipients} (person_id TEXT NOT NULL, item_id TEXT NOT NULL, "
            "PRIMARY KEY (person_id, item_id))"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.clocks} (clocks_id TEXT NOT NULL, key TEXT NOT NULL, "
            "case_kind TEXT NOT NULL, case_id TEXT NOT NULL, clock TEXT NOT NULL, node TEXT NOT NULL, "
            "PRIMARY KEY (clocks_id, key))"
        )
        if not self.suffix:
            cur.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_node ON {self.table} (kind, node, at)")
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {READS} (person_id TEXT NOT NULL, item_id TEXT NOT NULL, "
                "read_at TEXT NOT NULL, PRIMARY KEY (person_id, item_id))"
            )

    def drop(self, cur: Cursor) -> None:  # the read marks stay: they are not the log's
        for table in (self.table, self.recipients, self.clocks):
            cur.execute(f"DROP TABLE IF EXISTS {table}")

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        for mine, theirs in (
            (self.table, shadow.table),
            (self.recipients, shadow.recipients),
            (self.clocks, shadow.clocks),
        ):
            cur.execute(f"ALTER TABLE {theirs} RENAME TO {mine}")
        self.create(cur)

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        opened: dict[str, tuple[str, str]] = {}
        started: dict[tuple[str, str], tuple[str, str, str, str]] = {}
        items, recipients = [], []
        wanted = {
            (str(e.originator_id), e.key)
            for e in events
            if isinstance(e, (CaseClocks.ReminderRecorded, CaseClocks.DeadlineMissed))
        }
        known = self._known(cur, wanted)
        for event in events:
            clocks_id = str(event.originator_id)
            if isinstance(event, CaseClocks.Opened):
                opened[clocks_id] = (event.case_kind, event.case_id)
                continue
            if isinstance(event, CaseClocks.ClockStarted):
                kind, case = opened.get(clocks_id) or self._case(cur, clocks_id)
                started[(clocks_id, event.key)] = known[(clocks_id, event.key)] = (
                    kind,
                    case,
                    event.clock,
                    event.node,
                )
                continue
            clock = known.get((clocks_id, event.key))
            if clock is None:
                continue
            item = f"{clocks_id}:{event.originator_version}"
            kind, case, name, node = clock
            if isinstance(event, CaseClocks.ReminderRecorded):
                items.append((item, REMINDER, kind, case, name, node, _iso(event.effective_at),
                              _iso(event.due_at), event.fraction, None))  # fmt: skip
                recipients.extend((person, item) for person in event.notify)
            else:
                items.append((item, MISSED, kind, case, name, node, _iso(event.effective_at),
                              _iso(event.due_at), None, event.consequence))  # fmt: skip
        self._opened(cur, opened)
        upsert(
            cur,
            self.clocks,
            ("clocks_id", "key", "case_kind", "case_id", "clock", "node"),
            ("text",) * 6,
            [(*k, *v) for k, v in started.items()],
            "ON CONFLICT (clocks_id, key) DO NOTHING",
        )
        upsert(cur, self.table, COLUMNS, TYPES, items, "ON CONFLICT (item_id) DO NOTHING")
        upsert(
            cur,
            self.recipients,
            ("person_id", "item_id"),
            ("text", "text"),
            recipients,
            "ON CONFLICT (person_id, item_id) DO NOTHING",
        )

    def _opened(self, cur: Cursor, opened: dict[str, tuple[str, str]]) -> None:
        # Clock streams and their case, kept in the clocks table under the empty key.
        upsert(
            cur,
            self.clocks,
            ("clocks_id", "key", "case_kind", "case_id", "clock", "node"),
            ("text",) * 6,
            [(k, "", kind, case, "", "") for k, (kind, case) in opened.items()],
            "ON CONFLICT (clocks_id, key) DO NOTHING",
        )

    def _case(self, cur: Cursor, clocks_id: str) -> tuple[str, str]:
        cur.execute(
            f"SELECT case_kind, case_id FROM {self.clocks} WHERE clocks_id = ? AND key = ''", (clocks_id,)
        )
        row = cur.fetchone()
        assert row is not None, f"clocks {clocks_id} started a clock before it was opened"
        return row["case_kind"], row["case_id"]

    def _known(
        self, cur: Cursor, keys: set[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str, str, str]]:
        found: dict[tuple[str, str], tuple[str, str, str, str]] = {}
        for chunk in chunks(sorted({k[0] for k in keys})):
            condition, params = among(cur, "clocks_id", chunk)
            cur.execute(
                f"SELECT clocks_id, key, case_kind, case_id, clock, node FROM {self.clocks} "
                f"WHERE {condition} AND key <> ''",
                params,
            )
            for r in cur.fetchall():
                found[(r["clocks_id"], r["key"])] = (r["case_kind"], r["case_id"], r["clock"], r["node"])
        return found

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY item_id")
        items = cur.fetchall()
        cur.execute(f"SELECT person_id, item_id FROM {self.recipients} ORDER BY person_id, item_id")
        people = cur.fetchall()
        cur.execute(
            f"SELECT clocks_id, key, case_kind, case_id, clock, node FROM {self.clocks} "
            "ORDER BY clocks_id, key"
        )
        return {self.table: items, self.recipients: people, self.clocks: cur.fetchall()}

    # -- the inbox ------------------------------------------------------------------------------

    def inbox(
        self, cur: Cursor, person: str, nodes: Sequence[str], *, unread_only: bool, limit: int = 100
    ) -> tuple[list[Row], int]:
        """The person's items, newest first, each with `read_at` (None while unread); and how
        many are unread in all."""
        found: dict[str, Row] = {}
        cur.execute(
            f"SELECT {', '.join('i.' + c for c in COLUMNS)} FROM {self.table} i "
            f"JOIN {self.recipients} r ON r.item_id = i.item_id WHERE r.person_id = ?",
            (person,),
        )
        found.update({r["item_id"]: dict(r) for r in cur.fetchall()})
        for chunk in chunks(sorted(set(nodes))):
            in_nodes, params = among(cur, "node", chunk)
            cur.execute(
                f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE kind = '{MISSED}' AND {in_nodes}",
                params,
            )
            found.update({r["item_id"]: dict(r) for r in cur.fetchall()})
        cur.execute(f"SELECT item_id, read_at FROM {READS} WHERE person_id = ?", (person,))
        marks = {r["item_id"]: r["read_at"] for r in cur.fetchall()}
        for item in found.values():
            item["read_at"] = marks.get(item["item_id"])
        unread = sum(1 for item in found.values() if item["read_at"] is None)
        shown = [i for i in found.values() if not unread_only or i["read_at"] is None]
        shown.sort(key=lambda i: (i["at"], i["item_id"]), reverse=True)
        return shown[:limit], unread

    def mark_read(self, cur: Cursor, person: str, items: Sequence[str], at: datetime) -> None:
        upsert(
            cur,
            READS,
            ("person_id", "item_id", "read_at"),
            ("text", "text", "text"),
            [(person, item, _iso(at)) for item in items],
            "ON CONFLICT (person_id, item_id) DO NOTHING",
        )
