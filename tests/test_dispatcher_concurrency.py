"""The dispatcher works on many cases at once but keeps each case's order: a start before
the notices that follow it, several notices in one batch as one with the highest version,
never more cases in flight than it is allowed, and the position recorded only when every
effect is done. A stand-in Temporal client records what it was asked, and when."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from temporalio.service import RPCError, RPCStatusCode

from domain.disputes.dispute import Category, Dispute, SessionOutcome, Severity
from infra.bootstrap import System, bootstrap
from service.store import CommandMeta
from tests.support import GRID, person, settings_for
from workflows.dispatcher import Dispatcher


class StandInClient:
    """Starts and signals, each held open until the test lets a few through at a time."""

    def __init__(self, fail_signal_to: str | None = None) -> None:
        self.calls: list[tuple[str, str, Any]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.fail_signal_to = fail_signal_to

    async def _effect(self, what: str, workflow_id: str, arg: Any) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await asyncio.sleep(0)  # let the other cases' effects begin before this one ends
        await asyncio.sleep(0)
        self.in_flight -= 1
        if what == "signal" and workflow_id == self.fail_signal_to:
            raise RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b"")
        self.calls.append((what, workflow_id, arg))

    async def start_workflow(self, run: Any, arg: Any, *, id: str, **_: Any) -> Any:
        await self._effect("start", id, arg)
        return SimpleNamespace(result_run_id="run")

    def get_workflow_handle(self, workflow_id: str) -> Any:
        async def signal(_: Any, notice: Any = None) -> None:
            await self._effect("signal", workflow_id, notice)

        return SimpleNamespace(signal=signal)


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


def mediate(system: System, dispute: Dispute) -> None:
    system.casebook.disputes.hold_mediation_session(
        person("mediator"), dispute.id, outcome=SessionOutcome.ADJOURNED, notes="", meta=CommandMeta()
    )


def dispatcher(system: System, client: StandInClient, concurrency: int = 4) -> Dispatcher:
    built = Dispatcher(system.reader, system.views, client, task_queue="q", concurrency=concurrency)  # type: ignore[arg-type]
    built.setup()
    return built


def test_cases_are_dispatched_concurrently_within_the_bound(system):
    disputes = [report(system) for _ in range(10)]
    client = StandInClient()
    asyncio.run(dispatcher(system, client, concurrency=4).catch_up())
    assert {workflow_id for what, workflow_id, _ in client.calls if what == "start"} == {
        f"dispute-{d.id}" for d in disputes
    }
    assert 1 < client.most_in_flight <= 4


def test_a_case_keeps_its_order_and_its_notices_in_a_batch_become_one(system):
    dispute = report(system)
    mediate(system, dispute)
    mediate(system, dispute)
    other = report(system)
    client = StandInClient()
    asyncio.run(dispatcher(system, client).catch_up())
    mine = [(what, arg) for what, workflow_id, arg in client.calls if workflow_id == f"dispute-{dispute.id}"]
    assert [what for what, _ in mine] == ["start", "signal"]
    assert mine[1][1].version == 3  # the last session's version, once
    assert [what for what, wid, _ in client.calls if wid == f"dispute-{other.id}"] == ["start"]


def test_a_failed_effect_leaves_the_position_where_it_was_so_the_batch_is_done_again(system):
    dispute = report(system)
    mediate(system, dispute)
    report(system)
    failing = dispatcher(system, StandInClient(fail_signal_to=f"dispute-{dispute.id}"))
    before = failing.position()
    with pytest.raises(RPCError):
        asyncio.run(failing.catch_up())
    assert failing.position() == before
    retried = StandInClient()
    asyncio.run(dispatcher(system, retried).catch_up())
    assert [what for what, wid, _ in retried.calls if wid == f"dispute-{dispute.id}"] == ["start", "signal"]
