"""The incident routes: the happy path, and a precise status for every refusal of every endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.support import GRID, TOKENS, VILLAGE

REPORT = {
    "grid": GRID,
    "kind": "safety_accident",
    "occurred_at": "2026-03-02T16:00:00+08:00",
    "description": "Scaffold collapsed at the brick kiln",
    "location": "Brick kiln, east road",
    "injured": 2,
    "dead": 0,
}
MASS_INCIDENT = {
    **REPORT,
    "kind": "mass_incident",
    "injured": None,
    "dead": None,
    "markers": ["road_blockade"],
    "people_involved": 120,
}
COMMANDS = {  # path → a body each command accepts on an incident made ready_to_close
    "upward-reports": {"level": "county", "recipient": "county emergency office"},
    "handling": {"measures": "site sealed", "handled_by": "village workstation"},
    "closure": {"outcome": "kiln inspected"},
    "casualty-corrections": {"injured": 1, "dead": 1, "reason": "one of the injured died"},
    "mass-incident-corrections": {"markers": ["road_blockade"], "people_involved": 90, "reason": "recount"},
}
TO_TOWNSHIP = {"level": "township", "recipient": "township duty office"}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def reported(api: TestClient, body: dict[str, Any] = REPORT, role: str = "grid_member") -> str:
    response = api.post("/incidents", json=body, headers=auth(role))
    assert response.status_code == 201, response.text
    return f"/incidents/{response.json()['id']}"


def act(
    api: TestClient, path: str, command: str, body: dict[str, Any] | None = None, role: str = "village_staff"
) -> dict:
    response = api.post(
        f"{path}/{command}", json=COMMANDS[command] if body is None else body, headers=auth(role)
    )
    assert response.status_code == 200, response.text
    return response.json()


def ready_to_close(api: TestClient, body: dict[str, Any] = MASS_INCIDENT) -> str:
    path = reported(api, body)
    act(api, path, "upward-reports", TO_TOWNSHIP)
    act(api, path, "handling")
    return path


# -- the happy path ---------------------------------------------------------------------------


def test_an_incident_goes_from_report_to_closure_with_its_history(api: TestClient):
    created = api.post("/incidents", json=REPORT, headers=auth("grid_member"))
    assert created.status_code == 201
    incident = created.json()
    path = f"/incidents/{incident['id']}"
    assert created.headers["Location"] == path and created.headers["ETag"] == '"1"'
    assert (incident["village"], incident["status"], incident["fatal"]) == (VILLAGE, "reported", False)
    assert incident["allowed_actions"] == ["correct_casualties", "handle", "report_upward"]

    upward = act(api, path, "upward-reports", TO_TOWNSHIP)
    assert upward["status"] == "reported_upward" and upward["highest_level"] == "township"
    assert upward["reported_to"][0]["to_node"] == "anping.dongxi"
    handled = api.post(
        f"{path}/handling", json=COMMANDS["handling"], headers={**auth("village_staff"), "If-Match": '"2"'}
    )
    assert handled.status_code == 200 and handled.headers["ETag"] == '"3"'
    corrected = act(api, path, "casualty-corrections", role="township")
    assert (corrected["injured"], corrected["dead"], corrected["fatal"]) == (1, 1, True)
    act(api, path, "upward-reports", role="township")
    closed = act(api, path, "closure", role="county_staff")
    assert (closed["status"], closed["outcome"]) == ("closed", "kiln inspected")
    assert closed["allowed_actions"] == ["correct_casualties", "report_upward"]

    read = api.get(path, headers=auth("auditor"))
    assert read.status_code == 200 and read.headers["ETag"] == '"6"'
    history = read.json()["history"]
    assert [e["type"] for e in history] == [
        "Reported",
        "ReportedUpward",
        "Handled",
        "CasualtiesCorrected",
        "ReportedUpward",
        "Closed",
    ]
    assert [e["actor"] for e in history] == [
        "wang-fang",
        "xu-min",
        "xu-min",
        "chen-jing",
        "chen-jing",
        "deng-hao",
    ]
    assert history[3]["data"] == {
        "injured_before": 2,
        "dead_before": 0,
        "fatal_before": False,
        "injured": 1,
        "dead": 1,
        "fatal": True,
        "reason": "one of the injured died",
    }
    assert history[4]["data"] == {
        "level": "county",
        "previous_level": "township",
        "to_node": "anping",
        "recipient": "county emergency office",
    }


def test_a_mass_incident_from_a_dispute_carries_its_markers_headcount_and_origin(api: TestClient):
    dispute = api.post(
        "/disputes",
        headers=auth("grid_member"),
        json={
            "grid": GRID,
            "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
            "category": "land_acquisition",
            "severity": "major",
            "description": "compensation",
            "occurred_at": "2026-02-20T10:00:00+08:00",
        },
    ).json()
    body = {**MASS_INCIDENT, "origin_kind": "dispute", "origin_id": dispute["id"]}
    path = reported(api, body, role="patrol_member")
    corrected = act(
        api,
        path,
        "mass-incident-corrections",
        role="township",
        body={"markers": ["road_blockade", "gathering_over_500"], "people_involved": 650, "reason": "video"},
    )
    assert (corrected["markers"], corrected["people_involved"]) == (
        ["road_blockade", "gathering_over_500"],
        650,
    )
    first = api.get(path, headers=auth("township")).json()["history"][0]
    assert first["data"] | {"occurred_at": None} == {
        "kind": "mass_incident",
        "village": VILLAGE,
        "grid": GRID,
        "occurred_at": None,
        "description": REPORT["description"],
        "location": REPORT["location"],
        "markers": ["road_blockade"],
        "people_involved": 120,
        "injured": None,
        "dead": None,
        "fatal": False,
        "offence": None,
        "hazard": None,
        "origin_kind": "dispute",
        "origin_id": dispute["id"],
    }


def test_a_request_retried_with_its_idempotency_key_has_its_effect_once(api: TestClient):
    key = {"Idempotency-Key": "tablet-9/incident/1"}
    first = api.post("/incidents", json=REPORT, headers={**auth("grid_member"), **key})
    again = api.post("/incidents", json=REPORT, headers={**auth("grid_member"), **key})
    assert first.json()["id"] == again.json()["id"]
    path = f"/incidents/{first.json()['id']}"
    for _ in range(2):
        response = api.post(
            f"{path}/handling",
            json=COMMANDS["handling"],
            headers={**auth("village_staff"), "Idempotency-Key": "tablet-9/handling/1"},
        )
        assert response.status_code == 200
    history = api.get(path, headers=auth("auditor")).json()["history"]
    assert [(e["type"], e["command_id"]) for e in history] == [
        ("Reported", "tablet-9/incident/1"),
        ("Handled", "tablet-9/handling/1"),
    ]


def test_the_openapi_document_describes_the_incident_routes(api: TestClient):
    paths = api.get("/openapi.json").json()["paths"]
    assert {
        "/incidents",
        "/incidents/{incident_id}",
        *(f"/incidents/{{incident_id}}/{c}" for c in COMMANDS),
    } <= set(paths)


# -- 401 ---------------------------------------------------------------------------------------


def test_no_token_or_an_unknown_token_is_401_everywhere(api: TestClient, system: System):
    path = reported(api, MASS_INCIDENT)
    before = head(system)
    requests = [
        ("post", "/incidents", REPORT),
        ("get", path, None),
        *(("post", f"{path}/{c}", body) for c, body in COMMANDS.items()),
    ]
    for method, url, body in requests:
        for headers in ({}, {"Authorization": "Bearer nope"}):
            response = api.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (url, response.text)
            assert response.headers["WWW-Authenticate"] == "Bearer"
    assert head(system) == before


# -- 403 ---------------------------------------------------------------------------------------


def test_reporting_without_the_right_or_outside_ones_node_is_403(api: TestClient, system: System):
    before = head(system)
    auditor = api.post("/incidents", json=REPORT, headers=auth("auditor"))
    assert auditor.status_code == 403 and auditor.json()["right"] == "report_incident"
    foreign = api.post("/incidents", json=REPORT, headers=auth("foreign_grid_member"))
    assert foreign.status_code == 403 and foreign.json()["node"] == GRID
    assert "outside Zhao Lei's jurisdiction" in foreign.json()["detail"]
    village = api.post(
        "/incidents", json={**REPORT, "grid": None, "village": VILLAGE}, headers=auth("grid_member")
    )
    assert village.status_code == 403 and village.json()["node"] == VILLAGE
    assert head(system) == before


def test_reading_outside_ones_node_is_404(api: TestClient):
    path = reported(api)
    foreign = api.get(path, headers=auth("foreign_village_staff"))
    assert foreign.status_code == 404 and "node" not in foreign.json()
    assert api.get(path, headers=auth("patrol_member")).status_code == 200


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_without_the_right_is_403_naming_it(api: TestClient, system: System, command: str):
    path = ready_to_close(api)
    before = head(system)
    for role in ("auditor", "grid_member", "patrol_leader"):
        refused = api.post(f"{path}/{command}", json=COMMANDS[command], headers=auth(role))
        assert refused.status_code == 403 and refused.json()["right"] == "handle_incident", refused.text
    assert head(system) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_outside_ones_node_is_404_naming_nothing(api: TestClient, system: System, command: str):
    path = ready_to_close(api)
    before = head(system)
    refused = api.post(f"{path}/{command}", json=COMMANDS[command], headers=auth("foreign_village_staff"))
    assert refused.status_code == 404 and "node" not in refused.json()
    assert GRID not in refused.text
    assert head(system) == before


# -- 404 ---------------------------------------------------------------------------------------


def test_an_unknown_incident_is_404_everywhere_and_a_malformed_id_422(api: TestClient):
    unknown = f"/incidents/{uuid4()}"
    assert api.get(unknown, headers=auth("auditor")).status_code == 404
    for command, body in COMMANDS.items():
        response = api.post(f"{unknown}/{command}", json=body, headers=auth("township"))
        assert response.status_code == 404 and response.json()["title"] == "Unknown incident"
    malformed = api.get("/incidents/not-a-uuid", headers=auth("auditor"))
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "incident_id"


def test_a_dispute_is_not_an_incident(api: TestClient):
    dispute = api.post(
        "/disputes",
        headers=auth("grid_member"),
        json={
            "grid": GRID,
            "parties": [{"name": "A"}, {"name": "B"}],
            "category": "other",
            "severity": "minor",
            "description": "x",
            "occurred_at": "2026-03-01T10:00:00+08:00",
        },
    ).json()
    assert api.get(f"/incidents/{dispute['id']}", headers=auth("auditor")).status_code == 404


# -- 409 ---------------------------------------------------------------------------------------


def _conflict(api: TestClient, system: System, url: str, body: dict[str, Any]) -> dict:
    before = head(system)
    refused = api.post(url, json=body, headers=auth("township"))
    assert refused.status_code == 409, refused.text
    assert head(system) == before
    return refused.json()


def test_reporting_upward_past_the_province_is_409(api: TestClient, system: System):
    path = reported(api)
    act(api, path, "upward-reports", {"level": "province"})
    body = _conflict(api, system, f"{path}/upward-reports", {"level": "province"})
    assert body["state"] == "reported_upward" and "report_upward" not in body["allowed"]
    assert "highest level" in body["detail"]


def test_handling_a_closed_incident_is_409_with_the_state(api: TestClient, system: System):
    path = ready_to_close(api)
    act(api, path, "closure")
    body = _conflict(api, system, f"{path}/handling", COMMANDS["handling"])
    assert (body["state"], body["allowed"]) == (
        "closed",
        ["correct_casualties", "correct_mass_incident_facts", "report_upward"],
    )


def test_closing_an_unhandled_or_unreported_incident_is_409(api: TestClient, system: System):
    path = reported(api)
    body = _conflict(api, system, f"{path}/closure", COMMANDS["closure"])
    assert body["state"] == "reported"
    act(api, path, "handling")
    body = _conflict(api, system, f"{path}/closure", COMMANDS["closure"])
    assert body["state"] == "handled, not reported upward"
    assert "close" not in body["allowed"]


def test_correcting_mass_incident_facts_of_another_kind_is_409(api: TestClient, system: System):
    path = reported(api, {**REPORT, "kind": "fire", "injured": None, "dead": None})
    body = _conflict(api, system, f"{path}/mass-incident-corrections", COMMANDS["mass-incident-corrections"])
    assert body["state"] == "reported fire"
    assert "only a mass incident" in body["detail"]


# -- 412 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_on_a_stale_if_match_is_412_and_writes_nothing(
    api: TestClient, system: System, command: str
):
    path = ready_to_close(api)
    before = head(system)
    stale = api.post(
        f"{path}/{command}", json=COMMANDS[command], headers={**auth("township"), "If-Match": '"2"'}
    )
    assert stale.status_code == 412
    assert (stale.json()["expected_version"], stale.json()["current_version"]) == (2, 3)
    garbled = api.post(
        f"{path}/{command}", json=COMMANDS[command], headers={**auth("township"), "If-Match": "x"}
    )
    assert garbled.status_code == 422 and garbled.json()["errors"][0]["field"] == "If-Match"
    assert head(system) == before
    current = api.post(
        f"{path}/{command}", json=COMMANDS[command], headers={**auth("township"), "If-Match": '"3"'}
    )
    assert current.status_code == 200, current.text


# -- 422 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"injured": None}, "injured"),
        (
            {
                "kind": "mass_incident",
                "injured": None,
                "dead": None,
                "markers": ["gathering_over_500"],
                "people_involved": 300,
            },
            "markers",
        ),
        (
            {"kind": "mass_incident", "injured": None, "dead": None, "markers": [], "people_involved": None},
            "people_involved",
        ),
        ({"kind": "public_security_case"}, "offence"),
        ({"kind": "natural_disaster"}, "hazard"),
        ({"hazard": "flood"}, "hazard"),
        ({"occurred_at": "2026-03-02T18:00:00+08:00"}, "occurred_at"),
        ({"description": "   "}, "description"),
        ({"origin_kind": "dispute", "origin_id": str(uuid4())}, "origin_id"),
        ({"origin_kind": "patrol"}, "origin_id"),
        ({"origin_kind": "patrol", "origin_id": str(uuid4())}, "origin_id"),
        ({"grid": "anping.nowhere"}, "grid"),
    ],
)
def test_a_report_breaking_a_domain_rule_is_422_naming_the_field(
    api: TestClient, system: System, change: dict[str, Any], field: str
):
    before = head(system)
    refused = api.post("/incidents", json={**REPORT, **change}, headers=auth("grid_member"))
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert head(system) == before


def test_a_malformed_report_is_422_naming_each_field(api: TestClient, system: System):
    before = head(system)
    bad = {
        **REPORT,
        "kind": "riot",
        "injured": -1,
        "markers": ["sit_in"],
        "origin_kind": "petition",
        "extra": 1,
    }
    del bad["location"]
    refused = api.post("/incidents", json=bad, headers=auth("grid_member"))
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {
        "kind",
        "injured",
        "markers.0",
        "origin_kind",
        "extra",
        "location",
    }
    both = api.post("/incidents", json={**REPORT, "village": VILLAGE}, headers=auth("grid_member"))
    assert both.status_code == 422
    assert head(system) == before


@pytest.mark.parametrize(
    ("command", "body", "field"),
    [
        ("upward-reports", {"level": "township"}, "level"),
        ("upward-reports", {"level": "nation"}, "level"),
        ("handling", {"measures": " ", "handled_by": "x"}, "measures"),
        ("handling", {"measures": "x"}, "handled_by"),
        ("closure", {"outcome": " "}, "outcome"),
        ("casualty-corrections", {"injured": 2, "dead": 0, "reason": "recount"}, "injured"),
        ("casualty-corrections", {"injured": 2, "dead": -1, "reason": "recount"}, "dead"),
        ("casualty-corrections", {"injured": 2, "dead": 1, "reason": ""}, "reason"),
        (
            "mass-incident-corrections",
            {"markers": ["road_blockade"], "people_involved": 900, "reason": "x"},
            "markers",
        ),
        (
            "mass-incident-corrections",
            {"markers": ["road_blockade"], "people_involved": 120, "reason": "x"},
            "markers",
        ),
    ],
)
def test_every_command_breaking_a_rule_is_422_naming_the_field(
    api: TestClient, system: System, command: str, body: dict[str, Any], field: str
):
    path = ready_to_close(api, {**MASS_INCIDENT, "injured": 2, "dead": 0})
    before = head(system)
    refused = api.post(f"{path}/{command}", json=body, headers=auth("township"))
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert head(system) == before


def test_a_time_in_the_future_is_422(api: TestClient, system: System):
    path = reported(api)
    before = head(system)
    refused = api.post(
        f"{path}/handling",
        json={**COMMANDS["handling"], "effective_at": "2026-03-03T09:00:00+08:00"},
        headers=auth("township"),
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "effective_at"
    assert head(system) == before
