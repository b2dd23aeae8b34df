"""Failed sign-ins and tokens, counted per account and per client address in a shared table.

After `limit` failures within the window that began with the first of them, every attempt for
that account or from that address is refused until the window ends: an attacker learns
nothing from a guess made while refused. A success clears the account's count, not the
address's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from domain.identity.errors import TooManyAttempts
from service.identity.policy import IdentityPolicy

if TYPE_CHECKING:
    from service.identity.storage import Cursor, Database

DDL = (
    "CREATE TABLE IF NOT EXISTS fq_auth_failures (scope_key TEXT PRIMARY KEY, "
    "window_start DOUBLE PRECISION NOT NULL, failures INTEGER NOT NULL)"
)


def account(person_id: str) -> str:
    return f"account:{person_id}"


def address(client: str) -> str:
    return f"address:{client}"


class Throttle:
    def __init__(self, db: Database, policy: IdentityPolicy, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.policy = policy
        self.clock = clock

    @staticmethod
    def create_tables(cur: Cursor) -> None:
        cur.execute(DDL)

    def check(self, *keys: str) -> None:
        """Raises TooManyAttempts if any of the keys has used up its failures."""
        now = self.clock().timestamp()
        window = self.policy.failure_window.total_seconds()
        with self.db.reading() as cur:
            for key in keys:
                cur.execute("SELECT window_start, failures FROM fq_auth_failures WHERE scope_key = ?", (key,))
                row = cur.fetchone()
                if row is None or now - row["window_start"] >= window:
                    continue
                if row["failures"] >= self._limit(key):
                    retry_after = max(1, math.ceil(row["window_start"] + window - now))
                    raise TooManyAttempts(key.partition(":")[0], retry_after)

    def failed(self, *keys: str) -> None:
        now = self.clock().timestamp()
        window = self.policy.failure_window.total_seconds()
        with self.db.transaction() as cur:
            for key in keys:
                cur.execute(
                    "INSERT INTO fq_auth_failures (scope_key, window_start, failures) VALUES (?, ?, 1) "
                    "ON CONFLICT (scope_key) DO UPDATE SET "
                    "failures = CASE WHEN excluded.window_start - fq_auth_failures.window_start >= ? "
                    "THEN 1 ELSE fq_auth_failures.failures + 1 END, "
                    "window_start = CASE WHEN excluded.window_start - fq_auth_failures.window_start >= ? "
                    "THEN excluded.window_start ELSE fq_auth_failures.window_start END",
                    (key, now, window, window),
                )

    def succeeded(self, key: str) -> None:
        with self.db.transaction() as cur:
            cur.execute("DELETE FROM fq_auth_failures WHERE scope_key = ?", (key,))

    def _limit(self, key: str) -> int:
        if key.startswith("account:"):
            return self.policy.account_failures
        return self.policy.address_failures
