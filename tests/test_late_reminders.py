"""A reminder that came while its clock ran is never silently lost, however late the clock's
workflow learns of it: recorded late with both times, or recorded as skipped with why."""

from __future__ import annotations

from datetime import timedelta

from domain.disputes.dispute import AgreementForm, Dispute
from domain.time.clocks import ClockState
from domain.time.explain import explain
from infra.bootstrap import System
from tests.support import Clock
from tests.test_dispute_clocks import GRID_MEMBER, clock_named, report


def grid_clock(system: System, dispute: Dispute) -> ClockState:
    return clock_named(system, dispute, "dispute.grid")


def test_reminders_that_came_before_the_clock_stopped_unseen_are_recorded_skipped_with_why(
    system: System, clock: Clock
):
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(dispute.id, 0)
    grid = grid_clock(system, dispute)
    first, second = grid.reminders_at
    # The workflow is behind: both reminders come, then the grid reaches an agreement, and the
    # workflow hears of it only afterwards, never having asked for the reminders.
    clock.now = second + timedelta(minutes=5)
    system.casebook.disputes.reach_agreement(
        GRID_MEMBER, dispute.id, form=AgreementForm.ORAL, terms="fence back"
    )
    time = keeper.sync(dispute.id, 0)

    stopped = grid_clock(system, dispute)
    assert stopped.status == "stopped" and stopped.reminders_sent == []
    assert [(r["fraction"], r["at"]) for r in stopped.reminders_skipped] == list(
        zip(stopped.rule["reminders"], [first, second], strict=True)
    )
    assert all("stopped before the reminder was recorded" in r["reason"] for r in stopped.reminders_skipped)
    assert all(c.key != stopped.key for c in time.clocks)
    # Asked again (an activity retried), nothing more is recorded.
    keeper.sync(dispute.id, 0)
    assert len(grid_clock(system, dispute).reminders_skipped) == 2


def test_a_clock_stopped_before_its_reminders_came_owes_none(system: System, clock: Clock):
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(dispute.id, 0)
    first, _ = grid_clock(system, dispute).reminders_at
    clock.now = first - timedelta(minutes=1)
    system.casebook.disputes.reach_agreement(
        GRID_MEMBER, dispute.id, form=AgreementForm.ORAL, terms="fence back"
    )
    clock.now = first + timedelta(hours=3)  # the workflow hears after the reminder's time
    keeper.sync(dispute.id, 0)
    stopped = grid_clock(system, dispute)
    assert stopped.status == "stopped"
    assert stopped.reminders_sent == [] and stopped.reminders_skipped == []


def test_a_reminder_the_workflow_sends_late_is_recorded_once_with_when_it_came_and_when_it_was_recorded(
    system: System, clock: Clock
):
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(dispute.id, 0)
    grid = grid_clock(system, dispute)
    first = grid.reminders_at[0]
    clock.now = first + timedelta(hours=2)
    keeper.due(dispute.id, 0, grid.key, grid.rule["reminders"][0])
    keeper.due(dispute.id, 0, grid.key, grid.rule["reminders"][0])  # retried: once
    [sent] = grid_clock(system, dispute).reminders_sent
    assert sent["at"] == first and sent["recorded_at"] >= sent["at"]
    assert grid_clock(system, dispute).reminders_skipped == []


def test_the_due_time_coming_first_accounts_for_the_reminders_never_sent(system: System, clock: Clock):
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(dispute.id, 0)
    grid = grid_clock(system, dispute)
    clock.now = grid.due_at + timedelta(hours=1)
    keeper.due(dispute.id, 0, grid.key, None)  # the due time, with neither reminder asked for
    missed = grid_clock(system, dispute)
    assert missed.status == "missed"
    assert [r["fraction"] for r in missed.reminders_skipped] == missed.rule["reminders"]
    assert all("due time came" in r["reason"] for r in missed.reminders_skipped)
    lines = explain(missed, clock())
    assert sum("was not sent" in line for line in lines) == 2
