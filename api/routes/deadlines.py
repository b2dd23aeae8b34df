"""The lists people work from: what is overdue and what falls due soon, for a node and every
node under it, or for the person asking (every node they hold a post at)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, SystemDep
from domain.directory.access import Right
from domain.errors import CaseNotFound
from infra.bootstrap import System
from projections import tracking

router = APIRouter(prefix="/deadlines", tags=["deadlines"])
DAYS = Query(3, ge=0, le=60, description="How many days ahead counts as soon.")


class DeadlineItem(BaseModel):
    case_kind: str
    case_id: str
    clock: str
    key: str
    node: str
    started_at: datetime
    due_at: datetime
    status: str
    outcome: str | None
    reminders: int


class DeadlineList(BaseModel):
    nodes: list[str] = Field(
        description="The nodes whose cases the lists cover (each with everything under it)."
    )
    overdue: list[DeadlineItem]
    due_soon: list[DeadlineItem]
    as_of_notification: int = Field(description="The last event the lists include.")


def _lists(system: System, roots: list[str], days: int) -> DeadlineList:
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    nodes = sorted({code for root in roots for code in directory.descendants(root, now)})
    board = system.clock_board
    with system.views.reading() as cur:
        overdue = board.overdue(cur, nodes, now)
        soon = board.due_soon(cur, nodes, now, now + timedelta(days=days))
        position = tracking.position(cur, board.name)
    return DeadlineList(
        nodes=sorted(roots),
        overdue=[DeadlineItem(**r) for r in overdue],
        due_soon=[DeadlineItem(**r) for r in soon],
        as_of_notification=position,
    )


@router.get("", response_model=DeadlineList)
def node_deadlines(
    person: CurrentPerson,
    system: SystemDep,
    node: str = Query(max_length=100, description="A node of the tree."),
    days: int = DAYS,
) -> DeadlineList:
    """Overdue and due-soon cases of a node and every node under it."""
    if system.casebook.current_directory().node(node) is None:
        raise CaseNotFound("node", node)
    system.casebook.authorise(person, Right.READ, node)
    return _lists(system, [node], days)


@router.get("/mine", response_model=DeadlineList)
def my_deadlines(person: CurrentPerson, system: SystemDep, days: int = DAYS) -> DeadlineList:
    """Overdue and due-soon cases at every node where the person holds a post, and under it."""
    directory = system.casebook.current_directory()
    roots = sorted({t.node for t in directory.posts_of(person, system.casebook.clock())})
    return _lists(system, roots, days)
