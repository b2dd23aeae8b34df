"""A small SQL seam for read models and tracking: one interface over SQLite and PostgreSQL.

Statements are written with `?` placeholders; the PostgreSQL cursor translates them.
Write transactions take the write lock at once (SQLite `BEGIN IMMEDIATE`), so a
read-then-write never fails half-way on a lock upgrade.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

Row = dict[str, Any]


class Cursor(Protocol):
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def fetchall(self) -> list[Row]: ...
    def fetchone(self) -> Row | None: ...
    @property
    def rowcount(self) -> int: ...


class Database(Protocol):
    dialect: str

    def transaction(self) -> Any: ...
    def reading(self) -> Any: ...
    def close(self) -> None: ...


class _SQLiteCursor:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._cur = conn.cursor()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cur.executemany(sql, rows)

    def fetchall(self) -> list[Row]:
        return [dict(r) for r in self._cur.fetchall()]

    def fetchone(self) -> Row | None:
        row = self._cur.fetchone()
        return dict(row) if row is not None else None

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount


class SQLiteDatabase:
    dialect = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[_SQLiteCursor]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteCursor(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[_SQLiteCursor]:
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            yield _SQLiteCursor(conn)
        finally:
            conn.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


class _PostgresCursor:
    dialect = "postgres"

    def __init__(self, cur: Any) -> None:
        self._cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(sql.replace("?", "%s"), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cur.executemany(sql.replace("?", "%s"), rows)

    def fetchall(self) -> list[Row]:
        return list(self._cur.fetchall())

    def fetchone(self) -> Row | None:
        return self._cur.fetchone()

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount


class PostgresDatabase:
    dialect = "postgres"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str,
        password: str,
        dbname: str,
        schema: str,
        max_size: int = 8,
        timeout: float = 10,
    ) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        self.schema = schema
        self._pool = ConnectionPool(
            kwargs={
                "host": host,
                "port": port,
                "user": user,
                "password": password,
                "dbname": dbname,
                "row_factory": dict_row,
                "options": f"-c search_path={schema} -c lock_timeout=10s",
            },
            min_size=1,
            max_size=max_size,
            open=True,
            timeout=timeout,
            # A pooled connection is checked before it is handed out: after a dropped connection
            # or a restart of the server the first use would otherwise fail (AdminShutdown).
            check=ConnectionPool.check_connection,
        )

    @contextmanager
    def transaction(self) -> Iterator[_PostgresCursor]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield _PostgresCursor(cur)

    @contextmanager
    def reading(self) -> Iterator[_PostgresCursor]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.execute("SET TRANSACTION READ ONLY")
            yield _PostgresCursor(cur)

    def close(self) -> None:
        self._pool.close()


def upsert(
    cur: Cursor,
    table: str,
    columns: Sequence[str],
    types: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: str,
) -> None:
    """Writes many rows at once. PostgreSQL gets one statement for the lot, its values as one
    array per column, in binary (`INSERT … SELECT * FROM unnest(…) … ON CONFLICT …`: one round
    trip, a short query); SQLite, in-process, gets executemany. `types` are the columns' SQL types."""
    if not rows:
        return
    if cur.dialect == "sqlite":
        one = "(" + ", ".join("?" * len(columns)) + ")"
        cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {one} {conflict}", rows)
        return
    # %b: the arrays travel in binary, which spares psycopg quoting every element as text
    # (half the cost of a 5,000-row write, measured).
    arrays = ", ".join(f"%b::{t}[]" for t in types)
    cur.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}) {conflict}",
        [list(column) for column in zip(*rows, strict=True)],
    )


def among(cur: Cursor, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column IN (…)` as the dialect likes it: one array parameter for PostgreSQL."""
    if cur.dialect == "postgres":
        return f"{column} = ANY(?)", [list(values)]
    return f"{column} IN ({', '.join('?' * len(values))})", list(values)


def for_update(cur: Cursor) -> str:
    """Row lock suffix: SQLite's `BEGIN IMMEDIATE` already holds the database write lock."""
    return " FOR UPDATE" if cur.dialect == "postgres" else ""
