"""The HTTP API: the happy path, and a precise status for every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from tests.support import GRID, TOKENS, VILLAGE, Clock

REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San", "phone": "+86 138 0000 0000"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def reported(api: TestClient) -> dict:
    response = api.post("/disputes", json=REPORT, headers=auth("grid_member"))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_dispute_goes_from_report_to_closure_with_its_history(api: TestClient, system: System):
    created = api.post("/disputes", json=REPORT, headers=auth("grid_member"))
    assert created.status_code == 201
    dispute = created.json()
    assert created.headers["Location"] == f"/disputes/{dispute['id']}"
    assert created.headers["ETag"] == '"1"'
    assert (dispute["village"], dispute["level"], dispute["status"]) == (VILLAGE, "grid", "open")
    path = f"/disputes/{dispute['id']}"

    session = api.post(
        f"{path}/mediation-sessions",
        json={"outcome": "adjourned", "notes": "both came"},
        headers=auth("mediator"),
    )
    assert session.status_code == 200 and session.json()["sessions"] == 1
    agreement = api.post(
        f"{path}/agreement",
        json={"form": "written", "terms": "fence back by Friday"},
        headers={**auth("mediator"), "If-Match": '"2"'},
    )
    assert agreement.status_code == 200 and agreement.json()["status"] == "agreement_reached"
    for party in ("p1", "p2"):  # Zhang San and Li Si, by their ids in the dispute
        signed = api.post(f"{path}/agreement/signatures", json={"party": party}, headers=auth("mediator"))
        assert signed.status_code == 200, signed.text
    assert api.post(f"{path}/agreement/seal", json={}, headers=auth("mediator")).status_code == 403
    sealed = api.post(f"{path}/agreement/seal", json={}, headers=auth("chair"))
    assert sealed.status_code == 200 and sealed.json()["agreement"]["in_effect_since"]
    visit = api.post(
        f"{path}/follow-up-visits",
        json={"performance": "fully", "satisfaction": "satisfied"},
        headers=auth("mediator"),
    )
    assert visit.status_code == 200
    closed = api.post(f"{path}/closure", json={"reason": "follow-up visit done"}, headers=auth("mediator"))
    assert closed.status_code == 200 and closed.json()["allowed_actions"] == [
        "convert_to_criminal_case",
        "reopen",
    ]

    read = api.get(path, headers=auth("auditor"))
    assert read.status_code == 200
    history = read.json()["history"]
    assert [e["type"] for e in history] == [
        "Reported",
        "MediationSessionHeld",
        "AgreementReached",
        "AgreementSigned",
        "AgreementSigned",
        "AgreementSealed",
        "FollowUpVisitMade",
        "Closed",
    ]
    assert [e["actor"] for e in history] == ["wang-fang", *["li-ming"] * 4, "he-ping", "li-ming", "li-ming"]
    assert history[2]["data"] == {"level": "grid", "form": "written", "terms": "fence back by Friday"}
    assert history[5]["data"] == {"committee": VILLAGE}


def test_village_statistics_show_what_the_projector_has_applied(api: TestClient, system: System):
    dispute = reported(api)
    api.post(
        f"/disputes/{dispute['id']}/escalations",
        json={"reason": "needs the committee"},
        headers=auth("mediator"),
    )
    runner = ProjectionRunner(system.reader, system.views, system.statistics)
    runner.setup()
    runner.catch_up()
    stats = api.get(f"/villages/{VILLAGE}/statistics", headers=auth("township"))
    assert stats.status_code == 200
    assert stats.json() | {"as_of_notification": 0} == {
        "village": VILLAGE,
        "reported": 1,
        "resolved_by_agreement": 0,
        "closed_without_agreement": 0,
        "open": 1,
        "escalated": 1,
        "escalated_to_township": 0,
        "converted_to_criminal": 0,
        "mediation_success_rate": None,
        "as_of_notification": 0,
    }
    assert stats.json()["as_of_notification"] == runner.position()


def test_no_token_or_an_unknown_token_is_401(api: TestClient, system: System):
    before = head(system)
    assert api.post("/disputes", json=REPORT).status_code == 401
    refused = api.post("/disputes", json=REPORT, headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert head(system) == before


def test_malformed_input_is_422_naming_each_field(api: TestClient, system: System):
    before = head(system)
    bad = {**REPORT, "severity": "catastrophic", "occurred_at": "yesterday"}
    del bad["description"]
    refused = api.post("/disputes", json=bad, headers=auth("grid_member"))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"severity", "occurred_at", "description"}
    assert head(system) == before


def test_a_domain_rule_broken_is_422_naming_the_field(api: TestClient, system: System):
    before = head(system)
    refused = api.post(
        "/disputes", json={**REPORT, "parties": [{"name": "Zhang San"}]}, headers=auth("grid_member")
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "parties", "message": "a dispute needs at least 2 parties"}]
    assert head(system) == before


def test_a_command_the_state_does_not_allow_is_409_with_the_current_state(api: TestClient, system: System):
    dispute = reported(api)
    path = f"/disputes/{dispute['id']}"
    api.post(f"{path}/agreement", json={"form": "oral", "terms": "apology"}, headers=auth("mediator"))
    api.post(f"{path}/closure", json={}, headers=auth("mediator"))
    before = head(system)
    refused = api.post(f"{path}/agreement", json={"form": "oral", "terms": "again"}, headers=auth("mediator"))
    assert refused.status_code == 409
    body = refused.json()
    assert (body["state"], body["allowed"]) == ("closed", ["convert_to_criminal_case", "reopen"])
    assert "cannot reach agreement while the case is closed" in body["detail"]
    assert head(system) == before


def test_an_unknown_dispute_is_404_and_a_malformed_id_422(api: TestClient):
    assert api.get(f"/disputes/{uuid4()}", headers=auth("auditor")).status_code == 404
    assert (
        api.post(
            f"/disputes/{uuid4()}/agreement", json={"form": "oral", "terms": "x"}, headers=auth("mediator")
        ).status_code
        == 404
    )
    malformed = api.get("/disputes/not-a-uuid", headers=auth("auditor"))
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "dispute_id"
    assert api.get("/villages/anping.nowhere/statistics", headers=auth("auditor")).status_code == 404


def test_a_person_outside_the_node_is_404_and_one_without_the_right_403(api: TestClient, system: System):
    dispute = reported(api)
    before = head(system)
    foreign = api.get(f"/disputes/{dispute['id']}", headers=auth("foreign_grid_member"))
    assert foreign.status_code == 404 and foreign.json()["detail"] == f"no dispute with id {dispute['id']}"
    auditor = api.post(
        f"/disputes/{dispute['id']}/mediation-sessions", json={"outcome": "failed"}, headers=auth("auditor")
    )
    assert auditor.status_code == 403 and auditor.json()["right"] == "mediate"
    assert head(system) == before


def test_a_stale_if_match_is_412_and_writes_nothing(api: TestClient, system: System):
    dispute = reported(api)
    path = f"/disputes/{dispute['id']}/mediation-sessions"
    api.post(path, json={"outcome": "adjourned"}, headers=auth("mediator"))
    before = head(system)
    stale = api.post(path, json={"outcome": "failed"}, headers={**auth("mediator"), "If-Match": '"1"'})
    assert stale.status_code == 412
    assert (stale.json()["expected_version"], stale.json()["current_version"]) == (1, 2)
    garbled = api.post(path, json={"outcome": "failed"}, headers={**auth("mediator"), "If-Match": "soon"})
    assert garbled.status_code == 422 and garbled.json()["errors"][0]["field"] == "If-Match"
    assert head(system) == before


def test_a_request_retried_with_its_idempotency_key_has_its_effect_once(api: TestClient, system: System):
    key = {"Idempotency-Key": "tablet-7/report/42"}
    first = api.post("/disputes", json=REPORT, headers={**auth("grid_member"), **key})
    again = api.post("/disputes", json=REPORT, headers={**auth("grid_member"), **key})
    assert first.json()["id"] == again.json()["id"]
    history = api.get(f"/disputes/{first.json()['id']}", headers=auth("auditor")).json()["history"]
    assert len(history) == 1 and history[0]["command_id"] == "tablet-7/report/42"


def test_every_response_carries_a_request_id(api: TestClient):
    response = api.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert api.get("/health").headers["X-Request-ID"]


def test_the_openapi_document_describes_the_dispute_routes(api: TestClient):
    paths = api.get("/openapi.json").json()["paths"]
    assert {
        "/disputes",
        "/disputes/{dispute_id}",
        "/disputes/{dispute_id}/agreement",
        "/villages/{node}/statistics",
    } <= set(paths)
    assert api.get("/docs").status_code == 200


def test_the_calendars_say_which_years_are_loaded_and_warn_a_quarter_before_one_is_missing(
    api: TestClient, system: System, clock: Clock
):
    assert api.get("/calendars").status_code == 401
    clock.now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    [cn] = api.get("/calendars", headers=auth("township")).json()["calendars"]
    assert (cn["region"], cn["years"], cn["warning"]) == ("CN", [2026], None)
    clock.now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    [cn] = api.get("/calendars", headers=auth("grid_member")).json()["calendars"]
    assert cn["warning"].startswith(
        "no CN calendar for 2027 is loaded: limits counted from 2027-01-01 skip weekends and the statutory "
        "holidays only, provisionally"
    )
    assert system.casebook.rulebook.calendar_warnings(clock.now.date()) == [
        cn["warning"]
    ]  # what the start logs


def test_a_dispute_offers_judicial_confirmation_only_inside_its_window(
    api: TestClient, system: System, clock: Clock
):
    path = f"/disputes/{reported(api)['id']}"
    api.post(f"{path}/agreement", json={"form": "written", "terms": "fence back"}, headers=auth("mediator"))
    for party in ("p1", "p2"):
        api.post(f"{path}/agreement/signatures", json={"party": party}, headers=auth("mediator"))
    sealed = api.post(f"{path}/agreement/seal", json={}, headers=auth("chair")).json()
    assert "request_judicial_confirmation" in sealed["allowed_actions"]
    clock.advance(timedelta(days=31))
    later = api.get(path, headers=auth("mediator")).json()
    assert "request_judicial_confirmation" not in later["allowed_actions"]
    refused = api.post(
        f"{path}/judicial-confirmation", json={"court": "Anping court"}, headers=auth("mediator")
    )
    assert refused.status_code == 409 and "request_judicial_confirmation" not in refused.json()["allowed"]
