"""Sweeps on Temporal's time-skipping test server: the rounds open each unit's sweep for the
week, and a week later the one nobody recorded is reminded, missed and counted, while a
zero-report keeps its grid green."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.sweeps.sweep import Sweep, SweepStatus, period_start
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from service import kinds
from tests.support import GRID, OTHER_GRID, VILLAGE, eventually, person
from tests.timeskipping import running
from workflows.rhythm import start_sweep_rounds
from workflows.rhythm_contracts import SWEEP_ROUNDS_ID
from workflows.sweep_rounds import SweepRoundsWorkflow

WEEK = timedelta(days=7)


def sweep_of(system: System, node: str, at) -> Sweep | None:
    return system.casebook.sweeps.find(node, period_start(at, WEEK))


def facts(system: System, unit: str, year: int) -> list:
    runner = ProjectionRunner(system.reader, system.views, system.scoring_facts)
    runner.setup()
    runner.catch_up()
    with system.views.reading() as cur:
        return system.scoring_facts.facts(cur, unit, year)


@pytest.mark.workflow
def test_a_week_passes_and_the_sweep_nobody_recorded_is_reminded_missed_and_counted(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            now = clock.now
            await start_sweep_rounds(env.client, dispatcher.task_queue)

            async def opened() -> bool:
                return (
                    sweep_of(system, GRID, now) is not None and sweep_of(system, OTHER_GRID, now) is not None
                )

            await eventually(opened)
            silent, green = sweep_of(system, GRID, now), sweep_of(system, OTHER_GRID, now)
            await dispatcher.catch_up()  # each sweep's clock workflow starts
            # group 2 has no grid member in the demo: the village's mediator sweeps it
            system.casebook.sweeps.report_zero(person("mediator"), green.id, note="nothing found")
            await dispatcher.catch_up()
            await env.sleep(WEEK)

            async def missed() -> bool:
                return (
                    system.casebook.sweeps.find(silent.node, silent.period_start).status == SweepStatus.MISSED
                )

            await eventually(missed)
            clocks = system.casebook.deadlines.clocks(kinds.SWEEP, silent.id)
            [due] = clocks.clocks.values()
            assert due.status == "missed" and [r["notify"] for r in due.reminders_sent] == [
                [person("grid_member")]
            ]
            kept = system.casebook.sweeps.find(green.node, green.period_start)
            assert kept.status == SweepStatus.ZERO_REPORTED and not kept.late
            green_clocks = system.casebook.deadlines.clocks(kinds.SWEEP, green.id)
            assert not green_clocks or not green_clocks.overdue()
            counted = [
                f for f in facts(system, VILLAGE, silent.period_start.year) if f.kind == "sweep.missed"
            ]
            by_sweep = {f.fact_id.split(":")[0]: f.effective_at for f in counted}
            assert by_sweep[str(silent.id)] == due.due_at and str(green.id) not in by_sweep
            # the rounds opened the next week's sweeps when it began
            assert sweep_of(system, GRID, now + WEEK) is not None
            state = await env.client.get_workflow_handle(SWEEP_ROUNDS_ID).query(SweepRoundsWorkflow.state)
            assert state.rounds >= 2

    asyncio.run(scenario())
