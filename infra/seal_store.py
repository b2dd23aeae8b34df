"""The seal kept in the store, in the same transaction as the events it seals.

Two recorders, one per store, insert the events as the library does and then, before the commit and
still holding the writers' lock (PostgreSQL: LOCK TABLE ... EXCLUSIVE; SQLite: the one writer), append
each event to the Merkle tree: a leaf row and the perfect subtrees it completes. A failed insert rolls
the seal back with it, so the seal never covers an event that is not stored, nor misses one that is.
The settings choose them by APPLICATION_RECORDER_TOPIC (infra/settings.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore
from eventsourcing.utils import retry
from psycopg.sql import SQL

from service.seal.checkpoint import Checkpoint, b64, unb64
from service.seal.leaves import Record, record_hash, stream_text
from service.seal.merkle import append, frontier

ADOPT_BATCH = 5000
Head = tuple[int, list[bytes]]


class SealTables:
    """The seal's tables beside one events table, and the SQL on them (either store's dialect)."""

    def __init__(
        self, *, prefix: str, events: str, event_id: str, p: str, blob: str, serial: str, hex_ids: bool
    ):
        self.leaves, self.nodes, self.head, self.checkpoints = (
            f"{prefix}seal_{t}" for t in ("leaves", "nodes", "head", "checkpoints")
        )
        self.events, self.event_id, self.p, self.blob, self.serial = events, event_id, p, blob, serial
        self.hex_ids = hex_ids

    @classmethod
    def sqlite(cls, events_table: str) -> SealTables:
        return cls(
            prefix="",
            events=events_table,
            event_id="rowid",
            p="?",
            blob="BLOB",
            serial="INTEGER",
            hex_ids=True,
        )

    @classmethod
    def postgres(cls, schema: str, events_table: str) -> SealTables:
        return cls(
            prefix=f'"{schema}".',
            events=f'"{schema}"."{events_table}"',
            event_id="notification_id",
            p="%s",
            blob="BYTEA",
            serial="BIGSERIAL",
            hex_ids=False,
        )

    def create_statements(self) -> list[str]:
        return [
            (
                f"CREATE TABLE IF NOT EXISTS {self.leaves} (leaf_index BIGINT PRIMARY KEY, "
                "notification_id BIGINT NOT NULL UNIQUE, originator_id TEXT NOT NULL, "
                f"originator_version BIGINT NOT NULL, leaf_hash {self.blob} NOT NULL)"
            ),
            (
                f"CREATE INDEX IF NOT EXISTS seal_leaves_by_event ON {self.leaves} "
                "(originator_id, originator_version)"
            ),
            (
                f"CREATE TABLE IF NOT EXISTS {self.nodes} (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
                f"hash {self.blob} NOT NULL, PRIMARY KEY (level, idx))"
            ),
            (
                f"CREATE TABLE IF NOT EXISTS {self.head} (one INTEGER PRIMARY KEY CHECK (one = 1), "
                f"tree_size BIGINT NOT NULL, peaks {self.blob} NOT NULL)"
            ),
            (
                f"CREATE TABLE IF NOT EXISTS {self.checkpoints} (checkpoint_id {self.serial} PRIMARY KEY, "
                "origin TEXT NOT NULL, tree_size BIGINT NOT NULL, root_hash TEXT NOT NULL, "
                "signed_at TEXT NOT NULL, signature TEXT NOT NULL)"
            ),
        ]

    # -- the tree -------------------------------------------------------------------

    def size(self, c: Any) -> int:
        c.execute(f"SELECT COALESCE(MAX(leaf_index) + 1, 0) AS n FROM {self.leaves}")
        return int(c.fetchone()["n"])

    def perfect(self, c: Any, start: int, end: int) -> bytes:
        level = (end - start).bit_length() - 1
        if level == 0:
            c.execute(f"SELECT leaf_hash AS h FROM {self.leaves} WHERE leaf_index = {self.p}", (start,))
        else:
            c.execute(
                f"SELECT hash AS h FROM {self.nodes} WHERE level = {self.p} AND idx = {self.p}",
                (level, start >> level),
            )
        row = c.fetchone()
        if row is None:
            raise LookupError(f"the seal has no node for leaves {start}..{end - 1}")
        return bytes(row["h"])

    def append(self, c: Any, records: Sequence[Record], head: Head | None | bool = False) -> None:
        """Seals the records after the tree's last leaf (`head`: the head row, if the caller has
        read it already). The first write to an unsealed store first seals the events already there,
        adopting the history as it stands."""
        if head is False:
            self.query_head(c)
            head = self.fetch_head(c)
        if isinstance(head, tuple):
            size, peaks = head
        else:  # no head row: derived from the leaves and nodes, as a store sealed without one
            size = self.size(c)
            if size == 0 and records:
                records = [*self.unsealed_before(c, records[0].notification_id), *records]
            peaks = [self.perfect(c, i << lv, (i + 1) << lv) for lv, i in frontier(size)]
        leaves, nodes = [], []
        for record in records:
            for level, index, node in append(peaks, size, record_hash(record)):
                if level == 0:
                    leaves.append((index, record.notification_id, record.stream_id, record.version, node))
                else:
                    nodes.append((level, index, node))
            size += 1
        p = self.p
        self.insert(c, self.leaves, ("bigint", "bigint", "text", "bigint", self.blob), leaves)
        self.insert(c, self.nodes, ("integer", "bigint", self.blob), nodes)
        c.execute(
            f"INSERT INTO {self.head} VALUES (1, {p}, {p}) ON CONFLICT (one) DO UPDATE "
            "SET tree_size = excluded.tree_size, peaks = excluded.peaks",
            (size, b"".join(peaks)),
        )

    def insert(self, c: Any, table: str, types: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.hex_ids:  # SQLite: in-process, row by row costs nothing
            c.executemany(f"INSERT INTO {table} VALUES ({', '.join(self.p for _ in types)})", rows)
            return
        # PostgreSQL: one statement for all the rows, one array per column
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        c.execute(
            f"INSERT INTO {table} SELECT * FROM unnest({arrays})",
            [list(col) for col in zip(*rows, strict=True)],
        )

    def query_head(self, c: Any) -> None:
        c.execute(f"SELECT tree_size, peaks FROM {self.head} WHERE one = 1")

    def fetch_head(self, c: Any) -> Head | None:
        """The tree's size and frontier hashes (merkle.frontier), as the last write left them."""
        row = c.fetchone()
        if row is None:
            return None
        packed = bytes(row["peaks"])
        return int(row["tree_size"]), [packed[i : i + 32] for i in range(0, len(packed), 32)]

    def unsealed_before(self, c: Any, notification_id: int) -> list[Record]:
        found: list[Record] = []
        after = 0
        while batch := self.events_after(c, after, ADOPT_BATCH, below=notification_id):
            found.extend(batch)
            after = batch[-1].notification_id
        return found

    # -- reading ----------------------------------------------------------------------

    def events_after(self, c: Any, after: int, limit: int, below: int | None = None) -> list[Record]:
        """Stored events in notification order, raw (the store's own bytes)."""
        bound = f" AND {self.event_id} < {self.p}" if below is not None else ""
        params = (after, below, limit) if below is not None else (after, limit)
        c.execute(
            f"SELECT {self.event_id} AS nid, originator_id, originator_version, topic, state "
            f"FROM {self.events} "
            f"WHERE {self.event_id} > {self.p}{bound} ORDER BY {self.event_id} LIMIT {self.p}",
            params,
        )
        return [self.record(row) for row in c.fetchall()]

    def record(self, row: Any) -> Record:
        return Record(
            int(row["nid"]),
            stream_text(row["originator_id"]),
            int(row["originator_version"]),
            row["topic"],
            bytes(row["state"]),
        )

    def event(self, c: Any, stream_id: str, version: int) -> Record | None:
        key: object = UUID(stream_id).hex if self.hex_ids else UUID(stream_id)
        c.execute(
            f"SELECT {self.event_id} AS nid, originator_id, originator_version, topic, state "
            f"FROM {self.events} "
            f"WHERE originator_id = {self.p} AND originator_version = {self.p}",
            (key, version),
        )
        row = c.fetchone()
        return None if row is None else self.record(row)

    def stream(self, c: Any, stream_id: str) -> list[Record]:
        """One stream's stored events, in version order, with their notification ids."""
        key: object = UUID(stream_id).hex if self.hex_ids else UUID(stream_id)
        c.execute(
            f"SELECT {self.event_id} AS nid, originator_id, originator_version, topic, state "
            f"FROM {self.events} "
            f"WHERE originator_id = {self.p} ORDER BY originator_version",
            (key,),
        )
        return [self.record(row) for row in c.fetchall()]

    def leaves_after(self, c: Any, after: int, limit: int) -> list[tuple[int, int, str, int, bytes]]:
        """(leaf index, notification id, stream id, version, leaf hash) after a leaf index."""
        c.execute(
            f"SELECT * FROM {self.leaves} WHERE leaf_index > {self.p} ORDER BY leaf_index LIMIT {self.p}",
            (after, limit),
        )
        return [self._leaf(row) for row in c.fetchall()]

    def leaf_of(
        self, c: Any, *, notification_id: int | None = None, event: tuple[str, int] | None = None
    ) -> Any:
        if notification_id is not None:
            c.execute(f"SELECT * FROM {self.leaves} WHERE notification_id = {self.p}", (notification_id,))
        else:
            assert event is not None
            c.execute(
                (
                    f"SELECT * FROM {self.leaves} "
                    f"WHERE originator_id = {self.p} AND originator_version = {self.p}"
                ),
                event,
            )
        row = c.fetchone()
        return None if row is None else self._leaf(row)

    @staticmethod
    def _leaf(row: Any) -> tuple[int, int, str, int, bytes]:
        return (
            int(row["leaf_index"]),
            int(row["notification_id"]),
            row["originator_id"],
            int(row["originator_version"]),
            bytes(row["leaf_hash"]),
        )

    # -- checkpoints ------------------------------------------------------------------------

    def keep(self, c: Any, checkpoint: Checkpoint) -> None:
        p = self.p
        c.execute(
            f"INSERT INTO {self.checkpoints} (origin, tree_size, root_hash, signed_at, signature) "
            f"VALUES ({p}, {p}, {p}, {p}, {p})",
            (
                checkpoint.origin,
                checkpoint.tree_size,
                checkpoint.root_hash.hex(),
                checkpoint.signed_at.isoformat(),
                b64(checkpoint.signature),
            ),
        )

    def kept(self, c: Any) -> list[Checkpoint]:
        c.execute(f"SELECT * FROM {self.checkpoints} ORDER BY checkpoint_id")
        from datetime import datetime

        return [
            Checkpoint(
                origin=row["origin"],
                tree_size=int(row["tree_size"]),
                root_hash=bytes.fromhex(row["root_hash"]),
                signed_at=datetime.fromisoformat(row["signed_at"]),
                signature=unb64(row["signature"]),
            )
            for row in c.fetchall()
        ]


def records_of(stored_events: Sequence[StoredEvent], ids: Sequence[int]) -> list[Record]:
    if len(ids) != len(stored_events):
        raise ProgrammingError(f"sealing {len(stored_events)} events with {len(ids)} notification ids")
    return [
        Record(i, stream_text(s.originator_id), s.originator_version, s.topic, s.state)
        for i, s in zip(ids, stored_events, strict=True)
    ]


class SealedSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        self.seal_tables = SealTables.sqlite(events_table_name)
        super().__init__(datastore, events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.seal_tables.create_statements()]

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs) or []
        self.seal_tables.append(c, records_of(stored_events, ids))
        return ids


class SealedPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.seal_tables = SealTables.postgres(datastore.schema, events_table_name)
        self.sql_create_statements.extend(SQL(s) for s in self.seal_tables.create_statements())  # type: ignore[arg-type]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if self.datastore.enable_db_functions:
            raise ProgrammingError("the seal needs POSTGRES_ENABLE_DB_FUNCTIONS off")
        if not stored_events:
            return None
        # As the library does, pipelined: lock, notify, insert, and the seal's head read behind them;
        # then the leaves, nodes and head written in the same transaction. Any failure rolls it all back.
        with (
            self.datastore.get_connection() as conn,
            conn.pipeline() as pipeline,
            conn.transaction(),
            conn.cursor() as curs,
            conn.cursor() as head_curs,
        ):
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            self.seal_tables.query_head(head_curs)
            pipeline.sync()
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or []
            head = self.seal_tables.fetch_head(head_curs)
            self.seal_tables.append(curs, records_of(stored_events, ids), head)
        return ids
