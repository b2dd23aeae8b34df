"""The township's supervision board: every open case it may read, coloured by its clocks, with
counts per colour that add up, filters through htmx, each row a link to its case page; and only
what the person may read."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.support import TOKENS, VILLAGE
from tests.test_case_list import cases, caught_up  # noqa: F401 - the fixture

TOWNSHIP = "anping.dongxi"


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def counted(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-count="(\w+)">(\d+)<', page)}


@pytest.fixture
def web(system: System, cases) -> TestClient:  # noqa: F811
    caught_up(system)
    with TestClient(create_api(system)) as client:
        yield client


@pytest.mark.http
def test_the_township_sees_every_open_case_coloured_and_the_counts_add_up(web: TestClient, cases):  # noqa: F811
    page = web.get("/app/board", headers=auth("township"))
    assert page.status_code == 200, page.text
    assert "督办看板" in page.text and "逾期" in page.text
    counts = counted(page.text)
    shown = re.findall(r'data-colour="(\w+)"', page.text)
    assert counts["all"] == counts["red"] + counts["yellow"] + counts["green"] == len(shown) == 5
    assert {c: shown.count(c) for c in ("red", "yellow", "green")} == {
        c: counts[c] for c in ("red", "yellow", "green")
    }
    assert counts["red"] >= 1  # the dispute whose grid day ran out
    late = cases["late"].id
    assert f'href="/app/disputes/{late}"' in page.text
    assert f'href="/app/petitions/{cases["petition"].id}"' in page.text
    assert "纠纷" in page.text and "信访" in page.text and "事件" in page.text


@pytest.mark.http
def test_each_filter_narrows_the_board_and_htmx_gets_only_the_list(web: TestClient, cases):  # noqa: F811
    red = web.get("/app/board?colour=red", headers=auth("township"))
    assert set(re.findall(r'data-colour="(\w+)"', red.text)) == {"red"}
    assert f"/app/disputes/{cases['late'].id}" in red.text
    petitions = web.get("/app/board?kind=petition", headers=auth("township"))
    assert counted(petitions.text)["all"] == 1 and str(cases["petition"].id) in petitions.text
    village = web.get(f"/app/board?node={VILLAGE}", headers=auth("township"))
    assert str(cases["foreign"].id) not in village.text and counted(village.text)["all"] == 4
    partial = web.get(
        "/app/board?kind=dispute", headers={**auth("township"), "HX-Request": "true", "HX-Target": "board"}
    )
    assert partial.status_code == 200 and "<html" not in partial.text
    assert counted(partial.text)["all"] == 3


@pytest.mark.http
def test_a_person_sees_only_what_they_may_read(web: TestClient, cases):  # noqa: F811
    mine = web.get("/app/board", headers=auth("foreign_grid_member"))
    assert mine.status_code == 200
    assert str(cases["foreign"].id) in mine.text and str(cases["late"].id) not in mine.text
    assert web.get(f"/app/board?node={VILLAGE}", headers=auth("foreign_grid_member")).status_code == 403
    answer = web.get("/cases", params={"node": TOWNSHIP}, headers=auth("township")).json()
    assert answer["total"] == 5 and sum(answer["counts"].values()) == 5
    assert web.get("/cases", params={"node": VILLAGE}, headers=auth("foreign_grid_member")).status_code == 403


@pytest.mark.http
def test_the_board_finds_a_case_by_its_number_or_a_partys_name(web: TestClient, cases):  # noqa: F811
    petition = str(cases["petition"].id)
    by_name = web.get("/app/board", params={"q": "Zhang San"}, headers=auth("township"))
    assert by_name.status_code == 200 and counted(by_name.text)["listed"] == 1
    assert f"/app/petitions/{petition}" in by_name.text and petition[:8] in by_name.text
    by_number = web.get("/app/board", params={"q": petition[:8]}, headers=auth("township"))
    assert counted(by_number.text)["listed"] == 1 and f"/app/petitions/{petition}" in by_number.text
    api = web.get("/cases", params={"search": petition[:8]}, headers=auth("township")).json()
    assert [c["case_id"] for c in api["items"]] == [petition]
    nobody = web.get("/app/board", params={"q": "Nobody Here"}, headers=auth("township"))
    assert counted(nobody.text)["listed"] == 0


@pytest.mark.http
def test_each_case_on_the_board_says_what_it_is_and_who_it_concerns(web: TestClient, cases):  # noqa: F811
    page = web.get("/app/board", headers=auth("township")).text
    assert "A、B" in page  # a dispute's parties
    assert "邻里纠纷" in page and "简易纠纷" in page  # its category and severity, in words
    assert "网格" in page  # its level
    assert "Zhang San" in page  # the petitioner of a complaint
    disputes_at_grid = web.get("/app/board", params={"level": "grid"}, headers=auth("township")).text
    assert counted(disputes_at_grid)["listed"] == 3 and str(cases["petition"].id) not in disputes_at_grid
    api = web.get("/cases", params={"kind": "dispute"}, headers=auth("township")).json()["items"]
    assert {tuple(i["parties"]) for i in api} == {("A", "B")}
    assert {i["summary"]["category"] for i in api} == {"neighbourhood"} and {i["level"] for i in api} == {
        "grid"
    }
