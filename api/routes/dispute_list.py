"""The disputes a person may read, as a list: at every node where they hold a post that may
read cases, and under it. Read from the dispute summary (no personal data), newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, SystemDep
from domain.directory.access import Right
from domain.disputes.dispute import Status
from infra.bootstrap import System
from projections import tracking

router = APIRouter(prefix="/disputes", tags=["disputes"])


class DisputeListItem(BaseModel):
    id: str
    village: str
    grid: str | None
    category: str
    severity: str
    level: str
    status: str
    reported_at: datetime
    sessions: int
    escalations: int


class DisputeList(BaseModel):
    total: int = Field(description="How many disputes match, across every page.")
    offset: int
    items: list[DisputeListItem]
    as_of_notification: int = Field(description="The last event the list includes.")


def readable_nodes(system: System, person: str) -> list[str]:
    """Every node under a post the person holds now that may read cases there."""
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    roots = {t.node for t in directory.posts_with_right(person, Right.READ, now)}
    return sorted({code for root in roots for code in directory.descendants(root, now)})


def dispute_list(
    system: System, person: str, status: Status | None = None, limit: int = 50, offset: int = 0
) -> DisputeList:
    nodes = readable_nodes(system, person)
    summary = system.statistics
    with system.views.reading() as cur:
        total, rows = (
            summary.cases(cur, nodes, status.value if status else None, limit, offset) if nodes else (0, [])
        )
        position = tracking.position(cur, summary.name)
    items = [
        DisputeListItem(id=r["dispute_id"], **{k: r[k] for k in DisputeListItem.model_fields if k != "id"})
        for r in rows
    ]
    return DisputeList(total=total, offset=offset, items=items, as_of_notification=position)


@router.get("", response_model=DisputeList)
def list_disputes(
    person: CurrentPerson,
    system: SystemDep,
    status: Annotated[Status | None, Query(description="Only disputes in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DisputeList:
    """The disputes the person may read, newest first: at their nodes and under them."""
    return dispute_list(system, person, status, limit, offset)
