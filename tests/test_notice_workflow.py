"""A missed deadline reaches the stub webhook exactly once, through the dispatcher and the notice
workflow, although the first attempt fails and the dispatcher reads the log twice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from domain.notices import Notice
from infra.bootstrap import System
from service.notify.channels import Inbox, Webhook
from service.notify.config import Routing
from service.notify.courier import Courier
from tests.stub_server import stub_server
from tests.support import Clock
from tests.test_clock_board import report
from tests.timeskipping import running
from workflows.dispatcher import Dispatcher
from workflows.worker import build_worker

pytestmark = pytest.mark.workflow


def test_an_overdue_notice_reaches_the_webhook_once_after_a_failed_attempt(
    sqlite_system: System, clock: Clock
):
    system = sqlite_system

    async def scenario(url: str) -> list[object]:
        async with running(system, clock) as (env, _):
            late = report(system, effective_at=clock.now - timedelta(hours=30))
            keeper = system.casebook.keepers["dispute"]
            await asyncio.to_thread(keeper.sync, late.id, 0)
            [grid] = system.casebook.deadlines.clocks("dispute", late.id).running()
            await asyncio.to_thread(keeper.due, late.id, 0, grid.key, None)
            routing = Routing(
                channels={"inbox": Inbox(), "webhook": Webhook(url=url, secret=b"s")},
                routes={"overdue": ["webhook"]},
            )
            queue = f"notices-{uuid.uuid4().hex[:8]}"
            dispatcher = Dispatcher(system.reader, system.views, env.client, task_queue=queue, name="notices")
            async with build_worker(
                env.client, system.casebook, queue, Courier(system.casebook.notices, routing)
            ):
                await asyncio.to_thread(dispatcher.setup)
                await dispatcher.catch_up()  # records the notice of the missed deadline
                await dispatcher.catch_up()  # starts its delivery
                with system.views.transaction() as cur:  # read the log again from the start
                    cur.execute("UPDATE fq_tracking SET position = 0 WHERE name = 'notices'")
                await dispatcher.catch_up()
                notices = [e for _, e in system.reader.read(0, 100_000, (Notice.Requested.TOPIC,))]
                assert [n.what for n in notices] == ["overdue"]
                handle = env.client.get_workflow_handle(f"notice-{notices[0].originator_id}")
                await handle.result()
                return list(system.casebook.repository.event_store.get(notices[0].originator_id))

    with stub_server((500, {})) as stub:
        recorded = asyncio.run(scenario(stub.url))
        deliveries = [
            (type(e).__name__, e.channel, e.attempt) for e in recorded if type(e).__name__ != "Requested"
        ]
    assert len(stub.received) == 2 and stub.received[1].json()["what"] == "overdue"
    assert sorted(deliveries) == [
        ("NotificationFailed", "webhook", 1),
        ("NotificationSent", "inbox", 1),
        ("NotificationSent", "webhook", 2),
    ]
