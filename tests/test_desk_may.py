"""What a page offers is what the command allows: each desk's `may` answers by the same check
its commands make, so a person whose post lacks the right is not offered the command, and one
who holds it is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import AccessDenied
from infra.bootstrap import System
from tests.support import GRID, VILLAGE, person, report_fence


def test_a_grid_member_may_not_accept_a_dispute_and_the_command_refuses_her_alike(sqlite_system: System):
    desk, dispute = sqlite_system.casebook.disputes, report_fence(sqlite_system)
    assert desk.may(person("mediator"), dispute, "accept")
    assert not desk.may(person("grid_member"), dispute, "accept")
    with pytest.raises(AccessDenied):
        desk.accept(person("grid_member"), dispute.id)
    assert not desk.may(person("mediator"), dispute, "seal_agreement")  # the chair's right
    assert desk.may(person("chair"), dispute, "seal_agreement")


def test_only_those_who_handle_incidents_may_report_one_upward(sqlite_system: System):
    desk, now = sqlite_system.casebook.incidents, sqlite_system.casebook.clock()
    incident = desk.report(
        person("grid_member"),
        grid=GRID,
        kind="fire",
        description="柴草垛起火",
        location="村口",
        occurred_at=now - timedelta(minutes=5),
    )
    assert not desk.may(person("grid_member"), incident, "report_upward")
    assert desk.may(person("village_staff"), incident, "report_upward")
    assert not desk.may(person("foreign_village_staff"), incident, "report_upward")  # another village


def test_walking_a_shift_is_for_its_team_and_closing_it_for_a_leader(sqlite_system: System):
    desk, now = sqlite_system.casebook.patrols, sqlite_system.casebook.clock()
    route = desk.establish_route(
        person("patrol_leader"), node=VILLAGE, name="沿河线", checkpoints=[{"code": "C1", "name": "石桥"}]
    )
    shift = desk.schedule_shift(
        person("patrol_leader"),
        route_id=route.id,
        leader=person("patrol_leader"),
        members=[person("grid_patroller")],
        planned_start=now,
        planned_end=now + timedelta(hours=2),
    )
    assert desk.may(person("grid_patroller"), shift, "sign_in_at_start")
    assert not desk.may(person("patrol_member"), shift, "sign_in_at_start")  # not on this team
    assert not desk.may(person("grid_member"), shift, "sign_in_at_start")  # no patrol post
    assert not desk.may(person("grid_patroller"), shift, "close_shift")
    assert desk.may(person("patrol_leader"), shift, "close_shift")
