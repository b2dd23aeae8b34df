"""The directory: the jurisdiction tree and who holds which post where, over time.

One aggregate, so that a tree change and the posts it ends are one decision, and so that
"who was responsible for this village on 3 March?" is answered from one history. Every
change is an event with the business time it took effect; nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.directory.access import (
    COMMITTEE_MAX,
    COMMITTEE_MIN,
    COMMITTEE_POSTS,
    RIGHTS,
    WHERE_HELD,
    Post,
    Right,
    posts_with,
)
from domain.directory.jurisdiction import PARENT_KIND, NodeKind
from domain.errors import AccessDenied, InvalidValue, TransitionNotAllowed


@dataclass(frozen=True)
class Committee:
    """A mediation committee as it stands: 3 to 9 members, one of them the chair (People's
    Mediation Law, Art. 8). The directory refuses a tenth member and a second chair; it cannot
    refuse a member leaving, so a committee below three is shown as under strength."""

    members: list[str]
    chair: str | None

    @property
    def short_by(self) -> int:
        return max(0, COMMITTEE_MIN - len(self.members))

    @property
    def problems(self) -> list[str]:
        found = []
        if self.short_by:
            found.append(
                f"under strength: {len(self.members)} member(s), a committee has at least {COMMITTEE_MIN}"
            )
        if self.chair is None:
            found.append("no chair")
        return found


DIRECTORY_ID = uuid5(NAMESPACE_URL, "https://fengqiao.example/directory")


@dataclass
class NodeRecord:
    code: str
    kind: NodeKind
    created: datetime
    names: list[tuple[datetime, str]]
    parents: list[tuple[datetime, str | None]]
    retired: datetime | None = None
    successors: list[str] = field(default_factory=list)

    def active_at(self, at: datetime) -> bool:
        return self.created <= at and (self.retired is None or at < self.retired)

    def name_at(self, at: datetime) -> str:
        return _as_of(self.names, at) or self.names[0][1]

    def parent_at(self, at: datetime) -> str | None:
        return _as_of(self.parents, at)


@dataclass
class Tenure:
    person_id: str
    post: Post
    node: str
    start: datetime
    end: datetime | None = None

    def held_at(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


def _as_of(history: list[tuple[datetime, Any]], at: datetime) -> Any:
    found = None
    for since, value in sorted(history, key=lambda item: item[0]):
        if since <= at:
            found = value
    return found


class Directory(Aggregate):
    TOPIC = "fengqiao.directory:Directory"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """The directory began."""

        TOPIC = "fengqiao.directory:Opened"

    Created = Opened

    class NodeCreated(Event):
        """A node of the jurisdiction tree came into being under its parent."""

        TOPIC = "fengqiao.directory:NodeCreated"
        code: str
        name: str
        kind: str
        parent: str | None

        def apply(self, d: Directory) -> None:
            d.nodes[self.code] = NodeRecord(
                code=self.code,
                kind=NodeKind(self.kind),
                created=self.effective_at,
                names=[(self.effective_at, self.name)],
                parents=[(self.effective_at, self.parent)],
            )

    class NodeRenamed(Event):
        """A node took a new name; the earlier names stay in its history."""

        TOPIC = "fengqiao.directory:NodeRenamed"
        code: str
        name: str

        def apply(self, d: Directory) -> None:
            d.nodes[self.code].names.append((self.effective_at, self.name))

    class NodesMerged(Event):
        """The sources retire; their children move under `into`; posts at them end."""

        TOPIC = "fengqiao.directory:NodesMerged"
        sources: list[str]
        into: str

        def apply(self, d: Directory) -> None:
            for code in self.sources:
                d._retire(code, [self.into], self.effective_at)
                for child in d.children(code, self.effective_at):
                    d.nodes[child].parents.append((self.effective_at, self.into))

    class NodeSplit(Event):
        """The source retires; each part is a new node beside it; children go to parts."""

        TOPIC = "fengqiao.directory:NodeSplit"
        source: str
        parts: list[dict[str, str]]
        children: dict[str, str]

        def apply(self, d: Directory) -> None:
            source = d.nodes[self.source]
            parent = source.parent_at(self.effective_at)
            for part in self.parts:
                d.nodes[part["code"]] = NodeRecord(
                    code=part["code"],
                    kind=source.kind,
                    created=self.effective_at,
                    names=[(self.effective_at, part["name"])],
                    parents=[(self.effective_at, parent)],
                )
            for child, part_code in self.children.items():
                d.nodes[child].parents.append((self.effective_at, part_code))
            d._retire(self.source, [p["code"] for p in self.parts], self.effective_at)

    class PersonRegistered(Event):
        """A person entered the directory, so that they may take posts."""

        TOPIC = "fengqiao.directory:PersonRegistered"
        person_id: str
        name: str
        phone: str | None

        def apply(self, d: Directory) -> None:
            d.people[self.person_id] = {"name": self.name, "phone": self.phone}

    class PostTaken(Event):
        """A person took a post at a node."""

        TOPIC = "fengqiao.directory:PostTaken"
        person_id: str
        post: str
        node: str

        def apply(self, d: Directory) -> None:
            d.tenures.append(Tenure(self.person_id, Post(self.post), self.node, self.effective_at))

    class PostLeft(Event):
        """A person left a post at a node."""

        TOPIC = "fengqiao.directory:PostLeft"
        person_id: str
        post: str
        node: str
        reason: str

        def apply(self, d: Directory) -> None:
            tenure = d._open_tenure(self.person_id, Post(self.post), self.node, self.effective_at)
            assert tenure is not None
            tenure.end = self.effective_at

    def __init__(self, *, actor: str, effective_at: datetime, command_id: str) -> None:
        self.nodes: dict[str, NodeRecord] = {}
        self.people: dict[str, dict[str, Any]] = {}
        self.tenures: list[Tenure] = []

    @staticmethod
    def create_id(**_: object) -> UUID:
        return DIRECTORY_ID

    @classmethod
    def open(cls, **stamp: Any) -> Directory:
        return cls._create(cls.Opened, **stamp)

    # -- the tree -------------------------------------------------------------

    def create_node(self, *, code: str, name: str, kind: NodeKind, parent: str | None, **stamp: Any) -> None:
        at = stamp["effective_at"]
        if not code.strip():
            raise InvalidValue("code", "give the node a code")
        if code in self.nodes:
            raise InvalidValue("code", "node code {code!r} is taken", code=code)
        if not name.strip():
            raise InvalidValue("name", "give the node a name")
        expected = PARENT_KIND[NodeKind(kind)]
        if expected is None and parent is not None:
            raise InvalidValue("parent", "a {kind} has no parent", kind=kind)
        if expected is not None:
            found = self._active(parent or "", at, "parent")
            if found.kind != expected:
                raise InvalidValue(
                    "parent",
                    "a {kind} belongs to a {expected}, not a {found}",
                    kind=kind,
                    expected=expected,
                    found=found.kind,
                )
        self.trigger_event(
            self.NodeCreated, code=code, name=name.strip(), kind=NodeKind(kind).value, parent=parent, **stamp
        )

    def rename_node(self, *, code: str, name: str, **stamp: Any) -> None:
        self._active(code, stamp["effective_at"], "code")
        if not name.strip():
            raise InvalidValue("name", "give the node a name")
        self.trigger_event(self.NodeRenamed, code=code, name=name.strip(), **stamp)

    def merge_nodes(self, *, sources: list[str], into: str, **stamp: Any) -> None:
        at = stamp["effective_at"]
        target = self._active(into, at, "into")
        if not sources or into in sources or len(set(sources)) != len(sources):
            raise InvalidValue("sources", "name one or more other nodes, each once, to merge into it")
        for code in sources:
            if self._active(code, at, "sources").kind != target.kind:
                raise InvalidValue(
                    "sources",
                    "{code!r} is not a {kind} like {into!r}",
                    code=code,
                    kind=target.kind,
                    into=into,
                )
        self.trigger_event(self.NodesMerged, sources=list(sources), into=into, **stamp)

    def split_node(
        self, *, source: str, parts: list[dict[str, str]], children: dict[str, str], **stamp: Any
    ) -> None:
        at = stamp["effective_at"]
        self._active(source, at, "source")
        codes = [p.get("code", "") for p in parts]
        if len(parts) < 2:
            raise InvalidValue("parts", "a split makes at least two parts")
        for part in parts:
            if (
                not part.get("code", "").strip()
                or part["code"] in self.nodes
                or codes.count(part["code"]) > 1
            ):
                raise InvalidValue("parts", "part code {part!r} is taken or repeated", part=part.get("code"))
            if not part.get("name", "").strip():
                raise InvalidValue("parts", "part {code!r} needs a name", code=part["code"])
        current = set(self.children(source, at))
        if set(children) != current:
            raise InvalidValue(
                "children",
                "assign exactly the children of {source!r}: {current}",
                source=source,
                current=sorted(current),
            )
        if not set(children.values()) <= set(codes):
            raise InvalidValue("children", "each child goes to one of the parts")
        self.trigger_event(
            self.NodeSplit, source=source, parts=[dict(p) for p in parts], children=dict(children), **stamp
        )

    # -- people and posts -----------------------------------------------------

    def register_person(self, *, person_id: str, name: str, phone: str | None, **stamp: Any) -> None:
        if person_id in self.people:
            raise InvalidValue("person_id", "{person_id!r} is already registered", person_id=person_id)
        if not person_id.strip() or not name.strip():
            raise InvalidValue("name" if person_id.strip() else "person_id", "must not be empty")
        self.trigger_event(
            self.PersonRegistered, person_id=person_id, name=name.strip(), phone=phone, **stamp
        )

    def take_post(self, *, person_id: str, post: Post, node: str, **stamp: Any) -> None:
        at = stamp["effective_at"]
        if person_id not in self.people:
            raise InvalidValue("person_id", "no person {person_id!r} in the directory", person_id=person_id)
        record = self._active(node, at, "node")
        if record.kind not in WHERE_HELD[post]:
            kinds = " or ".join(sorted(WHERE_HELD[post]))
            raise InvalidValue(
                "node",
                "a {post} is held at a {kinds}, not a {kind}",
                post=post.value.replace("_", " "),
                kinds=kinds,
                kind=record.kind,
            )
        if self._open_tenure(person_id, post, node, at):
            raise TransitionNotAllowed("take_post", "held", [], f"{person_id} already holds this post here")
        if post in COMMITTEE_POSTS:
            self._check_committee_room(post, node, at)
        self.trigger_event(self.PostTaken, person_id=person_id, post=post.value, node=node, **stamp)

    def leave_post(self, *, person_id: str, post: Post, node: str, reason: str, **stamp: Any) -> None:
        tenure = self._open_tenure(person_id, post, node, stamp["effective_at"])
        if tenure is None:
            raise TransitionNotAllowed(
                "leave_post", "not held", [], f"{person_id} does not hold this post here"
            )
        if stamp["effective_at"] < tenure.start:
            raise InvalidValue("effective_at", "a post cannot end before it began")
        self.trigger_event(
            self.PostLeft, person_id=person_id, post=post.value, node=node, reason=reason, **stamp
        )

    def _check_committee_room(self, post: Post, node: str, at: datetime) -> None:
        members = [t for t in self.holders(node, at) if t.post in COMMITTEE_POSTS]
        if len(members) >= COMMITTEE_MAX:
            raise TransitionNotAllowed(
                "take_post",
                f"a full committee of {len(members)}",
                [],
                f"a mediation committee has at most {COMMITTEE_MAX} members; "
                "one must leave before another joins",
            )
        if post == Post.MEDIATION_CHAIR and any(t.post == Post.MEDIATION_CHAIR for t in members):
            raise TransitionNotAllowed("take_post", "chaired", [], "the committee already has a chair")

    # -- questions --------------------------------------------------------------

    def node(self, code: str) -> NodeRecord | None:
        return self.nodes.get(code)

    def children(self, code: str, at: datetime) -> list[str]:
        return sorted(c for c, n in self.nodes.items() if n.active_at(at) and n.parent_at(at) == code)

    def ancestors(self, code: str, at: datetime) -> list[str]:
        chain: list[str] = []
        current: str | None = code
        while current is not None and current in self.nodes and current not in chain:
            chain.append(current)
            current = self.nodes[current].parent_at(at)
        return chain

    def descendants(self, code: str, at: datetime) -> list[str]:
        """The node and every node under it, as the tree stood at that time."""
        return sorted(c for c in self.nodes if code in self.ancestors(c, at))

    def contains(self, ancestor: str, code: str, at: datetime) -> bool:
        return ancestor in self.ancestors(code, at)

    def ancestor_of_kind(self, code: str, kind: NodeKind, at: datetime) -> str | None:
        return next((c for c in self.ancestors(code, at) if self.nodes[c].kind == kind), None)

    def holders(self, node: str, at: datetime) -> list[Tenure]:
        return [t for t in self.tenures if t.node == node and t.held_at(at)]

    def committee(self, node: str, at: datetime) -> Committee | None:
        """The node's mediation committee at that time, if the node is one that has a committee
        (a village or township) and anyone has ever served on it."""
        record = self.nodes.get(node)
        if record is None or record.kind not in WHERE_HELD[Post.MEDIATION_CHAIR]:
            return None
        if not any(t.node == node and t.post in COMMITTEE_POSTS for t in self.tenures):
            return None
        members = [t for t in self.holders(node, at) if t.post in COMMITTEE_POSTS]
        chair = next((t.person_id for t in members if t.post == Post.MEDIATION_CHAIR), None)
        return Committee(members=sorted(t.person_id for t in members), chair=chair)

    def posts_of(self, person_id: str, at: datetime) -> list[Tenure]:
        return [t for t in self.tenures if t.person_id == person_id and t.held_at(at)]

    def posts_with_right(self, person_id: str, right: Right, at: datetime) -> list[Tenure]:
        """The posts the person holds at the time that carry the right (at any node)."""
        return [t for t in self.posts_of(person_id, at) if right in RIGHTS[t.post]]

    def name_of(self, person_id: str) -> str:
        return self.people.get(person_id, {}).get("name", person_id)

    def require_node(self, code: str, kind: NodeKind, field_name: str, at: datetime) -> NodeRecord:
        record = self._active(code, at, field_name)
        if record.kind != kind:
            raise InvalidValue(
                field_name, "{code!r} is a {kind}, not a {wanted}", code=code, kind=record.kind, wanted=kind
            )
        return record

    def authorise(self, person_id: str, right: Right, node: str, at: datetime) -> Tenure:
        """The post through which the person may exercise the right at the node, or why not."""
        if person_id not in self.people:
            raise AccessDenied(person_id, right, node, f"{person_id!r} is not in the directory")
        name = self.name_of(person_id)
        with_right = self.posts_with_right(person_id, right, at)
        if not with_right:
            posts = self.posts_of(person_id, at)
            held = ", ".join(f"{t.post.value} at {t.node}" for t in posts) or "no post"
            raise AccessDenied(
                person_id,
                right,
                node,
                f"{name} ({held}) does not have the right to {right.value.replace('_', ' ')}; "
                f"posts with it: {', '.join(posts_with(right))}",
            )
        for tenure in with_right:
            if self.contains(tenure.node, node, at):
                return tenure
        where = ", ".join(f"{t.post.value} at {t.node}" for t in with_right)
        raise AccessDenied(person_id, right, node, f"{node!r} is outside {name}'s jurisdiction ({where})")

    def _active(self, code: str, at: datetime, field_name: str) -> NodeRecord:
        record = self.nodes.get(code)
        if record is None:
            raise InvalidValue(field_name, "no node {code!r} in the jurisdiction", code=code)
        if not record.active_at(at):
            if record.retired and at >= record.retired:
                raise InvalidValue(
                    field_name, "node {code!r} is retired at {at}", code=code, at=at.isoformat()
                )
            raise InvalidValue(
                field_name, "node {code!r} is not yet created at {at}", code=code, at=at.isoformat()
            )
        return record

    def _open_tenure(self, person_id: str, post: Post, node: str, at: datetime) -> Tenure | None:
        return next(
            (
                t
                for t in self.tenures
                if (t.person_id, t.post, t.node) == (person_id, post, node)
                and t.end is None
                and t.start <= at
            ),
            None,
        )

    def _retire(self, code: str, successors: list[str], at: datetime) -> None:
        record = self.nodes[code]
        record.retired = at
        record.successors = successors
        for tenure in self.tenures:
            if tenure.node == code and tenure.end is None:
                tenure.end = at


EVENT_CLASSES = (
    Directory.Opened,
    Directory.NodeCreated,
    Directory.NodeRenamed,
    Directory.NodesMerged,
    Directory.NodeSplit,
    Directory.PersonRegistered,
    Directory.PostTaken,
    Directory.PostLeft,
)
