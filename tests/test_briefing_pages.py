# ruff: noqa: F811 - the `web` fixture, imported, is each test's argument
"""Briefings in the workbench: listed for the village's owners, read as a printable document in
Chinese, exported to Excel with the same figures, commented on and signed off (refused, on the
page, to someone who does not own it)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from domain.briefings.briefing import BriefingKind
from tests.support import VILLAGE, Clock
from tests.test_briefings import NEXT_MONDAY, TUESDAY, patrol_week, report, writer
from tests.test_web import as_, text, web  # noqa: F401 - the fixture

pytestmark = pytest.mark.http
WEEK = datetime(2026, 3, 1, 16, tzinfo=UTC)


def written(web: TestClient, clock: Clock) -> str:
    system = web.system  # type: ignore[attr-defined]
    clock.now = TUESDAY + timedelta(hours=1)
    report(system, TUESDAY)
    clock.now = NEXT_MONDAY
    writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY)
    return str(system.casebook.briefings.find(BriefingKind.DISPUTE_WEEKLY, VILLAGE, WEEK).id)


def test_the_owner_reads_the_weekly_analysis_exports_it_comments_and_signs_it_off(
    web: TestClient, clock: Clock
):
    briefing = written(web, clock)
    listed = web.get("/app/briefings", headers=as_("branch_secretary", "zh-CN"))
    assert listed.status_code == 200 and f"/app/briefings/{briefing}" in listed.text
    assert "矛盾纠纷周分析" in text(listed.text)
    page = web.get(f"/app/briefings/{briefing}", headers=as_("branch_secretary", "zh-CN"))
    assert page.status_code == 200 and "上周" in text(page.text) and "window.print()" in page.text
    sheet = web.get(f"/app/briefings/{briefing}/workbook.xlsx", headers=as_("branch_secretary", "zh-CN"))
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "指标" and rows[1][:2] == ("纠纷登记数", 1)
    commented = web.post(
        f"/app/briefings/{briefing}/comment",
        data={"kind": "countermeasure", "text": "每周走访一次"},
        headers=as_("branch_secretary"),
    )
    assert commented.status_code == 303
    refused = web.post(f"/app/briefings/{briefing}/sign-off", headers=as_("mediator", "zh-CN"))
    assert refused.status_code == 403  # reads the village's briefing, does not own it
    hidden = web.post(f"/app/briefings/{briefing}/sign-off", headers=as_("grid_member", "zh-CN"))
    assert hidden.status_code == 404  # the village's briefing is not a grid member's to read
    signed = web.post(f"/app/briefings/{briefing}/sign-off", headers=as_("branch_secretary"))
    assert signed.status_code == 303
    data = web.get(f"/briefings/{briefing}", headers=as_("auditor")).json()
    assert [v["number"] for v in data["versions"]] == [1] and data["status"] == "signed_off"
    assert data["comments"][0]["kind"] == "countermeasure" and data["issued"][0]["people"]
    after = text(web.get(f"/app/briefings/{briefing}", headers=as_("branch_secretary", "zh-CN")).text)
    assert "每周走访一次" in after and "Luo Bin" in after and "村委会主任" in after and "已审签" in after


def test_the_township_reads_and_exports_its_half_monthly_situation_notice(web: TestClient, clock: Clock):
    system = web.system  # type: ignore[attr-defined]
    clock.now = TUESDAY + timedelta(hours=1)
    report(system, TUESDAY)
    clock.now = datetime(2026, 3, 16, 1, 15, tzinfo=UTC)
    writer(system).write_round(BriefingKind.SITUATION_HALF_MONTHLY, clock.now)
    briefing = system.casebook.briefings.find(
        BriefingKind.SITUATION_HALF_MONTHLY, "anping.dongxi", WEEK - timedelta(days=1)
    )
    assert briefing is not None
    listed = web.get("/app/briefings", headers=as_("township", "zh-CN"))
    assert listed.status_code == 200 and f"/app/briefings/{briefing.id}" in listed.text
    assert "半月综合形势分析" in text(listed.text)
    page = web.get(f"/app/briefings/{briefing.id}", headers=as_("township", "zh-CN"))
    assert page.status_code == 200, page.text
    shown = text(page.text)
    assert "本期" in shown and "上期" in shown and "2026年3月1日" in shown and "2026年3月15日" in shown
    assert 'data-figure="petitions_registered"' in page.text
    # Every figure opens the cases behind it, for the township and the half-month.
    link = "/app/statistics/cases?metric=petitions_registered&amp;node=anping.dongxi"
    link += "&amp;from=2026-03-01&amp;to=2026-03-15"
    assert link in page.text
    cases = web.get(link.replace("&amp;", "&"), headers=as_("township", "zh-CN"))
    assert cases.status_code == 200, cases.text
    sheet = web.get(f"/app/briefings/{briefing.id}/workbook.xlsx", headers=as_("township", "zh-CN"))
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("指标", "本期", "上期") and rows[1][:2] == ("纠纷登记数", 1)
    assert len(rows) == 1 + 10


def test_the_village_reads_and_exports_its_weekly_patrol_roll_up(web: TestClient, clock: Clock):
    system = web.system  # type: ignore[attr-defined]
    made = patrol_week(system, clock)
    briefing = system.casebook.briefings.find(BriefingKind.PATROL_WEEKLY, VILLAGE, WEEK)
    page = web.get(f"/app/briefings/{briefing.id}", headers=as_("branch_secretary", "zh-CN"))
    assert page.status_code == 200, page.text
    shown = text(page.text)
    assert "巡逻周报" in shown and "River loop" in shown and "计划班次" in shown and "合计" in shown
    assert f'href="/app/patrols/shifts/{made["walked"]}"' in page.text
    assert f'href="/app/disputes/{made["found"]}"' in page.text
    sheet = web.get(f"/app/briefings/{briefing.id}/workbook.xlsx", headers=as_("branch_secretary", "zh-CN"))
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("巡逻路线", "地点", "计划班次")
    assert rows[-1] == ("合计", "", 2, 1, 1, 1, 1, 1)
