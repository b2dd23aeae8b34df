"""GET /nodes/{node}/statistics[/children|/months]: every metric as JSON or CSV, read at the
node by those who may read there; 401, 403 outside the node, 404 unknown node, 422 bad period."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from projections.metrics import METRICS
from projections.runner import ProjectionRunner
from tests.statistics_scenario import COUNTY, DONGXI, NOW, Q_G1, QIAOTOU, SHANGBA, Quarter
from tests.support import TOKENS, Clock

QUARTER = {"from": "2026-01", "to": "2026-03"}
PATHS = ["/nodes/{}/statistics", "/nodes/{}/statistics/children", "/nodes/{}/statistics/months"]


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System, clock: Clock) -> Iterator[TestClient]:
    clock.now = NOW
    with TestClient(create_api(system)) as client:
        yield client


@pytest.fixture
def quarter(system: System, api: TestClient) -> Quarter:
    found = Quarter(system).run()
    runner = ProjectionRunner(system.reader, system.views, system.node_statistics)
    runner.setup()
    runner.catch_up()
    return found


def rows(response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_every_metric_of_a_node_with_its_version_and_the_events_it_includes(
    api: TestClient, system: System, quarter
):
    read = api.get(f"/nodes/{COUNTY}/statistics", params=QUARTER, headers=auth("auditor"))
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["node"], body["name"], body["kind"], body["start"], body["end"]) == (
        COUNTY,
        "安平县",
        "county",
        "2026-01-01",
        "2026-03-31",
    )
    last = system.reader.read(0, 10_000, system.node_statistics.topics)[-1][0]
    assert body["nodes"] == 10 and body["as_of_notification"] == last
    assert list(body["metrics"]) == [m.name for m in METRICS]
    assert body["metrics"]["mediation_success_rate"] | {"breakdown": None} == {
        "version": 2,
        "kind": "rate",
        "value": 0.8,
        "numerator": 4,
        "denominator": 5,
        "breakdown": None,
    }
    assert body["metrics"]["disputes_reported"]["breakdown"]["labour/general"] == 3


def test_as_of_a_past_day_the_node_reads_as_it_stood(api: TestClient, quarter):
    then = api.get(
        f"/nodes/{COUNTY}/statistics",
        params={"from": "2026-01", "as_of": "2026-02-15"},
        headers=auth("auditor"),
    ).json()
    assert then["end"] == "2026-02-15"
    assert then["metrics"]["disputes_reported"]["value"] == 6
    assert then["metrics"]["dispute_backlog_by_age"]["breakdown"]["0-15 days"] == 2


def test_the_figures_as_csv_one_line_per_figure_and_breakdown(api: TestClient, quarter):
    read = api.get(
        f"/nodes/{COUNTY}/statistics", params={**QUARTER, "format": "csv"}, headers=auth("auditor")
    )
    assert read.status_code == 200
    assert read.headers["content-disposition"].startswith(
        f"attachment; filename=\"{COUNTY}-statistics-2026-01-01-2026-03-31.csv\"; filename*=UTF-8''"
    )
    assert not read.text.startswith("\ufeff")
    lines = rows(read)
    assert lines[0] == {
        "metric": "disputes_reported",
        "version": "1",
        "breakdown": "",
        "value": "9",
        "numerator": "",
        "denominator": "",
    }
    found = {(r["metric"], r["breakdown"]): r for r in lines}
    assert found[("mediation_success_rate", "")]["value"] == "0.8"
    assert found[("mediation_success_rate", "township")] | {"metric": ""} == {
        "metric": "",
        "version": "2",
        "breakdown": "township",
        "value": "",
        "numerator": "0",
        "denominator": "0",
    }
    assert found[("deadlines_by_clock", "petition.acceptance_notice/late")]["value"] == "1"


def test_one_row_per_village_of_a_township_for_its_report(api: TestClient, quarter):
    read = api.get(
        f"/nodes/{DONGXI}/statistics/children", params={**QUARTER, "format": "csv"}, headers=auth("township")
    )
    assert read.status_code == 200
    table = rows(read)
    assert [(r["node"], r["scope"]) for r in table] == [
        (DONGXI, "total"),
        (DONGXI, "itself"),
        (QIAOTOU, "child"),
        (SHANGBA, "child"),
    ]
    assert [r["disputes_reported"] for r in table] == ["7", "0", "6", "1"]
    assert [r["mediation_success_rate"] for r in table] == ["0.75", "", "0.6667", "1.0"]
    assert [r["mediation_success_rate.denominator"] for r in table] == ["4", "0", "3", "1"]
    assert table[0]["name"] == "东溪镇" and table[2]["start"] == "2026-01-01"


def test_one_row_per_month_as_json(api: TestClient, quarter):
    read = api.get(f"/nodes/{QIAOTOU}/statistics/months", params=QUARTER, headers=auth("mediator"))
    assert read.status_code == 200
    months = read.json()["rows"]
    assert [(m["start"], m["end"], m["scope"]) for m in months] == [
        ("2026-01-01", "2026-01-31", "month"),
        ("2026-02-01", "2026-02-28", "month"),
        ("2026-03-01", "2026-03-31", "month"),
    ]
    assert [m["values"]["disputes_reported"] for m in months] == [2, 2, 2]
    assert [m["values"]["patrol_shift_coverage"] for m in months] == [1.0, 0.0, 1.0]


def test_a_reader_reads_their_node_and_every_node_under_it_and_nothing_above(api: TestClient, quarter):
    for node in (DONGXI, QIAOTOU, Q_G1):
        assert (
            api.get(f"/nodes/{node}/statistics", params=QUARTER, headers=auth("township")).status_code == 200
        )
    grid = api.get(f"/nodes/{Q_G1}/statistics", params=QUARTER, headers=auth("grid_member"))
    assert grid.status_code == 200 and grid.json()["metrics"]["disputes_reported"]["value"] == 4
    above = api.get(f"/nodes/{QIAOTOU}/statistics", params=QUARTER, headers=auth("grid_member"))
    assert above.status_code == 403 and above.json()["node"] == QIAOTOU


@pytest.mark.parametrize(
    ("role", "node"),
    [
        ("foreign_grid_member", QIAOTOU),
        ("foreign_township", DONGXI),
        ("mediator", DONGXI),
        ("township", COUNTY),
    ],
)
def test_statistics_outside_ones_node_are_403(api: TestClient, role: str, node: str):
    for path in PATHS:
        refused = api.get(path.format(node), headers=auth(role))
        assert refused.status_code == 403
        assert refused.json()["node"] == node and "outside" in refused.json()["detail"]


def test_statistics_need_a_known_token(api: TestClient):
    for path in PATHS:
        assert api.get(path.format(COUNTY)).status_code == 401
        assert api.get(path.format(COUNTY), headers={"Authorization": "Bearer nobody"}).status_code == 401


def test_an_unknown_node_is_404(api: TestClient):
    for path in PATHS:
        missing = api.get(path.format("anping.nowhere"), headers=auth("auditor"))
        assert missing.status_code == 404 and "anping.nowhere" in missing.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"from": "March"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03", "to": "2026-02"}, "from"),
        ({"from": "2026-03", "as_of": "2026-02-01"}, "as_of"),
        ({"as_of": "2026-04-21"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"format": "xlsx"}, "format"),
    ],
)
def test_a_bad_period_is_422_naming_the_field(api: TestClient, params: dict[str, str], field: str):
    for path in PATHS:
        refused = api.get(path.format(COUNTY), params=params, headers=auth("auditor"))
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == field


def test_a_spreadsheet_user_asks_for_a_byte_order_mark(api: TestClient, quarter):
    read = api.get(
        f"/nodes/{COUNTY}/statistics",
        params={**QUARTER, "format": "csv", "bom": "true"},
        headers=auth("auditor"),
    )
    assert read.content.startswith("\ufeff".encode())
    assert read.content.decode("utf-8-sig").startswith("metric,version")


def test_no_csv_cell_is_a_formula_a_spreadsheet_would_run():
    from api.exports import csv_response

    answer = csv_response(
        ["name"], [["=cmd|' /C calc'!A0"], ["+SUM(1+1)"], ["@SUM(1)"], ["-2+3"], [5]], "x.csv"
    )
    cells = [line[0] for line in csv.reader(io.StringIO(answer.body.decode()))]
    assert cells == ["name", "'=cmd|' /C calc'!A0", "'+SUM(1+1)", "'@SUM(1)", "'-2+3", "5"]
