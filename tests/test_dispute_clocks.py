"""The dispute's clocks without Temporal: the keeper does what the clock workflow asks of it
(`sync` after a change), on SQLite and on PostgreSQL — here, when the workflow learns of
changes late (its worker was down), a clock stops when the dispute left it, not later."""

from __future__ import annotations

from datetime import timedelta

from domain.disputes.dispute import AgreementForm, Category, Dispute, Performance, Satisfaction, Severity
from domain.time.clocks import ClockState
from infra.bootstrap import System
from tests.support import GRID, Clock, person

GRID_MEMBER, MEDIATOR = person("grid_member"), person("mediator")


def report(system: System) -> Dispute:
    return system.casebook.disputes.report(
        GRID_MEMBER,
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="fence moved",
        occurred_at=system.casebook.clock() - timedelta(days=2),
    )


def clock_named(system: System, dispute: Dispute, name: str) -> ClockState:
    found = system.casebook.deadlines.clocks("dispute", dispute.id)
    assert found is not None
    [named] = [c for c in found.clocks.values() if c.clock == name]
    return named


def test_changes_learned_of_at_once_stop_each_clock_when_it_was_left_and_record_a_clock_run_in_between(
    system: System,
    clock: Clock,
):
    dispute = report(system)
    system.casebook.keepers["dispute"].sync(dispute.id, 0)
    clock.advance(timedelta(hours=20))
    agreed_at = clock()
    system.casebook.disputes.reach_agreement(
        GRID_MEMBER, dispute.id, form=AgreementForm.ORAL, terms="fence back"
    )
    clock.advance(timedelta(days=3))  # past the grid's due time; the follow-up visit is made
    system.casebook.disputes.make_follow_up_visit(
        MEDIATOR,
        dispute.id,
        performance=Performance.FULLY,
        satisfaction=Satisfaction.SATISFIED,
    )

    system.casebook.keepers["dispute"].sync(dispute.id, 0)  # the workflow learns of both at once

    grid = clock_named(system, dispute, "dispute.grid")
    assert agreed_at < grid.due_at < clock()
    assert (grid.status, grid.ended_at, grid.outcome) == (
        "stopped",
        agreed_at,
        "met: agreement reached at grid level",
    )
    # The follow-up clock ran from the agreement to the visit, both before the workflow heard:
    # it is recorded all the same, so the on-time statistics count it.
    follow_up = clock_named(system, dispute, "dispute.follow_up")
    assert (follow_up.started_at, follow_up.status, follow_up.ended_at) == (agreed_at, "stopped", clock())
    assert follow_up.outcome == "met: follow-up visit made"


def test_an_agreement_after_the_due_time_that_the_workflow_had_not_yet_acted_on_stops_the_level_clock_late(
    system: System,
    clock: Clock,
):
    dispute = report(system)
    system.casebook.keepers["dispute"].sync(dispute.id, 0)
    clock.advance(timedelta(hours=30))
    agreed_at = clock()
    system.casebook.disputes.reach_agreement(
        GRID_MEMBER, dispute.id, form=AgreementForm.ORAL, terms="fence back"
    )

    time = system.casebook.keepers["dispute"].sync(dispute.id, 0)

    grid = clock_named(system, dispute, "dispute.grid")
    assert grid.due_at < agreed_at
    assert (grid.status, grid.ended_at) == ("stopped", agreed_at)
    assert grid.outcome == "late: agreement reached at grid level, after the due time"
    assert [c.clock for c in time.clocks] == ["dispute.follow_up"]
