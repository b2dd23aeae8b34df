"""The dispute's clocks without Temporal: the keeper does what the clock workflow asks of it
(`sync` after a change), on SQLite and on PostgreSQL — here, when the workflow learns of
changes late (its worker was down), a clock stops when the dispute left it, not later."""

from __future__ import annotations

from datetime import timedelta

from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    Level,
    Performance,
    Satisfaction,
    SessionOutcome,
    Severity,
)
from domain.time.calendar import Unit
from domain.time.clocks import ClockState
from domain.time.policy import InProgress, Rule
from infra.bootstrap import System
from tests.support import GRID, Clock, person, shipped_rules

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


def written_agreement(system: System, clock: Clock) -> Dispute:
    dispute = report(system)
    system.casebook.keepers["dispute"].sync(dispute.id, 0)
    clock.advance(timedelta(hours=2))
    system.casebook.disputes.reach_agreement(
        MEDIATOR, dispute.id, form=AgreementForm.WRITTEN, terms="pay 200"
    )
    system.casebook.keepers["dispute"].sync(dispute.id, 0)
    return dispute


def test_a_written_agreement_runs_a_clock_until_every_party_signed_and_it_is_sealed(
    system: System, clock: Clock
):
    dispute = written_agreement(system, clock)
    reached_at = clock()
    pending = clock_named(system, dispute, "dispute.agreement_in_effect")
    assert (pending.started_at, pending.status, pending.policy_version) == (reached_at, "running", "2026.4")
    assert pending.rule["amount"] == 3 and pending.rule["unit"] == "calendar_days"
    assert len(pending.reminders_at) == 2  # reminders, like the other clocks

    clock.advance(timedelta(days=1))
    for party in ("p1", "p2"):
        system.casebook.disputes.sign_agreement(MEDIATOR, dispute.id, party=party)
    assert clock_named(system, dispute, "dispute.agreement_in_effect").status == "running"
    system.casebook.disputes.seal_agreement(person("chair"), dispute.id)
    time = system.casebook.keepers["dispute"].sync(dispute.id, 0)

    done = clock_named(system, dispute, "dispute.agreement_in_effect")
    assert (done.status, done.ended_at) == ("stopped", clock())
    assert done.outcome == "met: every party signed and the committee sealed the agreement"
    assert sorted(c.clock for c in time.clocks) == ["dispute.follow_up", "dispute.judicial_confirmation"]


def test_a_written_agreement_not_signed_and_sealed_in_time_reminds_then_is_missed(
    system: System, clock: Clock
):
    dispute = written_agreement(system, clock)
    keeper = system.casebook.keepers["dispute"]
    pending = clock_named(system, dispute, "dispute.agreement_in_effect")
    clock.now = pending.reminders_at[0]
    keeper.due(dispute.id, 0, pending.key, 0.5)
    reminded = clock_named(system, dispute, "dispute.agreement_in_effect").reminders_sent
    assert reminded and {person("mediator"), person("chair")} <= set(reminded[0]["notify"])

    clock.now = pending.due_at
    time = keeper.due(dispute.id, 0, pending.key, None)
    missed = clock_named(system, dispute, "dispute.agreement_in_effect")
    assert missed.status == "missed" and "not in effect" in (missed.outcome or "")
    assert time.clocks == []  # nothing else runs on an agreement not in effect


def test_an_adjourned_session_before_the_grid_deadline_does_not_keep_the_dispute_at_grid_level(
    system: System, clock: Clock
):
    """The shipped policy: "small things don't stay overnight" — only an agreement keeps a
    dispute at grid level; a session that settled nothing leaves it to go up in time."""
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(dispute.id, 0)
    clock.advance(timedelta(hours=2))
    system.casebook.disputes.hold_mediation_session(MEDIATOR, dispute.id, outcome=SessionOutcome.ADJOURNED)
    keeper.sync(dispute.id, 0)
    grid = clock_named(system, dispute, "dispute.grid")
    assert grid.status == "running" and Rule.from_data(grid.rule).kept_by == ("agreement",)

    clock.now = grid.due_at
    keeper.due(dispute.id, 0, grid.key, None)
    after = system.casebook.disputes.get(None, dispute.id)
    assert after.level == Level.VILLAGE and after.escalations == 1
    assert clock_named(system, dispute, "dispute.grid").status == "missed"


def test_where_the_policy_says_a_session_keeps_a_dispute_at_its_level_it_stays(system: System, clock: Clock):
    system.casebook.rulebook.adopt_policy(
        "system:operator",
        version="sessions-count",
        effective_from=clock() - timedelta(days=1),
        in_progress=InProgress.AT_CLOCK_START,
        rules=shipped_rules(Rule("dispute.grid", 24, Unit.HOURS, kept_by=("agreement", "mediation_session"))),
        reason="a session before the deadline keeps a dispute at grid level",
        source="t",
        authorise=False,
    )
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(dispute.id, 0)
    clock.advance(timedelta(hours=2))
    system.casebook.disputes.hold_mediation_session(MEDIATOR, dispute.id, outcome=SessionOutcome.ADJOURNED)
    time = keeper.sync(dispute.id, 0)

    grid = clock_named(system, dispute, "dispute.grid")
    assert (grid.status, grid.ended_at) == ("stopped", clock())
    assert grid.outcome == "met: a mediation session was held at grid level, which keeps it there"
    assert time.clocks == []
    keeper.due(dispute.id, 0, grid.key, None)  # a due time the workflow had already set
    assert system.casebook.disputes.get(None, dispute.id).level == Level.GRID


def test_a_policy_whose_level_is_kept_without_an_agreement_is_refused():
    from domain.time.policy import check_rules

    problems = check_rules(
        shipped_rules(Rule("dispute.grid", 24, Unit.HOURS, kept_by=("mediation_session",)))
    )
    assert any('kept_by must include "agreement"' in p for p in problems)
    problems = check_rules(
        shipped_rules(Rule("dispute.follow_up", 15, Unit.CALENDAR_DAYS, kept_by=("agreement",)))
    )
    assert any("not a level's clock" in p for p in problems)
