"""What a leaf of the seal is: one stored event exactly as written — its notification id, stream
id, version, topic and stored state (ciphertext where the store is encrypted) — in one encoding
that anyone can rebuild (docs/seal.md)."""

from __future__ import annotations

import struct
from typing import NamedTuple
from uuid import UUID

from service.seal.merkle import leaf_hash


class Record(NamedTuple):
    notification_id: int
    stream_id: str
    version: int
    topic: str
    state: bytes


def stream_text(originator_id: object) -> str:
    """The stream id as text: a UUID in its canonical form (SQLite stores it as hex, PostgreSQL as uuid)."""
    if isinstance(originator_id, UUID):
        return str(originator_id)
    try:
        return str(UUID(str(originator_id)))
    except ValueError:
        return str(originator_id)


def leaf_data(record: Record) -> bytes:
    """u64 notification id, u16-length stream id, u64 version, u16-length topic, u32-length state;
    big-endian, text in UTF-8."""
    stream = record.stream_id.encode("utf-8")
    topic = record.topic.encode("utf-8")
    return b"".join(
        (
            struct.pack(">QH", record.notification_id, len(stream)),
            stream,
            struct.pack(">QH", record.version, len(topic)),
            topic,
            struct.pack(">I", len(record.state)),
            record.state,
        )
    )


def record_hash(record: Record) -> bytes:
    return leaf_hash(leaf_data(record))
