"""The dispatcher on a real Temporal dev server: a crash between effect and position
record duplicates nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.disputes.dispute import EVENT_TOPICS, Category, Dispute, SessionOutcome, Severity
from infra.bootstrap import System, bootstrap
from infra.temporal import binary
from service.store import CommandMeta
from tests.support import GRID, eventually, person, settings_for
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import dispute_workflow_id
from workflows.dispatcher import Dispatcher
from workflows.worker import build_worker

pytestmark = pytest.mark.slow


class Crash(Exception):
    """The process dies here."""


def crash(_: Sequence[int]) -> None:
    raise Crash


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    built = bootstrap(settings_for(tmp_path))
    built.seed()
    yield built
    built.close()


def report(system: System) -> Dispute:
    return system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.FAMILY,
        severity=Severity.MINOR,
        description="inheritance of a house",
        occurred_at=system.casebook.clock() - timedelta(days=1),
        meta=CommandMeta(),
    )


def test_a_dispatcher_restarted_after_a_crash_starts_one_workflow_and_duplicates_nothing(system: System):
    async def scenario() -> None:
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(binary("temporal")),
            data_converter=pydantic_data_converter,
        )
        queue = f"q-{uuid.uuid4().hex[:8]}"

        def dispatcher(**hooks: object) -> Dispatcher:
            return Dispatcher(
                system.reader,
                system.views,
                env.client,
                task_queue=queue,
                **hooks,  # type: ignore[arg-type]
            )

        try:
            async with build_worker(env.client, system.casebook, queue):
                dispute = report(system)
                workflow_id = dispute_workflow_id(str(dispute.id))
                first = dispatcher(after_effects=crash)
                await asyncio.to_thread(first.setup)
                with pytest.raises(Crash):
                    await first.step()
                assert await asyncio.to_thread(first.position) == 0
                handle = env.client.get_workflow_handle(workflow_id)
                started_run = (await handle.describe()).run_id

                system.casebook.disputes.hold_mediation_session(
                    person("mediator"), dispute.id, outcome=SessionOutcome.ADJOURNED
                )
                with pytest.raises(Crash):
                    await first.step()  # starts again (kept), signals the session, dies again

                restarted = dispatcher()
                assert (
                    await restarted.catch_up() == 4
                )  # the seeded policy version and calendar year, the report, the session
                last_dispute_event = system.reader.read(0, 10, EVENT_TOPICS)[-1][0]
                assert await asyncio.to_thread(restarted.position) == last_dispute_event

                assert (await handle.describe()).run_id == started_run

                async def one_run_visible() -> bool:
                    return (await env.client.count_workflows(f"WorkflowId = '{workflow_id}'")).count == 1

                await eventually(one_run_visible)

                async def session_known() -> bool:
                    known = await handle.query(CaseClockWorkflow.time)
                    return known is not None and known.version == 2

                await eventually(session_known)
                history = await handle.fetch_history()
                signals = [
                    e
                    for e in history.events
                    if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
                ]
                assert len(signals) == 2, "the session notice was delivered twice and absorbed once"
                _, events = system.casebook.disputes.with_history(person("auditor"), dispute.id)
                assert [type(e).__name__ for e in events] == ["Reported", "MediationSessionHeld"]
        finally:
            await env.shutdown()

    asyncio.run(scenario())
