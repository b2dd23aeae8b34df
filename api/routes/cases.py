"""The cases a person may read across the four streams (disputes, petitions, incidents, patrol
shifts), as the township's supervision board shows them: open cases under the nodes where the
person holds a post that may read cases, coloured by their clocks, filtered and paged, with how
many of each colour match. Read from the case list (no personal data, no secret field)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, SystemDep
from api.routes.dispute_list import readable_nodes
from domain.directory.access import Right
from domain.errors import CaseNotFound
from infra.bootstrap import System
from projections import tracking
from projections.case_list import COLOURS, Filters, colour_of
from service import kinds

router = APIRouter(prefix="/cases", tags=["cases"])


class CaseItem(BaseModel):
    case_kind: str
    case_id: str
    node: str
    state: str
    responsible: str = Field(description="Who has the case in hand; empty while nobody has taken it.")
    opened_at: datetime
    next_due_at: datetime | None
    next_clock: str | None
    warn_at: datetime | None = Field(description="When the next clock's first reminder comes.")
    overdue: bool
    colour: str = Field(description="red: overdue; yellow: its next clock's reminder has come; else green.")
    level: str = Field("", description="A dispute's level (grid, village, township); empty for the others.")
    summary: dict[str, str] = Field(
        default_factory=dict,
        description="Codes that say what the case is: a dispute's category and severity, a petition's type "
        "and channel, an incident's kind, a shift's route. Never a petition's matter or content.",
    )
    parties: list[str] = Field(
        default_factory=list,
        description="A dispute's parties, or the petitioner unless anonymous or an accusation's.",
    )


class CaseBoard(BaseModel):
    total: int = Field(description="How many cases match, across every page.")
    offset: int
    counts: dict[str, int] = Field(description="How many cases of each colour match the other filters.")
    items: list[CaseItem]
    as_of_notification: int = Field(description="The last event the list includes.")


def board_nodes(system: System, person: str, node: str | None) -> list[str]:
    """The nodes the board covers: every node the person may read, or one node's subtree —
    refused (403) unless the person may read there, as every read of a node is."""
    if not node:
        return readable_nodes(system, person)
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    if directory.node(node) is None:
        raise CaseNotFound("node", node)
    system.casebook.authorise(person, Right.READ, node)
    return directory.descendants(node, now)


def case_board(
    system: System,
    person: str,
    *,
    node: str | None = None,
    kind: str | None = None,
    state: str | None = None,
    colour: str | None = None,
    responsible: str | None = None,
    search: str | None = None,
    level: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> CaseBoard:
    nodes = board_nodes(system, person, node)
    now = system.casebook.clock()
    filters = Filters(
        nodes=nodes,
        kind=kind,
        state=state,
        responsible=responsible,
        colour=colour,
        search=search,
        level=level,
    )
    case_list = system.case_list
    with system.views.reading() as cur:
        if nodes:
            counts = case_list.counts(cur, filters, now)
            total, rows = case_list.page(cur, filters, now, limit, offset)
        else:
            counts, total, rows = dict.fromkeys(COLOURS, 0), 0, []
        position = tracking.position(cur, case_list.name)
    items = []
    for r in rows:
        shade = colour_of(r, now)
        items.append(
            CaseItem(
                **{k: r[k] for k in ("case_kind", "case_id", "node", "state", "responsible", "opened_at")},
                next_due_at=r["next_due_at"],
                next_clock=r["next_clock"],
                warn_at=r["warn_at"],
                overdue=shade == "red",
                colour=shade,
                level=r["level"],
                summary=json.loads(r["summary"] or "{}"),
                parties=case_list.parties_of(r),
            )
        )
    return CaseBoard(total=total, offset=offset, counts=counts, items=items, as_of_notification=position)


@router.get("", response_model=CaseBoard)
def list_cases(
    person: CurrentPerson,
    system: SystemDep,
    node: Annotated[str | None, Query(description="Only this node and everything under it.")] = None,
    kind: Annotated[str | None, Query(description=f"One of {', '.join(kinds.CLOCKED)}.")] = None,
    state: Annotated[str | None, Query(max_length=40, description="The stream's status code.")] = None,
    colour: Annotated[str | None, Query(pattern="^(red|yellow|green)$")] = None,
    responsible: Annotated[str | None, Query(max_length=200, description="A person id.")] = None,
    search: Annotated[
        str | None,
        Query(
            max_length=100,
            description="A case number (the id, or its first 8 characters or more) or a party's whole name "
            "(a dispute's parties, a petitioner other than an accusation's or an anonymous one).",
        ),
    ] = None,
    level: Annotated[
        str | None, Query(pattern="^(grid|village|township)$", description="Disputes at this level.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> CaseBoard:
    """The open cases the person may read, the overdue first, then by next due time."""
    return case_board(
        system,
        person,
        node=node,
        kind=kind if kind in kinds.CLOCKED else None,
        state=state,
        colour=colour,
        responsible=responsible,
        search=search,
        level=level,
        limit=limit,
        offset=offset,
    )
