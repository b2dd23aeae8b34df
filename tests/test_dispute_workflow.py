"""The deadline clock, on Temporal's time-skipping test server: days pass in moments."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from domain.dispute import AgreementForm, Category, Dispute, Severity
from infra.bootstrap import System, bootstrap
from infra.temporal import binary
from tests.support import GRID, Clock, eventually, person, settings_for
from workflows.activities import DisputeActivities
from workflows.contracts import DisputeClock, MissedDeadline, dispute_workflow_id
from workflows.dispatcher import Dispatcher
from workflows.dispute_case import DisputeCaseWorkflow
from workflows.worker import build_worker

DEADLINES = {"grid": timedelta(hours=24), "village": timedelta(days=15)}


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[tuple[System, Clock]]:
    clock = Clock()
    system = bootstrap(settings_for(tmp_path), clock)
    system.seed()
    yield system, clock
    system.close()


@asynccontextmanager
async def running(system: System, clock: Clock) -> AsyncIterator[tuple[WorkflowEnvironment, Dispatcher]]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binary("temporal-test-server")),
        data_converter=pydantic_data_converter,
    )
    clock.now = await env.get_current_time()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    dispatcher = Dispatcher(system.reader, system.views, env.client, task_queue=queue, deadlines=DEADLINES)
    await asyncio.to_thread(dispatcher.setup)
    try:
        async with build_worker(env.client, system.casebook, queue):
            yield env, dispatcher
    finally:
        await env.shutdown()


def report(system: System, severity: Severity = Severity.MINOR, **meta: object) -> Dispute:
    from domain.casebook import CommandMeta

    return system.casebook.disputes.report(
        person("grid_member"), grid=GRID, parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD, severity=severity, description="fence moved",
        occurred_at=system.casebook.clock() - timedelta(days=2), meta=CommandMeta(**meta),  # type: ignore[arg-type]
    )


def kinds(system: System, dispute: Dispute) -> list[str]:
    _, events = system.casebook.disputes.with_history(person("auditor"), dispute.id)
    return [type(e).__name__ for e in events]


async def clock_of(env: WorkflowEnvironment, dispute: Dispute) -> DisputeClock:
    handle = env.client.get_workflow_handle(dispute_workflow_id(str(dispute.id)))
    return await handle.query(DisputeCaseWorkflow.clock)


def test_a_minor_dispute_escalates_to_the_village_after_24_hours_and_not_before(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            await dispatcher.catch_up()
            assert (await clock_of(env, dispute)).due_at == dispute.reported_at + timedelta(hours=24)

            await env.sleep(timedelta(hours=23, minutes=59))
            assert kinds(system, dispute) == ["Reported"]
            assert (await clock_of(env, dispute)).level == "grid"

            await env.sleep(timedelta(minutes=2))

            async def escalated() -> bool:
                return (await clock_of(env, dispute)).level == "village"

            await eventually(escalated)
            stored = system.casebook.disputes.get(None, dispute.id)
            assert kinds(system, dispute) == ["Reported", "Escalated"]
            assert stored.level_since == dispute.reported_at + timedelta(hours=24)
            assert (await clock_of(env, dispute)).due_at == stored.level_since + timedelta(days=15)

    asyncio.run(scenario())


def test_an_agreement_before_the_deadline_prevents_the_escalation(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            await dispatcher.catch_up()
            await env.sleep(timedelta(hours=3))
            clock.now = await env.get_current_time()
            system.casebook.disputes.record_agreement(
                person("grid_member"), dispute.id, form=AgreementForm.ORAL, terms="fence back"
            )
            await dispatcher.catch_up()
            handle = env.client.get_workflow_handle_for(
                DisputeCaseWorkflow.run, dispute_workflow_id(str(dispute.id))
            )
            final = await handle.result()
            assert final.resolved and final.level == "grid"
            await env.sleep(timedelta(days=2))
            assert kinds(system, dispute) == ["Reported", "AgreementReached"]

    asyncio.run(scenario())


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
                return (await clock_of(env, dispute)).level == "village"

            await eventually(escalated)
            assert system.casebook.disputes.get(None, dispute.id).level_since == dispute.reported_at + timedelta(hours=24)

    asyncio.run(scenario())


def test_a_manual_escalation_restarts_the_clock_at_the_new_level(sqlite):
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
                return (await clock_of(env, dispute)).level == "village"

            await eventually(moved)
            assert (await clock_of(env, dispute)).due_at == clock.now + timedelta(days=15)
            await env.sleep(timedelta(days=1))
            assert kinds(system, dispute) == ["Reported", "Escalated"]

    asyncio.run(scenario())


def test_the_escalation_activity_run_twice_appends_once(sqlite):
    system, _ = sqlite
    dispute = report(system)
    activities = DisputeActivities(system.casebook)
    missed = MissedDeadline(
        dispute_id=str(dispute.id), from_level="grid",
        due_at=dispute.reported_at + timedelta(hours=24), period=timedelta(hours=24),
    )
    env = ActivityEnvironment()
    first = env.run(activities.escalate_for_missed_deadline, missed)
    second = env.run(activities.escalate_for_missed_deadline, missed)
    assert first == second
    assert (first.level, first.version) == ("village", 2)
    assert kinds(system, dispute) == ["Reported", "Escalated"]
