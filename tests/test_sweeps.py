"""Sweeps (排查) and zero-reports (零报告): owed by grids and village workstations on the policy's
cadence, opened once per unit and period, recorded by the people at the unit, missed by the
deadline clock and counted against the village by the responsibility book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import CaseNotFound, InvalidValue, TransitionNotAllowed
from domain.sweeps.sweep import ANCHOR, SweepStatus, period_start
from infra.bootstrap import System
from service import kinds
from tests.support import GRID, OTHER_GRID, VILLAGE, Clock, person

MONDAY = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)  # Monday 2 March 2026, midnight in Beijing


def test_a_weekly_period_runs_from_monday_midnight_in_beijing():
    assert ANCHOR.astimezone(UTC) == datetime(2023, 12, 31, 16, 0, tzinfo=UTC)
    wednesday = MONDAY + timedelta(days=2, hours=10)
    assert period_start(wednesday, timedelta(days=7)) == MONDAY
    assert period_start(MONDAY, timedelta(days=7)) == MONDAY
    assert period_start(MONDAY - timedelta(seconds=1), timedelta(days=7)) == MONDAY - timedelta(days=7)


def test_every_grid_and_village_owes_a_sweep_for_the_week_opened_once(system: System, clock: Clock):
    clock.now = MONDAY + timedelta(days=1)
    sweeps = system.casebook.sweeps
    first = sweeps.open_round(clock.now)
    again = sweeps.open_round(clock.now + timedelta(hours=5))
    assert [s.id for s in first] == [s.id for s in again]
    by_node = {s.node: s for s in first}
    assert {GRID, OTHER_GRID, VILLAGE} <= set(by_node)
    grid = by_node[GRID]
    assert (grid.level, grid.village, grid.owed_by, grid.policy_version) == (
        "grid",
        VILLAGE,
        ["grid_member"],
        "2026.4",
    )
    assert (grid.period_start, grid.period_end) == (MONDAY, MONDAY + timedelta(days=7))
    assert by_node[VILLAGE].owed_by == ["workstation_staff"]


def test_the_grid_member_records_a_zero_report_and_the_clock_stops_met(system: System, clock: Clock):
    clock.now = MONDAY + timedelta(days=1)
    sweeps = system.casebook.sweeps
    sweep = next(s for s in sweeps.open_round(clock.now) if s.node == GRID)
    keeper = system.casebook.keepers[kinds.SWEEP]
    [running] = keeper.sync(sweep.id, 0).clocks
    assert (running.clock, running.due_at) == ("sweep.due", MONDAY + timedelta(days=7))
    assert sweeps.mine(person("grid_member"), clock.now)[0].id == sweep.id
    sweeps.report_zero(person("grid_member"), sweep.id, note="walked the group, nothing found")
    assert sweeps.sweep(None, sweep.id).status == SweepStatus.ZERO_REPORTED
    time = keeper.sync(sweep.id, 0)
    assert time.ended and not time.clocks
    assert system.casebook.deadlines.clocks(kinds.SWEEP, sweep.id).clock(running.key).status == "stopped"
    with pytest.raises(TransitionNotAllowed):
        sweeps.report_zero(person("grid_member"), sweep.id)


def test_findings_name_the_cases_opened_from_the_sweep(system: System, clock: Clock):
    from tests.test_case_clocks import dispute

    clock.now = MONDAY + timedelta(days=1)
    sweeps = system.casebook.sweeps
    sweep = next(s for s in sweeps.open_round(clock.now) if s.node == GRID)
    with pytest.raises(InvalidValue, match="cases"):
        sweeps.record_findings(person("grid_member"), sweep.id, findings="a wall", cases=["nope"])
    case = dispute(system)
    sweeps.record_findings(person("grid_member"), sweep.id, findings="a wall in dispute", cases=[str(case)])
    recorded = sweeps.sweep(None, sweep.id)
    assert (recorded.status, recorded.cases, recorded.late) == (SweepStatus.RECORDED, [str(case)], False)


def test_only_the_people_of_the_unit_record_its_sweep(system: System, clock: Clock):
    clock.now = MONDAY + timedelta(days=1)
    sweeps = system.casebook.sweeps
    sweep = next(s for s in sweeps.open_round(clock.now) if s.node == GRID)
    with pytest.raises(CaseNotFound):  # another grid's sweep is, to them, none at all
        sweeps.report_zero(person("foreign_grid_member"), sweep.id)


def test_a_sweep_not_recorded_by_its_due_time_is_missed_counted_and_may_be_recorded_late(
    system: System, clock: Clock
):
    clock.now = MONDAY + timedelta(days=1)
    sweeps, keeper = system.casebook.sweeps, system.casebook.keepers[kinds.SWEEP]
    sweep = next(s for s in sweeps.open_round(clock.now) if s.node == GRID)
    [running] = keeper.sync(sweep.id, 0).clocks
    [fraction] = running.rule["reminders"]
    keeper.due(sweep.id, 0, running.key, fraction)
    reminded = system.casebook.deadlines.clocks(kinds.SWEEP, sweep.id).clock(running.key)
    assert reminded.reminders_sent[0]["notify"] == [person("grid_member")]
    clock.now = running.due_at + timedelta(minutes=1)
    assert keeper.due(sweep.id, 0, running.key, None).ended
    missed = sweeps.sweep(None, sweep.id)
    assert (missed.status, missed.missed_at) == (SweepStatus.MISSED, running.due_at)
    assert system.casebook.deadlines.clocks(kinds.SWEEP, sweep.id).clock(running.key).status == "missed"
    sweeps.report_zero(person("grid_member"), sweep.id)
    late = sweeps.sweep(None, sweep.id)
    assert (late.status, late.late) == (SweepStatus.ZERO_REPORTED, True)
    assert not system.casebook.deadlines.clocks(kinds.SWEEP, sweep.id).overdue()
