"""Signals of gaming, for review (projections/signals.py; definitions in docs/metrics.md): how
many of each were seen in the villages under a node over a range of days, and the case and
event behind each. For the township's assessors and for auditors — those who review the
figures — never for the people whose work they are about."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, NodeCode, SystemDep
from domain.directory.access import Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import AccessDenied, CaseNotFound, InvalidValue
from projections.signals import NAMES, SIGNALS, VERSION

router = APIRouter(prefix="/signals", tags=["statistics"])
FIRST = Query(None, alias="from", description="First day; default: 30 days before the last.")
LAST = Query(None, alias="to", description="Last day; default: today.")
ONLY = Query(None, description=f"Only this signal: one of {', '.join(NAMES)}.")


class SignalSeen(BaseModel):
    signal: str
    case_id: str
    event_ref: str = Field(description="The event behind it: <stream id>:<version>.")
    village: str
    day: date = Field(description="The local day it was recorded.")
    detail: str


class SignalsPublic(BaseModel):
    node: str
    start: date
    end: date = Field(description="The last day counted.")
    version: int
    definitions: dict[str, str]
    counts: dict[str, int]
    seen: list[SignalSeen]


@router.get("/{node}", response_model=SignalsPublic)
def signals(
    code: NodeCode,
    person: CurrentPerson,
    system: SystemDep,
    start: date | None = FIRST,
    end: date | None = LAST,
    signal: str | None = ONLY,
) -> SignalsPublic:
    """The signals of gaming seen under the node, each with its case and event: questions to ask."""
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    if directory.node(code) is None:
        raise CaseNotFound("node", code)
    try:
        system.casebook.authorise(person, Right.AUDIT, code)
    except AccessDenied:
        system.casebook.authorise(person, Right.ASSESS, code)
    if signal is not None and signal not in NAMES:
        raise InvalidValue("signal", "one of {names}", names=", ".join(NAMES))
    last = end or now.date()
    first = start or last - timedelta(days=30)
    if first > last:
        raise InvalidValue("from", "the first day comes before the last")
    villages = [
        c for c in [code, *directory.descendants(code, now)] if directory.nodes[c].kind == NodeKind.VILLAGE
    ]
    bounds = (first.isoformat(), (last + timedelta(days=1)).isoformat())
    with system.views.reading() as cur:
        counts = system.signals.counts(cur, villages, *bounds)
        seen = system.signals.seen(cur, villages, *bounds, signal)
    return SignalsPublic(
        node=code,
        start=first,
        end=last,
        version=VERSION,
        definitions={s.name: s.definition for s in SIGNALS},
        counts=counts,
        seen=[SignalSeen(**{k: r[k] for k in SignalSeen.model_fields}) for r in seen],
    )
