"""The directory: the jurisdiction tree and who holds which post where, over time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from api.deps import CurrentPerson, Meta, NodeCode, SystemDep, meta_for, within_years
from api.schemas import In
from domain.directory.access import RESPONSIBLE_POSTS, Post
from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import Committee, Directory

router = APIRouter(prefix="/directory", tags=["directory"])
AT = Query(None, description="A past business time (ISO 8601 with offset); default: now.")


class NodeIn(In):
    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    kind: NodeKind
    parent: str


class RenameIn(In):
    name: str = Field(min_length=1, max_length=100)


class MergeIn(In):
    sources: list[str] = Field(min_length=1)
    into: str


class SplitPart(BaseModel):
    code: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)


class SplitIn(In):
    source: str
    parts: list[SplitPart] = Field(min_length=2)
    children: dict[str, str] = Field(default_factory=dict, description="child code → part code")


class PersonIn(In):
    person_id: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 \-]{5,20}$")
    node: str = Field(description="The node whose directory the person is registered in.")


class PostIn(In):
    person_id: str
    post: Post
    node: str


class PostEndIn(PostIn):
    reason: str = Field("", max_length=500)


class Changed(BaseModel):
    directory_version: int


def _changed(directory: Directory) -> Changed:
    return Changed(directory_version=directory.version)


@router.post("/nodes", response_model=Changed, status_code=201)
def create_node(body: NodeIn, person: CurrentPerson, system: SystemDep, meta: Meta) -> Changed:
    """Create a node under a parent of the kind above it."""
    return _changed(
        system.casebook.directory.create_node(
            person,
            code=body.code,
            name=body.name,
            kind=body.kind,
            parent=body.parent,
            meta=meta_for(body, meta),
        )
    )


@router.post("/nodes/{node}/renaming", response_model=Changed)
def rename_node(
    code: NodeCode, body: RenameIn, person: CurrentPerson, system: SystemDep, meta: Meta
) -> Changed:
    """Rename a node; its earlier names stay in its history."""
    return _changed(
        system.casebook.directory.rename_node(person, code=code, name=body.name, meta=meta_for(body, meta))
    )


@router.post("/merges", response_model=Changed)
def merge_nodes(body: MergeIn, person: CurrentPerson, system: SystemDep, meta: Meta) -> Changed:
    """Merge nodes into another of their kind: they retire, their children move to it."""
    return _changed(
        system.casebook.directory.merge_nodes(
            person, sources=body.sources, into=body.into, meta=meta_for(body, meta)
        )
    )


@router.post("/splits", response_model=Changed)
def split_node(body: SplitIn, person: CurrentPerson, system: SystemDep, meta: Meta) -> Changed:
    """Split a node into new parts; it retires and each child goes to a part."""
    return _changed(
        system.casebook.directory.split_node(
            person,
            source=body.source,
            parts=[p.model_dump() for p in body.parts],
            children=body.children,
            meta=meta_for(body, meta),
        )
    )


@router.post("/people", response_model=Changed, status_code=201)
def register_person(body: PersonIn, person: CurrentPerson, system: SystemDep, meta: Meta) -> Changed:
    """Register a person who may then take posts."""
    return _changed(
        system.casebook.directory.register_person(
            person,
            person_id=body.person_id,
            name=body.name,
            phone=body.phone,
            node=body.node,
            meta=meta_for(body, meta),
        )
    )


@router.post("/posts", response_model=Changed)
def take_post(body: PostIn, person: CurrentPerson, system: SystemDep, meta: Meta) -> Changed:
    """A person takes a post at a node (a mediation committee has at most 9 members)."""
    return _changed(
        system.casebook.directory.take_post(
            person, person_id=body.person_id, post=body.post, node=body.node, meta=meta_for(body, meta)
        )
    )


@router.post("/posts/ending", response_model=Changed)
def leave_post(body: PostEndIn, person: CurrentPerson, system: SystemDep, meta: Meta) -> Changed:
    """A person leaves a post."""
    return _changed(
        system.casebook.directory.leave_post(
            person,
            person_id=body.person_id,
            post=body.post,
            node=body.node,
            reason=body.reason,
            meta=meta_for(body, meta),
        )
    )


class TenurePublic(BaseModel):
    person_id: str
    name: str
    post: str
    node: str
    start: datetime
    end: datetime | None
    responsible: bool


class CommitteePublic(BaseModel):
    members: list[str] = Field(description="Person ids of the members, the chair among them.")
    chair: str | None
    constituted: bool = Field(description="3 to 9 members with a chair (People's Mediation Law, Art. 8).")
    problems: list[str]


class NodePublic(BaseModel):
    code: str
    kind: str
    name: str
    parent: str | None
    active: bool
    retired: datetime | None
    successors: list[str]
    children: list[str]
    at: datetime
    holders: list[TenurePublic]
    committee: CommitteePublic | None = Field(
        description="The mediation committee of a village or township, once anyone has served on it."
    )


@router.get("/nodes/{node}", response_model=NodePublic)
def read_node(
    code: NodeCode,
    person: CurrentPerson,
    system: SystemDep,
    at: AwareDatetime | None = AT,
) -> NodePublic:
    """A node as it stood at a business time: its name, parent, children, and who held which
    post there ("who was responsible for this village on 3 March?")."""
    moment = within_years("at", at) or system.casebook.clock()
    record, holders = system.casebook.directory.holders(person, code, moment)
    directory = system.casebook.current_directory()
    return NodePublic(
        code=record.code,
        kind=record.kind,
        name=record.name_at(moment),
        parent=record.parent_at(moment),
        active=record.active_at(moment),
        retired=record.retired,
        successors=record.successors,
        children=directory.children(code, moment),
        at=moment,
        holders=[_tenure(directory, t) for t in holders],
        committee=_committee(directory.committee(code, moment)),
    )


def _committee(committee: Committee | None) -> CommitteePublic | None:
    if committee is None:
        return None
    return CommitteePublic(
        members=committee.members,
        chair=committee.chair,
        constituted=not committee.problems,
        problems=committee.problems,
    )


def _tenure(directory: Directory, t: Any) -> TenurePublic:
    return TenurePublic(
        person_id=t.person_id,
        name=directory.name_of(t.person_id),
        post=t.post,
        node=t.node,
        start=t.start,
        end=t.end,
        responsible=t.post in RESPONSIBLE_POSTS,
    )
