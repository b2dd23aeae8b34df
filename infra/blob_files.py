"""Attachments' bytes on the local file system under the var dir, content-addressed: `ab/cd/abcd…`
by their SHA-256, written to a temporary file and renamed into place, so a reader never sees half a file."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

KEY = re.compile(r"^[0-9a-f]{64}$")
INCOMING = ".incoming-"  # a file being written, renamed into place when whole


class FileBlobs:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not KEY.match(key):
            raise ValueError(f"not a SHA-256 key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=INCOMING)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def keys(self) -> Iterator[str]:
        if self.root.is_dir():
            for found in sorted(self.root.glob("??/??/*")):
                if KEY.match(found.name):
                    yield found.name
