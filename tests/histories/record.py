"""Records clock workflow histories for the replay test (tests/test_replay.py).

Run it when a workflow change is deliberate and running cases have been migrated (or are
known to be compatible): `.venv/bin/python -m tests.histories.record`. The files it writes
are the evidence the replay test checks new workflow code against.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from domain.calendar import Unit
from domain.dispute import AgreementForm, Severity
from domain.policy import InProgress, Rule
from infra.bootstrap import bootstrap
from tests.support import shipped_rules, Clock, eventually, person, settings_for
from tests.test_dispute_workflow import handle, kinds, report
from tests.timeskipping import running

HERE = Path(__file__).parent


async def ladder(system, clock) -> None:  # noqa: ANN001
    async with running(system, clock) as (env, dispatcher):
        dispute = report(system)
        await dispatcher.catch_up()
        await env.sleep(timedelta(days=60))

        async def overdue() -> bool:
            return kinds(system, dispute) == ["Reported", "Escalated", "Escalated"]

        await eventually(overdue)
        clock.now = await env.get_current_time()
        system.casebook.disputes.refer_out(person("township"), dispute.id, route="litigation", body="Anping court")
        await dispatcher.catch_up()
        await handle(env, dispute).result()
        await save(handle(env, dispute), "dispute_ladder")


async def agreement(system, clock) -> None:  # noqa: ANN001
    async with running(system, clock) as (env, dispatcher):
        dispute = report(system, Severity.MAJOR)
        await dispatcher.catch_up()
        await env.sleep(timedelta(hours=5))
        clock.now = await env.get_current_time()
        system.casebook.disputes.record_agreement(person("grid_member"), dispute.id, form=AgreementForm.WRITTEN, terms="t")
        for party in ("Zhang San", "Li Si"):
            system.casebook.disputes.sign_agreement(person("grid_member"), dispute.id, party=party)
        system.casebook.disputes.seal_agreement(person("chair"), dispute.id)
        await dispatcher.catch_up()
        await env.sleep(timedelta(days=40))
        clock.now = await env.get_current_time()
        system.casebook.rulebook.adopt_policy(
            "system:operator", version="replay", effective_from=clock.now - timedelta(minutes=1),
            in_progress=InProgress.LATEST, rules=shipped_rules(Rule("dispute.village", 2, Unit.HOURS)), reason="r", source="s",
            authorise=False,
        )
        system.casebook.disputes.close(person("mediator"), dispute.id, reason="done")
        await dispatcher.catch_up()
        await handle(env, dispute).result()
        await save(handle(env, dispute), "dispute_agreement")


async def save(workflow_handle, name: str) -> None:  # noqa: ANN001
    history = await workflow_handle.fetch_history()
    (HERE / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
    print(f"recorded {name}: {len(history.events)} events")


def main() -> None:
    for scenario in (ladder, agreement):
        with tempfile.TemporaryDirectory() as folder:
            clock = Clock()
            system = bootstrap(settings_for(Path(folder)), clock)
            system.seed()
            asyncio.run(scenario(system, clock))
            system.close()


if __name__ == "__main__":
    main()
