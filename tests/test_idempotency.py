"""Idempotency keys belong to the person who sent them and to the command they named: the same
key from anyone else is their own command, decided afresh; the same person's key with another
body is refused, naming the key. Every stream, through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.petition_dsl import LI, ZHANG
from tests.support import FOREIGN_GRID, GRID, TOKENS, VILLAGE, Clock

DISPUTE = {
    "grid": GRID,
    "parties": [{"name": "Zhang San", "phone": "+86 138 0000 0000"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}
PETITION = {
    "node": VILLAGE,
    "channel": "via_agent",
    "type": "complaint",
    "petitioner": ZHANG,
    "content": "The road money was never paid to our group.",
    "matter": "Road compensation",
}
INCIDENT = {
    "grid": GRID,
    "kind": "safety_accident",
    "occurred_at": "2026-03-02T16:00:00+08:00",
    "description": "Scaffold collapsed at the brick kiln",
    "location": "Brick kiln, east road",
    "injured": 2,
    "dead": 0,
}
ROUTE = {"node": VILLAGE, "name": "River loop", "checkpoints": [{"code": "C1", "name": "Bridge"}]}
KEY = "tablet-7/42"


def sent(role: str, key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}", "Idempotency-Key": key}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return response.json()


def refused_naming_the_key(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert KEY in response.json()["detail"] and "another body" in response.json()["detail"]


# (path, first sender, their body, another sender with the right in their own node, their body)
CREATIONS = {
    "dispute": (
        "/disputes",
        "grid_member",
        DISPUTE,
        "foreign_grid_member",
        {**DISPUTE, "grid": FOREIGN_GRID, "parties": [{"name": "Wang Wu"}, {"name": "Zhao Liu"}]},
    ),
    "petition": (
        "/petitions",
        "petition_agent",
        PETITION,
        "foreign_petition_agent",
        {**PETITION, "node": "anping.dongxi.shangba", "petitioner": LI},
    ),
    "incident": (
        "/incidents",
        "grid_member",
        INCIDENT,
        "foreign_grid_member",
        {**INCIDENT, "grid": FOREIGN_GRID},
    ),
    "route": (
        "/patrols/routes",
        "patrol_leader",
        ROUTE,
        "foreign_patrol_leader",
        {**ROUTE, "node": "anping.dongxi.shangba"},
    ),
}


@pytest.mark.parametrize("stream", list(CREATIONS))
def test_another_persons_key_starts_their_own_case_and_never_returns_the_first(api: TestClient, stream: str):
    path, first_role, first_body, other_role, other_body = CREATIONS[stream]
    first = created(api.post(path, json=first_body, headers=sent(first_role)))
    other = created(api.post(path, json=other_body, headers=sent(other_role)))
    assert other["id"] != first["id"]
    assert "Zhang San" not in str(other) and ZHANG["id_number"] not in str(other)
    again = created(api.post(path, json=first_body, headers=sent(first_role)))
    assert again["id"] == first["id"]  # the first person's retry still has its effect once


@pytest.mark.parametrize("stream", list(CREATIONS))
def test_the_same_key_with_another_body_is_422_naming_the_key(api: TestClient, system: System, stream: str):
    path, role, body, _, _ = CREATIONS[stream]
    created(api.post(path, json=body, headers=sent(role)))
    before = head(system)
    changed = {**body, "name": "Hill loop"} if stream == "route" else {**body, "description": "Another"}
    if stream == "petition":
        changed = {**body, "content": "Another matter altogether."}
    refused_naming_the_key(api.post(path, json=changed, headers=sent(role)))
    assert head(system) == before


def test_a_foreign_persons_replay_of_a_command_key_is_decided_afresh_and_refused(
    api: TestClient, system: System
):
    dispute = created(api.post("/disputes", json=DISPUTE, headers=sent("grid_member", "report-1")))
    path = f"/disputes/{dispute['id']}/acceptance"
    assert api.post(path, json={}, headers=sent("mediator")).status_code == 200
    before = head(system)
    foreign = api.post(path, json={}, headers=sent("foreign_township"))
    assert foreign.status_code in (403, 404), foreign.text
    assert "Zhang San" not in foreign.text and "+86" not in foreign.text
    colleague = api.post(path, json={}, headers=sent("second_mediator"))  # has the right: decided again
    assert colleague.status_code == 409, colleague.text
    assert head(system) == before


def test_a_command_replayed_by_its_sender_with_another_body_is_422(api: TestClient, system: System):
    dispute = created(api.post("/disputes", json=DISPUTE, headers=sent("grid_member", "report-1")))
    path = f"/disputes/{dispute['id']}/mediation-sessions"
    assert api.post(path, json={"outcome": "adjourned"}, headers=sent("mediator")).status_code == 200
    again = api.post(path, json={"outcome": "adjourned"}, headers=sent("mediator"))
    assert again.status_code == 200 and again.json()["version"] == 2
    before = head(system)
    refused_naming_the_key(api.post(path, json={"outcome": "failed"}, headers=sent("mediator")))
    assert head(system) == before


def test_a_shift_scheduled_with_another_leaders_key_is_their_own(api: TestClient, clock: Clock):
    ours = created(api.post("/patrols/routes", json=ROUTE, headers=sent("patrol_leader", "r1")))
    start = clock.now + timedelta(days=1)
    body = {
        "route_id": ours["id"],
        "leader": "gao-feng",
        "members": ["ma-li"],
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=4)).isoformat(),
    }
    first = created(api.post("/patrols/shifts", json=body, headers=sent("patrol_leader")))
    theirs = created(
        api.post(
            "/patrols/routes",
            json={**ROUTE, "node": "anping.dongxi.shangba"},
            headers=sent("foreign_patrol_leader", "r1"),
        )
    )
    assert theirs["id"] != ours["id"]
    foreign = api.post(
        "/patrols/shifts",
        json={**body, "leader": "xu-gang", "members": []},
        headers=sent("foreign_patrol_leader"),
    )
    assert foreign.status_code != 201 or foreign.json()["id"] != first["id"]
    assert foreign.status_code in (201, 403, 404, 422), foreign.text
    assert "gao-feng" not in foreign.text or foreign.status_code != 201
