"""Every dispute command over HTTP: it succeeds in a state that allows it, and each way it can
be refused gives its precise status — and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.support import GRID, TOKENS

REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
    "category": "labour",
    "severity": "major",
    "description": "wages unpaid for a season",
    "occurred_at": "2026-03-01T08:00:00+08:00",
}
COMMANDS = {  # path → a valid body
    "acceptance": {},
    "mediation-sessions": {"outcome": "adjourned"},
    "party-refusals": {"party": "p2", "reason": "will sue"},
    "agreement": {"form": "written", "terms": "paid by May"},
    "agreement/signatures": {"party": "p1"},
    "agreement/seal": {},
    "follow-up-visits": {"performance": "fully", "satisfaction": "satisfied"},
    "judicial-confirmation": {"court": "Anping court"},
    "escalations": {"reason": "beyond the grid"},
    "referral": {"route": "arbitration", "body": "Anping labour arbitration"},
    "township-filing": {},
    "risk-reports": {"risk": "threats", "police_unit": "Dongxi station"},
    "criminal-conversion": {"police_reference": "AP-2026-3"},
    "closure": {"remedies_told": ["litigation"]},
    "reopening": {"reason": "again"},
    "duplicate-of": {"original_id": "00000000-0000-0000-0000-000000000000"},
}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(sqlite_system: System) -> Iterator[TestClient]:
    with TestClient(create_api(sqlite_system)) as client:
        yield client


def report(api: TestClient, **changes: object) -> str:
    created = api.post("/disputes", json={**REPORT, **changes}, headers=auth("grid_member"))
    assert created.status_code == 201, created.text
    return created.json()["id"]


def post(api: TestClient, dispute_id: str, path: str, role: str = "mediator", **body: object):
    return api.post(f"/disputes/{dispute_id}/{path}", json=body or COMMANDS[path], headers=auth(role))


def test_a_major_labour_dispute_through_every_command(api: TestClient):
    first = report(api)
    steps = [
        ("township-filing", "township", {}),
        ("risk-reports", "mediator", {}),
        ("acceptance", "mediator", {}),
        ("mediation-sessions", "mediator", {}),
        ("agreement", "mediator", {}),
        ("agreement/signatures", "mediator", {"party": "p1"}),
        ("agreement/signatures", "mediator", {"party": "p2"}),
        ("agreement/seal", "chair", {}),
        ("judicial-confirmation", "mediator", {}),
        ("follow-up-visits", "mediator", {}),
        ("closure", "mediator", {"reason": "paid"}),
        ("reopening", "mediator", {}),
        ("party-refusals", "mediator", {}),
        ("escalations", "mediator", {}),
        ("referral", "township", {}),
        ("criminal-conversion", "mediator", {}),
    ]
    for path, role, body in steps:
        done = post(api, first, path, role, **body)
        assert done.status_code == 200, (path, done.text)
    assert done.json()["status"] == "converted_to_criminal"
    second = report(api)
    marked = post(api, second, "duplicate-of", original_id=report(api))
    assert marked.status_code == 200 and marked.json()["status"] == "duplicate"
    history = api.get(f"/disputes/{first}", headers=auth("auditor")).json()["history"]
    assert len(history) == 1 + len(steps)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_each_command_refuses_precisely_and_writes_nothing(api: TestClient, sqlite_system: System, path: str):
    converted = report(api)
    assert post(api, converted, "criminal-conversion").status_code == 200
    before = sqlite_system.casebook.recorder.max_notification_id()

    assert api.post(f"/disputes/{converted}/{path}", json=COMMANDS[path]).status_code == 401
    assert post(api, str(uuid4()), path).status_code == 404
    extra = api.post(
        f"/disputes/{converted}/{path}", json={**COMMANDS[path], "colour": "red"}, headers=auth("mediator")
    )
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "colour"
    stale = api.post(
        f"/disputes/{converted}/{path}", json=COMMANDS[path], headers={**auth("mediator"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    auditor = post(api, converted, path, "auditor")
    assert auditor.status_code == 403 and auditor.json()["right"]
    state = post(api, converted, path, "chair")
    assert (
        state.status_code == 409
        and state.json()["state"] == "converted_to_criminal"
        and state.json()["allowed"] == []
    )

    assert sqlite_system.casebook.recorder.max_notification_id() == before
