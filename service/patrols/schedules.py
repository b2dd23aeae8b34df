"""Patrol schedules on cadence: which period comes next on a route's running schedule, opening
that period's shift for the route's standing team, and calling off the shift not yet begun
when the schedule stops. The schedule workflow asks; the answers come from the route, the
policy in force (`patrol.cadence` by grid level) and the calendar, so it holds no rules.

A period begins at the schedule's first start, and each next one a cadence later, by the rule
in force when the period before it began (so a new policy takes effect from the next period).
Its shift is opened when the period before it begins (the first when the schedule starts), so
the team sees the coming shift a period ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from domain.errors import NoRule
from domain.patrols.patrol import CadenceLevel, Route, Shift, ShiftStatus
from domain.time.calendar import CHINA, CLOCK_UNITS, DEFAULT_CALENDAR, BusinessCalendar, Unit
from domain.time.policy import Rule
from service.store import Stamp

if TYPE_CHECKING:
    from service.rulebook import RulebookDesk
    from service.store import CaseStore

CADENCE = "patrol.cadence"
SCHEDULE_ACTOR = "system:patrol-schedule"


@dataclass(frozen=True)
class Period:
    """The next period of a schedule, or none when the schedule no longer runs."""

    running: bool
    start: datetime | None = None
    end: datetime | None = None


def next_start(after: datetime, rule: Rule, calendar: BusinessCalendar) -> datetime:
    """The start of the period after the one that began at `after`: a cadence later, at the same
    local time of day; a cadence in working days skips the days the calendar does not work."""
    if rule.unit in CLOCK_UNITS:
        return after + timedelta(**{rule.unit.value: rule.amount})
    if rule.unit == Unit.CALENDAR_DAYS:
        return after + timedelta(days=rule.amount)
    local = after.astimezone(CHINA)
    day, counted = local.date(), 0
    while counted < rule.amount:
        day += timedelta(days=1)
        counted += calendar.is_working_day(day)
    return datetime.combine(day, local.timetz()).astimezone(after.tzinfo)


class PatrolSchedules:
    def __init__(self, store: CaseStore, rulebook: RulebookDesk) -> None:
        self.cb = store
        self.rulebook = rulebook

    def cadence(self, level: CadenceLevel | str, at: datetime) -> Rule:
        """The cadence of a grid level by the policy in force at the time."""
        policy = self.rulebook.current().policy_in_force(at)
        rule = policy.rule_for(CADENCE, {"level": CadenceLevel(level).value}) if policy else None
        if rule is None or rule.amount <= 0:
            version = policy.version if policy else "none"
            raise NoRule(
                "level",
                "policy {version} gives no {cadence} for level {level}",
                version=version,
                cadence=CADENCE,
                level=CadenceLevel(level).value,
            )
        return rule

    def period(self, route_id: UUID, schedule: int, after: datetime | None) -> Period:
        """The period after the one that began at `after` (the first when None)."""
        route = self.cb.load(Route, route_id, "route")
        running = route.schedule
        if running is None or running["schedule"] != schedule or route.team is None:
            return Period(running=False)
        if after is None:
            start = running["first_start"]
        else:
            rule = self.cadence(running["level"], after)
            start = next_start(after, rule, self.rulebook.current().calendar(DEFAULT_CALENDAR))
        return Period(True, start, start + timedelta(minutes=running["shift_minutes"]))

    def open(self, route_id: UUID, schedule: int, start: datetime, after: datetime | None) -> Shift | None:
        """Opens the period's shift for the route's standing team, on the route's current revision.
        Idempotent by route, schedule and period start; a schedule that stopped opens nothing."""
        action = "open_scheduled_shift"
        command_id = f"patrol-period:{route_id}:{schedule}:{start.isoformat()}"
        earlier = self.cb.receipt(
            Stamp(actor=SCHEDULE_ACTOR, effective_at=start, command_id=command_id), action
        )
        if earlier is not None:
            return self.cb.load(Shift, UUID(earlier.stream_id), "shift")
        route = self.cb.load(Route, route_id, "route")
        running = route.schedule
        if running is None or running["schedule"] != schedule or route.team is None:
            return None
        stamp = Stamp(
            actor=SCHEDULE_ACTOR, effective_at=after or running["started_at"], command_id=command_id
        )
        return self.cb.create(
            action,
            stamp,
            lambda: Shift.schedule(
                route=route,
                leader=route.team["leader"],
                members=route.team["members"],
                planned_start=start,
                planned_end=start + timedelta(minutes=running["shift_minutes"]),
                **stamp,
            ),
            Shift,
            "shift",
        )

    def call_off(self, route_id: UUID, schedule: int, shift_id: UUID) -> Shift:
        """The schedule stopped: its shift planned to begin after the stop is called off. A shift
        that began (or was due to) before the stop stays, to be walked or recorded missed."""
        route = self.cb.load(Route, route_id, "route")
        stopped = route.schedules[schedule - 1] if 0 < schedule <= len(route.schedules) else None
        if stopped is None or stopped["stopped_at"] is None:
            return self.cb.load(Shift, shift_id, "shift")
        reason = "the patrol schedule was stopped" + (
            f": {stopped['stop_reason']}" if stopped["stop_reason"] else ""
        )

        def decide(shift: Shift, stamp: Stamp) -> bool:
            at = max(stopped["stopped_at"], shift.scheduled_at)
            if shift.status != ShiftStatus.SCHEDULED or at >= shift.planned_start:
                return False
            shift.cancel(reason=reason, **{**stamp, "effective_at": at})
            return True

        stamp = Stamp(
            actor=SCHEDULE_ACTOR,
            effective_at=stopped["stopped_at"],
            command_id=f"patrol-call-off:{route_id}:{schedule}:{shift_id}",
        )
        return self.cb.change(Shift, shift_id, "shift", "call_off_scheduled_shift", stamp, decide)
