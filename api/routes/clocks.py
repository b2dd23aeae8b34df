"""Each case's clocks, explained: GET /<cases>/{id}/clocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CurrentPerson, SystemDep
from domain.time.clocks import ClockState
from domain.time.explain import explain
from service import kinds
from service.casebook import Casebook

router = APIRouter(tags=["clocks"])

# path prefix, case kind (the name the keeper records the clocks under), how a reader is
# authorised to see the case
CASES: list[tuple[str, str, Callable[[Casebook], Callable[[str, UUID], Any]]]] = [
    ("/disputes", kinds.DISPUTE, lambda cb: cb.disputes.get),
    ("/petitions", kinds.PETITION, lambda cb: cb.petitions.get),
    ("/incidents", kinds.INCIDENT, lambda cb: cb.incidents.get),
    ("/patrols/shifts", kinds.PATROL_SHIFT, lambda cb: cb.patrols.shift),
    ("/sweeps", kinds.SWEEP, lambda cb: cb.sweeps.sweep),
]


class ClockPublic(BaseModel):
    key: str
    clock: str
    node: str
    status: str
    started_at: datetime
    due_at: datetime
    rule: dict[str, Any]
    policy_version: str
    calendar: str
    calendar_version: int
    skipped: list[dict[str, str]]
    pauses: list[dict[str, Any]]
    extensions: list[dict[str, Any]]
    recomputations: list[dict[str, Any]]
    reminders_at: list[datetime]
    reminders_sent: list[dict[str, Any]]
    reminders_skipped: list[dict[str, Any]]
    outcome: str | None
    ended_at: datetime | None
    settled: str | None
    explanation: list[str]

    @classmethod
    def of(cls, clock: ClockState, now: datetime) -> ClockPublic:
        fields = {name: getattr(clock, name) for name in cls.model_fields if name != "explanation"}
        return cls(**fields, explanation=explain(clock, now))


class CaseClocksPublic(BaseModel):
    case_kind: str
    case_id: str
    clocks: list[ClockPublic]


def _route(prefix: str, kind: str, reader: Callable[[Casebook], Callable[[str, UUID], Any]]) -> None:
    def read_clocks(case_id: UUID, person: CurrentPerson, system: SystemDep) -> CaseClocksPublic:
        reader(system.casebook)(person, case_id)
        found = system.casebook.deadlines.clocks(kind, case_id)
        now = system.casebook.clock()
        ordered = sorted(found.clocks.values(), key=lambda c: c.started_at) if found else []
        return CaseClocksPublic(
            case_kind=kind, case_id=str(case_id), clocks=[ClockPublic.of(c, now) for c in ordered]
        )

    read_clocks.__doc__ = f"Every clock that ran on the {kind}: why each due date is what it is."
    router.add_api_route(
        f"{prefix}/{{case_id}}/clocks",
        read_clocks,
        methods=["GET"],
        response_model=CaseClocksPublic,
        name=f"{kind}_clocks",
    )


for _prefix, _kind, _reader in CASES:
    _route(_prefix, _kind, _reader)
