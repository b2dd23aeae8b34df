"""What every stream's clock keeper shares: a plan of the clocks a case should have, the
answer the clock workflow gets, and keeping the running clocks in step with the plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.clocks import ClockState

if TYPE_CHECKING:
    from domain.casebook import Casebook


@dataclass(frozen=True)
class ClockPlan:
    clock: str
    node: str
    attributes: dict[str, str]
    started_at: datetime

    @property
    def key(self) -> str:
        return f"{self.clock}@{self.started_at.isoformat()}"


@dataclass(frozen=True)
class CaseTime:
    """What the workflow needs: the case's version, whether its clocks are done, the clocks."""

    version: int
    ended: bool
    clocks: list[ClockState]


def keep_in_step(
    cb: Casebook, kind: str, case_id: UUID, *, version: int, ended: bool, plans: list[ClockPlan],
    changed_at: datetime, why_stopped: Callable[[ClockState], str],
) -> CaseTime:
    """Stops the running clocks the plan no longer has (at the time the case changed), settles
    the missed deadlines it no longer has (the case moved on: it leaves the overdue lists),
    starts the planned clocks never started, and answers with the clocks now running. A
    planned clock that already ended is not started again: its key names when it started."""
    desk = cb.deadlines
    clocks = desk.clocks(kind, case_id)
    wanted = {p.key for p in plans}
    for running in clocks.running() if clocks else []:
        if running.key not in wanted:
            desk.stop(kind, case_id, key=running.key, outcome=why_stopped(running),
                      at=max(changed_at, running.started_at))
    for overdue in clocks.overdue() if clocks else []:
        if overdue.key not in wanted:
            desk.settle(kind, case_id, key=overdue.key, outcome=why_stopped(overdue),
                        at=max(changed_at, overdue.ended_at or overdue.due_at))
    known = set(clocks.clocks) if clocks else set()
    for plan in plans:
        if plan.key not in known:
            desk.start(kind, case_id, clock=plan.clock, node=plan.node, attributes=plan.attributes,
                       started_at=plan.started_at)
    after = desk.clocks(kind, case_id)
    running = after.running() if after else []
    return CaseTime(version, ended and not running, running)
