"""Briefing rounds on Temporal. On the time-skipping server (which has no schedules): a round for a
week writes it once however often it is started, and a round a week later writes a second version
of a week a late event changed. On the dev server (slow): the schedule's catch-up and a backfill of
a time already written start the round again and write nothing twice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from temporalio.client import ScheduleBackfill, ScheduleCalendarSpec, ScheduleOverlapPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.briefings.briefing import BriefingKind
from domain.time.calendar import CHINA
from infra.bootstrap import System
from infra.components import briefing_writer
from infra.temporal import binary
from projections.briefings import week_before
from projections.runner import ProjectionRunner
from tests.support import VILLAGE, eventually
from tests.test_briefings import report
from tests.timeskipping import running
from workflows.briefing_round import BriefingRoundWorkflow
from workflows.rhythm import briefing_schedule, install_briefing_schedules, schedule_id
from workflows.rhythm_contracts import BriefingRound
from workflows.worker import build_worker

KIND = BriefingKind.DISPUTE_WEEKLY


def project(system: System) -> None:
    for projection in system.projections:
        runner = ProjectionRunner(system.reader, system.views, projection)
        runner.setup()
        runner.catch_up()


async def round_at(env: WorkflowEnvironment, queue: str, at: datetime, name: str) -> None:
    await env.client.execute_workflow(
        BriefingRoundWorkflow.run, BriefingRound(kind=KIND, scheduled_at=at), id=name, task_queue=queue
    )


def village_briefing(system: System, at: datetime):
    """The village's briefing of the week that ended before `at`."""
    start, _ = week_before(at)
    return system.casebook.briefings.find(KIND, VILLAGE, datetime.combine(start, time.min, CHINA))


def last_round(now: datetime) -> datetime:
    """The weekly schedule's latest nominal time before `now`: Monday 01:00 in Beijing."""
    local = now.astimezone(CHINA)
    fired = datetime.combine(local.date() - timedelta(days=local.weekday()), time(1), CHINA)
    return fired if fired <= now else fired - timedelta(days=7)


@pytest.mark.workflow
def test_a_round_started_twice_for_one_week_writes_it_once_and_a_late_event_makes_version_two(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            now = clock.now
            report(system, now - timedelta(days=7))  # last week, already on record
            project(system)
            queue = dispatcher.task_queue
            await round_at(env, queue, now, "round-1")
            await round_at(env, queue, now, "round-1-caught-up")  # the same nominal time again
            briefing = village_briefing(system, now)
            assert len(briefing.versions) == 1 and briefing.issued[0]["on_version"] == 1
            late = report(system, now - timedelta(days=6, hours=12))  # recorded now, for last week
            project(system)
            await env.sleep(timedelta(days=7))
            await round_at(env, queue, now + timedelta(days=7), "round-2")
            briefing = village_briefing(system, now)
            one, two = briefing.versions
            assert late in two["content"]["cases"]["disputes_reported"]
            assert late not in one["content"]["cases"]["disputes_reported"]
            change = next(c for c in two["changes"] if c["figure"] == "disputes_reported")
            assert change["after"]["value"] == change["before"]["value"] + 1

    asyncio.run(scenario())


def test_the_weekly_schedule_fires_monday_at_one_in_beijing_buffering_one_and_catching_up_a_week():
    schedule = briefing_schedule(KIND.value, "q")
    [calendar] = schedule.spec.calendars
    assert schedule.spec.time_zone_name == "Asia/Shanghai"
    assert [r.start for r in calendar.day_of_week] == [1] and [r.start for r in calendar.hour] == [1]
    assert schedule.policy.overlap == ScheduleOverlapPolicy.BUFFER_ONE
    assert schedule.policy.catchup_window == timedelta(days=7)
    demo = briefing_schedule(KIND.value, "q", every_seconds=60)
    assert demo.spec.intervals[0].every == timedelta(seconds=60) and not demo.spec.calendars


def test_the_half_monthly_notice_fires_on_the_1st_and_the_16th_at_one_fifteen_in_beijing():
    schedule = briefing_schedule(BriefingKind.SITUATION_HALF_MONTHLY.value, "q")
    [calendar] = schedule.spec.calendars
    assert schedule.spec.time_zone_name == "Asia/Shanghai"
    assert [r.start for r in calendar.day_of_month] == [1, 16]
    assert [r.start for r in calendar.hour] == [1] and [r.start for r in calendar.minute] == [15]
    assert schedule.policy.overlap == ScheduleOverlapPolicy.BUFFER_ONE


def test_the_patrol_roll_ups_fire_daily_weekly_and_on_the_first_of_the_month_in_beijing():
    daily, weekly, monthly = (
        briefing_schedule(kind.value, "q").spec.calendars[0]
        for kind in (BriefingKind.PATROL_DAILY, BriefingKind.PATROL_WEEKLY, BriefingKind.PATROL_MONTHLY)
    )
    every = ScheduleCalendarSpec()  # the SDK's defaults: every day of the month and of the week
    assert daily.day_of_month == every.day_of_month and daily.day_of_week == every.day_of_week
    assert [r.start for r in daily.hour] == [1] and [r.start for r in daily.minute] == [50]
    assert [r.start for r in weekly.day_of_week] == [1] and [r.start for r in weekly.minute] == [45]
    assert [r.start for r in monthly.day_of_month] == [1] and [r.start for r in monthly.hour] == [2]


@pytest.mark.slow
def test_a_schedule_caught_up_after_downtime_writes_the_missed_week_once_not_twice(system: System, clock):
    clock.now = datetime.now(UTC)

    async def scenario() -> None:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(binary("temporal")), data_converter=pydantic_data_converter
        )
        queue = f"q-{uuid.uuid4().hex[:8]}"
        try:
            async with build_worker(env.client, system.casebook, queue, briefings=briefing_writer(system)):
                now = datetime.now(UTC)
                report(system, now - timedelta(days=7))
                project(system)
                await install_briefing_schedules(env.client, queue)
                await install_briefing_schedules(env.client, queue)  # a worker restarted: updated
                handle = env.client.get_schedule_handle(schedule_id(KIND.value))
                spec = (await handle.describe()).schedule.spec
                assert spec.time_zone_name == "Asia/Shanghai"
                fired = last_round(now)

                async def ran(times: int) -> None:
                    """Until the schedule started the round `times` times, and every round ended."""

                    async def started() -> bool:
                        return (await handle.describe()).info.num_actions >= times

                    await eventually(started, seconds=60)
                    for action in (await handle.describe()).info.recent_actions:
                        run = action.action
                        await env.client.get_workflow_handle(
                            run.workflow_id, run_id=run.first_execution_run_id
                        ).result()

                # The system was down over the last Monday's round: it is caught up (a backfill
                # of that time, as Temporal's catch-up does), then caught up again (a retry, or a
                # catch-up and an operator's backfill both): the second run writes nothing.
                for times in (1, 2):
                    await handle.backfill(
                        ScheduleBackfill(
                            start_at=fired - timedelta(minutes=1),
                            end_at=fired + timedelta(minutes=1),
                            overlap=ScheduleOverlapPolicy.ALLOW_ALL,
                        )
                    )
                    await ran(times)
                    briefing = village_briefing(system, fired)
                    assert len(briefing.versions) == 1 and len(briefing.issued) == 1
                    assert briefing.current["content"]["figures"]["disputes_reported"]["value"] >= 1
                for kind in BriefingKind:
                    await env.client.get_schedule_handle(schedule_id(kind.value)).delete()
        finally:
            await env.shutdown()

    asyncio.run(scenario())
