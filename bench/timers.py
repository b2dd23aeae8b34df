"""Bare Temporal timers: the baseline of bench/load.py, on the same server in the same run.

A workflow that holds no rules and reads no store: it sleeps until each of its moments (absolute
times) and, at each, runs one activity that notes the wall-clock time it ran — the same path a
case's clock takes when a moment comes (a timer fires, a workflow task, an activity), without the
store. Its worker runs in a process of its own, as the system's worker does, with the SDK's
defaults, as the system's worker has:

    .venv/bin/python -m bench.timers ADDRESS TASK_QUEUE
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime, timedelta

from pydantic import BaseModel
from temporalio import activity, workflow


class Moments(BaseModel):
    moments: list[datetime]


class Woke(BaseModel):
    at: list[float]  # the wall-clock time (epoch seconds) each moment's activity ran


@activity.defn(name="bare_woke")
async def woke() -> float:
    return time.time()


@workflow.defn(name="BareTimerWorkflow")
class BareTimerWorkflow:
    @workflow.run
    async def run(self, moments: Moments) -> Woke:
        at = []
        for moment in moments.moments:
            remaining = (moment - workflow.now()).total_seconds()
            if remaining > 0:
                await workflow.sleep(remaining)
            at.append(await workflow.execute_activity(woke, start_to_close_timeout=timedelta(minutes=1)))
        return Woke(at=at)


async def serve(address: str, task_queue: str) -> None:
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.worker import Worker

    client = await Client.connect(address, data_converter=pydantic_data_converter)
    worker = Worker(client, task_queue=task_queue, workflows=[BareTimerWorkflow], activities=[woke])
    print("bare timers: polling", task_queue, flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
