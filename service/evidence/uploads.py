"""Uploads that resume: a file sent in chunks (the tus protocol, api/routes/uploads.py), kept under the
var dir until it is attached to a case. Each upload belongs to the person who began it — anyone else is
told there is no such upload — announces its length at the start, grows only at its current offset, and
expires a while after it began (24 hours by default). Its chunks are encrypted with the store's cipher
when one is set, like the attachments themselves; once attached, its bytes are deleted and a small
record of the attachment stays until the upload would have expired, so that a retry of the same
command is answered with the same attachment rather than a new one."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import Cipher

from domain.errors import InvalidValue

UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
CHUNK = 1_000_000  # the most one PATCH may carry (api/limits.py)
EXPIRY = timedelta(hours=24)


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
    created_at: str  # ISO 8601
    expires_at: str
    chunks: list[int]  # the plain size of each chunk file, in order
    attached: dict[str, Any] | None = None  # once attached: command_id, case, case_id, attachment_id, sha256

    @property
    def finished(self) -> bool:
        return self.offset == self.length

    @property
    def expires(self) -> datetime:
        return datetime.fromisoformat(self.expires_at).astimezone(UTC)


class Uploads:
    """The partial uploads of one replica, as files: `<root>/<id>/info.json` and one file per chunk,
    each written aside and renamed into place, then the info rewritten the same way, under a lock
    on the upload, so that a dropped connection leaves the upload at the end of its last whole chunk."""

    def __init__(
        self,
        root: Path,
        largest: int,
        clock: Callable[[], datetime],
        cipher: Cipher | None = None,
        expiry: timedelta = EXPIRY,
    ) -> None:
        self.root = Path(root)
        self.largest = largest
        self.clock = clock
        self.cipher = cipher
        self.expiry = expiry

    # -- the protocol's steps ---------------------------------------------------------------

    def begin(self, owner: str, length: int, filename: str = "") -> Upload:
        if length < 0:
            raise InvalidValue("Upload-Length", "give the file's length in bytes")
        if length > self.largest:
            raise TooLong(f"a file may hold at most {self.largest:,} bytes; this one announces {length:,}")
        self.sweep()
        now = self.clock()
        upload = Upload(
            id=uuid4().hex,
            owner=owner,
            length=length,
            offset=0,
            filename=filename[:255],
            created_at=now.isoformat(),
            expires_at=(now + self.expiry).isoformat(),
            chunks=[],
        )
        self._folder(upload.id).mkdir(parents=True)
        self._write_info(upload)
        return upload

    def status(self, owner: str, upload_id: str) -> Upload:
        """The upload, if it is this person's and has not expired."""
        upload = self._info(owner, upload_id)
        if upload.attached is None and self.clock() >= upload.expires:
            raise UploadExpired(upload_id)
        return upload

    def append(self, owner: str, upload_id: str, offset: int, data: bytes) -> Upload:
        with self._locked(upload_id):
            upload = self.status(owner, upload_id)
            if upload.attached is not None:
                raise NoSuchUpload(upload_id)
            if offset != upload.offset:
                raise WrongOffset(offset, upload.offset)
            if upload.offset + len(data) > upload.length:
                raise TooLong(f"the upload announced {upload.length:,} bytes; this chunk goes past them")
            if not data:
                return upload
            self._write(self._folder(upload_id) / f"chunk-{len(upload.chunks):05d}", self._seal(data))
            upload.chunks.append(len(data))
            upload.offset += len(data)
            self._write_info(upload)
            return upload

    def content(self, owner: str, upload_id: str) -> tuple[Upload, bytes]:
        """A finished upload's bytes (field `upload` in an attach); refused while it is unfinished."""
        try:
            upload = self.status(owner, upload_id)
        except (NoSuchUpload, UploadExpired):
            raise InvalidValue(
                "upload", "there is no such upload, or it has expired: send the file again"
            ) from None
        if upload.attached is not None:
            return upload, b""
        if not upload.finished:
            raise InvalidValue(
                "upload",
                f"the upload is not finished: {upload.offset:,} of {upload.length:,} bytes have arrived",
            )
        folder = self._folder(upload_id)
        data = b"".join(
            self._open((folder / f"chunk-{n:05d}").read_bytes()) for n in range(len(upload.chunks))
        )
        if len(data) != upload.length:
            raise InvalidValue("upload", "the upload's stored chunks are incomplete: send the file again")
        return upload, data

    @contextmanager
    def attaching(self, owner: str, upload_id: str) -> Iterator[tuple[Upload, bytes]]:
        """The upload and its bytes, held under its lock while it is attached (two attaches of one
        upload at once take turns, so the second sees what the first made of it)."""
        try:
            with self._locked(upload_id):
                yield self.content(owner, upload_id)
        except NoSuchUpload:
            raise InvalidValue(
                "upload", "there is no such upload, or it has expired: send the file again"
            ) from None

    def attached(self, upload: Upload, record: dict[str, Any]) -> None:
        """The upload became an attachment (inside `attaching`): its chunks go, a record of what it
        became stays until it would have expired."""
        upload.attached = record
        upload.chunks = []
        self._write_info(upload)
        for chunk in self._folder(upload.id).glob("chunk-*"):
            chunk.unlink(missing_ok=True)

    def sweep(self) -> int:
        """Deletes every upload past its expiry (attached or not); how many."""
        now, gone = self.clock(), 0
        for folder in self._folders():
            try:
                info = json.loads((folder / "info.json").read_text())
                expired = now >= datetime.fromisoformat(info["expires_at"])
            except (OSError, ValueError, KeyError):
                expired = True  # half made: begun when the server stopped
            if expired:
                shutil.rmtree(folder, ignore_errors=True)
                gone += 1
        return gone

    # -- machinery ---------------------------------------------------------------------------

    def _folders(self) -> Iterator[Path]:
        if self.root.is_dir():
            yield from (f for f in self.root.iterdir() if f.is_dir() and UPLOAD_ID.match(f.name))

    def _folder(self, upload_id: str) -> Path:
        if not UPLOAD_ID.match(upload_id):
            raise NoSuchUpload(upload_id)
        return self.root / upload_id

    def _info(self, owner: str, upload_id: str) -> Upload:
        try:
            upload = Upload(**json.loads((self._folder(upload_id) / "info.json").read_text()))
        except (OSError, ValueError, TypeError):
            raise NoSuchUpload(upload_id) from None
        if upload.owner != owner:
            raise NoSuchUpload(upload_id)  # another person's upload is not there for them
        return upload

    def _write_info(self, upload: Upload) -> None:
        self._write(self._folder(upload.id) / "info.json", json.dumps(asdict(upload)).encode())

    def _write(self, target: Path, data: bytes) -> None:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @contextmanager
    def _locked(self, upload_id: str) -> Iterator[None]:
        """One change at a time to an upload, across the workers of this replica."""
        folder = self._folder(upload_id)
        if not folder.is_dir():
            raise NoSuchUpload(upload_id)
        with open(folder / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _seal(self, data: bytes) -> bytes:
        return self.cipher.encrypt(data) if self.cipher else data

    def _open(self, stored: bytes) -> bytes:
        return self.cipher.decrypt(stored) if self.cipher else stored


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
                    "upload", f"the upload is already attached (attachment {record['attachment_id']})"
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
