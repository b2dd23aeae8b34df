"""Server-side sessions and API tokens' last use, in tables of the read-model database.

Every API replica reads and writes the same database, so a session begun through one replica
holds on all of them, and sign-out anywhere ends it everywhere. Sessions and last-use times
are not events: they change on every request and nobody audits them. The session id is kept
only as its SHA-256 digest, so the table alone lets nobody in.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from service.identity.crypto import sha256
from service.identity.policy import IdentityPolicy

if TYPE_CHECKING:
    from collections.abc import Callable

    from service.identity.storage import Cursor, Database

DDL = (
    (
        "CREATE TABLE IF NOT EXISTS fq_sessions (id_sha256 TEXT PRIMARY KEY, person_id TEXT NOT NULL, "
        "csrf_token TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, "
        "last_seen_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL)"
    ),
    "CREATE INDEX IF NOT EXISTS fq_sessions_person ON fq_sessions (person_id)",
    (
        "CREATE TABLE IF NOT EXISTS fq_token_use (token_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, "
        "last_used_at DOUBLE PRECISION NOT NULL)"
    ),
)


@dataclass(frozen=True)
class Session:
    person_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # the absolute end; idleness may end it sooner


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class Sessions:
    def __init__(self, db: Database, policy: IdentityPolicy, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock
        self._use_written: dict[str, float] = {}  # token id → when this process last wrote its use

    @staticmethod
    def create_tables(cur: Cursor) -> None:
        for statement in DDL:
            cur.execute(statement)

    def start(self, person_id: str) -> tuple[str, Session]:
        """A new session; returns its id (for the cookie, never stored) and the session."""
        now = self.clock()
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + self.policy.session_absolute
        with self.db.transaction() as cur:
            self._forget_expired(cur, now.timestamp())
            cur.execute(
                "INSERT INTO fq_sessions (id_sha256, person_id, csrf_token, created_at, last_seen_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (sha256(session_id), person_id, csrf, now.timestamp(), now.timestamp(), expires.timestamp()),
            )
        return session_id, Session(person_id, csrf, now, now, expires)

    def find(self, session_id: str) -> Session | None:
        """The live session with this id, touched as used now; None if unknown or expired."""
        now = self.clock()
        key = sha256(session_id)
        with self.db.reading() as cur:
            cur.execute("SELECT * FROM fq_sessions WHERE id_sha256 = ?", (key,))
            row = cur.fetchone()
        if row is None:
            return None
        session = Session(
            row["person_id"],
            row["csrf_token"],
            _time(row["created_at"]),
            _time(row["last_seen_at"]),
            _time(row["expires_at"]),
        )
        if now >= session.expires_at or now - session.last_seen_at >= self.policy.session_idle:
            self.end(session_id)
            return None
        if now - session.last_seen_at >= self.policy.session_touch:
            with self.db.transaction() as cur:
                cur.execute(
                    "UPDATE fq_sessions SET last_seen_at = ? WHERE id_sha256 = ? AND last_seen_at < ?",
                    (now.timestamp(), key, now.timestamp()),
                )
        return session

    def end(self, session_id: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM fq_sessions WHERE id_sha256 = ?", (sha256(session_id),))

    def end_all(self, person_id: str, keep: str | None = None) -> None:
        """Ends every session of the person, but the one with id `keep`."""
        with self.db.transaction() as cur:
            cur.execute(
                "DELETE FROM fq_sessions WHERE person_id = ? AND id_sha256 <> ?",
                (person_id, sha256(keep) if keep else ""),
            )

    def token_used(self, token_id: str, person_id: str) -> None:
        """Records a token's use, at most once per touch interval (a write per request would serialise)."""
        now = self.clock().timestamp()
        stale = now - self.policy.session_touch.total_seconds()
        if self._use_written.get(token_id, stale) > stale:
            return
        self._use_written[token_id] = now
        with self.db.transaction() as cur:
            cur.execute(
                "INSERT INTO fq_token_use (token_id, person_id, last_used_at) VALUES (?, ?, ?) "
                "ON CONFLICT (token_id) DO UPDATE SET last_used_at = excluded.last_used_at "
                "WHERE fq_token_use.last_used_at < ?",
                (token_id, person_id, now, stale),
            )

    def tokens_last_used(self, person_id: str) -> dict[str, datetime]:
        with self.db.reading() as cur:
            cur.execute("SELECT token_id, last_used_at FROM fq_token_use WHERE person_id = ?", (person_id,))
            return {row["token_id"]: _time(row["last_used_at"]) for row in cur.fetchall()}

    def _forget_expired(self, cur: Cursor, now: float) -> None:
        idle = self.policy.session_idle.total_seconds()
        cur.execute("DELETE FROM fq_sessions WHERE expires_at <= ? OR last_seen_at <= ?", (now, now - idle))
