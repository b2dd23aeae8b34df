"""The inbox: each person's notices, kept from the log (a notice's `NotificationSent` on the
`inbox` channel puts it in that person's inbox), newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from domain.notices import EVENT_TOPICS, Notice
from infra.sql import Cursor, Row, upsert

VERSION = 1
COLUMNS = ("notice_id", "person", "what", "subject", "body", "link", "node", "sent_at")


class Inbox:
    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.name = f"inbox_v{VERSION}{suffix}"
        self.table = f"inbox_v{VERSION}{suffix}"
        self.notices = f"inbox_notices_v{VERSION}{suffix}"
        self.topics = EVENT_TOPICS

    def shadow(self) -> Inbox:
        return Inbox(self.suffix + "__rebuild")

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.notices} (notice_id TEXT PRIMARY KEY, what TEXT NOT NULL, "
            "subject TEXT NOT NULL, body TEXT NOT NULL, link TEXT NOT NULL, node TEXT NOT NULL)"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (notice_id TEXT NOT NULL, person TEXT NOT NULL, "
            "what TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, link TEXT NOT NULL, "
            "node TEXT NOT NULL, sent_at TEXT NOT NULL, PRIMARY KEY (person, notice_id))"
        )

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        cur.execute(f"DROP TABLE IF EXISTS {self.notices}")

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        cur.execute(f"ALTER TABLE {shadow.notices} RENAME TO {self.notices}")
        self.create(cur)

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        notices = {
            str(e.originator_id): (str(e.originator_id), e.what, e.subject, e.body, e.link, e.node)
            for e in events
            if isinstance(e, Notice.Requested)
        }
        upsert(
            cur,
            self.notices,
            ("notice_id", "what", "subject", "body", "link", "node"),
            ("text",) * 6,
            list(notices.values()),
            "ON CONFLICT (notice_id) DO NOTHING",
        )
        delivered = [e for e in events if isinstance(e, Notice.NotificationSent) and e.channel == "inbox"]
        rows = []
        for event in delivered:
            cur.execute(f"SELECT * FROM {self.notices} WHERE notice_id = ?", (str(event.originator_id),))
            notice = cur.fetchone()
            if notice is None:
                continue
            rows.append(
                (
                    notice["notice_id"],
                    event.recipient,
                    notice["what"],
                    notice["subject"],
                    notice["body"],
                    notice["link"],
                    notice["node"],
                    event.effective_at.astimezone(UTC).isoformat(),
                )
            )
        upsert(cur, self.table, COLUMNS, ("text",) * 8, rows, "ON CONFLICT (person, notice_id) DO NOTHING")

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY person, notice_id")
        inbox = cur.fetchall()
        cur.execute(f"SELECT * FROM {self.notices} ORDER BY notice_id")
        return {self.table: inbox, self.notices: cur.fetchall()}

    def of(self, cur: Cursor, person: str, limit: int = 50) -> list[Row]:
        cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE person = ? ORDER BY sent_at DESC LIMIT ?",
            (person, limit),
        )
        return cur.fetchall()
