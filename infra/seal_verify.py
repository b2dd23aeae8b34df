"""`fengqiao seal verify`: recomputes the tree from the events as stored, finds the first notification
id where the store and the seal disagree and what kind of change it is, and checks every checkpoint
(kept in the store, or kept elsewhere and handed in) against the recomputed tree and each against the
one before it by a consistency proof.

Notification-id gaps are not changes: a failed insert uses a sequence value and leaves no leaf; the
tree covers the records that exist, in order. Only an id the seal has and the store lacks, or the
reverse, or a record whose bytes differ from its leaf, is a disagreement."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra.seal_store import SealTables
from service.seal import merkle
from service.seal.checkpoint import Checkpoint, is_signed_by
from service.seal.leaves import Record, record_hash

BATCH = 5000


@dataclass(frozen=True)
class Disagreement:
    notification_id: int
    kind: str  # changed, missing, inserted, reordered
    detail: str


@dataclass(frozen=True)
class CheckpointFinding:
    checkpoint: Checkpoint
    source: str  # "kept" or the file it came from
    problems: list[str]


@dataclass
class Verdict:
    events: int = 0
    sealed: int = 0
    first: Disagreement | None = None
    checkpoints: list[CheckpointFinding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    root_hash: bytes = merkle.EMPTY_ROOT
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.first is None and not self.problems and not any(f.problems for f in self.checkpoints)


class Verifier:
    def __init__(self, recorder: Any, public_key: bytes, origin: str) -> None:
        self.tables: SealTables = recorder.seal_tables
        self.datastore = recorder.datastore
        self.public_key, self.origin = public_key, origin

    def verify(
        self,
        outside: Sequence[tuple[str, Checkpoint]] = (),
        progress: Callable[[int], None] | None = None,
    ) -> Verdict:
        started = time.perf_counter()
        verdict = Verdict()
        tree = merkle.MemoryTree()
        with self.datastore.transaction(commit=False) as c:
            self._walk(c, tree, verdict, progress)
            kept = [("kept", cp) for cp in self.tables.kept(c)]
            sealed_root = merkle.root(lambda a, b: self.tables.perfect(c, a, b), verdict.sealed)
            self.tables.query_head(c)
            head = self.tables.fetch_head(c)
        if verdict.first is None and verdict.sealed == tree.size and sealed_root != tree.root():
            verdict.problems.append("the seal's stored nodes do not hash to the root of its leaves")
        if head is not None and (head[0] != verdict.sealed or merkle.root_of_peaks(head[1]) != sealed_root):
            verdict.problems.append(
                "the seal's head (where the next event is appended) disagrees with its leaves"
            )
        verdict.root_hash = tree.root()
        verdict.checkpoints = self._check_checkpoints(tree, [*kept, *outside])
        verdict.seconds = time.perf_counter() - started
        return verdict

    def _walk(
        self, c: Any, tree: merkle.MemoryTree, verdict: Verdict, progress: Callable[[int], None] | None
    ) -> None:
        stored, sealed = self._stored(c), self._sealed(c)
        s, k = next(stored, None), next(sealed, None)
        while s is not None or k is not None:
            if s is not None and (k is None or s.notification_id <= k[1]):
                h = record_hash(s)
                tree.append(h)
                verdict.events += 1
                if progress and verdict.events % BATCH == 0:
                    progress(verdict.events)
                if k is not None and s.notification_id == k[1]:
                    verdict.sealed += 1
                    if verdict.first is None and h != k[4]:
                        verdict.first = self._changed(c, s, k)
                    k = next(sealed, None)
                elif verdict.first is None:
                    verdict.first = self._unsealed(c, s)
                s = next(stored, None)
            else:
                assert k is not None
                verdict.sealed += 1
                if verdict.first is None:
                    verdict.first = self._absent(c, k)
                k = next(sealed, None)

    def _stored(self, c: Any) -> Iterator[Record]:
        after = 0
        while batch := self.tables.events_after(c, after, BATCH):
            yield from batch
            after = batch[-1].notification_id

    def _sealed(self, c: Any) -> Iterator[tuple[int, int, str, int, bytes]]:
        after = -1
        while batch := self.tables.leaves_after(c, after, BATCH):
            yield from batch
            after = batch[-1][0]

    # -- what kind of change -------------------------------------------------------------------

    def _moved_here(self, c: Any, s: Record) -> Disagreement | None:
        """The record at this id is an event the seal has at another id, unchanged but for that id."""
        leaf = self.tables.leaf_of(c, event=(s.stream_id, s.version))
        if (
            leaf is not None
            and leaf[1] != s.notification_id
            and record_hash(s._replace(notification_id=leaf[1])) == leaf[4]
        ):
            return Disagreement(
                s.notification_id,
                "reordered",
                (
                    f"event {s.stream_id} v{s.version}, sealed at notification {leaf[1]}, "
                    f"is stored at {s.notification_id}"
                ),
            )
        return None

    def _changed(self, c: Any, s: Record, k: tuple[int, int, str, int, bytes]) -> Disagreement:
        moved = self._moved_here(c, s)
        if moved is not None:
            return moved
        if (s.stream_id, s.version) == (k[2], k[3]):
            detail = f"event {s.stream_id} v{s.version}: its stored bytes are not those sealed"
        else:
            detail = f"sealed as {k[2]} v{k[3]}, stored now as {s.stream_id} v{s.version}"
        return Disagreement(s.notification_id, "changed", detail)

    def _unsealed(self, c: Any, s: Record) -> Disagreement:
        moved = self._moved_here(c, s)
        if moved is not None:
            return moved
        return Disagreement(
            s.notification_id, "inserted", f"event {s.stream_id} v{s.version} is stored but was never sealed"
        )

    def _absent(self, c: Any, k: tuple[int, int, str, int, bytes]) -> Disagreement:
        found = self.tables.event(c, k[2], k[3])
        if found is not None and record_hash(found._replace(notification_id=k[1])) == k[4]:
            return Disagreement(
                k[1], "reordered", f"event {k[2]} v{k[3]}, sealed here, is stored at {found.notification_id}"
            )
        return Disagreement(k[1], "missing", f"event {k[2]} v{k[3]} was sealed here and is not stored")

    # -- checkpoints ------------------------------------------------------------------------------

    def _check_checkpoints(
        self, tree: merkle.MemoryTree, checkpoints: Sequence[tuple[str, Checkpoint]]
    ) -> list[CheckpointFinding]:
        findings = []
        previous: Checkpoint | None = None
        for source, cp in sorted(checkpoints, key=lambda sc: (sc[1].tree_size, sc[1].signed_at)):
            problems = []
            if not is_signed_by(cp, self.public_key):
                problems.append("its signature is not this system's")
            if cp.origin != self.origin:
                problems.append(f"it names {cp.origin!r}, not {self.origin!r}")
            if cp.tree_size > tree.size:
                problems.append(
                    f"it covers {cp.tree_size} events and the store holds {tree.size}: events are missing"
                )
            elif tree.root(cp.tree_size) != cp.root_hash:
                problems.append(
                    f"the store's first {cp.tree_size} events do not hash to its root: they were changed "
                    "after it was signed"
                )
            if previous is not None and cp.tree_size <= tree.size:  # sorted: previous is no larger
                proof = merkle.consistency_proof(tree.perfect, previous.tree_size, cp.tree_size)
                if not merkle.verify_consistency(
                    previous.tree_size, cp.tree_size, previous.root_hash, cp.root_hash, proof
                ):
                    problems.append(
                        f"the store proves no consistency from the checkpoint of {previous.tree_size} "
                        f"(signed {previous.signed_at.isoformat()}) to this one"
                    )
            findings.append(CheckpointFinding(cp, source, problems))
            previous = cp
        return findings
