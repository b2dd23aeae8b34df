"""How fast the dispatcher turns a burst of reported cases into Temporal starts and notices.

A burst of disputes is reported (each then mediated twice, so every case has a start and
notices to send), and the same log is dispatched twice against a fresh Temporal dev server
(WAL journal, as `fengqiao run` starts it): once one effect at a time (`--concurrency 1`, the
dispatcher as it was) and once concurrently (the default bound), each timed from the first
read to the last position recorded. No worker runs: the figure is the dispatcher's own rate,
not the workflows'. Each pass has a dev server of its own, started before the clock starts.

    .venv/bin/python -m bench.dispatch                   # 300 disputes, bounds 1 and 32
    .venv/bin/python -m bench.dispatch --cases 600 --concurrency 32

Results go to docs/benchmarks.md between this benchmark's markers.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from bench import markers, write_section
from domain.disputes.dispute import Category, SessionOutcome, Severity
from infra.bootstrap import System, bootstrap
from infra.temporal import binary
from service.casebook import Casebook
from service.store import CommandMeta
from tests.support import GRID, person, settings_for
from workflows.dispatcher import Dispatcher

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = markers("dispatch")


def report_burst(casebook: Casebook, cases: int, sessions: int = 0) -> list[str]:
    """So many disputes reported one after the other, each then mediated `sessions` times, each
    stamped with the casebook's clock; their ids."""
    ids = []
    for _ in range(cases):
        dispute = casebook.disputes.report(
            person("grid_member"),
            grid=GRID,
            parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
            category=Category.FAMILY,
            severity=Severity.MINOR,
            description="a burst",
            occurred_at=casebook.clock() - timedelta(hours=1),
            meta=CommandMeta(),
        )
        for _ in range(sessions):
            casebook.disputes.hold_mediation_session(
                person("mediator"), dispute.id, outcome=SessionOutcome.ADJOURNED, notes="", meta=CommandMeta()
            )
        ids.append(str(dispute.id))
    return ids


def burst(system: System, cases: int) -> int:
    report_burst(system.casebook, cases, sessions=2)
    return system.reader.app.recorder.max_notification_id() or 0


async def one_pass(system: System, concurrency: int, name: str) -> float:
    """One dispatch of the whole log on a Temporal dev server of its own, timed."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary("temporal")),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=[
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
        ],
    )
    try:
        dispatcher = Dispatcher(
            system.reader, system.views, env.client, task_queue="bench", concurrency=concurrency, name=name
        )
        await asyncio.to_thread(dispatcher.setup)
        started = time.perf_counter()
        await dispatcher.catch_up()
        return time.perf_counter() - started
    finally:
        await env.shutdown()


async def measure(cases: int, bound: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        system = bootstrap(settings_for(Path(tmp)))
        system.seed()
        try:
            events = burst(system, cases)
            one = await one_pass(system, 1, "bench-one")
            many = await one_pass(system, bound, "bench-many")
            one_again = await one_pass(system, 1, "bench-one-again")
        finally:
            system.close()
    return {"events": events, "one": min(one, one_again), "many": many}


def write(cases: int, bound: int, result: dict[str, float]) -> str:
    effects = cases * 2  # a start and one (coalesced) notice per case
    table = (
        f"{BEGIN}\n"
        f"{cases} disputes reported and each mediated twice ({int(result['events'])} events in the log), "
        f"dispatched against the Temporal dev server (WAL), no worker running; "
        f"{platform.python_implementation()} {platform.python_version()}, the same run:\n\n"
        "| dispatch | seconds | cases/s | ratio to one at a time |\n|---|---|---|---|\n"
        f"| one effect at a time (best of two passes) | {result['one']:.2f} "
        f"| {cases / result['one']:.0f} | 1.00 |\n"
        f"| up to {bound} cases at once | {result['many']:.2f} | {cases / result['many']:.0f} "
        f"| {result['one'] / result['many']:.2f}× |\n\n"
        f"One at a time each case needs {effects // cases} round trips in turn (the three events of a case "
        "in one batch send one notice, not two, in both passes).\n"
        f"{END}"
    )
    write_section(table, BEGIN, END, heading="## Dispatching a burst of cases to Temporal\n\n")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    result = asyncio.run(measure(args.cases, args.concurrency))
    print(write(args.cases, args.concurrency, result))


if __name__ == "__main__":
    main()
