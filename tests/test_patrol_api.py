"""The patrol HTTP API: the happy path, and a precise status for every refusal of every endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.support import GRID, TOKENS, VILLAGE, Clock

LATE = "entered from the paper log"  # a reason, so the domain's own rule on effective_at is what refuses
TOWNSHIP = "anping.dongxi"
FOREIGN_VILLAGE = "anping.dongxi.shangba"
ROUTE = {
    "node": VILLAGE,
    "name": "River loop",
    "checkpoints": [
        {"code": "C1", "name": "Bridge", "location": "north end"},
        {"code": "C2", "name": "School gate"},
        {"code": "C3", "name": "Reservoir", "location": "dam"},
    ],
}
DISPUTE = {
    "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "Quarrel over a fence",
}
INCIDENT = {"kind": "fire", "description": "Barn on fire", "location": "Li's barn by the reservoir"}
# Every shift command: its path and a body it accepts.
SHIFT_COMMANDS = {
    "start-sign-ins": {},
    "checkpoint-sign-ins": {"checkpoint": "C1"},
    "end-sign-ins": {},
    "missed-checkpoints": {"checkpoint": "C1", "reason": "road flooded"},
    "dispute-findings": DISPUTE,
    "incident-findings": INCIDENT,
    "missed": {"reason": "nobody came"},
    "cancellation": {"reason": "typhoon"},
    "closure": {"notes": "quiet"},
}
ROUTE_COMMANDS = {
    "revisions": {"checkpoints": ROUTE["checkpoints"][:2]},
    "retirement": {"reason": "bridge rebuilt"},
    "team-assignments": {"leader": "gao-feng", "members": ["ma-li", "song-yu"]},
    "schedule-starts": {"first_start": "2026-03-03T08:00:00+08:00", "shift_minutes": 180, "level": "grid"},
    "schedule-stops": {"reason": "harvest"},
}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


def route(api: TestClient, role: str = "patrol_leader", **changes: Any) -> dict[str, Any]:
    return ok(api.post("/patrols/routes", json={**ROUTE, **changes}, headers=auth(role)), 201)


def shift(
    api: TestClient, clock: Clock, route_id: str | None = None, *, in_days: int = 0, **changes: Any
) -> dict[str, Any]:
    start = clock.now + timedelta(days=in_days)
    body = {
        "route_id": route_id or route(api)["id"],
        "leader": "gao-feng",
        "members": ["ma-li"],
        "planned_start": iso(start),
        "planned_end": iso(start + timedelta(hours=4)),
        **changes,
    }
    return ok(api.post("/patrols/shifts", json=body, headers=auth("patrol_leader")), 201)


def command(
    api: TestClient,
    shift_id: str,
    path: str,
    body: dict[str, Any] | None = None,
    role: str = "patrol_leader",
    headers: dict[str, str] | None = None,
) -> Any:
    return api.post(
        f"/patrols/shifts/{shift_id}/{path}", json=body or {}, headers={**auth(role), **(headers or {})}
    )


def shift_in(api: TestClient, clock: Clock, state: str) -> dict[str, Any]:
    """A shift of gao-feng and ma-li: scheduled, open (both signed in at the start) or closed."""
    made = shift(api, clock)
    if state in ("open", "closed"):
        for role in ("patrol_leader", "patrol_member"):
            made = ok(command(api, made["id"], "start-sign-ins", role=role))
    if state == "closed":
        ok(command(api, made["id"], "end-sign-ins"))
        made = ok(command(api, made["id"], "closure"))
    return made


def retired_route(api: TestClient) -> dict[str, Any]:
    made = route(api)
    return ok(api.post(f"/patrols/routes/{made['id']}/retirement", json={}, headers=auth("patrol_leader")))


# -- the happy paths ---------------------------------------------------------------------


def test_a_patrol_goes_from_its_route_to_a_closed_shift_with_its_history(api: TestClient, clock: Clock):
    created = api.post("/patrols/routes", json=ROUTE, headers=auth("patrol_leader"))
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    route_id = created.json()["id"]
    assert created.headers["Location"] == f"/patrols/routes/{route_id}"
    scheduled = api.post(
        "/patrols/shifts",
        headers=auth("patrol_leader"),
        json={
            "route_id": route_id,
            "leader": "gao-feng",
            "members": ["ma-li", "song-yu"],
            "planned_start": iso(clock.now),
            "planned_end": iso(clock.now + timedelta(hours=4)),
        },
    )
    assert scheduled.status_code == 201, scheduled.text
    shift_id = scheduled.json()["id"]
    assert scheduled.headers["Location"] == f"/patrols/shifts/{shift_id}"
    assert (scheduled.json()["status"], scheduled.json()["route_revision"]) == ("scheduled", 1)

    opened = ok(command(api, shift_id, "start-sign-ins", role="patrol_member"))
    assert (opened["status"], opened["present"]) == ("open", ["ma-li"])
    ok(command(api, shift_id, "start-sign-ins", headers={"If-Match": '"2"'}))
    clock.advance(timedelta(minutes=30))
    ok(command(api, shift_id, "checkpoint-sign-ins", {"checkpoint": "C1"}, role="patrol_member"))
    ok(command(api, shift_id, "missed-checkpoints", {"checkpoint": "C2", "reason": "gate locked"}))
    found = ok(
        command(api, shift_id, "dispute-findings", {**DISPUTE, "checkpoint": "C1"}, role="patrol_member")
    )
    fire = ok(command(api, shift_id, "incident-findings", {**INCIDENT, "grid": GRID, "checkpoint": "C3"}))
    incident = fire["findings"][1]["case_id"]
    clock.advance(timedelta(hours=3))
    for role in ("patrol_member", "patrol_leader"):
        ok(command(api, shift_id, "end-sign-ins", role=role))
    closed = ok(command(api, shift_id, "closure", {"notes": "one dispute found"}))
    assert closed["status"] == "closed" and closed["allowed_actions"] == []
    assert [
        (c["code"], bool(c["signed_by"]), (c["missed"] or {}).get("trigger")) for c in closed["checkpoints"]
    ] == [("C1", True, None), ("C2", False, "manual"), ("C3", False, "closing")]
    dispute_id = found["findings"][0]["case_id"]
    assert closed["record"]["findings"] == [
        {"kind": "dispute", "case_id": dispute_id},
        {"kind": "incident", "case_id": incident},
    ]
    assert (closed["record"]["present"], closed["record"]["absent"]) == (["gao-feng", "ma-li"], ["song-yu"])

    read = ok(api.get(f"/patrols/shifts/{shift_id}", headers=auth("auditor")))
    assert [(e["type"], e["actor"]) for e in read["history"]] == [
        ("Scheduled", "gao-feng"),
        ("SignedInAtStart", "ma-li"),
        ("SignedInAtStart", "gao-feng"),
        ("SignedInAtCheckpoint", "ma-li"),
        ("CheckpointMissed", "gao-feng"),
        ("FindingReported", "ma-li"),
        ("FindingReported", "gao-feng"),
        ("SignedInAtEnd", "ma-li"),
        ("SignedInAtEnd", "gao-feng"),
        ("CheckpointMissed", "gao-feng"),
        ("Closed", "gao-feng"),
    ]
    assert read["history"][3]["data"] == {
        "checkpoint": "C1",
        "position": 1,
        "in_route_order": True,
        "first_at_checkpoint": True,
    }
    dispute = ok(api.get(f"/disputes/{dispute_id}", headers=auth("auditor")))
    assert (dispute["source"], dispute["source_ref"], dispute["village"]) == ("patrol", shift_id, VILLAGE)
    reported = ok(api.get(f"/incidents/{incident}", headers=auth("auditor")))
    assert (reported["origin_kind"], reported["origin_id"], reported["grid"], reported["kind"]) == (
        "patrol",
        shift_id,
        GRID,
        "fire",
    )
    assert (reported["reported_by"], reported["description"]) == ("gao-feng", "Barn on fire")


def test_a_route_is_revised_and_retired_and_read_with_its_history(api: TestClient):
    made = route(api, role="township")  # township staff, at a village below them
    path = f"/patrols/routes/{made['id']}"
    revised = api.post(
        f"{path}/revisions",
        json={"checkpoints": ROUTE["checkpoints"][::-1], "name": "Reverse loop"},
        headers={**auth("patrol_leader"), "If-Match": '"1"'},
    )
    assert ok(revised)["revision"] == 2 and revised.headers["ETag"] == '"2"'
    retired = ok(
        api.post(f"{path}/retirement", json={"reason": "bridge rebuilt"}, headers=auth("patrol_leader"))
    )
    assert (retired["status"], retired["allowed_actions"]) == ("retired", [])
    read = ok(api.get(path, headers=auth("patrol_member")))
    assert [e["type"] for e in read["history"]] == ["Established", "Revised", "Retired"]
    assert [c["code"] for c in read["checkpoints"]] == ["C3", "C2", "C1"] and read["name"] == "Reverse loop"


def test_a_shift_nobody_came_to_is_recorded_missed_and_one_not_yet_due_cancelled(
    api: TestClient, clock: Clock
):
    due = shift(api, clock)
    missed = ok(command(api, due["id"], "missed", {"reason": "all at a fire"}))
    assert (missed["status"], missed["end_reason"]) == ("missed", "all at a fire")
    later = shift(api, clock, due["route_id"], in_days=1)
    cancelled = ok(command(api, later["id"], "cancellation", {"reason": "typhoon warning"}))
    assert (cancelled["status"], cancelled["end_reason"]) == ("cancelled", "typhoon warning")


def test_a_request_retried_with_its_idempotency_key_has_its_effect_once(
    api: TestClient, clock: Clock, system: System
):
    made = shift_in(api, clock, "open")
    key = {"Idempotency-Key": "tablet-9/finding/1"}
    first, again = (
        ok(command(api, made["id"], "dispute-findings", DISPUTE, role="patrol_member", headers=key))
        for _ in range(2)
    )
    assert first["findings"] == again["findings"] and len(again["findings"]) == 1
    assert first["version"] == again["version"]
    body = {
        "route_id": made["route_id"],
        "leader": "gao-feng",
        "members": ["ma-li"],
        "planned_start": iso(clock.now),
        "planned_end": iso(clock.now + timedelta(hours=1)),
    }
    one, two = (
        api.post("/patrols/shifts", json=body, headers={**auth("patrol_leader"), "Idempotency-Key": "plan-1"})
        for _ in range(2)
    )
    assert ok(one, 201)["id"] == ok(two, 201)["id"]


def test_the_openapi_document_describes_the_patrol_routes(api: TestClient):
    paths = api.get("/openapi.json").json()["paths"]
    assert {
        "/patrols/routes",
        "/patrols/routes/{route_id}",
        "/patrols/shifts",
        "/patrols/shifts/{shift_id}",
    } <= set(paths)
    assert {f"/patrols/shifts/{{shift_id}}/{p}" for p in SHIFT_COMMANDS} <= set(paths)
    assert {f"/patrols/routes/{{route_id}}/{p}" for p in ROUTE_COMMANDS} <= set(paths)


# -- 401 ---------------------------------------------------------------------------------


def _every_post(route_id: str, shift_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("/patrols/routes", ROUTE),
        (
            "/patrols/shifts",
            {
                "route_id": route_id,
                "leader": "gao-feng",
                "members": ["ma-li"],
                "planned_start": "2026-03-02T09:00:00+00:00",
                "planned_end": "2026-03-02T13:00:00+00:00",
            },
        ),
        *((f"/patrols/routes/{route_id}/{p}", b) for p, b in ROUTE_COMMANDS.items()),
        *((f"/patrols/shifts/{shift_id}/{p}", b) for p, b in SHIFT_COMMANDS.items()),
    ]


def test_no_token_or_an_unknown_token_is_401_everywhere(api: TestClient, clock: Clock, system: System):
    made = shift(api, clock)
    before = head(system)
    for path, body in _every_post(made["route_id"], made["id"]):
        for headers in ({}, {"Authorization": "Bearer nope"}):
            refused = api.post(path, json=body, headers=headers)
            assert refused.status_code == 401, path
            assert refused.headers["WWW-Authenticate"] == "Bearer"
    for path in (f"/patrols/routes/{made['route_id']}", f"/patrols/shifts/{made['id']}"):
        assert api.get(path).status_code == 401
    assert head(system) == before


# -- 404 and malformed ids ---------------------------------------------------------------


def test_an_unknown_route_or_shift_is_404_and_a_malformed_id_422(api: TestClient, clock: Clock):
    for path, body in _every_post(str(uuid4()), str(uuid4()))[2:]:
        refused = api.post(path, json=body, headers=auth("patrol_leader"))
        assert refused.status_code == 404, path
        assert refused.json()["title"] in ("Unknown route", "Unknown shift")
    for kind in ("routes", "shifts"):
        assert api.get(f"/patrols/{kind}/{uuid4()}", headers=auth("auditor")).status_code == 404
        malformed = api.get(f"/patrols/{kind}/not-a-uuid", headers=auth("auditor"))
        assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == f"{kind[:-1]}_id"
    malformed = command(api, "not-a-uuid", "closure")
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "shift_id"
    made = shift(api, clock)
    assert (
        api.get(f"/patrols/routes/{made['id']}", headers=auth("auditor")).status_code == 404
    )  # a shift's id


# -- 412 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*SHIFT_COMMANDS, *(f"route:{p}" for p in ROUTE_COMMANDS)])
def test_a_stale_if_match_is_412_and_writes_nothing(api: TestClient, clock: Clock, system: System, path: str):
    made = shift_in(api, clock, "open")
    if path.startswith("route:"):
        path = path.removeprefix("route:")
        url, body = f"/patrols/routes/{made['route_id']}/{path}", ROUTE_COMMANDS[path]
    else:
        url, body = f"/patrols/shifts/{made['id']}/{path}", SHIFT_COMMANDS[path]
    before = head(system)
    role = "patrol_member" if path.endswith("findings") else "patrol_leader"
    stale = api.post(url, json=body, headers={**auth(role), "If-Match": '"99"'})
    assert stale.status_code == 412, stale.text
    assert stale.json()["expected_version"] == 99
    garbled = api.post(url, json=body, headers={**auth(role), "If-Match": "soon"})
    assert garbled.status_code == 422 and garbled.json()["errors"][0]["field"] == "If-Match"
    assert head(system) == before


# -- 403 -----------------------------------------------------------------------------------


def test_routes_are_managed_inside_ones_node_by_those_who_manage_routes_or_lead_patrols(
    api: TestClient, system: System
):
    made = route(api)
    before = head(system)
    member = api.post("/patrols/routes", json=ROUTE, headers=auth("patrol_member"))
    assert member.status_code == 403 and member.json()["right"] == "manage_routes or lead_patrol"
    parent = api.post("/patrols/routes", json={**ROUTE, "node": TOWNSHIP}, headers=auth("patrol_leader"))
    assert parent.status_code == 403 and parent.json()["node"] == TOWNSHIP
    assert "outside Gao Feng's jurisdiction" in parent.json()["detail"]
    for path, body in ROUTE_COMMANDS.items():
        foreign = api.post(
            f"/patrols/routes/{made['id']}/{path}", json=body, headers=auth("foreign_patrol_leader")
        )
        assert foreign.status_code == 404 and VILLAGE not in foreign.text  # no such route, to them
    read = api.get(f"/patrols/routes/{made['id']}", headers=auth("foreign_patrol_member"))
    assert read.status_code == 404 and read.json()["title"] == "Unknown route"
    assert head(system) == before
    assert route(api, role="foreign_patrol_leader", node=FOREIGN_VILLAGE)["node"] == FOREIGN_VILLAGE


def test_shifts_are_scheduled_and_read_inside_ones_node(api: TestClient, clock: Clock, system: System):
    made = shift(api, clock)
    before = head(system)
    body = {
        "route_id": made["route_id"],
        "leader": "gao-feng",
        "members": ["ma-li"],
        "planned_start": iso(clock.now),
        "planned_end": iso(clock.now + timedelta(hours=1)),
    }
    member = api.post("/patrols/shifts", json=body, headers=auth("patrol_member"))
    assert member.status_code == 403 and member.json()["right"] == "lead_patrol"
    foreign = api.post("/patrols/shifts", json=body, headers=auth("foreign_patrol_leader"))
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "route_id"
    assert VILLAGE not in foreign.text  # a route of another village is, to them, no route
    read = api.get(f"/patrols/shifts/{made['id']}", headers=auth("foreign_patrol_member"))
    assert read.status_code == 404 and VILLAGE not in read.text
    assert head(system) == before
    assert (
        ok(api.post("/patrols/shifts", json=body, headers=auth("township_patrol_leader")), 201)[
            "scheduled_by"
        ]
        == "pan-wei"
    )


@pytest.mark.parametrize(
    ("path", "role", "right", "detail"),
    [
        ("start-sign-ins", "township_patrol_member", "patrol", "song-yu is not on this shift's team"),
        ("checkpoint-sign-ins", "auditor", "patrol", "does not have the right to patrol"),
        ("end-sign-ins", "township", "patrol", "does not have the right to patrol"),
        ("missed-checkpoints", "patrol_member", "lead_patrol", "does not have the right to lead patrol"),
        ("dispute-findings", "township_patrol_member", "patrol", "not on this shift's team"),
        ("incident-findings", "auditor", "patrol", "does not have the right to patrol"),
        ("missed", "patrol_member", "lead_patrol", "does not have the right to lead patrol"),
        ("closure", "patrol_member", "lead_patrol", "does not have the right to lead patrol"),
    ],
)
def test_a_shift_command_by_the_wrong_person_is_403_and_writes_nothing(
    api: TestClient, clock: Clock, system: System, path: str, role: str, right: str, detail: str
):
    made = shift_in(api, clock, "open")
    before = head(system)
    refused = command(api, made["id"], path, SHIFT_COMMANDS[path], role=role)
    assert refused.status_code == 403, refused.text
    assert (refused.json()["right"], refused.json()["node"]) == (right, VILLAGE)
    assert detail in refused.json()["detail"]
    assert head(system) == before


@pytest.mark.parametrize(
    ("path", "body", "right"),
    [
        ("dispute-findings", DISPUTE, "report_dispute"),
        ("incident-findings", INCIDENT, "report_incident"),
    ],
)
def test_a_finding_in_another_village_is_403_naming_the_right_and_the_village(
    api: TestClient, clock: Clock, system: System, path: str, body: dict[str, Any], right: str
):
    made = shift_in(api, clock, "open")
    before = head(system)
    refused = command(api, made["id"], path, {**body, "village": FOREIGN_VILLAGE}, role="patrol_member")
    assert refused.status_code == 403, refused.text
    assert (refused.json()["right"], refused.json()["node"]) == (right, FOREIGN_VILLAGE)
    assert head(system) == before


def test_a_leader_over_the_village_leads_its_shifts_from_the_township(api: TestClient, clock: Clock):
    made = shift_in(api, clock, "open")
    missed = {"checkpoint": "C3", "reason": "dam closed"}
    ok(command(api, made["id"], "missed-checkpoints", missed, role="township_patrol_leader"))
    ok(command(api, made["id"], "end-sign-ins"))
    assert ok(command(api, made["id"], "closure", role="township"))["status"] == "closed"


# -- 409 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "path", "allowed"),
    [
        ("scheduled", "checkpoint-sign-ins", ["cancel", "record_shift_missed", "sign_in_at_start"]),
        ("scheduled", "end-sign-ins", ["cancel", "record_shift_missed", "sign_in_at_start"]),
        ("scheduled", "missed-checkpoints", ["cancel", "record_shift_missed", "sign_in_at_start"]),
        ("scheduled", "dispute-findings", ["cancel", "record_shift_missed", "sign_in_at_start"]),
        ("scheduled", "incident-findings", ["cancel", "record_shift_missed", "sign_in_at_start"]),
        ("scheduled", "closure", ["cancel", "record_shift_missed", "sign_in_at_start"]),
        (
            "open",
            "missed",
            [
                "close",
                "record_checkpoint_missed",
                "report_finding",
                "sign_in_at_checkpoint",
                "sign_in_at_end",
            ],  # both members signed in at the start: nobody is left to
        ),
        (
            "open",
            "cancellation",
            [
                "close",
                "record_checkpoint_missed",
                "report_finding",
                "sign_in_at_checkpoint",
                "sign_in_at_end",
            ],  # both members signed in at the start: nobody is left to
        ),
        ("closed", "start-sign-ins", []),
    ],
)
def test_a_shift_command_the_state_does_not_allow_is_409_with_the_current_state(
    api: TestClient, clock: Clock, system: System, state: str, path: str, allowed: list[str]
):
    made = shift_in(api, clock, state)
    before = head(system)
    refused = command(api, made["id"], path, SHIFT_COMMANDS[path])
    assert refused.status_code == 409, refused.text
    assert (refused.json()["state"], refused.json()["allowed"]) == (state, allowed)
    assert head(system) == before  # a refused dispute finding reported no dispute either


@pytest.mark.parametrize(
    ("path", "body", "why"),
    [
        ("start-sign-ins", {}, "gao-feng already signed in at the start"),
        ("checkpoint-sign-ins", {"checkpoint": "C1"}, "gao-feng already signed in at C1"),
        ("missed-checkpoints", {"checkpoint": "C1", "reason": "x"}, "C1 was signed in at by gao-feng"),
        ("closure", {}, "nobody has signed in at the end yet"),
    ],
)
def test_a_shift_command_that_repeats_or_comes_too_early_is_409_saying_why(
    api: TestClient, clock: Clock, system: System, path: str, body: dict[str, Any], why: str
):
    made = shift_in(api, clock, "open")
    ok(command(api, made["id"], "checkpoint-sign-ins", {"checkpoint": "C1"}))
    before = head(system)
    refused = command(api, made["id"], path, body)
    assert refused.status_code == 409 and why in refused.json()["detail"]
    assert head(system) == before


def test_a_retired_route_is_409_for_its_commands_and_for_new_shifts(
    api: TestClient, clock: Clock, system: System
):
    retired = retired_route(api)
    before = head(system)
    for path, body in ROUTE_COMMANDS.items():
        refused = api.post(
            f"/patrols/routes/{retired['id']}/{path}", json=body, headers=auth("patrol_leader")
        )
        assert refused.status_code == 409 and (refused.json()["state"], refused.json()["allowed"]) == (
            "retired",
            [],
        )
    body = {
        "route_id": retired["id"],
        "leader": "gao-feng",
        "members": ["ma-li"],
        "planned_start": iso(clock.now),
        "planned_end": iso(clock.now + timedelta(hours=1)),
    }
    refused = api.post("/patrols/shifts", json=body, headers=auth("patrol_leader"))
    assert refused.status_code == 409 and refused.json()["state"] == "retired"
    assert head(system) == before


# -- 422 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ROUTE, "checkpoints": [ROUTE["checkpoints"][0]] * 2}, "checkpoints"),
        ({**ROUTE, "checkpoints": []}, "checkpoints"),
        ({**ROUTE, "node": GRID}, "node"),
        ({**ROUTE, "name": " "}, "name"),
        ({**ROUTE, "checkpoints": [{"code": "C 1", "name": "Bridge"}]}, "checkpoints.0.code"),
        ({**ROUTE, "colour": "red"}, "colour"),
    ],
)
def test_a_route_breaking_a_rule_is_422_naming_the_field(
    api: TestClient, system: System, body: dict[str, Any], field: str
):
    before = head(system)
    refused = api.post("/patrols/routes", json=body, headers=auth("patrol_leader"))
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert head(system) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("revisions", {"checkpoints": ROUTE["checkpoints"]}, "checkpoints"),  # changes nothing
        ("revisions", {"checkpoints": ROUTE["checkpoints"], "name": ""}, "name"),
        ("revisions", {"name": "Loop"}, "checkpoints"),
        ("retirement", {"effective_at": "2026-03-01T00:00:00+00:00", "late_reason": LATE}, "effective_at"),
        ("retirement", {"reason": None}, "reason"),
    ],
)
def test_a_route_command_breaking_a_rule_is_422_naming_the_field(
    api: TestClient, system: System, path: str, body: dict[str, Any], field: str
):
    made = route(api)
    before = head(system)
    refused = api.post(f"/patrols/routes/{made['id']}/{path}", json=body, headers=auth("patrol_leader"))
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert head(system) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"planned_end": "2026-03-02T08:00:00+00:00"}, "planned_end"),
        ({"members": ["fang-qi"]}, "members"),
        ({"members": ["gao-feng"]}, "members"),
        ({"leader": "ma-li", "members": ["song-yu"]}, "leader"),
        ({"route_id": str(uuid4())}, "route_id"),
        ({"planned_start": "tomorrow"}, "planned_start"),
    ],
)
def test_a_schedule_breaking_a_rule_is_422_naming_the_field(
    api: TestClient, clock: Clock, system: System, changes: dict[str, Any], field: str
):
    made = route(api)
    body = {
        "route_id": made["id"],
        "leader": "gao-feng",
        "members": ["ma-li"],
        "planned_start": iso(clock.now),
        "planned_end": iso(clock.now + timedelta(hours=4)),
        **changes,
    }
    before = head(system)
    refused = api.post("/patrols/shifts", json=body, headers=auth("patrol_leader"))
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert head(system) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("start-sign-ins", {"effective_at": "2030-01-01T00:00:00+00:00"}, "effective_at"),
        ("start-sign-ins", {"where": "gate"}, "where"),
        ("checkpoint-sign-ins", {"checkpoint": "C9"}, "checkpoint"),
        ("end-sign-ins", {"effective_at": "2026-03-01T00:00:00+00:00"}, "effective_at"),
        ("missed-checkpoints", {"checkpoint": "C2", "reason": " "}, "reason"),
        ("missed-checkpoints", {"checkpoint": "C2"}, "reason"),
        ("dispute-findings", {**DISPUTE, "parties": DISPUTE["parties"][:1]}, "parties"),
        ("dispute-findings", {**DISPUTE, "checkpoint": "C9"}, "checkpoint"),
        ("dispute-findings", {**DISPUTE, "grid": GRID, "village": VILLAGE}, "body"),
        ("incident-findings", {**INCIDENT, "description": " "}, "description"),
        ("incident-findings", {**INCIDENT, "kind": "riot"}, "kind"),
        ("incident-findings", {**INCIDENT, "kind": "safety_accident"}, "injured"),
        ("incident-findings", {**INCIDENT, "injured": -1}, "injured"),
        ("incident-findings", {**INCIDENT, "checkpoint": "C9"}, "checkpoint"),
        ("incident-findings", {**INCIDENT, "origin_kind": "patrol"}, "origin_kind"),
        ("incident-findings", {**INCIDENT, "grid": GRID, "village": VILLAGE}, "body"),
        ("incident-findings", {**INCIDENT, "grid": "anping.nowhere"}, "grid"),
        ("missed", {"effective_at": "2026-03-01T00:00:00+00:00", "late_reason": LATE}, "effective_at"),
        ("cancellation", {"reason": ""}, "reason"),
        ("closure", {"notes": 7}, "notes"),
    ],
)
def test_a_shift_command_breaking_a_rule_is_422_naming_the_field(
    api: TestClient, clock: Clock, system: System, path: str, body: dict[str, Any], field: str
):
    made = (
        shift(api, clock, in_days=1) if path in ("cancellation", "missed") else shift_in(api, clock, "open")
    )
    before = head(system)
    refused = command(
        api, made["id"], path, body, role="patrol_member" if "findings" in path else "patrol_leader"
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert head(system) == before
