"""What crosses the Temporal boundary for a patrol schedule: one pydantic model per workflow
input and per activity."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from workflows.contracts import CaseRef


def schedule_workflow_id(ref: CaseRef) -> str:
    """A route's schedule: each schedule started on the route runs under its own id."""
    return f"{ref.kind}-{ref.case_id}-{ref.episode}"


class ScheduleRun(BaseModel):
    """Where a schedule's workflow stands; a run continued as new starts from it."""

    ref: CaseRef  # the route (case_id) and the schedule's number on it (episode)
    after: datetime | None = None  # the start of the last period that began
    opened_for: datetime | None = None  # the start of the period whose shift is opened
    pending: str | None = None  # that shift's id
    opened: int = 0  # shifts opened by the schedule, over all runs
    run: int = 1  # this run's number: continuing as new counts on


class PeriodAsk(BaseModel):
    ref: CaseRef
    after: datetime | None


class Period(BaseModel):
    """The next period, or `running` false when the schedule no longer runs."""

    running: bool
    start: datetime | None = None
    end: datetime | None = None


class PeriodOpening(BaseModel):
    ref: CaseRef
    start: datetime
    after: datetime | None


class OpenedShift(BaseModel):
    shift_id: str | None  # none when the schedule stopped meanwhile


class CallOff(BaseModel):
    ref: CaseRef
    shift_id: str
