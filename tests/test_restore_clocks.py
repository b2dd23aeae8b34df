"""A restore into a fresh Temporal server loses no deadline: cases with clocks in every state (one
escalated already, one reminded twice and still due, one settled in time with a follow-up
running, one closed, a petition's statutory limits) are backed up; the original runs on past every
due time; the backup is restored into an empty store, `--fresh-temporal`, and a dispatcher on a
new test server (no workflow history at all) starts the clocks again from the log. Past the same
due times, the restored store holds what the original does: every clock open at the backup fired
once, none missing, none twice, and none that had ended before the backup fired again."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from domain.disputes.dispute import AgreementForm, Dispute
from domain.notices import Notice
from domain.time.clocks import CaseClocks
from infra.backup import backup, restore
from infra.bootstrap import System, bootstrap
from tests.support import Clock, eventually, person, settings_for
from tests.test_dispute_workflow import report
from tests.test_petition_clocks import register
from tests.timeskipping import _settled, running
from workflows.case_kinds import TOPICS
from workflows.contracts import case_workflow_id
from workflows.dispatcher import NOTICE_TOPICS, RULEBOOK_TOPICS, Dispatcher
from workflows.notice import notice_workflow_id

pytestmark = pytest.mark.workflow

HORIZON = timedelta(days=60)  # after the backup: past every level a dispute climbs, and a petition's limits
OUTAGE = timedelta(days=2)  # from the backup to the restore: the grid and village limits it spans fire late
FOLLOWED = TOPICS + RULEBOOK_TOPICS + NOTICE_TOPICS  # what the dispatcher reads
FIRED = (CaseClocks.ReminderRecorded, CaseClocks.DeadlineMissed)

Cases = dict[str, tuple[str, Any]]  # name → (kind, case id)


def history(system: System, cases: Cases) -> dict[str, list[tuple[object, ...]]]:
    """Each case's own events and its clocks' events, as business facts (no recording times)."""
    found: dict[str, list[tuple[object, ...]]] = {}
    store = system.casebook.repository.event_store
    for name, (kind, case_id) in cases.items():
        clocks = system.casebook.deadlines.clocks(kind, case_id)
        rows: list[tuple[object, ...]] = [(type(e).__name__, e.effective_at) for e in store.get(case_id)]
        for e in store.get(clocks.id) if clocks else []:
            rows.append(
                (
                    type(e).__name__,
                    e.effective_at,
                    getattr(e, "key", None),
                    getattr(e, "fraction", None),
                    getattr(e, "due_at", None),
                    getattr(e, "consequence", None) or getattr(e, "outcome", None),
                )
            )
        found[name] = rows
    return found


def deliveries(system: System) -> Counter[tuple[str, str, str]]:
    """Every delivery of a notice recorded as sent: to whom, through which channel."""
    return Counter(
        (str(e.originator_id), e.channel, e.recipient)
        for _, e in system.reader.read(0, 100_000, [Notice.NotificationSent.TOPIC])
    )


def clock_states(system: System, cases: Cases) -> dict[tuple[str, str], Any]:
    found = {}
    for name, (kind, case_id) in cases.items():
        clocks = system.casebook.deadlines.clocks(kind, case_id)
        for clock in clocks.clocks.values() if clocks else []:
            found[(name, clock.key)] = clock
    return found


async def quiet(system: System, env: Any, dispatcher: Dispatcher, cases: Cases, now: datetime) -> None:
    """Waits until nothing owed by `now` is left unfired, every case's workflow is at rest, the
    dispatcher has seen the whole log and every notice asked for has been delivered."""

    def owed_nothing() -> bool:
        if system.reader.read(dispatcher.position(), 1, FOLLOWED):
            return False  # the dispatcher has more to do
        for clock in clock_states(system, cases).values():
            if clock.status != "running":
                continue
            if clock.due_at <= now or any(
                at <= now and not clock.reminder_done(f)
                for f, at in zip(clock.rule["reminders"], clock.reminders_at, strict=True)
                if at < clock.due_at
            ):
                return False
        return True

    async def at_rest() -> bool:
        if not await asyncio.to_thread(owed_nothing):
            return False
        for kind, case_id in cases.values():
            handle = env.client.get_workflow_handle(case_workflow_id(kind, str(case_id)))
            try:
                described = await handle.describe()
            except RPCError:
                return False  # not started yet: the dispatcher has not come to it
            raw = described.raw_description
            if raw.HasField("pending_workflow_task") or raw.pending_activities:
                return False
        for _, asked in await asyncio.to_thread(system.reader.read, 0, 100_000, [Notice.Requested.TOPIC]):
            handle = env.client.get_workflow_handle(notice_workflow_id(str(asked.originator_id)))
            try:
                if (await handle.describe()).status != WorkflowExecutionStatus.COMPLETED:
                    return False
            except RPCError:
                return False  # not started yet
        return True

    await eventually(at_rest, seconds=60)
    for kind, case_id in cases.values():
        await _settled(env.client.get_workflow_handle(case_workflow_id(kind, str(case_id))))


async def original(system: System, clock: Clock, folder: Path) -> tuple[Cases, datetime, int]:
    """Records the cases, lets 30 hours pass, backs up, and runs on HORIZON past the backup."""
    async with running(system, clock, own_server=True) as (env, dispatcher):
        halt = asyncio.Event()
        follower = asyncio.create_task(dispatcher.run(halt, 0.05))
        try:
            mediator, grid = person("mediator"), person("grid_member")
            escalated, settled, closed = report(system), report(system), report(system)
            petition = await asyncio.to_thread(register, system)
            await env.sleep(timedelta(hours=3))
            clock.now = await env.get_current_time()
            for dispute in (settled, closed):
                system.casebook.disputes.reach_agreement(
                    grid, dispute.id, form=AgreementForm.ORAL, terms="ok"
                )
            system.casebook.disputes.close(mediator, closed.id, reason="done")
            await env.sleep(timedelta(hours=7))
            clock.now = await env.get_current_time()
            reminded = report(system)  # due 24 hours on: reminded at 12 and 19.2 hours, before the backup
            cases: Cases = {
                "escalated": ("dispute", escalated.id),
                "settled": ("dispute", settled.id),
                "closed": ("dispute", closed.id),
                "reminded": ("dispute", reminded.id),
                "petition": ("petition", petition.id),
            }
            await env.sleep(timedelta(hours=20))
            at_backup = clock.now = await env.get_current_time()
            await quiet(system, env, dispatcher, cases, at_backup)
            await eventually(lambda: asyncio.to_thread(lambda: dispatcher.position() > 0))
            head = (await asyncio.to_thread(backup, system.settings, folder)).head
            await env.sleep(HORIZON)
            await quiet(system, env, dispatcher, cases, at_backup + HORIZON)
        finally:
            halt.set()
            await follower
    return cases, at_backup, head


async def restored(system: System, clock: Clock, cases: Cases, at_backup: datetime) -> None:
    """A dispatcher on a new test server, OUTAGE after the backup, then on to HORIZON past it."""
    async with running(system, clock, own_server=True) as (env, dispatcher):
        restored_at = at_backup + OUTAGE  # Temporal's state was lost; the store came back later
        await env.sleep(restored_at - await env.get_current_time())
        clock.now = at_backup  # the business clock the original's workflows kept time by
        halt = asyncio.Event()
        follower = asyncio.create_task(dispatcher.run(halt, 0.05))
        try:
            await env.sleep(at_backup + HORIZON - await env.get_current_time())
            await quiet(system, env, dispatcher, cases, at_backup + HORIZON)
        finally:
            halt.set()
            await follower


def test_a_restore_into_a_fresh_temporal_server_fires_every_open_deadline_once(sqlite, tmp_path: Path):
    system, clock = sqlite
    folder = tmp_path / "backup"
    cases, at_backup, head = asyncio.run(original(system, clock, folder))
    expected = history(system, cases)

    settings = settings_for(tmp_path / "restored")
    restore(settings, folder, fresh_temporal=True)
    again = bootstrap(settings, Clock(at_backup))
    try:
        before = clock_states(again, cases)
        open_then = {key for key, c in before.items() if c.status == "running"}
        ended_then = set(before) - open_then
        assert {name for name, _ in open_then} >= {"escalated", "settled", "reminded", "petition"}
        assert any(name == "closed" for name, _ in ended_then) and any(
            name == "escalated" and c.status == "missed" for (name, _), c in before.items()
        )
        asyncio.run(restored(again, Clock(), cases, at_backup))
        assert history(again, cases) == expected
        assert deliveries(system) and deliveries(again) == deliveries(
            system
        )  # each notice to each person once, as before

        streams = {
            again.casebook.deadlines.clocks(kind, case_id).id: name for name, (kind, case_id) in cases.items()
        }
        fired = Counter(
            (streams[e.originator_id], e.key, getattr(e, "fraction", None), type(e).__name__)
            for _, e in again.reader.read(head, 100_000, [t.TOPIC for t in FIRED])
            if e.originator_id in streams
        )
        assert fired and all(n == 1 for n in fired.values()), fired  # none twice
        assert not {(name, key) for name, key, _, _ in fired} & ended_then  # nothing ended fires again
        for key in open_then:  # every clock open at the backup and due within HORIZON fired
            if before[key].due_at <= at_backup + HORIZON:
                assert fired[(*key, None, "DeadlineMissed")] == 1, key
        cases_by_id = {case_id: name for name, (_, case_id) in cases.items()}
        climbed = Counter(
            (cases_by_id[e.originator_id], e.from_level)
            for _, e in again.reader.read(head, 100_000, [Dispute.Escalated.TOPIC])
        )
        # escalated once from each level it left after the backup, not again from the grid
        assert climbed == {("escalated", "village"): 1, ("reminded", "grid"): 1, ("reminded", "village"): 1}
    finally:
        again.close()
