"""Sweeps (排查): the ones a person owes, a unit's board, and recording findings or a zero-report."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.commands import CaseKind, Command, add_commands
from api.deps import CurrentPerson, NodeCode, SystemDep
from api.schemas import In
from domain.sweeps.sweep import Sweep

router = APIRouter(tags=["sweeps"])


class SweepPublic(BaseModel):
    id: UUID
    node: str
    level: str
    village: str | None
    period_start: datetime
    period_end: datetime
    owed_by: list[str]
    policy_version: str
    status: str
    findings: str
    cases: list[str]
    recorded_by: str | None
    recorded_at: datetime | None
    late: bool
    missed_at: datetime | None
    version: int
    allowed_actions: list[str]

    @classmethod
    def of(cls, sweep: Sweep) -> SweepPublic:
        return cls(
            id=sweep.id,
            **{k: getattr(sweep, k) for k in ("node", "level", "village", "period_start", "period_end")},
            owed_by=sweep.owed_by,
            policy_version=sweep.policy_version,
            status=sweep.status.value,
            findings=sweep.findings,
            cases=sweep.cases,
            recorded_by=sweep.recorded_by,
            recorded_at=sweep.recorded_at,
            late=sweep.late,
            missed_at=sweep.missed_at,
            version=sweep.version,
            allowed_actions=sorted(sweep.allowed_actions()),
        )


class UnitSweeps(BaseModel):
    node: str
    level: str
    sweeps: list[SweepPublic]  # newest first


class FindingsIn(In):
    findings: str = Field(min_length=1, max_length=4000, description="What the sweep found")
    cases: list[str] = Field(default_factory=list, max_length=50, description="Disputes or incidents opened")


class ZeroReportIn(In):
    note: str = Field("", max_length=4000, description="Where the sweep went (optional)")


SWEEPS: CaseKind[Sweep] = CaseKind(
    "sweep",
    desk=lambda cb: cb.sweeps,
    public=SweepPublic,
    show=lambda system, person, sweep: SweepPublic.of(sweep),
    base="/sweeps",
)


@router.get("/sweeps/mine", response_model=list[SweepPublic])
def my_sweeps(person: CurrentPerson, system: SystemDep) -> list[SweepPublic]:
    """The sweeps you owe now: this period's, and the missed ones not yet recorded."""
    cb = system.casebook
    return [SweepPublic.of(s) for s in cb.sweeps.mine(person, cb.clock())]


@router.get("/sweeps/{sweep_id}", response_model=SweepPublic)
def read_sweep(sweep_id: UUID, person: CurrentPerson, system: SystemDep, response: Response) -> SweepPublic:
    """Read a sweep as it stands."""
    sweep = system.casebook.sweeps.sweep(person, sweep_id)
    response.headers["ETag"] = f'"{sweep.version}"'
    return SweepPublic.of(sweep)


@router.get("/nodes/{node}/sweeps", response_model=list[UnitSweeps])
def sweep_board(node: NodeCode, person: CurrentPerson, system: SystemDep) -> list[UnitSweeps]:
    """Every unit under the node that owes sweeps, with its recent sweeps (newest first)."""
    cb = system.casebook
    return [
        UnitSweeps(node=code, level=level, sweeps=[SweepPublic.of(s) for s in sweeps])
        for code, level, sweeps in cb.sweeps.board(person, node, cb.clock())
    ]


add_commands(
    router,
    SWEEPS,
    Command(
        "findings",
        FindingsIn,
        "record_findings",
        Sweep.FindingsRecorded,
        "Record what the sweep found, naming the disputes or incidents opened from it.",
        fields=("findings", "cases"),
    ),
    Command(
        "zero-report",
        ZeroReportIn,
        "report_zero",
        Sweep.ZeroReported,
        "Report that the sweep found nothing (零报告).",
        fields=("note",),
    ),
)
