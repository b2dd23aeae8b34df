# ruff: noqa: F811 - the `web` fixture, imported, is each test's argument
"""Sweeps through the API and the workbench: the grid member sees the sweep they owe, makes a
zero-report from a phone, and the township's board shows it; a refusal is precise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.support import GRID, TOKENS, Clock
from tests.test_sweeps import MONDAY
from tests.test_web import as_, text, web  # noqa: F401 - the fixture

pytestmark = pytest.mark.http
TOWNSHIP = "anping.dongxi"


def opened(web: TestClient, clock: Clock) -> str:
    clock.now = MONDAY + timedelta(days=1)
    sweeps = web.system.casebook.sweeps.open_round(clock.now)  # type: ignore[attr-defined]
    return str(next(s for s in sweeps if s.node == GRID).id)


def test_the_grid_member_sees_the_sweep_owed_and_makes_a_zero_report(web: TestClient, clock: Clock):
    sweep = opened(web, clock)
    mine = web.get("/sweeps/mine", headers=as_("grid_member"))
    assert mine.status_code == 200 and [s["id"] for s in mine.json()] == [sweep]
    page = web.get("/app/sweeps", headers=as_("grid_member", "zh-CN"))
    assert page.status_code == 200 and "我的排查" in text(page.text)
    answer = web.post(
        f"/app/sweeps/{sweep}/zero-report", data={"note": "走访一组"}, headers=as_("grid_member")
    )
    assert answer.status_code == 303
    shown = web.get(f"/sweeps/{sweep}", headers=as_("grid_member")).json()
    assert (shown["status"], shown["findings"], shown["recorded_by"]) == (
        "zero_reported",
        "走访一组",
        "wang-fang",
    )
    statistics = web.get(f"/app/statistics?node={TOWNSHIP}", headers=as_("township"))
    assert f'href="/app/nodes/{TOWNSHIP}/sweeps"' in statistics.text
    board = web.get(f"/app/nodes/{TOWNSHIP}/sweeps", headers=as_("township", "zh-CN"))
    assert board.status_code == 200 and "零报告" in text(board.text)
    listed = web.get(f"/nodes/{TOWNSHIP}/sweeps", headers=as_("township")).json()
    row = next(r for r in listed if r["node"] == GRID)
    assert [s["status"] for s in row["sweeps"]] == ["zero_reported"]


def test_findings_without_words_are_refused_on_the_field_and_a_second_record_with_409(
    web: TestClient,
    clock: Clock,
):
    sweep = opened(web, clock)
    empty = web.post(f"/app/sweeps/{sweep}/findings", data={"findings": " "}, headers=as_("grid_member"))
    assert empty.status_code == 422 and 'id="findings-problem"' in empty.text
    headers = {"Authorization": f"Bearer {TOKENS['grid_member']}"}
    first = web.post(f"/sweeps/{sweep}/findings", json={"findings": "a quarrel over water"}, headers=headers)
    assert first.status_code == 200, first.text
    again = web.post(f"/sweeps/{sweep}/zero-report", json={}, headers=headers)
    assert again.status_code == 409 and again.json()["state"] == "recorded"
    foreign = web.post(f"/sweeps/{sweep}/zero-report", json={}, headers=as_("foreign_grid_member"))
    assert foreign.status_code == 404  # another village's sweep is, to them, none at all
