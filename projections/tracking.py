"""How far each follower of the notification log has got, kept beside what it wrote."""

from __future__ import annotations

from infra.sql import Cursor, for_update

DDL = "CREATE TABLE IF NOT EXISTS fq_tracking (name TEXT PRIMARY KEY, position BIGINT NOT NULL)"


class TrackingConflict(Exception):
    """Another follower with the same name moved the position: two were running at once."""


def create_table(cur: Cursor) -> None:
    cur.execute(DDL)


def position(cur: Cursor, name: str, *, lock: bool = False) -> int:
    """The last notification id applied; with `lock`, holds other followers of that name off
    until the caller's transaction ends."""
    if lock:
        cur.execute(
            "INSERT INTO fq_tracking (name, position) VALUES (?, 0) ON CONFLICT (name) DO NOTHING",
            (name,),
        )
    cur.execute(
        "SELECT position FROM fq_tracking WHERE name = ?" + (for_update(cur) if lock else ""), (name,)
    )
    row = cur.fetchone()
    return int(row["position"]) if row else 0


def advance(cur: Cursor, name: str, old: int, new: int) -> None:
    """Moves a position forward, refusing if it is no longer where the caller read it."""
    cur.execute("UPDATE fq_tracking SET position = ? WHERE name = ? AND position = ?", (new, name, old))
    if cur.rowcount != 1:
        raise TrackingConflict(f"{name}: position moved from {old} by another follower")


def reset(cur: Cursor, name: str) -> None:
    cur.execute("DELETE FROM fq_tracking WHERE name = ?", (name,))


def set_position(cur: Cursor, name: str, new: int) -> None:
    """Puts a position where a rebuild left its shadow, whatever it was."""
    position(cur, name, lock=True)
    cur.execute("UPDATE fq_tracking SET position = ? WHERE name = ?", (new, name))
