"""The system on Temporal's time-skipping test server: the dispatcher and a worker on a task
queue of their own, the test's clock set to the server's time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from infra.bootstrap import System
from infra.temporal import binary
from tests.support import Clock, eventually
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import CaseTime
from workflows.dispatcher import Dispatcher
from workflows.worker import build_worker


@asynccontextmanager
async def running(system: System, clock: Clock) -> AsyncIterator[tuple[WorkflowEnvironment, Dispatcher]]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binary("temporal-test-server")),
        data_converter=pydantic_data_converter,
    )
    clock.now = await env.get_current_time()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    dispatcher = Dispatcher(system.reader, system.views, env.client, task_queue=queue)
    await asyncio.to_thread(dispatcher.setup)
    try:
        async with build_worker(env.client, system.casebook, queue):
            yield env, dispatcher
    finally:
        await env.shutdown()


async def held(handle: WorkflowHandle, check: Callable[[CaseTime], bool]) -> CaseTime:
    """What a case's clock workflow holds once it passes `check`. The store records inside an
    activity, and the workflow learns the result only when that activity returns, so what it
    holds may lag behind the store."""
    found: list[CaseTime] = []

    async def holds() -> bool:
        time = await handle.query(CaseClockWorkflow.time)
        found[:] = [time] if time is not None else []
        return bool(found) and check(found[0])

    await eventually(holds)
    return found[0]
