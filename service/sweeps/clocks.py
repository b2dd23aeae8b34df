"""A sweep's time: `sweep.due`, from the period's start, by the rule for the unit's level. It stops,
met, when findings or a zero-report come in time; at the due time an open sweep is recorded
missed (the reminders before it go to the people holding the posts that owe it, at the unit).
A missed sweep is settled when it is recorded late, in the same transaction as the record (its
workflow has ended by then): it leaves the overdue lists, and stays missed on the record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.sweeps.sweep import Sweep, SweepStatus
from domain.time.clocks import ClockState
from service.kinds import SWEEP
from service.timekeeping import CaseTime, ClockPlan, keep_in_step

if TYPE_CHECKING:
    from service.deadlines import DeadlineDesk
    from service.store import CaseStore
    from service.sweeps.desk import SweepDesk

KIND = SWEEP
DUE = "sweep.due"


def required_clocks(sweep: Sweep) -> list[ClockPlan]:
    if sweep.status == SweepStatus.OPEN:
        return [ClockPlan(DUE, sweep.node, {"level": sweep.level}, sweep.period_start)]
    return []


def last_change(sweep: Sweep) -> datetime:
    return sweep.recorded_at or sweep.missed_at or sweep.opened_at


def _why_stopped(sweep: Sweep) -> str:
    if sweep.status == SweepStatus.ZERO_REPORTED:
        return f"met: a zero-report by {sweep.recorded_by}"
    return f"met: findings recorded by {sweep.recorded_by}"


class SweepClocks:
    """Keeps a sweep's clock in step with the sweep."""

    def __init__(self, store: CaseStore, sweeps: SweepDesk, deadlines: DeadlineDesk) -> None:
        self.cb = store
        self.sweeps = sweeps
        self.deadlines = deadlines

    def sync(self, sweep_id: UUID, episode: int) -> CaseTime:
        sweep = self.sweeps.sweep(None, sweep_id)
        time = keep_in_step(
            self.deadlines,
            KIND,
            sweep_id,
            version=sweep.version,
            ended=sweep.status != SweepStatus.OPEN,
            plans=required_clocks(sweep),
            changed_at=last_change(sweep),
            why_stopped=lambda clock: _why_stopped(sweep),
        )
        return time

    def due(self, sweep_id: UUID, episode: int, key: str, fraction: float | None) -> CaseTime:
        """A reminder time or the due time came."""
        clocks = self.deadlines.clocks(KIND, sweep_id)
        clock = clocks.clock(key) if clocks else None
        if clock is not None and clock.open:
            if fraction is not None:
                self._remind(sweep_id, clock, fraction)
            else:
                self.sweeps.record_missed_for_deadline(sweep_id, clock=clock)
        return self.sync(sweep_id, episode)

    def _remind(self, sweep_id: UUID, clock: ClockState, fraction: float) -> None:
        sweep = self.sweeps.sweep(None, sweep_id)
        at = clock.reminder_at(fraction)
        tree = self.cb.current_directory()
        owing = sorted({t.person_id for t in tree.holders(sweep.node, at) if t.post.value in sweep.owed_by})
        self.deadlines.remind(KIND, sweep_id, key=clock.key, fraction=fraction, at=at, notify=owing)
