"""Commands on the directory: the tree and the posts people hold in it."""

from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError

from domain.directory.access import GRANTED_FROM_ABOVE, Post, Right
from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import DIRECTORY_ID, Directory, NodeRecord, Tenure
from domain.errors import AccessDenied, CaseNotFound, GrantRefused, InvalidValue
from service.store import NO_META, CommandMeta

if TYPE_CHECKING:
    from service.store import CaseStore

SEED_ACTOR = "system:seed"


class DirectoryHistory:
    """The directory's past as a read model kept in memory, so that "who held which post on day
    D, as known on day K" is a lookup, not a replay of the whole stream on every question.

    It holds when each version of the directory was recorded, and for each tenure the version
    that recorded it and each version that recorded (or moved) its end. The stream is
    append-only, so what it holds never changes: it grows by reading only the events after the
    last one it has seen, on each question. Nothing here is a second truth: each process
    builds it from the log on first use."""

    def __init__(self, store: CaseStore) -> None:
        self.cb = store
        self._lock = threading.Lock()
        self._stamps: list[datetime] = []  # when version i + 1 was recorded
        self._replayed: Directory | None = None  # the directory at the last version seen
        self._tenures: list[_KnownTenure] = []  # by position in the directory's tenures

    def version_known_on(self, recorded_by: datetime) -> int:
        """The directory's version as it had been recorded by `recorded_by` (0: nothing yet)."""
        with self._lock:
            self._catch_up()
            return bisect_right(self._stamps, recorded_by)

    def tenures_known_on(self, recorded_by: datetime) -> list[Tenure]:
        """Every tenure as the directory had recorded it by `recorded_by`: the ends recorded
        later are not known then."""
        with self._lock:
            self._catch_up()
            version = bisect_right(self._stamps, recorded_by)
            return [t.known_at(version) for t in self._tenures if t.since <= version]

    def _catch_up(self) -> None:
        known = len(self._stamps)
        for event in self.cb.repository.event_store.get(DIRECTORY_ID, gt=known or None):
            self._replayed = directory = event.mutate(self._replayed)
            version = event.originator_version
            # Timestamps come from each writer's clock: keep the index ordered, so a version is
            # known on a moment when it and every version before it had been recorded.
            stamp = event.timestamp if not self._stamps else max(event.timestamp, self._stamps[-1])
            self._stamps.append(stamp)
            for seen, tenure in zip(self._tenures, directory.tenures, strict=False):
                if seen.ends[-1][1] != tenure.end:
                    seen.ends.append((version, tenure.end))
            for tenure in directory.tenures[len(self._tenures) :]:
                self._tenures.append(
                    _KnownTenure(replace(tenure, end=None), version, [(version, tenure.end)])
                )


@dataclass
class _KnownTenure:
    tenure: Tenure  # as it began
    since: int  # the directory version that recorded it
    ends: list[tuple[int, datetime | None]]  # (version, end as of that version), in order

    def known_at(self, version: int) -> Tenure:
        end = None
        for at, value in self.ends:
            if at > version:
                break
            end = value
        return replace(self.tenure, end=end)


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
                if person_id == actor:
                    raise GrantRefused(
                        actor, node, "no_self_grant", f"{d.name_of(actor)} cannot grant a post to themselves"
                    )
                self._require_manager(d, actor, node, "node", post)
            d.take_post(person_id=person_id, post=post, node=node, **stamp)

        return self._change("take_post", actor, meta, decide)

    def leave_post(
        self, actor: str, *, person_id: str, post: Post, node: str, reason: str, meta: CommandMeta = NO_META
    ) -> Directory:
        def decide(d: Directory, stamp: Any) -> None:
            self._require_manager(d, actor, node, "node", post)
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
        """The directory as it had been recorded by a past moment (for auditors)."""
        version = self._history.version_known_on(recorded_by)
        if version == 0:
            return Directory.open(actor="system", effective_at=recorded_by, command_id="none")
        return self.cb.repository.get(DIRECTORY_ID, version=version)

    def tenures_known_on(self, recorded_by: datetime) -> list[Tenure]:
        """Who held which post where, from when to when, as recorded by a past moment: a lookup
        in the directory's history (see `DirectoryHistory`), for scores as known on a day."""
        return self._history.tenures_known_on(recorded_by)

    # -- machinery --------------------------------------------------------------

    def _require_manager(
        self, d: Directory, actor: str, node: str, field_name: str, post: Post | None = None
    ) -> None:
        record = d.node(node)
        if record is None:
            raise InvalidValue(field_name, "no node {node!r} in the jurisdiction", node=node)
        if post in GRANTED_FROM_ABOVE:
            above = record.parent_at(self.cb.clock())
            try:
                if above is None:
                    raise GrantRefused(actor, node, "", "")
                d.authorise(actor, Right.MANAGE_DIRECTORY, above, self.cb.clock())
            except AccessDenied:
                raise GrantRefused(
                    actor,
                    node,
                    "granted_from_above",
                    f"the {post.value} post at {node!r} is granted and ended only from the level above "
                    f"({above or 'outside the directory file: no level above it here'}), "
                    f"not by {d.name_of(actor)}",
                ) from None
            self.cb.authorise_in(d, actor, Right.MANAGE_DIRECTORY, above)  # and when the change is dated
            return
        self.cb.authorise_in(d, actor, Right.MANAGE_DIRECTORY, node)  # now and when the change is dated

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
