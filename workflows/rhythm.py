"""Installing the reporting rhythm on Temporal when the worker starts: the sweep rounds' workflow
(started once, reused while it runs) and the briefings' Temporal Schedules (created, or updated to
the settings). Both are idempotent: a worker restarted installs nothing twice."""

from __future__ import annotations

from datetime import timedelta

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from domain.briefings.briefing import BriefingKind
from workflows.briefing_round import BriefingRoundWorkflow
from workflows.rhythm_contracts import SWEEP_ROUNDS_ID, BriefingRound, RoundRun
from workflows.sweep_rounds import SweepRoundsWorkflow

log = structlog.get_logger()


async def start_sweep_rounds(client: Client, task_queue: str) -> str:
    """Starts the sweep rounds, or finds them running; returns the run id."""
    handle = await client.start_workflow(
        SweepRoundsWorkflow.run,
        RoundRun(),
        id=SWEEP_ROUNDS_ID,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,  # a terminated round starts again
    )
    log.info("sweeps.rounds_started", workflow_id=SWEEP_ROUNDS_ID, run_id=handle.result_run_id)
    return handle.result_run_id or ""


async def install_rhythm(client: Client, task_queue: str, briefing_every_seconds: int = 0) -> None:
    """Everything the reporting rhythm runs on Temporal, installed (again) at the worker's start."""
    await start_sweep_rounds(client, task_queue)
    await install_briefing_schedules(client, task_queue, briefing_every_seconds)


def briefing_schedule(kind: str, task_queue: str, every_seconds: int = 0) -> Schedule:
    """The schedule of one kind of briefing: Monday 01:00 Beijing time for the week just ended
    (the ranking half an hour later, the patrol roll-up at 01:45), the 1st and the 16th at 01:15
    for the half-month just ended (the situation notice), the patrol roll-up of the day before
    every day at 01:50 and of the month before on the 1st at 02:00, or every so many seconds for
    a demonstration.

    Overlap BUFFER_ONE: a round fired while the last still runs waits for it (one, not a queue),
    so no round is lost and two never write at once. Catch-up window of a week: a round missed
    while Temporal or the workers were down runs once when they are back — Temporal starts the
    missed action once, and the round is idempotent by period, so a second start for the same
    time writes nothing; a downtime longer than the window loses no week either, since every
    round writes the REVISIT weeks before its own as well (projections/briefings.py)."""
    if every_seconds:
        spec = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=every_seconds))])
    elif kind == BriefingKind.PATROL_DAILY:  # every day at 01:50, for the day before
        spec = _calendar(hour=1, minute=50)
    elif kind == BriefingKind.PATROL_MONTHLY:  # the 1st at 02:00, for the month before
        spec = _calendar(day_of_month=[1], hour=2, minute=0)
    elif kind == BriefingKind.SITUATION_HALF_MONTHLY:  # the 1st and the 16th, for the half-month ended
        spec = ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    day_of_month=[ScheduleRange(1), ScheduleRange(16)],
                    hour=[ScheduleRange(1)],
                    minute=[ScheduleRange(15)],
                )
            ],
            time_zone_name="Asia/Shanghai",
        )
    else:
        minute = {BriefingKind.TOWNSHIP_RANKING: 30, BriefingKind.PATROL_WEEKLY: 45}.get(kind, 0)
        spec = ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    day_of_week=[ScheduleRange(1)], hour=[ScheduleRange(1)], minute=[ScheduleRange(minute)]
                )
            ],
            time_zone_name="Asia/Shanghai",
        )
    return Schedule(
        action=ScheduleActionStartWorkflow(
            BriefingRoundWorkflow.run,
            BriefingRound(kind=kind),
            id=f"briefing-round-{kind}",  # Temporal appends the nominal time: one id per round
            task_queue=task_queue,
        ),
        spec=spec,
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.BUFFER_ONE, catchup_window=timedelta(days=7)),
    )


def _calendar(hour: int, minute: int, day_of_month: list[int] | None = None) -> ScheduleSpec:
    """A calendar in Beijing time: every day (or on those days of the month) at that time."""
    days = {"day_of_month": [ScheduleRange(d) for d in day_of_month]} if day_of_month else {}
    return ScheduleSpec(
        calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(hour)], minute=[ScheduleRange(minute)], **days)],
        time_zone_name="Asia/Shanghai",
    )


def schedule_id(kind: str) -> str:
    return f"briefings-{kind}"


async def install_briefing_schedules(client: Client, task_queue: str, every_seconds: int = 0) -> None:
    """Creates each kind's schedule, or updates it to these settings when it exists."""
    for kind in BriefingKind:
        schedule = briefing_schedule(kind.value, task_queue, every_seconds)
        try:
            await client.create_schedule(schedule_id(kind.value), schedule)
        except ScheduleAlreadyRunningError:
            handle = client.get_schedule_handle(schedule_id(kind.value))
            await handle.update(lambda _, schedule=schedule: ScheduleUpdate(schedule=schedule))
        log.info("briefings.scheduled", kind=kind.value, every_seconds=every_seconds or None)
