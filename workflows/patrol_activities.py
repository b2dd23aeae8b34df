"""The patrol schedule's activities: the only way its workflow reads or records anything,
through the domain, idempotently."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from uuid import UUID

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import CaseNotFound, NoRule
from service.casebook import Casebook
from workflows.patrol_contracts import CallOff, OpenedShift, Period, PeriodAsk, PeriodOpening

log = structlog.get_logger()
T = TypeVar("T")


def _refusing(call: Callable[[], T]) -> T:
    """A missing route or shift, or a policy with no cadence, will not mend by retrying."""
    try:
        return call()
    except CaseNotFound as missing:
        raise ApplicationError(str(missing), type="CaseNotFound", non_retryable=True) from None
    except NoRule as no_rule:
        raise ApplicationError(str(no_rule), type="NoCadence", non_retryable=True) from None


class PatrolScheduleActivities:
    def __init__(self, casebook: Casebook) -> None:
        self.schedules = casebook.patrols.schedules

    @activity.defn(name="plan_patrol_period")
    def plan(self, ask: PeriodAsk) -> Period:
        found = _refusing(lambda: self.schedules.period(UUID(ask.ref.case_id), ask.ref.episode, ask.after))
        return Period(running=found.running, start=found.start, end=found.end)

    @activity.defn(name="open_patrol_period")
    def open(self, opening: PeriodOpening) -> OpenedShift:
        ref = opening.ref
        shift = _refusing(
            lambda: self.schedules.open(UUID(ref.case_id), ref.episode, opening.start, opening.after)
        )
        if shift is not None:
            log.info(
                "patrol_schedule.shift_opened",
                route_id=ref.case_id,
                schedule=ref.episode,
                shift_id=str(shift.id),
                planned_start=opening.start.isoformat(),
            )
        return OpenedShift(shift_id=None if shift is None else str(shift.id))

    @activity.defn(name="call_off_patrol_period")
    def call_off(self, call_off: CallOff) -> OpenedShift:
        ref = call_off.ref
        shift = _refusing(
            lambda: self.schedules.call_off(UUID(ref.case_id), ref.episode, UUID(call_off.shift_id))
        )
        log.info(
            "patrol_schedule.stopped",
            route_id=ref.case_id,
            schedule=ref.episode,
            shift_id=str(shift.id),
            shift_status=shift.status.value,
        )
        return OpenedShift(shift_id=str(shift.id))
