"""Records clock workflow histories for the replay test (tests/test_replay.py).

Run it when a workflow change is deliberate and running cases have been migrated (or are
known to be compatible), or when a new workflow joins: `.venv/bin/python -m
tests.histories.record [scenario …]`. The files it writes are the evidence the replay test
checks new workflow code against: keep the old ones.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from domain.disputes.dispute import AgreementForm, Severity
from domain.time.calendar import Unit
from domain.time.policy import InProgress, Rule
from infra.bootstrap import bootstrap
from tests.support import Clock, eventually, person, settings_for, shipped_rules
from tests.test_dispute_workflow import handle, kinds, report
from tests.timeskipping import running

HERE = Path(__file__).parent


async def ladder(system, clock) -> None:
    async with running(system, clock) as (env, dispatcher):
        dispute = report(system)
        await dispatcher.catch_up()
        await env.sleep(timedelta(days=60))

        async def overdue() -> bool:
            return kinds(system, dispute) == ["Reported", "Escalated", "Escalated"]

        await eventually(overdue)
        clock.now = await env.get_current_time()
        system.casebook.disputes.refer_out(
            person("township"), dispute.id, route="litigation", body="Anping court"
        )
        await dispatcher.catch_up()
        await handle(env, dispute).result()
        await save(handle(env, dispute), "dispute_ladder")


async def agreement(system, clock) -> None:
    async with running(system, clock) as (env, dispatcher):
        dispute = report(system, Severity.MAJOR)
        await dispatcher.catch_up()
        await env.sleep(timedelta(hours=5))
        clock.now = await env.get_current_time()
        system.casebook.disputes.reach_agreement(
            person("grid_member"), dispute.id, form=AgreementForm.WRITTEN, terms="t"
        )
        for party in ("Zhang San", "Li Si"):
            system.casebook.disputes.sign_agreement(person("grid_member"), dispute.id, party=party)
        system.casebook.disputes.seal_agreement(person("chair"), dispute.id)
        await dispatcher.catch_up()
        await env.sleep(timedelta(days=40))
        clock.now = await env.get_current_time()
        system.casebook.rulebook.adopt_policy(
            "system:operator",
            version="replay",
            effective_from=clock.now - timedelta(minutes=1),
            in_progress=InProgress.LATEST,
            rules=shipped_rules(Rule("dispute.village", 2, Unit.HOURS)),
            reason="r",
            source="s",
            authorise=False,
        )
        system.casebook.disputes.close(person("mediator"), dispute.id, reason="done")
        await dispatcher.catch_up()
        await handle(env, dispute).result()
        await save(handle(env, dispute), "dispute_agreement")


async def patrol_schedule(system, clock) -> None:
    from tests.test_patrol_schedule_app import teamed
    from tests.test_patrol_workflow import (
        DAY,
        patrols,
        schedule_handle,
        settled,
        shift_handle,
        shifts_of,
        start_schedule,
    )

    async with running(system, clock) as (env, dispatcher):
        route = start_schedule(system, teamed(system), "grid")
        await dispatcher.catch_up()
        await env.sleep(2 * DAY + timedelta(hours=2))

        async def three_opened() -> bool:
            return len(shifts_of(system, route)) >= 3

        await eventually(three_opened)
        await settled(env, clock)
        patrols(system).stop_schedule(person("patrol_leader"), route.id, reason="harvest")
        await dispatcher.catch_up()
        await schedule_handle(env, route).result()
        await save(schedule_handle(env, route), "patrol_schedule")
        missed = shifts_of(system, route)[0]
        await shift_handle(env, missed).result()
        await save(shift_handle(env, missed), "patrol_shift_missed")


async def save(workflow_handle, name: str) -> None:
    history = await workflow_handle.fetch_history()
    (HERE / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
    print(f"recorded {name}: {len(history.events)} events")


SCENARIOS = {"dispute_ladder": ladder, "dispute_agreement": agreement, "patrol_schedule": patrol_schedule}


def main() -> None:
    """Records the scenarios named on the command line (default: all). Record only what a
    deliberate change needs: the older files are the evidence new code is checked against."""
    import sys

    names = sys.argv[1:] or list(SCENARIOS)
    for scenario in (SCENARIOS[name] for name in names):
        with tempfile.TemporaryDirectory() as folder:
            clock = Clock()
            system = bootstrap(settings_for(Path(folder)), clock)
            system.seed()
            asyncio.run(scenario(system, clock))
            system.close()


if __name__ == "__main__":
    main()
