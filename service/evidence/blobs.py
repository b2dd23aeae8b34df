"""Where an attachment's bytes are kept: one small interface, a content-addressed store keyed by the
SHA-256 of the bytes as attached (infra/blob_files.py, infra/blob_s3.py). The store's cipher, when one is
set, encrypts every file at rest; reading checks the bytes against the hash the case's event holds."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Protocol

from eventsourcing.persistence import Cipher


class Blobs(Protocol):
    """Bytes by key. `put` of a key already held keeps what is there (content-addressed)."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def keys(self) -> Iterator[str]: ...


class Tampered(Exception):
    """A stored file is not the file its event names: changed, truncated or lost behind the system's back."""

    def __init__(self, sha256: str, why: str) -> None:
        super().__init__(f"the stored file {sha256[:12]}… {why}")
        self.sha256 = sha256
        self.why = why


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class EvidenceFiles:
    """The attachments' bytes: written once under their hash, encrypted when a cipher is set, and given
    back only when they still hash to what the event recorded."""

    def __init__(self, blobs: Blobs, cipher: Cipher | None = None) -> None:
        self.blobs = blobs
        self.cipher = cipher

    def keep(self, data: bytes) -> str:
        key = sha256_of(data)
        if self.blobs.get(key) is None:
            self.blobs.put(key, self.cipher.encrypt(data) if self.cipher else data)
        return key

    def read(self, sha256: str) -> bytes:
        stored = self.blobs.get(sha256)
        if stored is None:
            raise Tampered(sha256, "is missing from the store")
        try:
            data = self.cipher.decrypt(stored) if self.cipher else stored
        except ValueError:  # the cipher refuses ciphertext that was altered (AES-GCM's tag)
            raise Tampered(sha256, "cannot be decrypted: its stored bytes were altered") from None
        if sha256_of(data) != sha256:
            raise Tampered(sha256, "does not hash to the SHA-256 its event recorded: its bytes changed")
        return data

    def check(self, sha256: str) -> str | None:
        """Why the stored file is not the file its event names, or None when it is."""
        try:
            self.read(sha256)
        except Tampered as bad:
            return bad.why
        return None
