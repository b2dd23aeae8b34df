"""The reminders inbox: the reminders the clocks recorded for a person and the deadlines missed
where they may read, unread until they mark them; kept from the log, and rebuilt from zero it
equals the live one while the person's read marks stay."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from tests.support import TOKENS, person
from tests.test_case_list import cases  # noqa: F401 - the fixture


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def inbox(system: System) -> ProjectionRunner:
    runner = ProjectionRunner(system.reader, system.views, system.reminders)
    runner.setup()
    runner.catch_up()
    return runner


@pytest.fixture
def reminded(system: System, cases) -> dict[str, object]:  # noqa: F811
    """A reminder at half the settled dispute's follow-up time; the late one's grid day missed."""
    keeper = system.casebook.keepers["dispute"]
    [follow_up] = system.casebook.deadlines.clocks("dispute", cases["settled"].id).running()
    keeper.due(cases["settled"].id, 0, follow_up.key, 0.5)
    [grid] = system.casebook.deadlines.clocks("dispute", cases["late"].id).running()
    keeper.due(cases["late"].id, 0, grid.key, None)  # escalated: the miss is recorded
    inbox(system)
    return cases


def items(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-item="([^"]+)" data-read="(\w+)"', page))


@pytest.mark.http
def test_a_reminder_reaches_the_people_it_names_and_a_missed_deadline_those_who_may_read(
    system: System, reminded
):
    [reminder] = [
        r
        for r in system.casebook.deadlines.clocks("dispute", reminded["settled"].id).clocks.values()
        if r.reminders_sent
    ]
    notified = reminder.reminders_sent[0]["notify"]
    assert person("mediator") in notified
    with TestClient(create_api(system)) as web:
        mediator = web.get("/app/reminders", headers=auth("mediator"))
        assert mediator.status_code == 200 and "提醒" in mediator.text
        assert f"/app/disputes/{reminded['settled'].id}" in mediator.text
        assert f"/app/disputes/{reminded['late'].id}" in mediator.text  # missed in the village
        assert "2 条未读" in mediator.text and len(items(mediator.text)) == 2
        foreign = web.get("/app/reminders", headers=auth("foreign_grid_member"))
        assert items(foreign.text) == {}  # neither is theirs


@pytest.mark.http
def test_marking_read_moves_an_item_out_of_unread_and_a_rebuild_keeps_the_marks(system: System, reminded):
    with TestClient(create_api(system)) as web:
        first = items(web.get("/app/reminders", headers=auth("mediator")).text)
        assert set(first.values()) == {"no"} and len(first) == 2
        one = min(first)
        done = web.post(
            "/app/reminders/read", data={"item": one}, headers=auth("mediator"), follow_redirects=False
        )
        assert done.status_code == 303
        unread = items(web.get("/app/reminders", headers=auth("mediator")).text)
        assert set(unread) == set(first) - {one}
        every = items(web.get("/app/reminders?show=all", headers=auth("mediator")).text)
        assert every[one] == "yes"
        # Another person's marks are their own.
        web.post("/app/reminders/read", data={"item": one}, headers=auth("township"))
        outcome = rebuild(system.reader, system.views, system.reminders, switch=True)
        assert outcome.equal, outcome.differences
        assert items(web.get("/app/reminders?show=all", headers=auth("mediator")).text)[one] == "yes"
        web.post("/app/reminders/read", data={"all": "1"}, headers=auth("mediator"))
        assert items(web.get("/app/reminders", headers=auth("mediator")).text) == {}
