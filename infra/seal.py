"""The seal as the rest of the system sees it: the tree's head, proofs, and signed checkpoints,
made on demand or at an interval and kept in the store beside the tree."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from infra.seal_store import SealTables
from service.seal import merkle
from service.seal.checkpoint import Checkpoint, Signer

log = structlog.get_logger()


@dataclass(frozen=True)
class Head:
    tree_size: int
    root_hash: bytes


@dataclass(frozen=True)
class Inclusion:
    leaf_index: int
    notification_id: int
    leaf_hash: bytes
    tree_size: int
    proof: list[bytes]


class Seal:
    def __init__(self, recorder: Any, signer: Signer, clock: Callable[[], datetime]) -> None:
        self.tables: SealTables = recorder.seal_tables
        self.datastore = recorder.datastore
        self.signer = signer
        self.clock = clock

    def head(self) -> Head:
        with self.datastore.transaction(commit=False) as c:
            size = self.tables.size(c)
            return Head(size, merkle.root(lambda a, b: self.tables.perfect(c, a, b), size))

    def root(self, size: int) -> bytes:
        with self.datastore.transaction(commit=False) as c:
            return merkle.root(lambda a, b: self.tables.perfect(c, a, b), size)

    def consistency(self, first: int, second: int) -> list[bytes]:
        with self.datastore.transaction(commit=False) as c:
            return merkle.consistency_proof(lambda a, b: self.tables.perfect(c, a, b), first, second)

    def inclusion(self, notification_id: int, tree_size: int) -> Inclusion | None:
        with self.datastore.transaction(commit=False) as c:
            leaf = self.tables.leaf_of(c, notification_id=notification_id)
            if leaf is None or leaf[0] >= tree_size:
                return None
            proof = merkle.inclusion_proof(lambda a, b: self.tables.perfect(c, a, b), leaf[0], tree_size)
            return Inclusion(leaf[0], notification_id, leaf[4], tree_size, proof)

    def checkpoint(self) -> Checkpoint:
        """Signs the tree as it stands now and keeps the checkpoint."""
        head = self.head()
        checkpoint = self.signer.sign(head.tree_size, head.root_hash, self.clock())
        with self.datastore.transaction(commit=True) as c:
            self.tables.keep(c, checkpoint)
        log.info("seal.checkpoint", tree_size=head.tree_size, root=head.root_hash.hex())
        return checkpoint

    def checkpoints(self) -> list[Checkpoint]:
        with self.datastore.transaction(commit=False) as c:
            return self.tables.kept(c)

    def checkpoint_if_grown(self) -> Checkpoint | None:
        kept = self.checkpoints()
        if kept and kept[-1].tree_size == self.head().tree_size:
            return None
        return self.checkpoint()

    def run(self, stopping: threading.Event, interval: float) -> None:
        """Checkpoints at an interval, when the tree grew since the last checkpoint."""
        while not stopping.wait(interval):
            try:
                self.checkpoint_if_grown()
            except Exception:  # a failed checkpoint is retried at the next interval
                log.exception("seal.checkpoint_failed")


def evidence(
    seal: Seal,
    kind: str,
    stream_id: str,
    readings: list[dict[str, Any]],
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The evidence bundle of one stream, proven against the latest checkpoint that covers all its
    events (a new one is signed and kept when none does yet), with the stream's attachments (each with
    its bytes, or in a light bundle its hash alone)."""
    from service.seal.bundle import FORMAT, record_json, timeline

    with seal.datastore.transaction(commit=False) as c:
        records = seal.tables.stream(c, stream_id)
        leaves = [seal.tables.leaf_of(c, notification_id=r.notification_id) for r in records]
    if any(leaf is None for leaf in leaves):
        raise LookupError(f"stream {stream_id} has events the seal does not hold: run fengqiao seal verify")
    needed = max((leaf[0] + 1 for leaf in leaves), default=0)
    kept = [cp for cp in seal.checkpoints() if cp.tree_size >= needed]
    checkpoint = kept[-1] if kept else seal.checkpoint()
    events = []
    for record, leaf in zip(records, leaves, strict=True):
        proven = seal.inclusion(record.notification_id, checkpoint.tree_size)
        assert proven is not None
        events.append(
            {
                "record": record_json(record),
                "leaf_index": leaf[0],
                "leaf_hash": leaf[4].hex(),
                "inclusion_proof": [p.hex() for p in proven.proof],
            }
        )
    for entry, reading in zip(events, readings, strict=False):
        entry["reading"] = reading
    return {
        "format": FORMAT,
        "stream": {"kind": kind, "id": stream_id},
        "checkpoint": checkpoint.as_json(),
        "key_id": seal.signer.key_id,
        "events": events,
        "timeline": timeline(readings),
        "attachments": attachments or [],
    }
