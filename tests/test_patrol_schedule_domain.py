"""A route's standing team and schedule, and the cadence of its periods: given past events,
when a command, then new events or a named error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.patrols.patrol import CadenceLevel, Route
from domain.time.calendar import CHINA, BusinessCalendar, CalendarYear, Unit
from domain.time.policy import Rule
from service.patrols.schedules import next_start
from tests.dsl import T0
from tests.test_patrol_domain import LEADER, MEMBER, SECOND, given_route, refused, stamp, then

FIRST = T0 + timedelta(days=1)  # the first shift of a schedule


def teamed(leader: str = LEADER, members: tuple[str, ...] = (MEMBER,)) -> object:
    return lambda r: r.assign_team(leader=leader, members=list(members), **stamp(at=T0))


def scheduled(level: CadenceLevel = CadenceLevel.GRID, at: datetime = T0) -> object:
    return lambda r: r.start_schedule(level=level, first_start=FIRST, shift_minutes=180, **stamp(at=at))


def stopped(at: datetime = T0 + timedelta(days=3)) -> object:
    return lambda r: r.stop_schedule(reason="harvest", **stamp(at=at))


# -- the standing team --------------------------------------------------------------------


def test_a_route_gets_a_standing_team():
    route = given_route()
    route.assign_team(leader=LEADER, members=[MEMBER, SECOND], **stamp(at=T0))
    [event] = then(route)
    assert isinstance(event, Route.TeamAssigned)
    assert (event.leader, event.members) == (LEADER, [MEMBER, SECOND])
    assert route.team == {"leader": LEADER, "members": [MEMBER, SECOND], "since": T0}


def test_the_standing_team_is_replaced_but_not_by_itself():
    route = given_route(teamed())
    route.assign_team(leader=SECOND, members=[MEMBER], **stamp(at=T0))
    assert route.team["leader"] == SECOND
    again = given_route(teamed())
    error = refused(
        InvalidValue, again, lambda: again.assign_team(leader=LEADER, members=[MEMBER], **stamp(at=T0))
    )
    assert error.field == "members"


@pytest.mark.parametrize(
    ("leader", "members", "field"),
    [
        (" ", [MEMBER], "leader"),
        (LEADER, [], "members"),
        (LEADER, [MEMBER, MEMBER], "members"),
        (LEADER, [LEADER, MEMBER], "members"),
    ],
)
def test_a_standing_team_is_checked_like_a_shifts_team(leader: str, members: list[str], field: str):
    route = given_route()
    error = refused(
        InvalidValue, route, lambda: route.assign_team(leader=leader, members=members, **stamp(at=T0))
    )
    assert error.field == field


def test_a_retired_route_gets_no_team_and_starts_no_schedule():
    route = given_route(teamed(), lambda r: r.retire(reason="road closed", **stamp(at=T0)))
    for command in (
        lambda: route.assign_team(leader=LEADER, members=[SECOND], **stamp(at=T0)),
        lambda: route.start_schedule(level="grid", first_start=FIRST, shift_minutes=60, **stamp(at=T0)),
        lambda: route.stop_schedule(reason="", **stamp(at=T0)),
    ):
        error = refused(TransitionNotAllowed, route, command)
        assert (error.state, error.allowed) == ("retired", [])


# -- starting and stopping the schedule ---------------------------------------------------------


def test_a_schedule_starts_with_its_level_first_start_and_shift_length():
    route = given_route(teamed())
    route.start_schedule(level=CadenceLevel.VILLAGE, first_start=FIRST, shift_minutes=240, **stamp(at=T0))
    [event] = then(route)
    assert isinstance(event, Route.ScheduleStarted)
    assert (event.schedule, event.level, event.first_start, event.shift_minutes) == (1, "village", FIRST, 240)
    assert route.schedule["started_at"] == T0 and route.schedule["stopped_at"] is None
    assert "stop_schedule" in route.allowed_actions() and "start_schedule" not in route.allowed_actions()


def test_a_schedule_needs_a_standing_team():
    route = given_route()
    assert "start_schedule" not in route.allowed_actions()
    error = refused(TransitionNotAllowed, route, scheduled_now(route))
    assert error.state == "active, no standing team" and "assign one first" in str(error)


def test_one_schedule_runs_on_a_route_at_a_time():
    route = given_route(teamed(), scheduled())
    error = refused(TransitionNotAllowed, route, scheduled_now(route))
    assert error.state == "active, schedule 1 running" and "stop it first" in str(error)
    assert "start_schedule" not in error.allowed and "stop_schedule" in error.allowed


def test_a_schedule_started_again_after_a_stop_has_the_next_number():
    route = given_route(teamed(), scheduled(), stopped())
    route.start_schedule(
        level="grid",
        first_start=FIRST + timedelta(days=5),
        shift_minutes=60,
        **stamp(at=T0 + timedelta(days=4)),
    )
    assert then(route)[0].schedule == 2 and route.schedule["schedule"] == 2
    assert route.schedules[0]["stop_reason"] == "harvest"


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"first_start": T0 - timedelta(minutes=1)}, "first_start"),
        ({"shift_minutes": 0}, "shift_minutes"),
        ({"shift_minutes": 24 * 60 + 1}, "shift_minutes"),
        ({"level": "county"}, "level"),
    ],
)
def test_a_schedule_breaking_a_rule_is_refused_naming_the_field(facts: dict[str, object], field: str):
    route = given_route(teamed())
    command = {"level": "grid", "first_start": FIRST, "shift_minutes": 60, **facts}
    error = refused(InvalidValue, route, lambda: route.start_schedule(**command, **stamp(at=T0)))
    assert error.field == field


def test_a_schedule_stops_with_its_reason():
    route = given_route(teamed(), scheduled())
    route.stop_schedule(reason=" harvest ", **stamp(at=T0 + timedelta(days=2)))
    [event] = then(route)
    assert isinstance(event, Route.ScheduleStopped) and (event.schedule, event.reason) == (1, "harvest")
    assert route.schedule is None and route.schedules[0]["stopped_at"] == T0 + timedelta(days=2)
    assert "start_schedule" in route.allowed_actions() and "stop_schedule" not in route.allowed_actions()


def test_no_schedule_to_stop_is_refused():
    route = given_route(teamed())
    error = refused(TransitionNotAllowed, route, lambda: route.stop_schedule(reason="", **stamp(at=T0)))
    assert error.state == "active, no schedule running"


def test_a_schedule_is_not_stopped_before_it_started():
    route = given_route(teamed(), scheduled(at=T0 + timedelta(hours=2)))
    error = refused(
        InvalidValue, route, lambda: route.stop_schedule(reason="", **stamp(at=T0 + timedelta(hours=1)))
    )
    assert error.field == "effective_at"


def test_retiring_a_route_stops_its_schedule_first():
    route = given_route(teamed(), scheduled())
    route.retire(reason="bridge gone", **stamp(at=T0 + timedelta(days=2)))
    stop, retire = then(route)
    assert isinstance(stop, Route.ScheduleStopped) and isinstance(retire, Route.Retired)
    assert (stop.schedule, stop.reason) == (1, "the route was retired")


# -- the cadence ----------------------------------------------------------------------------------

CALENDAR = BusinessCalendar(
    "CN",
    {
        2026: CalendarYear(
            2026,
            frozenset({date(2026, 10, d) for d in range(1, 9)}),
            frozenset({date(2026, 9, 27), date(2026, 10, 10)}),
        )
    },
)


@pytest.mark.parametrize(
    ("amount", "unit", "after", "expected"),
    [
        (1, Unit.CALENDAR_DAYS, datetime(2026, 3, 2, 8, tzinfo=CHINA), datetime(2026, 3, 3, 8, tzinfo=CHINA)),
        (
            15,
            Unit.CALENDAR_DAYS,
            datetime(2026, 9, 30, 20, tzinfo=CHINA),
            datetime(2026, 10, 15, 20, tzinfo=CHINA),
        ),
        (
            6,
            Unit.HOURS,
            datetime(2026, 3, 2, 20, tzinfo=UTC),
            datetime(2026, 3, 3, 2, tzinfo=UTC),
        ),
        (1, Unit.WORKING_DAYS, datetime(2026, 3, 6, 8, tzinfo=CHINA), datetime(2026, 3, 9, 8, tzinfo=CHINA)),
        (
            2,
            Unit.WORKING_DAYS,
            datetime(2026, 9, 30, 8, tzinfo=CHINA),
            datetime(2026, 10, 10, 8, tzinfo=CHINA),
        ),
    ],
)
def test_the_next_period_begins_a_cadence_later_at_the_same_local_time(
    amount: int, unit: Unit, after: datetime, expected: datetime
):
    found = next_start(after, Rule("patrol.cadence", amount, unit), CALENDAR)
    assert found == expected and found.utcoffset() == after.utcoffset()


def scheduled_now(route: Route) -> object:
    return lambda: route.start_schedule(level="grid", first_start=FIRST, shift_minutes=60, **stamp(at=T0))
