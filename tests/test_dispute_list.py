"""A person lists the disputes they may read: their nodes and everything under them, newest
first, by state, a page at a time; nobody sees another village's disputes in their list."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from infra.bootstrap import System
from projections.runner import ProjectionRunner
from tests.support import TOKENS, Clock

GRID = "anping.dongxi.qiaotou.g1"


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def report(api: TestClient, clock: Clock, description: str) -> str:
    answer = api.post(
        "/disputes",
        json={
            "grid": GRID,
            "category": "neighbourhood",
            "severity": "minor",
            "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
            "description": description,
            "occurred_at": (clock.now - timedelta(hours=1)).isoformat(),
        },
        headers=auth("grid_member"),
    )
    assert answer.status_code == 201, answer.text
    clock.advance(timedelta(minutes=5))
    return answer.json()["id"]


def project(system: System) -> None:
    runner = ProjectionRunner(system.reader, system.views, system.statistics)
    runner.setup()
    runner.catch_up()


def test_a_mediator_lists_the_disputes_of_the_village_newest_first(api, system, clock):
    first, second = report(api, clock, "fence"), report(api, clock, "water")
    api.post(f"/disputes/{first}/acceptance", json={}, headers=auth("mediator"))
    project(system)
    listed = api.get("/disputes", headers=auth("mediator")).json()
    assert [d["id"] for d in listed["items"]] == [second, first] and listed["total"] == 2
    assert listed["items"][1]["status"] == "accepted"
    assert "parties" not in listed["items"][0] and "description" not in listed["items"][0]


def test_the_list_filters_by_state_and_pages(api, system, clock):
    ids = [report(api, clock, f"case {n}") for n in range(3)]
    api.post(f"/disputes/{ids[0]}/acceptance", json={}, headers=auth("mediator"))
    project(system)
    accepted = api.get("/disputes?status=accepted", headers=auth("mediator")).json()
    assert [d["id"] for d in accepted["items"]] == [ids[0]]
    page = api.get("/disputes?limit=1&offset=1", headers=auth("mediator")).json()
    assert page["total"] == 3 and [d["id"] for d in page["items"]] == [ids[1]]


def test_another_villages_grid_member_lists_none_of_them(api, system, clock):
    report(api, clock, "fence")
    project(system)
    assert api.get("/disputes", headers=auth("foreign_grid_member")).json()["items"] == []
    assert api.get("/disputes", headers=auth("township")).json()["total"] == 1


def test_the_list_page_shows_them_in_chinese(api, system, clock):
    report(api, clock, "fence")
    project(system)
    page = api.get("/app/disputes", headers=auth("mediator"))
    assert page.status_code == 200
    assert "矛盾纠纷 (1)" in page.text and "邻里纠纷" in page.text and "待受理" in page.text
