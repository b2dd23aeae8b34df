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
