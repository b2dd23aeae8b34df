"""Uploads that resume: a file sent in chunks (the tus protocol, api/routes/uploads.py), kept until it is
attached to a case. Each upload belongs to the person who began it — anyone else is told there is no such
upload — announces its length at the start, grows only at its current offset, and expires a while after
it began (24 hours by default). Upload and chunks live in two tables of the read-model database, which
every API replica shares (like the sessions), so a chunk may land on any replica. Chunks are encrypted
with the store's cipher when one is set, like the attachments themselves; once attached, the chunks are
deleted and the upload's row keeps what it became until it would have expired, so that a retry of the
same command is answered with the same attachment rather than a new one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import Cipher

from domain.errors import InvalidValue
from service.identity.storage import Cursor, Database

CHUNK = 1_000_000  # the most one PATCH may carry (api/limits.py)
EXPIRY = timedelta(hours=24)
CLAIM = timedelta(minutes=5)  # an attach that died mid-way frees its upload after this


def ddl(dialect: str) -> list[str]:
    blob = "BYTEA" if dialect == "postgres" else "BLOB"
    return [
        (
            "CREATE TABLE IF NOT EXISTS fq_uploads (id TEXT PRIMARY KEY, owner TEXT NOT NULL, "
            "length BIGINT NOT NULL, upload_offset BIGINT NOT NULL, filename TEXT NOT NULL, "
            "created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL, "
            "claimed_at DOUBLE PRECISION, attached TEXT)"
        ),
        "CREATE INDEX IF NOT EXISTS fq_uploads_expiry ON fq_uploads (expires_at)",
        (
            "CREATE TABLE IF NOT EXISTS fq_upload_chunks (upload_id TEXT NOT NULL, "
            f"chunk_offset BIGINT NOT NULL, data {blob} NOT NULL, PRIMARY KEY (upload_id, chunk_offset))"
        ),
    ]


class NoSuchUpload(Exception):
    """No upload by that id for this person (never begun, another person's, or swept away)."""


class UploadExpired(Exception):
    """The upload is older than its expiry: it can no longer grow or be attached."""


class WrongOffset(Exception):
    def __init__(self, sent: int, offset: int) -> None:
        super().__init__(
            f"the upload is at byte {offset}, not {sent}: ask for its offset (HEAD) and go on there"
        )
        self.sent = sent
        self.offset = offset


class TooLong(Exception):
    """More bytes than the upload announced, or an announced length over the largest file."""


@dataclass
class Upload:
    id: str
    owner: str
    length: int
    offset: int
    filename: str
    created_at: datetime
    expires: datetime
    attached: dict[str, Any] | None = None  # once attached: command_id, case, case_id, attachment_id, sha256

    @property
    def finished(self) -> bool:
        return self.offset == self.length

    @classmethod
    def of(cls, row: dict[str, Any]) -> Upload:
        return cls(
            id=row["id"],
            owner=row["owner"],
            length=int(row["length"]),
            offset=int(row["upload_offset"]),
            filename=row["filename"],
            created_at=datetime.fromtimestamp(row["created_at"], UTC),
            expires=datetime.fromtimestamp(row["expires_at"], UTC),
            attached=json.loads(row["attached"]) if row["attached"] else None,
        )


class Uploads:
    """The uploads of every replica, in the read-model database. A chunk is kept whole or not at all:
    it is written, and the upload's offset moved past it, in one transaction that first moves the
    offset only if it is still the one the chunk was sent for."""

    def __init__(
        self,
        db: Database,
        largest: int,
        clock: Callable[[], datetime],
        cipher: Cipher | None = None,
        expiry: timedelta = EXPIRY,
    ) -> None:
        self.db = db
        self.largest = largest
        self.clock = clock
        self.cipher = cipher
        self.expiry = expiry

    @staticmethod
    def create_tables(cur: Any) -> None:
        for statement in ddl(cur.dialect):
            cur.execute(statement)

    # -- the protocol's steps ---------------------------------------------------------------

    def begin(self, owner: str, length: int, filename: str = "") -> Upload:
        if length < 0:
            raise InvalidValue("Upload-Length", "give the file's length in bytes")
        if length > self.largest:
            raise TooLong(f"a file may hold at most {self.largest:,} bytes; this one announces {length:,}")
        now = self.clock().astimezone(UTC)
        upload = Upload(uuid4().hex, owner, length, 0, filename[:255], now, now + self.expiry)
        with self.db.transaction() as cur:
            self._sweep(cur, now)
            cur.execute(
                "INSERT INTO fq_uploads (id, owner, length, upload_offset, filename, created_at, expires_at) "
                "VALUES (?, ?, ?, 0, ?, ?, ?)",
                (upload.id, owner, length, upload.filename, now.timestamp(), upload.expires.timestamp()),
            )
        return upload

    def status(self, owner: str, upload_id: str) -> Upload:
        """The upload, if it is this person's and has not expired."""
        with self.db.reading() as cur:
            return self._live(cur, owner, upload_id)

    def append(self, owner: str, upload_id: str, offset: int, data: bytes) -> Upload:
        with self.db.transaction() as cur:
            upload = self._live(cur, owner, upload_id)
            if upload.attached is not None:
                raise NoSuchUpload(upload_id)
            if offset != upload.offset:
                raise WrongOffset(offset, upload.offset)
            if upload.offset + len(data) > upload.length:
                raise TooLong(f"the upload announced {upload.length:,} bytes; this chunk goes past them")
            if not data:
                return upload
            cur.execute(
                "UPDATE fq_uploads SET upload_offset = ? WHERE id = ? AND upload_offset = ?",
                (offset + len(data), upload_id, offset),
            )
            if getattr(cur, "rowcount", 1) != 1:  # another replica kept a chunk here meanwhile
                raise WrongOffset(offset, self._live(cur, owner, upload_id).offset)
            cur.execute(
                "INSERT INTO fq_upload_chunks (upload_id, chunk_offset, data) VALUES (?, ?, ?)",
                (upload_id, offset, self._seal(data)),
            )
            upload.offset += len(data)
            return upload

    @contextmanager
    def attaching(self, owner: str, upload_id: str) -> Iterator[tuple[Upload, bytes]]:
        """The upload and its bytes, claimed while it is attached: a second attach of it meanwhile
        is refused (422), so one upload makes one attachment. The claim ends with the block."""
        now = self.clock()
        with self.db.transaction() as cur:
            try:
                upload = self._live(cur, owner, upload_id)
            except (NoSuchUpload, UploadExpired):
                raise InvalidValue(
                    "upload", "there is no such upload, or it has expired: send the file again"
                ) from None
            if upload.attached is None:
                if not upload.finished:
                    raise InvalidValue(
                        "upload",
                        "the upload is not finished: {offset:,} of {length:,} bytes have arrived",
                        offset=upload.offset,
                        length=upload.length,
                    )
                cur.execute(
                    "UPDATE fq_uploads SET claimed_at = ? "
                    "WHERE id = ? AND (claimed_at IS NULL OR claimed_at < ?)",
                    (now.timestamp(), upload_id, (now - CLAIM).timestamp()),
                )
                if getattr(cur, "rowcount", 1) != 1:
                    raise InvalidValue("upload", "the upload is being attached already")
        try:
            yield upload, (b"" if upload.attached is not None else self._content(upload))
        finally:
            if upload.attached is None:
                with self.db.transaction() as cur:
                    cur.execute("UPDATE fq_uploads SET claimed_at = NULL WHERE id = ?", (upload_id,))

    def attached(self, upload: Upload, record: dict[str, Any]) -> None:
        """The upload became an attachment (inside `attaching`): its chunks go, a record of what it
        became stays until it would have expired."""
        upload.attached = record
        with self.db.transaction() as cur:
            cur.execute("UPDATE fq_uploads SET attached = ? WHERE id = ?", (json.dumps(record), upload.id))
            cur.execute("DELETE FROM fq_upload_chunks WHERE upload_id = ?", (upload.id,))

    def sweep(self) -> None:
        """Deletes every upload past its expiry, attached or not."""
        with self.db.transaction() as cur:
            self._sweep(cur, self.clock())

    def chunks(self, upload_id: str) -> list[bytes]:
        """The chunks as stored (encrypted when a cipher is set): for the operators' and tests' eyes."""
        with self.db.reading() as cur:
            cur.execute(
                "SELECT data FROM fq_upload_chunks WHERE upload_id = ? ORDER BY chunk_offset", (upload_id,)
            )
            return [bytes(row["data"]) for row in cur.fetchall()]

    # -- machinery ---------------------------------------------------------------------------

    def _live(self, cur: Cursor, owner: str, upload_id: str) -> Upload:
        cur.execute("SELECT * FROM fq_uploads WHERE id = ?", (upload_id,))
        row = cur.fetchone()
        if row is None or row["owner"] != owner:
            raise NoSuchUpload(upload_id)  # another person's upload is not there for them
        upload = Upload.of(row)
        if upload.attached is None and self.clock() >= upload.expires:
            raise UploadExpired(upload_id)
        return upload

    def _content(self, upload: Upload) -> bytes:
        data = b"".join(self._open(chunk) for chunk in self.chunks(upload.id))
        if len(data) != upload.length:
            raise InvalidValue("upload", "the upload's stored chunks are incomplete: send the file again")
        return data

    def _sweep(self, cur: Cursor, now: datetime) -> None:
        cur.execute(
            "DELETE FROM fq_upload_chunks "
            "WHERE upload_id IN (SELECT id FROM fq_uploads WHERE expires_at <= ?)",
            (now.timestamp(),),
        )
        cur.execute("DELETE FROM fq_uploads WHERE expires_at <= ?", (now.timestamp(),))

    def _seal(self, data: bytes) -> bytes:
        return self.cipher.encrypt(data) if self.cipher else data

    def _open(self, stored: bytes) -> bytes:
        return self.cipher.decrypt(bytes(stored)) if self.cipher else bytes(stored)


def attach_upload(
    desk: Any,
    uploads: Uploads,
    actor: str,
    case: str,
    case_id: Any,
    upload_id: str,
    meta: Any,
    **given: Any,
) -> dict[str, Any]:
    """A finished upload attached through the desk (the same checks, the same hash as a file sent whole),
    then its bytes deleted. Attached again with the same command id, it answers the attachment it
    became; with another, it is refused: one upload is one attachment."""
    with uploads.attaching(actor, upload_id) as (upload, data):
        record = upload.attached
        if record is not None:
            same = record["command_id"] is not None and record["command_id"] == meta.command_id
            if not same or (record["case"], record["case_id"]) != (case, str(case_id)):
                raise InvalidValue(
                    "upload",
                    "the upload is already attached (attachment {attachment_id})",
                    attachment_id=record["attachment_id"],
                )
            shown = {a["id"]: a for a in desk.listed(actor, case, case_id)}
            if record["attachment_id"] in shown:
                return shown[record["attachment_id"]]
            raise InvalidValue("upload", "the upload is already attached")
        filename = upload.filename or "attachment"
        _, added = desk.attach(actor, case, case_id, data=data, filename=filename, meta=meta, **given)
        uploads.attached(
            upload,
            {
                "command_id": meta.command_id,
                "case": case,
                "case_id": str(case_id),
                "attachment_id": added["id"],
                "sha256": added["sha256"],
            },
        )
        return added
