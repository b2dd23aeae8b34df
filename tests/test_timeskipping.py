"""The time-skipping test server that the workflow tests share (tests/timeskipping.py): what one
test leaves running must not hold up the next, and a server far ahead of today is replaced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus

from tests import support, timeskipping
from tests.support import eventually
from tests.test_dispute_workflow import clocks, handle, report
from tests.timeskipping import DRIFT, running

pytestmark = pytest.mark.workflow


def test_a_workflow_a_test_leaves_waiting_is_ended_and_does_not_hold_up_the_next_test(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            left = report(system)
            await dispatcher.catch_up()

            async def clock_running() -> bool:
                return clocks(system, left).get("dispute.grid") == ("running", None)

            await eventually(clock_running)
        first = env
        async with running(system, clock) as (env, dispatcher):
            assert env is first  # the same server
            before = await env.get_current_time()
            # The first test's grid clock (24 hours) would come due in this sleep, on a queue that
            # no worker polls any more: the server would wait for it in real time.
            await asyncio.wait_for(env.sleep(timedelta(days=2)), timeout=20)
            assert await env.get_current_time() >= before + timedelta(days=2)
            described = await handle(env, left).describe()
            assert described.status == WorkflowExecutionStatus.TERMINATED

    asyncio.run(scenario())


def test_a_server_far_ahead_of_today_is_replaced_before_the_next_test(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, _):
            await env.sleep(DRIFT + timedelta(days=1))
        far = env
        started = timeskipping.servers_started
        async with running(system, clock) as (env, _):
            assert env is not far and timeskipping.servers_started == started + 1
            assert abs(await env.get_current_time() - datetime.now(UTC)) < timedelta(minutes=5)
            assert abs(clock.now - datetime.now(UTC)) < timedelta(minutes=5)

    asyncio.run(scenario())


class Unmarked:
    nodeid = "tests/test_new.py::test_a_new_workflow_test"

    def get_closest_marker(self, name: str) -> None:
        return None


def test_a_test_on_the_server_must_be_marked_workflow(sqlite, monkeypatch: pytest.MonkeyPatch):
    system, clock = sqlite
    monkeypatch.setattr(support, "current_test", Unmarked())

    async def scenario() -> None:
        async with running(system, clock):
            pass

    with pytest.raises(
        AssertionError, match=r"test_a_new_workflow_test runs on .* mark it @pytest.mark.workflow"
    ):
        asyncio.run(scenario())
