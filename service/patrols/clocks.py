"""A patrol shift's time, however the shift was scheduled (by hand or by a schedule):

- `patrol.start_grace`, from the planned start: nobody signed in by its due time and the shift
  is recorded missed. It stops, met, when the shift opens in time; a shift opened only after
  the due time (the clock's worker was behind) is recorded as having missed it.
- `patrol.checkpoint_grace`, from the planned end, once the shift is open: its checkpoints
  neither signed nor recorded missed by the due time are recorded missed. It stops, met, when
  every checkpoint is signed or recorded missed, or when the shift is closed.

The reminders of both go to the shift's leader. The rules' lengths come from the policy.

A missed start is settled by what finally happened: the shift opened late (when it opened), or
it ended missed, closed or called off (when it ended) — it stays missed in the record, and
leaves the overdue lists, since nothing is left to do about it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.patrols.patrol import Shift, ShiftStatus
from domain.time.clocks import ClockState
from service.patrols.desk import SHIFT_CLOCKS
from service.timekeeping import CaseTime, ClockPlan, departures, keep_in_step

if TYPE_CHECKING:
    from service.deadlines import DeadlineDesk
    from service.patrols.desk import PatrolDesk
    from service.store import CaseStore

KIND = SHIFT_CLOCKS
START = "patrol.start_grace"
CHECKPOINTS = "patrol.checkpoint_grace"
ENDED = frozenset({ShiftStatus.CLOSED, ShiftStatus.MISSED, ShiftStatus.CANCELLED})


def unsettled(shift: Shift) -> list[str]:
    """The checkpoints nobody signed and nobody recorded missed."""
    return [c for c in shift.checkpoint_codes() if c not in shift.signed and c not in shift.missed]


def required_clocks(shift: Shift) -> list[ClockPlan]:
    plans = []
    if shift.status != ShiftStatus.CANCELLED:  # kept to the end, to judge a late opening
        plans.append(ClockPlan(START, shift.node, {}, shift.planned_start))
    if shift.status == ShiftStatus.OPEN and unsettled(shift):
        plans.append(ClockPlan(CHECKPOINTS, shift.node, {}, shift.planned_end))
    return plans


def last_change(shift: Shift) -> datetime:
    moments = [
        shift.scheduled_at,
        *(s["at"] for s in shift.sign_ins),
        *(m["at"] for m in shift.missed.values()),
    ]
    return max([*moments, shift.ended_at] if shift.ended_at else moments)


def _why_stopped(shift: Shift, clock: str) -> str:
    """Why `clock` no longer runs, from the shift as it stood when it left the clock."""
    if shift.status == ShiftStatus.CANCELLED:
        return f"no longer applies: the shift was called off ({shift.end_reason})"
    if clock == CHECKPOINTS and shift.status == ShiftStatus.OPEN:
        signed = [c for c in shift.checkpoint_codes() if c in shift.signed]
        missed = [c for c in shift.checkpoint_codes() if c in shift.missed]
        return (
            "met: every checkpoint settled; signed: "
            + (", ".join(signed) or "none")
            + (f"; recorded missed by the leader: {', '.join(missed)}" if missed else "")
        )
    return f"ended: the shift was {shift.status.value}"


class ShiftClocks:
    """Keeps a shift's clocks in step with the shift."""

    def __init__(self, store: CaseStore, patrols: PatrolDesk, deadlines: DeadlineDesk) -> None:
        self.cb = store
        self.patrols = patrols
        self.deadlines = deadlines

    def sync(self, shift_id: UUID, episode: int) -> CaseTime:
        shift = self.patrols.shift(None, shift_id)
        time = keep_in_step(
            self.deadlines,
            KIND,
            shift_id,
            version=shift.version,
            ended=shift.status in ENDED,
            plans=required_clocks(shift),
            changed_at=last_change(shift),
            why_stopped=lambda clock: _why_stopped(shift, clock.clock),
            departed=lambda: departures(
                self.cb.history(shift_id, shift.version), required_clocks, _why_stopped
            ),
        )
        settled = [c for c in time.clocks if c.clock == START and self._settle_start(shift, c)]
        self._settle_missed_start(shift)
        if not settled:
            return time
        running = [c for c in time.clocks if c not in settled]
        return CaseTime(shift.version, shift.status in ENDED and not running, running)

    def due(self, shift_id: UUID, episode: int, key: str, fraction: float | None) -> CaseTime:
        """A reminder time or a due time came for one of the shift's clocks."""
        clocks = self.deadlines.clocks(KIND, shift_id)
        clock = clocks.clock(key) if clocks else None
        if clock is not None and clock.open:
            if fraction is not None:
                self._remind_leader(shift_id, clock, fraction)
            elif clock.clock == START:
                self.patrols.record_missed_shift_for_deadline(shift_id, due_at=clock.due_at, clock=clock)
            elif clock.clock == CHECKPOINTS:
                self.patrols.record_missed_checkpoints_for_deadline(shift_id, clock=clock)
        return self.sync(shift_id, episode)

    def _settle_start(self, shift: Shift, clock: ClockState) -> bool:
        """Ends the start clock of a shift no longer waiting for its first sign-in."""
        if shift.status == ShiftStatus.SCHEDULED:
            return False
        desk = self.deadlines
        if shift.started_at is None:  # missed, recorded by the leader
            desk.stop(
                KIND,
                shift.id,
                key=clock.key,
                at=max(last_change(shift), clock.started_at),
                outcome=f"ended: the shift was recorded missed by the leader ({shift.end_reason})",
            )
        elif shift.started_at > clock.due_at:
            desk.miss(
                KIND,
                shift.id,
                key=clock.key,
                at=clock.due_at,
                consequence=f"the shift opened late, at {shift.started_at.isoformat()}",
            )
        else:
            desk.stop(
                KIND,
                shift.id,
                key=clock.key,
                at=max(shift.started_at, clock.started_at),
                outcome=f"met: the shift opened at {shift.started_at.isoformat()}",
            )
        return True

    def _settle_missed_start(self, shift: Shift) -> None:
        """Settles a missed start once the shift opened (late) or ended: what finally happened."""
        found = self.deadlines.clocks(KIND, shift.id)
        for clock in found.overdue() if found else []:
            if clock.clock != START:
                continue
            if shift.started_at is not None:
                at, outcome = shift.started_at, f"the shift opened late, at {shift.started_at.isoformat()}"
            elif shift.status in ENDED and shift.ended_at is not None:
                at, outcome = (
                    shift.ended_at,
                    f"ended: the shift was {shift.status.value} ({shift.end_reason})",
                )
            else:
                continue
            self.deadlines.settle(
                KIND, shift.id, key=clock.key, at=max(at, clock.ended_at or clock.due_at), outcome=outcome
            )

    def _remind_leader(self, shift_id: UUID, clock: ClockState, fraction: float) -> None:
        leader = self.patrols.shift(None, shift_id).leader
        self.deadlines.remind(
            KIND, shift_id, key=clock.key, fraction=fraction, at=clock.reminder_at(fraction), notify=[leader]
        )
