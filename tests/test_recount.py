"""A corrected calendar, or a policy for running clocks, moves open deadlines: the old and the
new due time are both recorded, and the clock workflows count to the new one."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.disputes.dispute import Dispute
from domain.time.calendar import CHINA, CalendarYear, Unit
from domain.time.clocks import ClockState
from domain.time.explain import explain
from domain.time.policy import InProgress, Rule
from infra.bootstrap import System
from infra.rules_files import CalendarFile, load_rules_file, read_rules_file
from tests.support import ROOT, Clock, eventually, person, shipped_rules
from tests.test_dispute_workflow import kinds, report
from tests.timeskipping import held, running
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import case_workflow_id

CN_2026 = ROOT / "config" / "calendars" / "CN-2026.toml"

# A year no shipped calendar covers, so that loading it is a first load however many years ship
# later; its one holiday and one make-up working Saturday are made up for the test.
LATE_YEAR = CalendarFile(
    "CN",
    CalendarYear(2040, frozenset({date(2040, 1, 6)}), frozenset({date(2040, 1, 7)})),
    source="test: 2040 made up",
)


def escalated_on(system: System, clock: Clock, at: datetime) -> tuple[Dispute, ClockState]:
    """A dispute escalated to the village at `at`, and its village clock (15 calendar days)."""
    clock.now = at
    dispute = report(system)
    system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="beyond the grid")
    [village] = system.casebook.keepers["dispute"].sync(dispute.id, 0).clocks
    return dispute, village


def test_a_calendar_correction_moves_an_open_deadline_and_keeps_the_old_one(system: System, clock: Clock):
    clock.now = datetime(2026, 9, 22, 10, 0, tzinfo=UTC)
    dispute = report(system)
    system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="beyond the grid")
    [village] = system.casebook.keepers["dispute"].sync(dispute.id, 0).clocks
    assert village.due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=CHINA)

    file = read_rules_file(CN_2026)
    corrected = replace(file, year=replace(file.year, holidays=file.year.holidays | {date(2026, 10, 8)}))
    assert (
        load_rules_file(system.casebook, corrected, actor="system:operator", reason="8 Oct made a holiday")
        == "corrected"
    )
    moved = system.casebook.deadlines.recompute_open_clocks(reason="calendar CN 2026 corrected", at=clock.now)
    assert moved == [("dispute", str(dispute.id))]
    again = system.casebook.deadlines.recompute_open_clocks(reason="calendar CN 2026 corrected", at=clock.now)
    assert again == [], "counting again on the same versions changes nothing"

    recounted = system.casebook.deadlines.clocks("dispute", dispute.id).clock(village.key)
    assert recounted.due_at == datetime(2026, 10, 9, 23, 59, 59, tzinfo=CHINA)
    assert recounted.calendar_version == 2
    [change] = recounted.recomputations
    assert (change["from"], change["to"]) == (village.due_at, recounted.due_at)
    text = explain(recounted, clock.now)
    assert (
        "Recomputed 2026-09-22T18:00:00+08:00 on calendar version 2: due 2026-10-08T23:59:59+08:00 became "
        "2026-10-09T23:59:59+08:00 (calendar CN 2026 corrected)." in text
    )


def test_a_policy_for_running_clocks_moves_them_and_one_for_new_clocks_does_not(system: System, clock: Clock):
    dispute = report(system)
    system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="beyond the grid")
    [village] = system.casebook.keepers["dispute"].sync(dispute.id, 0).clocks
    rules = shipped_rules(Rule("dispute.village", 5, Unit.CALENDAR_DAYS))
    system.casebook.rulebook.adopt_policy(
        "system:operator",
        version="new-only",
        effective_from=clock.now - timedelta(hours=1),
        in_progress=InProgress.AT_CLOCK_START,
        rules=rules,
        reason="faster for new cases",
        source="t",
        authorise=False,
    )
    assert system.casebook.deadlines.recompute_open_clocks(reason="r", at=clock.now) == []
    system.casebook.rulebook.adopt_policy(
        "system:operator",
        version="everyone",
        effective_from=clock.now - timedelta(minutes=30),
        in_progress=InProgress.LATEST,
        rules=rules,
        reason="faster for every case",
        source="t",
        authorise=False,
    )
    assert system.casebook.deadlines.recompute_open_clocks(reason="r", at=clock.now) == [
        ("dispute", str(dispute.id))
    ]
    recounted = system.casebook.deadlines.clocks("dispute", dispute.id).clock(village.key)
    assert (recounted.policy_version, recounted.rule["amount"]) == ("everyone", 5)
    assert recounted.due_at < village.due_at


def test_a_recount_replayed_after_a_later_policy_leaves_the_clocks_on_the_later_one(
    system: System, clock: Clock
):
    """The dispatcher replays every policy adopted, in order, when it starts again from the log
    (`fengqiao restore --fresh-temporal`): the replay of an older policy for running clocks must
    not count a clock started under it back onto it after a later one moved it."""
    adopted = []
    for version, days in (("ten days", 10), ("five days", 5)):
        clock.advance(timedelta(hours=1))
        system.casebook.rulebook.adopt_policy(
            "system:operator",
            version=version,
            effective_from=clock.now - timedelta(minutes=1),
            in_progress=InProgress.LATEST,
            rules=shipped_rules(Rule("dispute.village", days, Unit.CALENDAR_DAYS)),
            reason=version,
            source="t",
            authorise=False,
        )
        adopted.append(clock.now)
        system.casebook.deadlines.recompute_open_clocks(reason=version, at=clock.now)
        if version == "ten days":  # a clock started under the first, moved by the second
            clock.advance(timedelta(minutes=5))
            dispute, village = escalated_on(system, clock, clock.now)
            assert village.policy_version == "ten days"
    deadlines = system.casebook.deadlines
    before = deadlines.clocks("dispute", dispute.id)
    assert before.clock(village.key).policy_version == "five days"
    clock.advance(timedelta(days=1))  # the dispatcher starts again from the log
    for at in adopted:
        assert deadlines.recompute_open_clocks(reason="replayed", at=at) == []
    after = deadlines.clocks("dispute", dispute.id)
    assert (after.version, after.clock(village.key)) == (before.version, before.clock(village.key))


@pytest.mark.workflow
def test_a_running_workflow_counts_to_the_moved_deadline(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            dispute = report(system)
            clock.now = await env.get_current_time()
            system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="beyond the grid")
            await dispatcher.catch_up()

            async def village_clock() -> bool:
                found = system.casebook.deadlines.clocks("dispute", dispute.id)
                return found is not None and any(c.clock == "dispute.village" for c in found.running())

            await eventually(village_clock)
            system.casebook.rulebook.adopt_policy(
                "system:operator",
                version="two-hours",
                effective_from=clock.now - timedelta(minutes=1),
                in_progress=InProgress.LATEST,
                rules=shipped_rules(Rule("dispute.village", 2, Unit.HOURS)),
                reason="drill",
                source="t",
                authorise=False,
            )
            await dispatcher.catch_up()
            await env.sleep(timedelta(hours=1, minutes=50))
            assert kinds(system, dispute) == ["Reported", "Escalated"]
            await env.sleep(timedelta(minutes=20))

            async def escalated_twice() -> bool:
                return kinds(system, dispute) == ["Reported", "Escalated", "Escalated"]

            await eventually(escalated_twice)

    asyncio.run(scenario())


def test_a_year_loaded_late_recounts_the_clocks_that_run_into_it_and_no_other(system: System, clock: Clock):
    earlier, before = escalated_on(system, clock, datetime(2039, 11, 1, 2, 0, tzinfo=UTC))
    dispute, village = escalated_on(system, clock, datetime(2039, 12, 22, 2, 0, tzinfo=UTC))
    assert village.due_at == datetime(2040, 1, 6, 23, 59, 59, tzinfo=CHINA)  # Friday; 2040 unknown
    assert village.unknown_years == [2039, 2040]
    assert any(
        line.startswith(
            "Provisional: no holiday notice is loaded for 2039, 2040, so only its statutory holidays"
        )
        for line in explain(village, clock.now)
    )

    assert (
        load_rules_file(system.casebook, LATE_YEAR, actor="system:operator", reason="2040 published")
        == "loaded"
    )
    moved = system.casebook.deadlines.recompute_open_clocks(
        reason="calendar CN 2040 loaded", at=clock.now, year=2040
    )
    assert moved == [("dispute", str(dispute.id))]

    recounted = system.casebook.deadlines.clocks("dispute", dispute.id).clock(village.key)
    assert recounted.due_at == datetime(
        2040, 1, 7, 23, 59, 59, tzinfo=CHINA
    )  # the 6th a holiday, the 7th worked
    assert (recounted.skipped, recounted.rolled_forward, recounted.unknown_years) == (
        [{"day": "2040-01-06", "why": "holiday"}],
        True,
        [2039],
    )
    text = explain(recounted, clock.now)
    assert "Days not counted: holiday: 2040-01-06." in text
    assert any(line.startswith("Provisional: no holiday notice is loaded for 2039, so") for line in text)
    untouched = system.casebook.deadlines.clocks("dispute", earlier.id).clock(before.key)
    assert (untouched.due_at, untouched.calendar_version, untouched.recomputations) == (
        before.due_at,
        before.calendar_version,
        [],
    )


@pytest.mark.workflow
def test_the_dispatcher_recounts_when_a_year_is_loaded_and_the_workflow_counts_to_the_new_due_time(sqlite):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            # The store's clock stands in 2039 while the test server's stands today: the due time
            # is years ahead of the workflow, which only has to hear of it.
            dispute, village = escalated_on(system, clock, datetime(2039, 12, 22, 2, 0, tzinfo=UTC))
            await dispatcher.catch_up()

            handle = env.client.get_workflow_handle_for(
                CaseClockWorkflow.run, case_workflow_id("dispute", str(dispute.id), 0)
            )
            await held(handle, lambda time: [c.due_at for c in time.clocks] == [village.due_at])
            load_rules_file(system.casebook, LATE_YEAR, actor="system:operator", reason="2040 published")
            await dispatcher.catch_up()
            moved = datetime(2040, 1, 7, 23, 59, 59, tzinfo=CHINA)
            await held(handle, lambda time: [c.due_at for c in time.clocks] == [moved])
            [change] = (
                system.casebook.deadlines.clocks("dispute", dispute.id).clock(village.key).recomputations
            )
            assert change["reason"] == "calendar CN 2040 loaded: 2040 published"

    asyncio.run(scenario())
