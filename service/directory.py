"""Commands on the directory: the tree and the posts people hold in it."""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from copy import deepcopy
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError

from domain.directory.access import Post, Right
from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import DIRECTORY_ID, Directory, NodeRecord, Tenure
from domain.errors import AccessDenied, CaseNotFound, InvalidValue
from service.store import NO_META, CommandMeta

if TYPE_CHECKING:
    from service.store import CaseStore

SEED_ACTOR = "system:seed"


class DirectoryHistory:
    """The directory's past, kept in memory so that "who held which post on day D, as known on
    day K" costs a lookup, not a replay of the whole stream on every question.

    The stream is append-only, so the directory at a version never changes: the index of when
    each version was recorded grows by reading only the events after the last one indexed, and
    a copy of the directory is kept every `every` versions, so any version is at most that many
    events' replay from a kept copy; the latest versions asked for are kept too. Nothing here
    is a second truth: it is rebuilt from the log in each process, on first use."""

    def __init__(self, store: CaseStore, *, every: int = 64, recent: int = 32) -> None:
        self.cb = store
        self.every = every
        self.recent = recent
        self._lock = threading.Lock()
        self._stamps: list[datetime] = []  # when version i + 1 was recorded
        self._kept: dict[int, Directory] = {}  # every `every`-th version
        self._latest: OrderedDict[int, Directory] = OrderedDict()
        self._replayed: Directory | None = None  # the highest version indexed, for extending

    def as_known_on(self, recorded_by: datetime) -> Directory:
        with self._lock:
            self._catch_up()
            version = bisect_right(self._stamps, recorded_by)
            if version == 0:
                return Directory.open(actor="system", effective_at=recorded_by, command_id="none")
            return self._at(version)

    def _catch_up(self) -> None:
        known = len(self._stamps)
        for event in self.cb.repository.event_store.get(DIRECTORY_ID, gt=known or None):
            self._replayed = event.mutate(self._replayed)
            version = event.originator_version
            # Timestamps come from each writer's clock: keep the index ordered, so a version is
            # known on a day when it and every version before it had been recorded.
            stamp = event.timestamp if not self._stamps else max(event.timestamp, self._stamps[-1])
            self._stamps.append(stamp)
            if version % self.every == 0:
                self._kept[version] = deepcopy(self._replayed)

    def _at(self, version: int) -> Directory:
        if version in self._latest:
            self._latest.move_to_end(version)
            return self._latest[version]
        if version == len(self._stamps) and self._replayed is not None:
            found = deepcopy(self._replayed)
        elif version in self._kept:
            found = self._kept[version]
        else:
            base = version - version % self.every
            found = deepcopy(self._kept[base]) if base else None
            for event in self.cb.repository.event_store.get(DIRECTORY_ID, gt=base or None, lte=version):
                found = event.mutate(found)
        assert found is not None and found.version == version
        self._latest[version] = found
        while len(self._latest) > self.recent:
            self._latest.popitem(last=False)
        return found


class DirectoryDesk:
    def __init__(self, store: CaseStore) -> None:
        self.cb = store
        self._history = DirectoryHistory(store)

    # -- commands ---------------------------------------------------------------

    def create_node(
        self,
        actor: str,
        *,
        code: str,
        name: str,
        kind: NodeKind,
        parent: str | None,
        meta: CommandMeta = NO_META,
        authorise: bool = True,
    ) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            if authorise:
                if parent is None:
                    raise AccessDenied(
                        actor,
                        Right.MANAGE_DIRECTORY,
                        code,
                        "a county is created by the operator's directory file, not through the API",
                    )
                self._require_manager(d, actor, parent, "parent")
            d.create_node(code=code, name=name, kind=kind, parent=parent, **stamp)

        return self._change("create_node", actor, meta, decide)

    def rename_node(self, actor: str, *, code: str, name: str, meta: CommandMeta = NO_META) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            self._require_manager(d, actor, code, "code")
            d.rename_node(code=code, name=name, **stamp)

        return self._change("rename_node", actor, meta, decide)

    def merge_nodes(
        self, actor: str, *, sources: list[str], into: str, meta: CommandMeta = NO_META
    ) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            for code in [*sources, into]:
                self._require_manager(d, actor, code, "sources" if code in sources else "into")
            d.merge_nodes(sources=sources, into=into, **stamp)

        return self._change("merge_nodes", actor, meta, decide)

    def split_node(
        self,
        actor: str,
        *,
        source: str,
        parts: list[dict[str, str]],
        children: dict[str, str],
        meta: CommandMeta = NO_META,
    ) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            self._require_manager(d, actor, source, "source")
            d.split_node(source=source, parts=parts, children=children, **stamp)

        return self._change("split_node", actor, meta, decide)

    def register_person(
        self,
        actor: str,
        *,
        person_id: str,
        name: str,
        phone: str | None,
        node: str,
        meta: CommandMeta = NO_META,
        authorise: bool = True,
    ) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            if authorise:
                self._require_manager(d, actor, node, "node")
            d.register_person(person_id=person_id, name=name, phone=phone, **stamp)

        return self._change("register_person", actor, meta, decide)

    def take_post(
        self,
        actor: str,
        *,
        person_id: str,
        post: Post,
        node: str,
        meta: CommandMeta = NO_META,
        authorise: bool = True,
    ) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            if authorise:
                self._require_manager(d, actor, node, "node")
            d.take_post(person_id=person_id, post=post, node=node, **stamp)

        return self._change("take_post", actor, meta, decide)

    def leave_post(
        self, actor: str, *, person_id: str, post: Post, node: str, reason: str, meta: CommandMeta = NO_META
    ) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            self._require_manager(d, actor, node, "node")
            d.leave_post(person_id=person_id, post=post, node=node, reason=reason, **stamp)

        return self._change("leave_post", actor, meta, decide)

    # -- questions --------------------------------------------------------------

    def node(self, reader: str, code: str) -> NodeRecord:
        directory = self.cb.current_directory()
        record = directory.node(code)
        if record is None:
            raise CaseNotFound("node", code)
        directory.authorise(reader, Right.READ, code, self.cb.clock())
        return record

    def holders(self, reader: str, code: str, at: datetime) -> tuple[NodeRecord, list[Tenure]]:
        """Who held which post at the node at that business time."""
        record = self.node(reader, code)
        return record, self.cb.current_directory().holders(code, at)

    def as_known_on(self, recorded_by: datetime) -> Directory:
        """The directory as it had been recorded by a past moment (for auditors and for scores
        as known on a day): shared and read-only, like `current_directory`."""
        return self._history.as_known_on(recorded_by)

    # -- machinery --------------------------------------------------------------

    def _require_manager(self, d: Directory, actor: str, node: str, field_name: str) -> None:
        if d.node(node) is None:
            raise InvalidValue(field_name, f"no node {node!r} in the jurisdiction")
        d.authorise(actor, Right.MANAGE_DIRECTORY, node, self.cb.clock())

    def _change(self, action: str, actor: str, meta: CommandMeta, decide: Any) -> Directory:
        stamp = self.cb.stamp(actor, meta)
        self._ensure_open(stamp)
        return self.cb.change(Directory, DIRECTORY_ID, "directory", action, stamp, decide, meta)

    def _ensure_open(self, stamp: Any) -> None:
        try:
            self.cb.repository.get(DIRECTORY_ID, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            from eventsourcing.persistence import IntegrityError

            try:
                self.cb.save(
                    Directory.open(
                        actor=stamp["actor"], effective_at=stamp["effective_at"], command_id="open-directory"
                    )
                )
            except IntegrityError:
                pass  # opened meanwhile by someone else
