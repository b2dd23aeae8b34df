"""The lists people work from, kept from the log: overdue and due soon, by node and by person;
the explanation of every due date; and the board rebuilt from zero equals the live one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from domain.disputes.dispute import AgreementForm, Category, Dispute, Severity
from infra.bootstrap import System
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from service.store import CommandMeta
from tests.support import FOREIGN_GRID, GRID, TOKENS, VILLAGE, Clock, person


def report(system: System, grid: str = GRID, role: str = "grid_member", **meta: object) -> Dispute:
    return system.casebook.disputes.report(
        person(role),
        grid=grid,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="a wall",
        occurred_at=system.casebook.clock() - timedelta(days=3),
        meta=CommandMeta(**meta),  # type: ignore[arg-type]
    )


def board(system: System) -> ProjectionRunner:
    runner = ProjectionRunner(system.reader, system.views, system.clock_board)
    runner.setup()
    runner.catch_up()
    return runner


def lists(system: System, node: str, days: int = 3) -> tuple[list[str], list[str]]:
    now = system.casebook.clock()
    nodes = system.casebook.current_directory().descendants(node, now)
    with system.views.reading() as cur:
        overdue = system.clock_board.overdue(cur, nodes, now)
        soon = system.clock_board.due_soon(cur, nodes, now, now + timedelta(days=days))
    return [r["case_id"] for r in overdue], [r["case_id"] for r in soon]


@pytest.fixture
def three_disputes(system: System, clock: Clock) -> dict[str, Dispute]:
    """In Qiaotou: one settled in time, one whose grid day passes; in Shangba: one just reported."""
    keeper = system.casebook.keepers["dispute"]
    settled, late = report(system), report(system, effective_at=clock.now - timedelta(hours=30))
    foreign = report(system, grid=FOREIGN_GRID, role="foreign_grid_member")
    for dispute in (settled, late, foreign):
        keeper.sync(dispute.id, 0)
    system.casebook.disputes.reach_agreement(
        person("grid_member"), settled.id, form=AgreementForm.ORAL, terms="ok"
    )
    keeper.sync(settled.id, 0)
    return {"settled": settled, "late": late, "foreign": foreign}


def test_a_clock_running_past_its_due_time_is_overdue_until_the_workflow_records_it(
    system: System, three_disputes
):
    board(system)
    late, foreign = str(three_disputes["late"].id), str(three_disputes["foreign"].id)
    assert lists(system, VILLAGE) == ([late], [])  # the settled one's follow-up is 15 days off
    assert lists(system, VILLAGE, days=16) == ([late], [str(three_disputes["settled"].id)])
    assert lists(system, "anping.dongxi") == ([late], [foreign])
    assert lists(system, "anping.dongxi.shangba") == ([], [foreign])


def test_a_missed_deadline_stays_overdue_until_the_case_moves_on(system: System, three_disputes):
    late = three_disputes["late"]
    keeper = system.casebook.keepers["dispute"]
    [grid] = system.casebook.deadlines.clocks("dispute", late.id).running()
    keeper.due(late.id, 0, grid.key, None)  # escalates, records the miss, settles it: the dispute moved on
    board(system)
    overdue, _soon = lists(system, VILLAGE)
    assert str(late.id) not in overdue
    clocks = system.casebook.deadlines.clocks("dispute", late.id)
    assert clocks.clock(grid.key).settled == "left the level: now at village level"


@pytest.mark.http
def test_a_person_sees_the_lists_of_every_node_they_hold_a_post_at(system: System, three_disputes):
    board(system)
    with TestClient(create_api(system)) as api:
        mine = api.get("/deadlines/mine", headers={"Authorization": f"Bearer {TOKENS['grid_member']}"}).json()
        assert mine["nodes"] == [GRID]
        assert [i["case_id"] for i in mine["overdue"]] == [str(three_disputes["late"].id)]
        assert mine["overdue"][0]["clock"] == "dispute.grid"
        township = api.get(
            "/deadlines",
            params={"node": "anping.dongxi", "days": 0},
            headers={"Authorization": f"Bearer {TOKENS['township']}"},
        )
        assert township.status_code == 200 and township.json()["due_soon"] == []
        foreign = api.get(
            "/deadlines",
            params={"node": VILLAGE},
            headers={"Authorization": f"Bearer {TOKENS['foreign_grid_member']}"},
        )
        assert foreign.status_code == 403
        assert (
            api.get(
                "/deadlines",
                params={"node": "nowhere"},
                headers={"Authorization": f"Bearer {TOKENS['township']}"},
            ).status_code
            == 404
        )


@pytest.mark.http
def test_every_clock_of_a_case_is_explained(system: System, three_disputes):
    settled = three_disputes["settled"]
    with TestClient(create_api(system)) as api:
        read = api.get(
            f"/disputes/{settled.id}/clocks", headers={"Authorization": f"Bearer {TOKENS['auditor']}"}
        )
        assert read.status_code == 200
        [grid, follow_up] = read.json()["clocks"]
        assert (grid["clock"], grid["status"], grid["policy_version"]) == (
            "dispute.grid",
            "stopped",
            "2026.4",
        )
        assert grid["explanation"][2] == "Rule: 24 hours, policy version 2026.4."
        assert (
            grid["explanation"][-1].startswith("Stopped") and "agreement reached" in grid["explanation"][-1]
        )
        assert follow_up["clock"] == "dispute.follow_up" and follow_up["explanation"][-1] == "Running."
        assert (
            api.get(
                f"/disputes/{settled.id}/clocks",
                headers={"Authorization": f"Bearer {TOKENS['foreign_grid_member']}"},
            ).status_code
            == 404
        )


def test_the_board_rebuilt_from_zero_equals_the_live_one(system: System, three_disputes):
    live = board(system)
    keeper = system.casebook.keepers["dispute"]
    [grid] = system.casebook.deadlines.clocks("dispute", three_disputes["late"].id).running()
    keeper.due(three_disputes["late"].id, 0, grid.key, None)
    live.catch_up()
    outcome = rebuild(system.reader, system.views, system.clock_board, switch=True)
    assert outcome.equal, outcome.differences
    assert outcome.rows > 0


def test_a_village_clock_across_national_day_is_explained_day_by_day(system: System, clock: Clock):
    clock.now = datetime(2026, 9, 22, 10, 0, tzinfo=UTC)
    dispute = report(system)
    system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="beyond the grid")
    [village] = system.casebook.keepers["dispute"].sync(dispute.id, 0).clocks
    # 15 calendar days from 22 September end on 7 October, a holiday: the limit runs to
    # Thursday 8 October, the first working day after National Day.
    assert village.due_at == datetime(2026, 10, 8, 23, 59, 59, tzinfo=timezone(timedelta(hours=8)))
    from domain.time.explain import explain

    text = explain(village, clock.now)
    assert "Rule: 15 calendar days, policy version 2026.4." in text
    assert "Days not counted: holiday: 2026-10-07." in text
    assert "The last day was not a working day, so the limit ran to the next working day." in text
    assert "Due 2026-10-08T23:59:59+08:00." in text
