"""A dispute's clocks on Temporal's time-skipping test server: days pass in moments, and the
store records every reminder, missed deadline and escalation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from domain.disputes.dispute import AgreementForm, Category, Dispute, Severity
from infra.bootstrap import System
from service.store import CommandMeta
from tests.support import GRID, eventually, person
from tests.timeskipping import held, running
from workflows.activities import CaseActivities
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import CaseRef, ClockDue, case_workflow_id


def report(system: System, severity: Severity = Severity.MINOR, **meta: object) -> Dispute:
    return system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD,
        severity=severity,
        description="fence moved",
        occurred_at=system.casebook.clock() - timedelta(days=2),
        meta=CommandMeta(**meta),  # type: ignore[arg-type]
    )


def kinds(system: System, dispute: Dispute) -> list[str]:
    _, events = system.casebook.disputes.with_history(person("auditor"), dispute.id)
    return [type(e).__name__ for e in events]


def clocks(system: System, dispute: Dispute) -> dict[str, tuple[str, str | None]]:
    found = system.casebook.deadlines.clocks("dispute", dispute.id)
    return {c.clock: (c.status, c.outcome) for c in found.clocks.values()} if found else {}


def handle(env: WorkflowEnvironment, dispute: Dispute, episode: int = 0) -> WorkflowHandle:
    return env.client.get_workflow_handle_for(
        CaseClockWorkflow.run, case_workflow_id("dispute", str(dispute.id), episode)
    )


@pytest.mark.workflow
def test_a_minor_dispute_is_reminded_at_half_and_four_fifths_and_escalates_after_24_hours_not_before(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            await dispatcher.catch_up()

            async def clock_started() -> bool:
                return clocks(system, dispute).get("dispute.grid") == ("running", None)

            await eventually(clock_started)
            await env.sleep(timedelta(hours=23, minutes=59))
            assert kinds(system, dispute) == ["Reported"]
            grid = system.casebook.deadlines.clocks("dispute", dispute.id).running()[0]
            assert [(r["fraction"], r["notify"]) for r in grid.reminders_sent] == [
                (0.5, ["fang-jun", "he-ping", "li-ming", "wang-fang", "xu-min", "zhou-yun"]),
                (0.8, ["fang-jun", "he-ping", "li-ming", "wang-fang", "xu-min", "zhou-yun"]),
            ]
            assert [r["at"] for r in grid.reminders_sent] == [
                dispute.reported_at + timedelta(hours=12),
                dispute.reported_at + timedelta(hours=19, minutes=12),
            ]

            await env.sleep(timedelta(minutes=2))

            async def escalated() -> bool:
                return "dispute.village" in clocks(system, dispute)

            await eventually(escalated)
            stored = system.casebook.disputes.get(None, dispute.id)
            assert kinds(system, dispute) == ["Reported", "Escalated"]
            assert stored.level_since == dispute.reported_at + timedelta(hours=24)
            assert clocks(system, dispute)["dispute.grid"] == ("missed", "escalated to village level")
            village = system.casebook.deadlines.clocks("dispute", dispute.id).running()[0]
            calendar = system.casebook.rulebook.current().calendar("CN")
            assert village.due_at == calendar.reckon(stored.level_since, 15, village.rule["unit"]).due

    asyncio.run(scenario())


@pytest.mark.workflow
def test_an_agreement_before_the_deadline_prevents_the_escalation_and_starts_the_follow_up_clock(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            await dispatcher.catch_up()
            await env.sleep(timedelta(hours=3))
            clock.now = await env.get_current_time()
            system.casebook.disputes.reach_agreement(
                person("grid_member"), dispute.id, form=AgreementForm.ORAL, terms="fence back"
            )
            await dispatcher.catch_up()

            async def follow_up_running() -> bool:
                return clocks(system, dispute).get("dispute.follow_up") == ("running", None)

            await eventually(follow_up_running)
            assert clocks(system, dispute)["dispute.grid"] == (
                "stopped",
                "met: agreement reached at grid level",
            )
            await env.sleep(timedelta(days=20))

            async def follow_up_missed() -> bool:
                return clocks(system, dispute)["dispute.follow_up"][0] == "missed"

            await eventually(follow_up_missed)
            assert kinds(system, dispute) == ["Reported", "AgreementReached"]
            clock.now = await env.get_current_time()
            system.casebook.disputes.close(person("mediator"), dispute.id, reason="done")
            await dispatcher.catch_up()
            final = await handle(env, dispute).result()
            assert final.ended and final.clocks == []

    asyncio.run(scenario())


@pytest.mark.workflow
def test_the_clock_counts_from_the_report_even_when_the_workflow_starts_late(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system, effective_at=clock.now - timedelta(hours=20))
            await dispatcher.catch_up()
            await env.sleep(timedelta(hours=3, minutes=59))
            assert kinds(system, dispute) == ["Reported"]
            await env.sleep(timedelta(minutes=2))

            async def escalated() -> bool:
                return kinds(system, dispute) == ["Reported", "Escalated"]

            await eventually(escalated)
            assert system.casebook.disputes.get(
                None, dispute.id
            ).level_since == dispute.reported_at + timedelta(hours=24)

    asyncio.run(scenario())


@pytest.mark.workflow
def test_a_manual_escalation_stops_the_grid_clock_and_starts_the_village_one(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            await dispatcher.catch_up()
            await env.sleep(timedelta(hours=2))
            clock.now = await env.get_current_time()
            system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="beyond the grid")
            await dispatcher.catch_up()

            async def moved() -> bool:
                return "dispute.village" in clocks(system, dispute)

            await eventually(moved)
            assert clocks(system, dispute)["dispute.grid"] == (
                "stopped",
                "left the level: now at village level",
            )
            await env.sleep(timedelta(days=1))
            assert kinds(system, dispute) == ["Reported", "Escalated"]

    asyncio.run(scenario())


@pytest.mark.workflow
def test_a_major_dispute_is_filed_with_the_township_at_once(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (_env, dispatcher):
            dispute = report(system, Severity.MAJOR)
            await dispatcher.catch_up()

            async def filed() -> bool:
                return system.casebook.disputes.get(None, dispute.id).filed_with_township

            await eventually(filed)
            _, events = system.casebook.disputes.with_history(person("auditor"), dispute.id)
            assert (events[1].actor, events[1].township, events[1].effective_at) == (
                "system:deadline",
                "anping.dongxi",
                dispute.reported_at,
            )

    asyncio.run(scenario())


@pytest.mark.workflow
def test_the_whole_ladder_then_overdue_at_the_township(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            await dispatcher.catch_up()
            await env.sleep(timedelta(days=60))

            async def overdue() -> bool:
                return clocks(system, dispute).get("dispute.township", ("", None))[0] == "missed"

            await eventually(overdue)
            assert kinds(system, dispute) == ["Reported", "Escalated", "Escalated"]
            assert (
                clocks(system, dispute)["dispute.township"][1]
                == "overdue at township level: to be referred out"
            )
            await held(handle(env, dispute), lambda time: time.clocks == [])

    asyncio.run(scenario())


@pytest.mark.workflow
def test_a_reopened_dispute_gets_a_new_episode_with_a_fresh_clock(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            await dispatcher.catch_up()
            clock.now = await env.get_current_time()
            system.casebook.disputes.reach_agreement(
                person("grid_member"), dispute.id, form=AgreementForm.ORAL, terms="ok"
            )
            system.casebook.disputes.close(person("mediator"), dispute.id, reason="done")
            await dispatcher.catch_up()
            await handle(env, dispute).result()
            await env.sleep(timedelta(days=3))
            clock.now = await env.get_current_time()
            system.casebook.disputes.reopen(person("mediator"), dispute.id, reason="the fence moved again")
            await dispatcher.catch_up()

            async def new_grid_clock() -> bool:
                found = system.casebook.deadlines.clocks("dispute", dispute.id)
                return found is not None and any(
                    c.clock == "dispute.grid" and c.started_at == clock.now for c in found.running()
                )

            await eventually(new_grid_clock)
            await held(
                handle(env, dispute, episode=1),
                lambda time: [c.clock for c in time.clocks] == ["dispute.grid"],
            )

    asyncio.run(scenario())


def test_the_due_activity_run_twice_records_once(sqlite):
    system, _ = sqlite
    dispute = report(system)
    activities = CaseActivities(system.casebook)
    env = ActivityEnvironment()
    ref = CaseRef(kind="dispute", case_id=str(dispute.id))
    [grid] = env.run(activities.sync_case, ref).clocks
    first = env.run(activities.clock_came, ClockDue(ref=ref, key=grid.key))
    second = env.run(activities.clock_came, ClockDue(ref=ref, key=grid.key))
    assert first == second and first.clocks[0].clock == "dispute.village"
    assert kinds(system, dispute) == ["Reported", "Escalated"]
    for fraction in (0.5, 0.5):
        env.run(activities.clock_came, ClockDue(ref=ref, key=first.clocks[0].key, fraction=fraction))
    village = system.casebook.deadlines.clocks("dispute", dispute.id).running()[0]
    assert [r["fraction"] for r in village.reminders_sent] == [0.5]
