"""Two dispatchers and two projectors against one PostgreSQL store, under a burst of commands
written from several threads: no read-model batch is applied twice (each read model equals a
rebuild from the log, so no row is counted twice) and each case's workflow runs once, its clock
started once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from domain.time.clocks import CaseClocks
from infra.bootstrap import System, bootstrap
from projections import followers
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from tests.conftest import _pg_settings
from tests.support import Clock, eventually
from tests.test_clock_board import report
from tests.timeskipping import running
from workflows.contracts import dispute_workflow_id
from workflows.dispatcher import Dispatcher

pytestmark = [pytest.mark.postgres, pytest.mark.workflow]

CASES = 24


@pytest.fixture
def pg_system(pg_database: dict[str, object], tmp_path: Path, clock: Clock) -> Iterator[System]:
    built = bootstrap(_pg_settings(pg_database, tmp_path), clock)
    built.seed()
    yield built
    built.close()


def seen_all(system: System, names: list[str]) -> bool:
    """Whether each follower has said it has seen the whole log (its heartbeat)."""
    head = system.reader.head()
    with system.views.reading() as cur:
        return all(f.behind == 0 for f in followers.statuses(cur, names, head, max_lag=0, silence=60))


@pytest.mark.parametrize("store", ["postgres"])  # named as the suite's PostgreSQL runs are
def test_two_dispatchers_and_two_projectors_never_apply_twice(pg_system: System, clock: Clock, store: str):
    system = pg_system
    stopping = threading.Event()
    projectors = [
        threading.Thread(target=ProjectionRunner(system.reader, system.views, p).run, args=(stopping, 0.05))
        for p in system.projections
        for _ in range(2)
    ]

    async def scenario() -> list[str]:
        async with running(system, clock) as (env, first):
            second = Dispatcher(system.reader, system.views, env.client, task_queue=first.task_queue)
            halt = asyncio.Event()
            dispatchers = [asyncio.create_task(d.run(halt, 0.05)) for d in (first, second)]
            for thread in projectors:
                thread.start()
            with ThreadPoolExecutor(4) as pool:
                disputes = await asyncio.gather(
                    *(asyncio.wrap_future(pool.submit(report, system)) for _ in range(CASES))
                )

            async def clocks_started() -> bool:
                started = [
                    await asyncio.to_thread(system.casebook.deadlines.clocks, "dispute", d.id)
                    for d in disputes
                ]
                return all(c is not None and c.clocks for c in started)

            await eventually(clocks_started, seconds=60)

            async def caught_up() -> bool:
                return await asyncio.to_thread(seen_all, system, [followers.DISPATCHER])

            await eventually(caught_up, seconds=60)
            halt.set()
            await asyncio.gather(*dispatchers)
            runs = []
            for dispute in disputes:
                described = await env.client.get_workflow_handle(
                    dispute_workflow_id(str(dispute.id))
                ).describe()
                runs.append(described.run_id)
            return [str(d.id) for d in disputes] + runs

    try:
        ids = asyncio.run(scenario())

        def projected() -> bool:
            return seen_all(system, [p.name for p in system.projections])

        asyncio.run(eventually(lambda: asyncio.to_thread(projected), seconds=60))
    finally:
        stopping.set()
        for thread in projectors:
            thread.join(timeout=30)
    for projection in system.projections:
        report_ = rebuild(system.reader, system.views, projection, switch=False)
        assert report_.equal, (projection.name, report_.differences[:5])
    disputes = ids[:CASES]
    assert len(set(ids[CASES:])) == CASES  # one run per case's workflow
    for dispute_id in disputes:
        clocks = system.casebook.deadlines.clocks("dispute", dispute_id)
        started = [
            e
            for e in system.casebook.repository.event_store.get(clocks.id)
            if isinstance(e, CaseClocks.ClockStarted)
        ]
        assert len(started) == 1, dispute_id
