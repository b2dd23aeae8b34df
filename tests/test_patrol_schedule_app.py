"""A route's standing team and schedule through the desk, and the schedule's periods and shifts
as its workflow asks for them — each on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from domain.errors import AccessDenied, CaseNotFound, InvalidValue, StaleVersion, TransitionNotAllowed
from domain.patrols.patrol import Route, ShiftStatus
from domain.time.calendar import Unit
from domain.time.policy import Rule
from infra.bootstrap import System
from service.patrols.schedules import SCHEDULE_ACTOR
from service.store import CommandMeta
from tests.support import VILLAGE, Clock, person, shipped_rules
from tests.test_patrol_app import FOREIGN_VILLAGE, TOWNSHIP, desk, establish, head, history

HOUR = timedelta(hours=1)


def teamed(system: System, node: str = VILLAGE, role: str = "patrol_leader", **team: Any) -> Route:
    route = establish(system, role=role, node=node)
    leader, members = ("pan-wei", ["song-yu"]) if node == TOWNSHIP else ("gao-feng", ["ma-li"])
    return desk(system).assign_team(person(role), route.id, **{"leader": leader, "members": members, **team})


def started(
    system: System, route: Route, level: str | None = None, role: str = "patrol_leader", **meta: Any
) -> Route:
    return desk(system).start_schedule(
        person(role),
        route.id,
        first_start=system.casebook.clock() + HOUR,
        shift_minutes=180,
        level=level,
        meta=CommandMeta(**meta),
    )


def periods(system: System, route: Route, count: int) -> list[datetime]:
    schedules, after, found = system.casebook.patrols.schedules, None, []
    for _ in range(count):
        period = schedules.period(route.id, route.schedule["schedule"], after)
        found.append(period.start)
        after = period.start
    return found


# -- the standing team ------------------------------------------------------------------------


def test_a_route_gets_a_standing_team_checked_against_the_directory(system: System):
    route = teamed(system, members=["ma-li", "song-yu"])
    assert route.team["leader"] == "gao-feng" and route.team["members"] == ["ma-li", "song-yu"]
    _stored, events = desk(system).route_with_history(person("auditor"), route.id)
    assert [type(e).__name__ for e in events] == ["Established", "TeamAssigned"]


@pytest.mark.parametrize(
    ("team", "field"),
    [
        ({"members": ["fang-qi"]}, "members"),  # a patrol member of another village
        ({"leader": "ma-li", "members": ["song-yu"]}, "leader"),  # no patrol_leader post
        ({"members": ["nobody"]}, "members"),
        ({"members": []}, "members"),
    ],
)
def test_a_standing_team_holds_patrol_posts_over_the_route(system: System, team: dict[str, Any], field: str):
    route = establish(system)
    before = head(system)
    with pytest.raises(InvalidValue) as refusal:
        desk(system).assign_team(
            person("patrol_leader"), route.id, **{"leader": "gao-feng", "members": ["ma-li"], **team}
        )
    assert refusal.value.field == field and head(system) == before


def test_the_team_and_schedule_are_managed_inside_the_routes_node_and_above(system: System):
    route = establish(system)
    before = head(system)
    commands = {
        "assign_team": lambda role: desk(system).assign_team(
            person(role), route.id, leader="gao-feng", members=["ma-li"]
        ),
        "start_schedule": lambda role: started(system, route, role=role),
        "stop_schedule": lambda role: desk(system).stop_schedule(person(role), route.id),
    }
    for command in commands.values():
        with pytest.raises(CaseNotFound):  # another village's route is, to them, none at all
            command("foreign_patrol_leader")
        with pytest.raises(AccessDenied, match="neither the right to manage routes nor to lead patrol"):
            command("patrol_member")
    assert head(system) == before
    commands["assign_team"]("township")  # township staff, above the village
    started(system, route, role="township_patrol_leader")
    assert desk(system).stop_schedule(person("patrol_leader"), route.id, reason="x").schedule is None


def test_team_and_schedule_commands_on_an_unknown_route_or_a_stale_version_write_nothing(system: System):
    route = teamed(system)
    before = head(system)
    with pytest.raises(CaseNotFound):
        desk(system).assign_team(person("patrol_leader"), uuid4(), leader="gao-feng", members=["ma-li"])
    with pytest.raises(StaleVersion):
        started(system, route, expected_version=1)
    assert head(system) == before


# -- starting and stopping ------------------------------------------------------------------------


def test_a_schedule_keeps_the_cadence_of_the_routes_own_level_by_default(system: System):
    village, township = teamed(system), teamed(system, node=TOWNSHIP, role="township")
    assert started(system, village).schedule["level"] == "village"
    assert started(system, township, role="township").schedule["level"] == "township"


def test_a_route_keeps_the_cadence_of_its_level_or_a_level_below(system: System):
    village, township = teamed(system), teamed(system, node=TOWNSHIP, role="township")
    assert started(system, village, level="grid").schedule["level"] == "grid"
    assert started(system, township, level="village", role="township").schedule["level"] == "village"
    desk(system).stop_schedule(person("patrol_leader"), village.id)
    before = head(system)
    with pytest.raises(InvalidValue, match="a route at a village keeps the cadence") as refusal:
        started(system, village, level="township")
    assert refusal.value.field == "level" and head(system) == before


def test_a_schedule_needs_a_cadence_in_the_policy_in_force(system: System, clock: Clock):
    book = system.casebook.rulebook
    book.adopt_policy(
        person("county_staff"),
        version="2026.5",
        effective_from=clock.now,
        in_progress="at_clock_start",
        rules=shipped_rules(Rule("patrol.cadence", 1, Unit.CALENDAR_DAYS, {"level": "grid"})),
        reason="grid only",
        source="test",
    )
    route = teamed(system)
    before = head(system)
    with pytest.raises(
        InvalidValue, match="policy 2026.5 gives no patrol.cadence for level village"
    ) as refusal:
        started(system, route)
    assert refusal.value.field == "level" and head(system) == before


def test_a_refused_start_says_the_state(system: System):
    route = establish(system)
    with pytest.raises(TransitionNotAllowed, match="no standing team"):
        started(system, route)
    route = teamed(system)
    started(system, route)
    with pytest.raises(TransitionNotAllowed) as refusal:
        started(system, route)
    assert refusal.value.state == "active, schedule 1 running"


def test_a_start_retried_with_its_command_id_starts_one_schedule(system: System):
    route = teamed(system)
    first, again = (started(system, route, command_id="start-1") for _ in range(2))
    assert first.version == again.version and len(again.schedules) == 1


# -- the periods its workflow asks for ----------------------------------------------------------


@pytest.mark.parametrize(("level", "days"), [("grid", 1), ("village", 7)])
def test_periods_follow_the_cadence_of_the_level_from_the_first_start(system: System, level: str, days: int):
    route = started(system, teamed(system), level=level)
    first = route.schedule["first_start"]
    assert periods(system, route, 4) == [first + timedelta(days=days * i) for i in range(4)]


def test_a_township_schedule_opens_a_shift_every_half_month(system: System):
    route = started(system, teamed(system, node=TOWNSHIP, role="township"), role="township")
    first = route.schedule["first_start"]
    assert periods(system, route, 3) == [first, first + timedelta(days=15), first + timedelta(days=30)]


def test_a_new_cadence_takes_effect_from_the_period_after_it_comes_into_force(system: System, clock: Clock):
    route = started(system, teamed(system), level="grid")
    first = route.schedule["first_start"]
    system.casebook.rulebook.adopt_policy(
        person("county_staff"),
        version="2026.5",
        effective_from=first + timedelta(days=1, minutes=30),
        in_progress="at_clock_start",
        rules=shipped_rules(Rule("patrol.cadence", 2, Unit.CALENDAR_DAYS, {"level": "grid"})),
        reason="every other day",
        source="test",
    )
    assert periods(system, route, 4) == [
        first,
        first + timedelta(days=1),
        first + timedelta(days=2),
        first + timedelta(days=4),
    ]


def test_the_periods_shift_is_opened_once_for_the_standing_team_on_the_current_revision(system: System):
    route = started(system, teamed(system), level="grid")
    first = route.schedule["first_start"]
    schedules = system.casebook.patrols.schedules
    opened, again = (schedules.open(route.id, 1, first, None) for _ in range(2))
    assert opened.id == again.id and history(system, opened.id) == ["Scheduled"]
    assert (opened.leader, opened.members, opened.route_revision) == ("gao-feng", ["ma-li"], 1)
    assert (opened.planned_start, opened.planned_end) == (first, first + timedelta(hours=3))
    assert (opened.scheduled_by, opened.scheduled_at) == (SCHEDULE_ACTOR, route.schedule["started_at"])
    desk(system).revise_route(
        person("patrol_leader"), route.id, checkpoints=[{"code": "N", "name": "North gate"}]
    )
    desk(system).assign_team(person("patrol_leader"), route.id, leader="gao-feng", members=["song-yu"])
    second = schedules.open(route.id, 1, first + timedelta(days=1), first)
    assert (second.checkpoint_codes(), second.members, second.scheduled_at) == (["N"], ["song-yu"], first)


def test_a_stopped_schedule_has_no_next_period_and_opens_nothing(system: System, clock: Clock):
    route = started(system, teamed(system), level="grid")
    first = route.schedule["first_start"]
    desk(system).stop_schedule(person("patrol_leader"), route.id, reason="harvest")
    schedules = system.casebook.patrols.schedules
    assert not schedules.period(route.id, 1, None).running
    before = head(system)
    assert schedules.open(route.id, 1, first, None) is None and head(system) == before


def test_stopping_calls_off_the_shift_not_yet_begun_and_leaves_one_that_began(system: System, clock: Clock):
    route = started(system, teamed(system), level="grid")
    first = route.schedule["first_start"]
    schedules = system.casebook.patrols.schedules
    begun = schedules.open(route.id, 1, first, None)
    coming = schedules.open(route.id, 1, first + timedelta(days=1), first)
    clock.advance(timedelta(hours=2))
    desk(system).stop_schedule(person("patrol_leader"), route.id, reason="harvest")
    for shift in (begun, coming, coming):
        schedules.call_off(route.id, 1, shift.id)
    called_off = desk(system).shift(None, coming.id)
    assert (called_off.status, called_off.end_reason, called_off.ended_at) == (
        ShiftStatus.CANCELLED,
        "the patrol schedule was stopped: harvest",
        clock.now,
    )
    assert history(system, coming.id) == ["Scheduled", "Cancelled"]
    assert history(system, begun.id) == ["Scheduled"]


def test_retiring_the_route_stops_its_schedule_and_calls_off_its_coming_shift(system: System):
    route = started(system, teamed(system), level="grid")
    coming = system.casebook.patrols.schedules.open(route.id, 1, route.schedule["first_start"], None)
    retired = desk(system).retire_route(person("patrol_leader"), route.id, reason="road closed")
    assert retired.schedules[0]["stop_reason"] == "the route was retired"
    called_off = system.casebook.patrols.schedules.call_off(route.id, 1, coming.id)
    assert called_off.end_reason == "the patrol schedule was stopped: the route was retired"


def test_a_foreign_village_route_gets_its_own_villages_team(system: System):
    route = establish(system, role="foreign_patrol_leader", node=FOREIGN_VILLAGE)
    teamed_route = desk(system).assign_team(
        person("foreign_patrol_leader"), route.id, leader="xu-gang", members=["fang-qi"]
    )
    assert teamed_route.team["members"] == ["fang-qi"]
