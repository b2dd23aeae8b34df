"""The township's statistics page: every figure in Chinese, a chart by month drawn as SVG
whose bars link to their month, a row per village, and the same table in Excel with Chinese
headers, a frozen header row, rates as percentages and no cell a spreadsheet would run."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from fastapi.testclient import TestClient

from api.exports import content_disposition, safe
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from tests.support import TOKENS, Clock
from web.charts import Bar, bars
from web.spreadsheets import workbook

GRID, TOWNSHIP = "anping.dongxi.qiaotou.g1", "anping.dongxi"


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def reported(api: TestClient, clock: Clock) -> None:
    answer = api.post(
        "/disputes",
        json={
            "grid": GRID,
            "category": "neighbourhood",
            "severity": "minor",
            "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
            "description": "fence",
            "occurred_at": (clock.now - timedelta(hours=1)).isoformat(),
        },
        headers=auth("grid_member"),
    )
    assert answer.status_code == 201


def project(system: System) -> None:
    runner = ProjectionRunner(system.reader, system.views, system.node_statistics)
    runner.setup()
    runner.catch_up()


def test_the_township_reads_its_statistics_in_chinese_with_a_chart_and_its_villages(api, system, clock):
    reported(api, clock)
    reported(api, clock)
    project(system)
    page = api.get(f"/app/statistics?node={TOWNSHIP}", headers=auth("township"))
    assert page.status_code == 200, page.text
    assert "纠纷登记数" in page.text and "调解成功率" in page.text and "下辖单位" in page.text
    assert "<svg" in page.text and f"/app/statistics?node={TOWNSHIP}&amp;from=" in page.text
    month = f"{clock.now:%Y-%m}"
    assert f"from={month}&amp;to={month}" in page.text


def test_the_excel_export_has_chinese_headers_a_frozen_row_and_counts_that_add_up(api, system, clock):
    reported(api, clock)
    project(system)
    answer = api.get(f"/app/statistics.xlsx?node={TOWNSHIP}", headers=auth("township"))
    assert answer.status_code == 200
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["单位代码", "名称"] and "纠纷登记数" in header
    assert sheet.freeze_panes == "A2"
    column = header.index("纠纷登记数")
    total, *villages = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert total == 1 == sum(v or 0 for v in villages)


def test_a_cell_that_would_be_a_formula_is_written_as_text():
    for attack in ("=cmd|' /C calc'!A0", "+SUM(1+1)", "-1+2", "@SUM(1)", "\tx", "\rx"):
        assert safe(attack) == "'" + attack
    assert safe("桥头村") == "桥头村" and safe(3) == 3
    sheet = openpyxl.load_workbook(io.BytesIO(workbook("s", ["名称"], [["=1+1"]]))).active
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"


def test_rates_are_percentages_in_the_workbook():
    sheet = openpyxl.load_workbook(io.BytesIO(workbook("s", ["率"], [[0.5]], rates=[0]))).active
    assert sheet["A2"].number_format == "0.0%"


def test_each_bar_of_a_chart_is_a_link_with_its_value():
    svg = bars([Bar("1", 3, "/a?x=1", "一月: 3"), Bar("2", 0, "/a?x=2", "二月: 0")], caption="纠纷")
    assert svg.count("<a href=") == 2 and '<a href="/a?x=1">' in svg and ">3</text>" in svg


def test_a_file_name_with_chinese_or_a_newline_is_written_safely():
    header = content_disposition("桥头村\n-统计.xlsx")
    assert "\n" not in header and "filename*=UTF-8''%E6%A1%A5" in header
    assert header.encode("latin-1")
