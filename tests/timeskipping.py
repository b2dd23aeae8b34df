"""The system on Temporal's time-skipping test server: the dispatcher and a worker on a task
queue of their own, the test's clock set to the server's time.

One test server serves the session's tests in turn (pytest runs them one at a time; time
skipping is global to a server, so two tests must never skip time on it at once). What a test
leaves behind would hold up the next: a workflow still waiting for a timer gets a task when the
next test skips time, on a queue no worker polls any more, and the server then waits in real
time. So every workflow a test starts is terminated when the test ends, once it has no task under
way (terminated in the middle of a workflow task, it leaves the server holding time back for
good: the server is then checked, and replaced when it no longer skips time at once). A server
whose clock has run far ahead of the wall clock (a test that skips a year, or awaits a
workflow's end, after which the server jumps to its next timer) is replaced too, so that every
test starts within DRIFT of today, as on a server of its own; `running(..., own_server=True)`
gives a test a server of its own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import (
    Interceptor,
    OutboundInterceptor,
    StartWorkflowInput,
    WorkflowExecutionStatus,
    WorkflowHandle,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from infra.bootstrap import System
from infra.components import briefing_writer
from infra.temporal import binary
from tests import support
from tests.support import Clock, eventually
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import CaseTime
from workflows.dispatcher import Dispatcher
from workflows.worker import build_worker

DRIFT = timedelta(days=30)  # how far ahead of the wall clock a shared server may stand


class Started(Interceptor):
    """Notes the id of every workflow started through the client."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Noting(next, self.ids)


class _Noting(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, ids: list[str]) -> None:
        super().__init__(next)
        self.ids = ids

    async def start_workflow(self, input: StartWorkflowInput) -> Any:
        self.ids.append(input.id)
        return await super().start_workflow(input)


class Server:
    """A time-skipping test server and what its client started."""

    def __init__(self, env: WorkflowEnvironment, started: Started) -> None:
        self.env, self.started = env, started
        self.tests = 0
        self.fit = True  # False once a test has left it holding time back

    @classmethod
    async def start(cls) -> Server:
        started = Started()
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(binary("temporal-test-server")),
            data_converter=pydantic_data_converter,
            interceptors=[started],
        )
        return cls(env, started)

    async def clear(self) -> bool:
        """Terminates every workflow started since the last clear that has not ended; whether
        the server is still fit for the next test."""
        ids, self.started.ids[:] = list(dict.fromkeys(self.started.ids)), []
        for workflow_id in ids:
            handle = self.env.client.get_workflow_handle(workflow_id)
            try:
                if await _settled(handle):
                    await handle.terminate("the test is over")
            except RPCError:
                pass  # ended already
        return await self._skips_time()

    async def _skips_time(self) -> bool:
        """Whether the server still skips time at once: a workflow terminated in the middle of a
        workflow task leaves it holding time back for good (then it sleeps in real time)."""
        try:
            await asyncio.wait_for(self.env.sleep(timedelta(seconds=30)), timeout=5)
        except TimeoutError:
            return False
        return True

    async def fresh(self) -> bool:
        """Whether the next test may use this server."""
        return self.fit and await self.env.get_current_time() - datetime.now(UTC) <= DRIFT


async def _settled(handle: WorkflowHandle, tries: int = 100) -> bool:
    """Waits (a bounded while) until a running workflow has no workflow task or activity under
    way, so that terminating it frees the server; False when it has ended."""
    for _ in range(tries):
        described = await handle.describe()
        if described.status != WorkflowExecutionStatus.RUNNING:
            return False
        raw = described.raw_description
        if not raw.HasField("pending_workflow_task") and not raw.pending_activities:
            return True
        await asyncio.sleep(0.02)
    return True


_shared: Server | None = None
servers_started = 0  # servers started for the session (for the tests of this module)


async def _server(own: bool) -> Server:
    global _shared, servers_started
    if own:
        servers_started += 1
        return await Server.start()
    if _shared is not None and not await _shared.fresh():
        await _shared.env.shutdown()
        _shared = None
    if _shared is None:
        servers_started += 1
        _shared = await Server.start()
    return _shared


def stop() -> None:
    """Stops the shared server (at the end of the session)."""
    global _shared
    if _shared is not None:
        asyncio.run(_shared.env.shutdown())
        _shared = None


def _check_marked() -> None:
    test = support.current_test
    if test is not None and test.get_closest_marker("workflow") is None:
        raise AssertionError(
            f"{test.nodeid} runs on the time-skipping test server: mark it @pytest.mark.workflow "
            "(make test-fast leaves such tests out)"
        )


@asynccontextmanager
async def running(
    system: System, clock: Clock, own_server: bool = False
) -> AsyncIterator[tuple[WorkflowEnvironment, Dispatcher]]:
    _check_marked()
    server = await _server(own_server)
    server.tests += 1
    env = server.env
    clock.now = await env.get_current_time()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    dispatcher = Dispatcher(system.reader, system.views, env.client, task_queue=queue)
    await asyncio.to_thread(dispatcher.setup)
    try:
        async with build_worker(env.client, system.casebook, queue, briefings=briefing_writer(system)):
            try:
                yield env, dispatcher
            finally:
                server.fit = await server.clear()
    finally:
        if own_server:
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
