"""Over HTTP, a command dated in the past: a problem naming `late_reason` or `effective_at` with the
window allowed, nothing recorded; with a reason it is recorded and the reason kept."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from domain.receipts import CommandReceipt, receipt_id
from infra.bootstrap import System
from tests.support import Clock, person
from tests.test_api import REPORT, auth


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def dated(clock: Clock, ago: timedelta) -> str:
    return (clock() - ago).isoformat()


def test_a_report_dated_two_days_back_without_a_reason_is_422_naming_late_reason(
    api: TestClient, system: System, clock: Clock
):
    before = head(system)
    body = {**REPORT, "occurred_at": dated(clock, timedelta(days=3))}
    refused = api.post(
        "/disputes",
        json={**body, "effective_at": dated(clock, timedelta(days=2))},
        headers=auth("grid_member"),
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert error["field"] == "late_reason"
    assert "up to 7 days" in error["message"]
    assert head(system) == before


def test_with_a_reason_it_is_recorded_and_the_reason_kept(api: TestClient, system: System, clock: Clock):
    body = {**REPORT, "occurred_at": dated(clock, timedelta(days=3))}
    reason = "reported at the market; entered back at the office"
    made = api.post(
        "/disputes",
        json={**body, "effective_at": dated(clock, timedelta(days=2)), "late_reason": reason},
        headers={**auth("grid_member"), "Idempotency-Key": "late-1"},
    )
    assert made.status_code == 201, made.text
    kept = system.casebook.repository.get(receipt_id(person("grid_member"), "late-1"))
    assert isinstance(kept, CommandReceipt) and kept.late_reason == reason
    # its history says it was recorded late; a session recorded as it happens is not
    case = made.json()["id"]
    session = {"outcome": "adjourned", "notes": "both sides heard"}
    held = api.post(f"/disputes/{case}/mediation-sessions", json=session, headers=auth("mediator"))
    assert held.status_code == 200, held.text
    history = api.get(f"/disputes/{case}", headers=auth("mediator")).json()["history"]
    assert [(e["type"], e["recorded_late"]) for e in history][:1] == [("Reported", True)]
    assert [e["recorded_late"] for e in history if e["type"] == "MediationSessionHeld"] == [False]


def test_beyond_the_window_it_is_422_naming_effective_at_with_the_window(
    api: TestClient, system: System, clock: Clock
):
    before = head(system)
    body = {**REPORT, "occurred_at": dated(clock, timedelta(days=30))}
    refused = api.post(
        "/disputes",
        json={**body, "effective_at": dated(clock, timedelta(days=8)), "late_reason": "found in a drawer"},
        headers=auth("grid_member"),
    )
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "effective_at"
    assert "may lie at most 7 days in the past for report dispute" in error["message"]
    assert head(system) == before


def test_year_one_is_refused(api: TestClient, system: System):
    refused = api.post(
        "/disputes",
        json={
            **REPORT,
            "occurred_at": "0001-01-01T00:00:00+08:00",
            "effective_at": "0001-01-02T00:00:00+08:00",
        },
        headers=auth("grid_member"),
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["effective_at"]


def test_a_reason_longer_than_500_characters_is_422(api: TestClient, clock: Clock):
    refused = api.post(
        "/disputes",
        json={**REPORT, "effective_at": dated(clock, timedelta(hours=2)), "late_reason": "x" * 501},
        headers=auth("grid_member"),
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["late_reason"]


def test_the_openapi_document_offers_late_reason_on_every_command_dated_by_its_sender(api: TestClient):
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    dated_bodies = [name for name, s in schemas.items() if "effective_at" in s.get("properties", {})]
    assert "DisputeReportIn" in dated_bodies
    for name in dated_bodies:
        if name.endswith("In"):
            assert schemas[name]["properties"]["late_reason"]["anyOf"][0]["maxLength"] == 500, name
