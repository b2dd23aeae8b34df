"""The HTTP commands of a route's standing team and schedule: the happy path, and a precise
status for each refusal (401, 404 and 412 are tested for every route command in test_patrol_api)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import System
from tests.test_patrol_api import FOREIGN_VILLAGE, auth, head, ok, route

LATE = "entered from the paper log"  # a reason, so the domain's own rule on effective_at is what refuses
TEAM = {"leader": "gao-feng", "members": ["ma-li"]}
START = {"first_start": "2026-03-03T08:00:00+08:00", "shift_minutes": 180}


def post(
    api: TestClient,
    route_id: str,
    path: str,
    body: dict[str, Any],
    role: str = "patrol_leader",
    **headers: str,
) -> Any:
    return api.post(f"/patrols/routes/{route_id}/{path}", json=body, headers={**auth(role), **headers})


def teamed(api: TestClient) -> dict[str, Any]:
    return ok(post(api, route(api)["id"], "team-assignments", TEAM))


def test_a_route_gets_a_team_and_a_schedule_that_starts_and_stops(api: TestClient):
    made = route(api)
    assert (made["team"], made["schedule"], made["schedules"]) == (None, None, [])
    assert "start_schedule" not in made["allowed_actions"]
    team = post(api, made["id"], "team-assignments", TEAM, **{"If-Match": '"1"'})
    assert ok(team)["team"]["leader"] == "gao-feng" and team.headers["ETag"] == '"2"'
    started = ok(post(api, made["id"], "schedule-starts", {**START, "level": "grid"}))
    assert {
        k: started["schedule"][k] for k in ("schedule", "level", "first_start", "shift_minutes", "started_by")
    } == {
        "schedule": 1,
        "level": "grid",
        "first_start": "2026-03-03T08:00:00+08:00",
        "shift_minutes": 180,
        "started_by": "gao-feng",
    }
    assert (
        "stop_schedule" in started["allowed_actions"] and "start_schedule" not in started["allowed_actions"]
    )
    stopped = ok(post(api, made["id"], "schedule-stops", {"reason": "harvest"}, role="township"))
    assert stopped["schedule"] is None
    assert (stopped["schedules"][0]["stop_reason"], stopped["schedules"][0]["stopped_by"]) == (
        "harvest",
        "chen-jing",
    )
    read = ok(api.get(f"/patrols/routes/{made['id']}", headers=auth("patrol_member")))
    assert [e["type"] for e in read["history"]] == [
        "Established",
        "TeamAssigned",
        "ScheduleStarted",
        "ScheduleStopped",
    ]
    assert read["history"][2]["data"]["level"] == "grid"


def test_a_schedule_keeps_the_routes_own_level_unless_told(api: TestClient):
    started = ok(post(api, teamed(api)["id"], "schedule-starts", START))
    assert started["schedule"]["level"] == "village"


@pytest.mark.parametrize(
    ("path", "role", "right", "detail"),
    [
        (
            "team-assignments",
            "patrol_member",
            "manage_routes or lead_patrol",
            "has neither the right to manage routes",
        ),
        (
            "schedule-stops",
            "auditor",
            "manage_routes or lead_patrol",
            "has neither the right to manage routes",
        ),
    ],
)
def test_the_team_and_schedule_of_a_route_are_for_those_over_it_who_manage_routes_or_lead_patrols(
    api: TestClient, system: System, path: str, role: str, right: str, detail: str
):
    made = teamed(api)
    ok(post(api, made["id"], "schedule-starts", START))
    before = head(system)
    body = {"team-assignments": TEAM, "schedule-starts": START, "schedule-stops": {}}[path]
    refused = post(api, made["id"], path, body, role=role)
    assert refused.status_code == 403, refused.text
    assert (refused.json()["right"], refused.json()["node"]) == (right, "anping.dongxi.qiaotou")
    assert detail in refused.json()["detail"] and head(system) == before


def test_a_schedule_without_a_team_or_one_too_many_is_409_with_the_state(api: TestClient, system: System):
    bare = route(api)
    before = head(system)
    no_team = post(api, bare["id"], "schedule-starts", START)
    assert no_team.status_code == 409 and no_team.json()["state"] == "active, no standing team"
    assert "start_schedule" not in no_team.json()["allowed"] and "assign_team" in no_team.json()["allowed"]
    nothing = post(api, bare["id"], "schedule-stops", {})
    assert nothing.status_code == 409 and nothing.json()["state"] == "active, no schedule running"
    assert head(system) == before
    made = teamed(api)
    ok(post(api, made["id"], "schedule-starts", START))
    again = post(api, made["id"], "schedule-starts", START)
    assert again.status_code == 409 and again.json()["state"] == "active, schedule 1 running"
    assert "stop it first" in again.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("team-assignments", {**TEAM, "members": ["fang-qi"]}, "members"),
        ("team-assignments", {**TEAM, "leader": "ma-li", "members": ["song-yu"]}, "leader"),
        ("team-assignments", {"leader": "gao-feng"}, "members"),
        ("team-assignments", TEAM, "members"),  # the team it already has
        ("schedule-starts", {**START, "first_start": "2026-03-01T08:00:00+08:00"}, "first_start"),
        ("schedule-starts", {**START, "first_start": "tomorrow"}, "first_start"),
        ("schedule-starts", {**START, "shift_minutes": 0}, "shift_minutes"),
        ("schedule-starts", {**START, "level": "county"}, "level"),
        ("schedule-starts", {**START, "level": "township"}, "level"),  # above the village route
        ("schedule-starts", {**START, "weekday": "monday"}, "weekday"),
        (
            "schedule-stops",
            {"effective_at": "2026-03-01T00:00:00+00:00", "late_reason": LATE},
            "effective_at",
        ),
    ],
)
def test_a_team_or_schedule_command_breaking_a_rule_is_422_naming_the_field(
    api: TestClient, system: System, path: str, body: dict[str, Any], field: str
):
    made = teamed(api)
    if path == "schedule-stops":
        ok(post(api, made["id"], "schedule-starts", START))
    before = head(system)
    refused = post(api, made["id"], path, body)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert head(system) == before


def test_a_foreign_villages_leader_gives_their_own_route_their_own_team(api: TestClient):
    theirs = route(api, role="foreign_patrol_leader", node=FOREIGN_VILLAGE)
    team = {"leader": "xu-gang", "members": ["fang-qi"]}
    assert (
        ok(post(api, theirs["id"], "team-assignments", team, role="foreign_patrol_leader"))["team"]["leader"]
        == "xu-gang"
    )
    refused = post(api, theirs["id"], "team-assignments", TEAM, role="foreign_patrol_leader")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "leader"
