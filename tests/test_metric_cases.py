"""From a figure to the cases behind it: over the scripted quarter, for every metric and every
node, the cases' shares add up to the figure the statistics give; the statistics page links
each figure to those cases; and the per-case counts rebuilt from zero equal the live ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from projections.metrics import METRICS
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from projections.statistics_report import NodeReport, period
from tests.statistics_scenario import COUNTY, DONGXI, NOW, QIAOTOU, SHANGBA, XISHAN, Quarter
from tests.support import TOKENS, Clock


@pytest.fixture
def quarter(system: System, clock: Clock) -> Iterator[Quarter]:
    clock.now = NOW
    yield Quarter(system).run()


def project(system: System) -> list[ProjectionRunner]:
    runners = [
        ProjectionRunner(system.reader, system.views, p)
        for p in (system.node_statistics, system.metric_cases, system.case_list)
    ]
    for runner in runners:
        runner.setup()
        runner.catch_up()
    return runners


def test_every_figure_is_the_sum_of_its_cases_shares(system: System, quarter):
    project(system)
    reports = NodeReport(system.casebook, system.views, system.node_statistics)
    tree = system.casebook.current_directory()
    for node in (COUNTY, DONGXI, XISHAN, QIAOTOU, SHANGBA):
        for start, end in (("2026-01", "2026-03"), ("2026-02", "2026-04")):
            span = period(start, end, None, reports.today())
            figures = reports.summary(node, span).rows[0].figures
            counted_to = min(span.end, reports.today())
            with system.views.reading() as cur:
                for metric in METRICS:
                    shares = system.metric_cases.shares(
                        cur,
                        metric.name,
                        tree.descendants(node, NOW),
                        span.start.isoformat(),
                        span.end.isoformat(),
                        counted_to,
                    )
                    figure = figures[metric.name]
                    where = f"{metric.name} at {node} {start}..{end}"
                    if metric.kind == "rate":
                        assert sum(s.numerator for s in shares) == figure.numerator, where
                        assert sum(s.denominator for s in shares) == figure.denominator, where
                    else:
                        assert sum(s.value for s in shares) == (figure.value or 0), where
    # The quarter has cases behind the headline figures (the check above is not vacuous).
    with system.views.reading() as cur:
        success = system.metric_cases.shares(
            cur,
            "mediation_success_rate",
            tree.descendants(COUNTY, NOW),
            "2026-01-01",
            "2026-03-31",
            NOW.date(),
        )
    assert sum(s.denominator for s in success) == 5 and sum(s.numerator for s in success) == 4


@pytest.mark.http
def test_the_statistics_page_links_each_figure_to_its_cases_and_they_add_up(system: System, quarter):
    project(system)
    with TestClient(create_api(system)) as api:
        headers = {"Authorization": f"Bearer {TOKENS['township']}"}
        page = api.get(f"/app/statistics?node={DONGXI}&from=2026-01&to=2026-03", headers=headers)
        assert page.status_code == 200
        link = f"/app/statistics/cases?metric=mediation_success_rate&node={DONGXI}&from=2026-01&to=2026-03"
        assert link in page.text
        drill = api.get(link, headers=headers)
        assert drill.status_code == 200, drill.text
        assert "调解成功率" in drill.text and "分子" in drill.text
        figure = re.search(r"data-figure>[^(]*\((\d+)/(\d+)\)<", drill.text)
        assert figure is not None
        summed = dict(re.findall(r'data-sum="(\w+)">(\d+)<', drill.text))
        assert (summed["numerator"], summed["denominator"]) == figure.groups()
        cases = re.findall(r'<li class="case">\s*<a href="/app/disputes/([0-9a-f-]+)"', drill.text)
        assert len(cases) == len(set(cases)) >= 1
        reported = api.get(
            f"/app/statistics/cases?metric=disputes_reported&node={DONGXI}&from=2026-01&to=2026-03",
            headers=headers,
        )
        assert reported.status_code == 200
        assert 'data-sum="value">' in reported.text
        # Another township's figures are not the township's to open.
        assert (
            api.get(
                f"/app/statistics/cases?metric=disputes_reported&node={XISHAN}", headers=headers
            ).status_code
            == 403
        )
        assert (
            api.get(f"/app/statistics/cases?metric=nonsense&node={DONGXI}", headers=headers).status_code
            == 404
        )


def test_the_cases_behind_the_figures_rebuilt_from_zero_equal_the_live_ones(system: System, quarter):
    project(system)
    outcome = rebuild(system.reader, system.views, system.metric_cases, switch=True)
    assert outcome.equal, outcome.differences[:5]
    assert outcome.rows > 0
    assert date.fromisoformat("2026-01-01")  # the quarter's first day is counted from
