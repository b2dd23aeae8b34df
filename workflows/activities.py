"""Activities: the only way a clock workflow reads or records anything, through the domain,
idempotently. Each case kind has a keeper that knows its rules of time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.errors import CaseNotFound
from domain.time.clocks import ClockState
from service.casebook import Casebook
from service.timekeeping import CaseTime as DomainTime
from workflows.contracts import CaseRef, CaseTime, ClockDue, ClockView, Reminder

log = structlog.get_logger()


def _view(clock: ClockState) -> ClockView:
    fractions = clock.rule["reminders"]
    return ClockView(
        key=clock.key,
        clock=clock.clock,
        status=clock.status,
        due_at=clock.due_at,
        reminders=[
            Reminder(fraction=f, at=at, sent=clock.reminder_done(f))
            for f, at in zip(fractions, clock.reminders_at, strict=True)
        ],
    )


def _time(time: DomainTime) -> CaseTime:
    return CaseTime(version=time.version, ended=time.ended, clocks=[_view(c) for c in time.clocks])


class CaseActivities:
    def __init__(self, casebook: Casebook) -> None:
        self.keepers: dict[str, Any] = casebook.keepers

    def _keeper(self, kind: str) -> Any:
        keeper = self.keepers.get(kind)
        if keeper is None:
            raise ApplicationError(f"no clock keeper for {kind}", type="UnknownKind", non_retryable=True)
        return keeper

    @activity.defn(name="sync_case")
    def sync_case(self, ref: CaseRef) -> CaseTime:
        try:
            return _time(self._keeper(ref.kind).sync(UUID(ref.case_id), ref.episode))
        except CaseNotFound as missing:
            raise ApplicationError(str(missing), type="CaseNotFound", non_retryable=True) from None

    @activity.defn(name="clock_came")
    def clock_came(self, due: ClockDue) -> CaseTime:
        try:
            time = self._keeper(due.ref.kind).due(
                UUID(due.ref.case_id), due.ref.episode, due.key, due.fraction
            )
        except CaseNotFound as missing:
            raise ApplicationError(str(missing), type="CaseNotFound", non_retryable=True) from None
        log.info(
            "clock.came",
            case_kind=due.ref.kind,
            case_id=due.ref.case_id,
            clock=due.key,
            reminder=due.fraction,
            workflow_id=activity.info().workflow_id,
        )
        return _time(time)
