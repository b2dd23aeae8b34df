"""What every stream's clock keeper shares: a plan of the clocks a case should have, the
answer the clock workflow gets, and keeping the running clocks in step with the plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.time.clocks import ClockState

if TYPE_CHECKING:
    from service.deadlines import DeadlineDesk


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


@dataclass(frozen=True)
class Departure:
    """A clock the case's history planned and then left: when, and why (met, or no longer
    applying), read from the case as it stood then."""

    plan: ClockPlan
    at: datetime
    why: str


def keep_in_step(
    deadlines: DeadlineDesk,
    kind: str,
    case_id: UUID,
    *,
    version: int,
    ended: bool,
    plans: list[ClockPlan],
    changed_at: datetime,
    why_stopped: Callable[[ClockState], str],
    departed: Callable[[], dict[str, Departure]] | None = None,
) -> CaseTime:
    """Stops the running clocks the plan no longer has, settles the missed deadlines it no
    longer has (the case moved on: it leaves the overdue lists), starts the planned clocks
    never started, and answers with the clocks now running. A planned clock that already
    ended is not started again: its key names when it started.

    Where the keeper can read the case's history (`departed`), a clock stops when the case
    left it — met by its due time or late after it — and a clock the case planned and left
    between two syncs (the worker was down) is recorded too, started and stopped, so the
    on-time statistics count it. Otherwise a clock stops at the case's latest change."""
    desk = deadlines
    clocks = desk.clocks(kind, case_id)
    wanted = {p.key for p in plans}
    left = departed() if departed else {}

    def left_at(clock: ClockState) -> datetime:
        found = left.get(clock.key)
        return found.at if found else changed_at

    def outcome(clock: ClockState) -> str:
        return _stopped_outcome(clock, left.get(clock.key), otherwise=why_stopped(clock))

    for running in clocks.running() if clocks else []:
        if running.key not in wanted:
            desk.stop(
                kind,
                case_id,
                key=running.key,
                outcome=outcome(running),
                at=max(left_at(running), running.started_at),
            )
    for overdue in clocks.overdue() if clocks else []:
        if overdue.key not in wanted:
            desk.settle(
                kind,
                case_id,
                key=overdue.key,
                outcome=_settled_outcome(outcome(overdue)),
                at=max(left_at(overdue), overdue.ended_at or overdue.due_at),
            )
    known = set(clocks.clocks) if clocks else set()
    for key, passed in left.items():
        if key not in known and key not in wanted:
            clock = start_planned(desk, kind, case_id, passed.plan)
            desk.stop(
                kind, case_id, key=key, outcome=outcome(clock), at=max(left_at(clock), clock.started_at)
            )
    for plan in plans:
        if plan.key not in known:
            start_planned(desk, kind, case_id, plan)
    after = desk.clocks(kind, case_id)
    running = after.running() if after else []
    return CaseTime(version, ended and not running, running)


def start_planned(deadlines: DeadlineDesk, kind: str, case_id: UUID, plan: ClockPlan) -> ClockState:
    return deadlines.start(
        kind,
        case_id,
        clock=plan.clock,
        node=plan.node,
        attributes=plan.attributes,
        started_at=plan.started_at,
    )


def departures(
    history: Iterable[Any],
    plan: Callable[[Any], list[ClockPlan]],
    why: Callable[[Any, str], str],
) -> dict[str, Departure]:
    """For each clock a case's history planned and then no longer did: when the case left it
    (the event's business time) and why, read from the case as it stood at that event. The
    workflow may learn of several changes at once (its worker was down): a clock met by one
    change stops when that change took effect, not at whatever came after it."""
    left: dict[str, Departure] = {}
    planned: dict[str, ClockPlan] = {}
    case: Any = None
    for event in history:
        case = event.mutate(case)
        now = {p.key: p for p in plan(case)}
        for key, was in planned.items():
            if key not in now and key not in left:
                left[key] = Departure(was, event.effective_at, why(case, was.clock))
        planned = now
    return left


def _stopped_outcome(clock: ClockState, left: Departure | None, *, otherwise: str) -> str:
    """What a clock the case left is recorded as: why it left, met by its due time or late
    after it; `otherwise` when the keeper does not know why."""
    if left is None:
        return otherwise
    if left.at <= clock.due_at:
        return left.why
    why = left.why
    for prefix in ("met: ", "ended: "):
        why = why.removeprefix(prefix)
    return f"late: {why}, after the due time"


def _settled_outcome(why: str) -> str:
    """What settled a missed deadline: never "met" — what the case did, it did late."""
    if why.startswith("met: "):
        return f"late: {why.removeprefix('met: ')}, after the due time"
    return why
