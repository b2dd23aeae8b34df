"""Signed checkpoints: (origin, tree size, root hash, time), signed with the system's Ed25519 key.

The signed body is text, one field a line, shaped like a transparency-log checkpoint (C2SP
tlog-checkpoint): anyone can rebuild the exact bytes from the four fields and check the signature
with the published public key, and a township can print it on its notice board."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    signed_at: datetime
    signature: bytes

    def body(self) -> bytes:
        return body(self.origin, self.tree_size, self.root_hash, self.signed_at)

    def as_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "signed_at": self.signed_at.isoformat(),
            "signature": b64(self.signature),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checkpoint:
        return cls(
            origin=str(data["origin"]),
            tree_size=int(data["tree_size"]),
            root_hash=bytes.fromhex(data["root_hash"]),
            signed_at=datetime.fromisoformat(data["signed_at"]),
            signature=unb64(data["signature"]),
        )

    def printable(self, key_id: str) -> str:
        """The signed body and the signature line, for paper and notice boards."""
        return self.body().decode("utf-8") + f"\n— {self.origin} {key_id} {b64(self.signature)}\n"


def body(origin: str, tree_size: int, root_hash: bytes, signed_at: datetime) -> bytes:
    if "\n" in origin or not origin:
        raise ValueError("the origin is one non-empty line")
    return f"{origin}\n{tree_size}\n{b64(root_hash)}\ntime {signed_at.isoformat()}\n".encode()


class Signer:
    """The system's signing key (from FENGQIAO_SEAL_KEY: the base64 of a 32-byte Ed25519 seed)."""

    def __init__(self, seed: bytes, origin: str) -> None:
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.origin = origin
        self.public_key = public_bytes(self._key.public_key())

    @classmethod
    def from_setting(cls, key: str, origin: str) -> Signer:
        return cls(unb64(key.strip()), origin)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, tree_size: int, root_hash: bytes, signed_at: datetime) -> Checkpoint:
        signature = self._key.sign(body(self.origin, tree_size, root_hash, signed_at))
        return Checkpoint(self.origin, tree_size, root_hash, signed_at, signature)


def new_key() -> str:
    """A new signing key, as FENGQIAO_SEAL_KEY takes it."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return b64(raw)


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    """Names a key in print: the first 8 hex digits of the SHA-256 of the raw public key."""
    return hashlib.sha256(public_key).hexdigest()[:8]


def is_signed_by(checkpoint: Checkpoint, public_key: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(checkpoint.signature, checkpoint.body())
    except (InvalidSignature, ValueError):
        return False
    return True
