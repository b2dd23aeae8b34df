"""The assessor's pages: a village's score explained line by line, each deduction with its
rule, version and the cases that caused it; as of a business date and as known on a recording
date; a manual entry and a veto review through the desk, refused precisely; and a what-if beside
the official score with nothing recorded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from domain.incidents.incident import Kind
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from tests.support import GRID, TOKENS, VILLAGE, person
from tests.test_assessment import on, year  # noqa: F401 - the fixture

PAGE = f"/app/scores/{VILLAGE}/2026"


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def total(page: str, mark: str = "data-total") -> float:
    found = re.search(rf"{mark}>([-\d.]+)<", page)
    assert found, page[:2000]
    return float(found.group(1))


def caught_up(system: System) -> None:
    for projection in (system.scoring_facts, system.case_list):
        runner = ProjectionRunner(system.reader, system.views, projection)
        runner.setup()
        runner.catch_up()


@pytest.fixture
def web(system: System, year) -> TestClient:  # noqa: F811
    caught_up(system)
    with TestClient(create_api(system)) as client:
        yield client


@pytest.mark.http
def test_the_score_is_explained_line_by_line_with_links_to_its_cases(web: TestClient, system, year, clock):  # noqa: F811
    on(clock, 4, 30)
    page = web.get(PAGE + "?as_of=2026-04-30", headers=auth("assessor"))
    assert page.status_code == 200, page.text
    api = web.get(
        f"/units/{VILLAGE}/scores/2026",
        params={"as_of": "2026-04-30T23:59:59+08:00"},
        headers=auth("assessor"),
    )
    assert total(page.text) == api.json()["total"]
    assert "考核" in page.text and "一票否决" in page.text
    assert "branch meeting minutes missing for March" in page.text  # the manual entry, with its reason
    assert f'href="/app/incidents/{year["accident"].id}"' in page.text  # the accident's deduction links it
    # As known on a day before the entry was recorded, the entry is not counted.
    before = web.get(PAGE + "?as_of=2026-04-30&known_on=2026-04-19", headers=auth("assessor"))
    assert "branch meeting minutes missing for March" not in before.text
    assert total(before.text) > total(page.text)


@pytest.mark.http
def test_an_assessor_enters_a_deduction_and_sees_the_score_change(web: TestClient, system, clock):
    on(clock, 5, 2)
    start = total(web.get(PAGE, headers=auth("assessor")).text)
    refused = web.post(
        PAGE + "/entries",
        data={"item": "party.conduct", "points": "-1", "reason": "", "evidence": "x"},
        headers=auth("assessor"),
    )
    assert refused.status_code == 422 and "请填写" in refused.text
    assert total(web.get(PAGE, headers=auth("assessor")).text) == start  # nothing was recorded
    outsider = web.post(
        PAGE + "/entries",
        data={"item": "party.conduct", "points": "-1", "reason": "late", "evidence": "x"},
        headers=auth("grid_member"),
    )
    assert outsider.status_code == 403
    done = web.post(
        PAGE + "/entries",
        data={
            "item": "party.conduct",
            "points": "-1.5",
            "reason": "late accounts",
            "evidence": "audit note 7",
        },
        headers=auth("assessor"),
        follow_redirects=False,
    )
    assert done.status_code == 303
    caught_up(system)
    after = web.get(PAGE, headers=auth("assessor")).text
    assert total(after) == start - 1.5 and "late accounts (evidence: audit note 7)" in after


@pytest.mark.http
def test_a_veto_is_reviewed_and_a_what_if_shows_the_score_if_it_were_lifted(web: TestClient, system, clock):
    on(clock, 5, 6)
    mass = system.casebook.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=Kind.MASS_INCIDENT,
        description="villagers block the road",
        location="county road 3",
        occurred_at=clock.now - timedelta(hours=2),
        people_involved=80,
        markers=["road_blockade"],
    )
    caught_up(system)
    page = web.get(PAGE, headers=auth("assessor")).text
    assert f'data-veto="{mass.id}:1"' in page and "作废" in page
    what_if = web.get(PAGE, params={"if_lift": f"{mass.id}:1"}, headers=auth("assessor")).text
    assert "data-what-if" in what_if and "未记录" in what_if
    assert web.get(f"/units/{VILLAGE}/scores/2026", headers=auth("assessor")).json()["void"] is True
    lifted = web.post(
        PAGE + "/veto-reviews",
        data={"fact_id": f"{mass.id}:1", "decision": "lift", "reason": "a lawful, peaceful gathering"},
        headers=auth("assessor"),
        follow_redirects=False,
    )
    assert lifted.status_code == 303
    assert web.get(f"/units/{VILLAGE}/scores/2026", headers=auth("assessor")).json()["void"] is False
    entry_what_if = web.get(
        PAGE, params={"if_item": "party.conduct", "if_points": "-4"}, headers=auth("assessor")
    )
    assert total(entry_what_if.text, "data-what-if") == total(entry_what_if.text) - 4
