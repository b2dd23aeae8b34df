"""Patrol time on Temporal's time-skipping test server: schedules opening shifts on cadence for
a whole year, and each shift's clocks recording it missed, or its checkpoints missed."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Replayer

from domain.patrols.patrol import Route, Shift, ShiftStatus
from domain.time.clocks import ClockState
from infra.bootstrap import System
from service.patrols.schedules import SCHEDULE_ACTOR
from tests.support import Clock, eventually, person
from tests.test_patrol_app import POINTS, TOWNSHIP
from tests.test_patrol_app import desk as patrols
from tests.test_patrol_schedule_app import teamed
from tests.timeskipping import running
from workflows.activities import CaseActivities
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import CaseRef, ClockDue, case_workflow_id
from workflows.patrol_activities import PatrolScheduleActivities
from workflows.patrol_contracts import PeriodAsk, PeriodOpening, ScheduleRun, schedule_workflow_id
from workflows.patrol_schedule import PERIODS_PER_RUN, PatrolScheduleWorkflow

DAY = timedelta(days=1)


def start_schedule(system: System, route: Route, level: str, role: str = "patrol_leader") -> Route:
    return patrols(system).start_schedule(
        person(role),
        route.id,
        level=level,
        first_start=system.casebook.clock() + timedelta(hours=1),
        shift_minutes=180,
    )


def shifts_of(system: System, route: Route) -> list[Shift]:
    """The route's shifts, in the order they were scheduled."""
    found = []
    for item in system.casebook.recorder.select_notifications(1, 100_000, topics=[Shift.Scheduled.TOPIC]):
        shift = patrols(system).shift(None, item.originator_id)
        if shift.route_id == str(route.id):
            found.append(shift)
    return found


def schedule_handle(
    env: WorkflowEnvironment, route: Route, run_id: str | None = None, schedule: int = 1
) -> WorkflowHandle:
    ref = CaseRef(kind="patrol_schedule", case_id=str(route.id), episode=schedule)
    return env.client.get_workflow_handle_for(
        PatrolScheduleWorkflow.run, schedule_workflow_id(ref), run_id=run_id
    )


def shift_handle(env: WorkflowEnvironment, shift: Shift) -> WorkflowHandle:
    return env.client.get_workflow_handle_for(
        CaseClockWorkflow.run, case_workflow_id("patrol_shift", str(shift.id))
    )


def clocks(system: System, shift: Shift) -> dict[str, ClockState]:
    found = system.casebook.deadlines.clocks("patrol_shift", shift.id)
    return {c.clock: c for c in found.clocks.values()} if found else {}


def history(system: System, shift: Shift) -> list[Any]:
    return patrols(system).shift_with_history(person("auditor"), shift.id)[1]


def manual_shift(system: System, starts_in: timedelta, hours: int = 4) -> Shift:
    route = patrols(system).establish_route(
        person("patrol_leader"), node="anping.dongxi.qiaotou", name="Loop", checkpoints=POINTS
    )
    start = system.casebook.clock() + starts_in
    return patrols(system).schedule_shift(
        person("patrol_leader"),
        route_id=route.id,
        leader="gao-feng",
        members=["ma-li"],
        planned_start=start,
        planned_end=start + timedelta(hours=hours),
    )


async def settled(env: WorkflowEnvironment, clock: Clock) -> datetime:
    clock.now = await env.get_current_time()
    return clock.now


# -- schedules on cadence ----------------------------------------------------------------------


@pytest.mark.workflow
def test_a_grid_level_schedule_opens_a_shift_every_day_for_a_year_with_a_bounded_history(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            route = start_schedule(system, teamed(system), "grid")
            first = route.schedule["first_start"]
            await dispatcher.catch_up()
            first_run = (await schedule_handle(env, route).describe()).run_id
            # A year in four-week steps: one skip over the whole year, opening 365 shifts, can
            # outlast the test server's time limit for a single sleep on a loaded machine.
            for _ in range(13):
                await env.sleep(timedelta(days=28))

            async def a_year_opened() -> bool:
                return len(shifts_of(system, route)) >= 365

            await eventually(a_year_opened, seconds=240)
            shifts = shifts_of(system, route)
            assert [s.planned_start for s in shifts] == [first + DAY * i for i in range(365)]
            assert {(s.scheduled_by, s.leader, tuple(s.members)) for s in shifts} == {
                (SCHEDULE_ACTOR, "gao-feng", ("ma-li",))
            }
            assert [s.scheduled_at for s in shifts[1:4]] == [first, first + DAY, first + 2 * DAY]

            handle = schedule_handle(env, route)

            async def workflow_counted_the_year() -> bool:  # it counts a shift when the activity returns
                return (await handle.query(PatrolScheduleWorkflow.state)).opened == 365

            await eventually(workflow_counted_the_year)
            state = await handle.query(PatrolScheduleWorkflow.state)
            assert (state.opened, state.after, state.run) == (
                365,
                first + 363 * DAY,
                364 // PERIODS_PER_RUN + 1,
            )
            assert (await handle.describe()).run_id != first_run
            earliest = await schedule_handle(env, route, run_id=first_run).fetch_history()
            assert earliest.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
            current = await handle.fetch_history()
            assert max(len(earliest.events), len(current.events)) < PERIODS_PER_RUN * 20, (
                "each run's history is bounded"
            )
            replayer = Replayer(workflows=[PatrolScheduleWorkflow], data_converter=pydantic_data_converter)
            await replayer.replay_workflow(earliest)  # the workflow is deterministic over a whole run

    asyncio.run(scenario())


@pytest.mark.workflow
@pytest.mark.parametrize(
    ("node", "level", "days"), [("anping.dongxi.qiaotou", "village", 7), (TOWNSHIP, "township", 15)]
)
def test_village_schedules_open_weekly_and_township_schedules_every_half_month(
    sqlite, node: str, level: str, days: int
):
    system, clock = sqlite
    role = "township" if node == TOWNSHIP else "patrol_leader"

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            route = start_schedule(system, teamed(system, node=node, role=role), level, role=role)
            first = route.schedule["first_start"]
            await dispatcher.catch_up()
            await env.sleep(timedelta(days=days * 3))

            async def four_opened() -> bool:
                return len(shifts_of(system, route)) >= 4

            await eventually(four_opened)
            starts = [s.planned_start for s in shifts_of(system, route)]
            assert starts == [first + timedelta(days=days * i) for i in range(4)]

    asyncio.run(scenario())


@pytest.mark.workflow
def test_stopping_a_schedule_calls_off_its_coming_shift_and_ends_its_workflow(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            route = start_schedule(system, teamed(system), "grid")
            first = route.schedule["first_start"]
            await dispatcher.catch_up()
            await env.sleep(2 * DAY + timedelta(hours=2))

            async def four_opened() -> bool:
                return len(shifts_of(system, route)) == 4

            await eventually(four_opened)
            await settled(env, clock)
            patrols(system).stop_schedule(person("patrol_leader"), route.id, reason="harvest")
            await dispatcher.catch_up()
            final: ScheduleRun = await schedule_handle(env, route).result()
            coming = shifts_of(system, route)[-1]
            assert (final.pending, coming.planned_start) == (str(coming.id), first + 3 * DAY)
            assert (coming.status, coming.end_reason) == (
                ShiftStatus.CANCELLED,
                "the patrol schedule was stopped: harvest",
            )
            await env.sleep(5 * DAY)
            assert len(shifts_of(system, route)) == 4

            async def begun_ones_missed() -> bool:
                return [s.status for s in shifts_of(system, route)] == [ShiftStatus.MISSED] * 3 + [
                    ShiftStatus.CANCELLED
                ]

            await eventually(begun_ones_missed)  # every shift a schedule opens gets its clock
            assert clocks(system, coming)["patrol.start_grace"].outcome.startswith(
                "no longer applies: the shift was called off"
            )

    asyncio.run(scenario())


@pytest.mark.workflow
def test_a_schedule_started_again_runs_a_workflow_of_its_own(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            route = start_schedule(system, teamed(system), "village")
            await dispatcher.catch_up()
            await env.sleep(DAY)
            await settled(env, clock)
            patrols(system).stop_schedule(person("patrol_leader"), route.id, reason="winter")
            route = start_schedule(system, route, "grid")
            await dispatcher.catch_up()
            first: ScheduleRun = await schedule_handle(env, route).result()
            assert first.opened == 2  # the first week's shift, begun, and the second's, called off
            await env.sleep(3 * DAY)

            async def second_opened() -> bool:
                state = await schedule_handle(env, route, schedule=2).query(PatrolScheduleWorkflow.state)
                return state.opened == 4

            await eventually(second_opened)
            starts = [s.planned_start for s in shifts_of(system, route)]
            second_first = route.schedule["first_start"]
            assert starts[2:] == [second_first + DAY * i for i in range(4)]

    asyncio.run(scenario())


# -- a shift's clocks --------------------------------------------------------------------------


@pytest.mark.workflow
def test_nobody_signing_in_reminds_the_leader_then_records_the_shift_missed_after_the_grace(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            shift = manual_shift(system, starts_in=timedelta(hours=2))
            await dispatcher.catch_up()
            await env.sleep(timedelta(hours=2, minutes=14))
            assert [type(e).__name__ for e in history(system, shift)] == ["Scheduled"]
            assert clocks(system, shift)["patrol.start_grace"].reminders_sent == []
            await env.sleep(timedelta(minutes=2))

            async def reminded() -> bool:
                return bool(clocks(system, shift)["patrol.start_grace"].reminders_sent)

            await eventually(reminded)
            [reminder] = clocks(system, shift)["patrol.start_grace"].reminders_sent
            assert (reminder["notify"], reminder["at"]) == (
                ["gao-feng"],
                shift.planned_start + timedelta(minutes=15),
            )
            await env.sleep(timedelta(minutes=15))
            final = await shift_handle(env, shift).result()
            events = history(system, shift)
            assert [type(e).__name__ for e in events] == ["Scheduled", "Missed"]
            assert (events[-1].actor, events[-1].trigger, events[-1].effective_at) == (
                "system:deadline",
                "deadline",
                shift.planned_start + timedelta(minutes=30),
            )
            grace = clocks(system, shift)["patrol.start_grace"]
            assert (grace.status, grace.outcome) == (
                "missed",
                "the shift was recorded missed: nobody signed in",
            )
            assert final.ended and "patrol.checkpoint_grace" not in clocks(system, shift)

    asyncio.run(scenario())


@pytest.mark.workflow
def test_checkpoints_not_signed_by_the_planned_end_are_recorded_missed(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            shift = manual_shift(system, starts_in=timedelta(hours=1))
            await dispatcher.catch_up()
            await env.sleep(timedelta(hours=1, minutes=5))
            await settled(env, clock)
            for role in ("patrol_leader", "patrol_member"):
                patrols(system).sign_in_at_start(person(role), shift.id)
            patrols(system).sign_in_at_checkpoint(person("patrol_member"), shift.id, checkpoint="C1")
            await dispatcher.catch_up()

            # One sync starts the checkpoint clock, then settles the start clock: wait for both.
            async def opened_in_time() -> bool:
                now = clocks(system, shift)
                return "patrol.checkpoint_grace" in now and now["patrol.start_grace"].status != "running"

            await eventually(opened_in_time)
            grace = clocks(system, shift)["patrol.start_grace"]
            opened = patrols(system).shift(None, shift.id).started_at
            assert (grace.status, grace.outcome) == (
                "stopped",
                f"met: the shift opened at {opened.isoformat()}",
            )
            await env.sleep(timedelta(hours=4))

            async def checkpoints_missed() -> bool:
                return clocks(system, shift)["patrol.checkpoint_grace"].status == "missed"

            await eventually(checkpoints_missed)
            stored = patrols(system).shift(None, shift.id)
            assert {code: m["trigger"] for code, m in stored.missed.items()} == {
                "C2": "deadline",
                "C3": "deadline",
            }
            assert {m["at"] for m in stored.missed.values()} == {shift.planned_end}
            assert (
                clocks(system, shift)["patrol.checkpoint_grace"].outcome
                == "checkpoints recorded missed: C2, C3"
            )
            await settled(env, clock)
            patrols(system).sign_in_at_end(person("patrol_leader"), shift.id)
            closed = patrols(system).close_shift(person("patrol_leader"), shift.id)
            assert closed.record["checkpoints_missed"] == ["C2", "C3"]
            await dispatcher.catch_up()
            assert (await shift_handle(env, shift).result()).ended

    asyncio.run(scenario())


@pytest.mark.workflow
def test_a_shift_whose_checkpoints_are_all_signed_stops_its_checkpoint_clock_met(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            shift = manual_shift(system, starts_in=timedelta(minutes=30))
            await dispatcher.catch_up()
            await env.sleep(timedelta(minutes=40))
            await settled(env, clock)
            patrols(system).sign_in_at_start(person("patrol_leader"), shift.id)
            await dispatcher.catch_up()

            async def checkpoint_clock_running() -> bool:
                found = clocks(system, shift).get("patrol.checkpoint_grace")
                return found is not None and found.status == "running"

            await eventually(checkpoint_clock_running)
            for code in ("C1", "C2", "C3"):
                patrols(system).sign_in_at_checkpoint(person("patrol_leader"), shift.id, checkpoint=code)
            await dispatcher.catch_up()

            async def met() -> bool:
                found = clocks(system, shift).get("patrol.checkpoint_grace")
                return found is not None and found.status == "stopped"

            await eventually(met)
            assert (
                clocks(system, shift)["patrol.checkpoint_grace"].outcome
                == "met: every checkpoint settled; signed: C1, C2, C3"
            )
            await env.sleep(timedelta(hours=5))
            assert patrols(system).shift(None, shift.id).missed == {}

    asyncio.run(scenario())


# -- the activities, run twice ------------------------------------------------------------------


def test_the_schedule_activities_run_twice_open_one_shift(sqlite):
    system, _ = sqlite
    route = start_schedule(system, teamed(system), "grid")
    activities, env = PatrolScheduleActivities(system.casebook), ActivityEnvironment()
    ref = CaseRef(kind="patrol_schedule", case_id=str(route.id), episode=1)
    period = env.run(activities.plan, PeriodAsk(ref=ref, after=None))
    opened = [
        env.run(activities.open, PeriodOpening(ref=ref, start=period.start, after=None)) for _ in range(2)
    ]
    assert opened[0] == opened[1] and len(shifts_of(system, route)) == 1
    assert env.run(activities.plan, PeriodAsk(ref=ref, after=period.start)).start == period.start + DAY


def test_the_shifts_due_activity_run_twice_records_once(sqlite):
    system, _ = sqlite
    shift = manual_shift(system, starts_in=timedelta(hours=1))
    activities, env = CaseActivities(system.casebook), ActivityEnvironment()
    ref = CaseRef(kind="patrol_shift", case_id=str(shift.id))
    [grace] = env.run(activities.sync_case, ref).clocks
    for fraction in (0.5, 0.5, None, None):
        time = env.run(activities.clock_came, ClockDue(ref=ref, key=grace.key, fraction=fraction))
    assert time.ended
    assert [type(e).__name__ for e in history(system, shift)] == ["Scheduled", "Missed"]
    assert len(clocks(system, shift)["patrol.start_grace"].reminders_sent) == 1


# -- the keeper on both stores ---------------------------------------------------------------------


def test_a_shift_opened_after_its_grace_while_the_clock_lagged_is_recorded_as_late(
    system: System, clock: Clock
):
    shift = manual_shift(system, starts_in=timedelta(hours=-2), hours=4)
    patrols(system).sign_in_at_start(person("patrol_leader"), shift.id)
    time = system.casebook.keepers["patrol_shift"].sync(shift.id, 0)
    grace = clocks(system, shift)["patrol.start_grace"]
    assert (grace.status, grace.outcome, grace.ended_at) == (
        "missed",
        f"the shift opened late, at {clock.now.isoformat()}",
        shift.planned_start + timedelta(minutes=30),
    )
    assert [c.clock for c in time.clocks] == ["patrol.checkpoint_grace"] and not time.ended


def test_a_shift_recorded_missed_or_called_off_by_people_stops_its_clock(system: System, clock: Clock):
    missed = manual_shift(system, starts_in=timedelta(hours=1))
    coming = manual_shift(system, starts_in=timedelta(days=1))
    keeper = system.casebook.keepers["patrol_shift"]
    for shift in (missed, coming):
        keeper.sync(shift.id, 0)
    clock.advance(timedelta(hours=1, minutes=10))
    patrols(system).miss_shift(person("patrol_leader"), missed.id, reason="all at a fire")
    patrols(system).cancel_shift(person("patrol_leader"), coming.id, reason="typhoon")
    assert keeper.sync(missed.id, 0).ended and keeper.sync(coming.id, 0).ended
    assert clocks(system, missed)["patrol.start_grace"].outcome == (
        "ended: the shift was recorded missed by the leader (all at a fire)"
    )
    assert (
        clocks(system, coming)["patrol.start_grace"].outcome
        == "no longer applies: the shift was called off (typhoon)"
    )
    assert [type(e).__name__ for e in history(system, missed)] == ["Scheduled", "Missed"]
