"""Statistics of a node and everything under it, for a range of business days: every metric
(docs/metrics.md), a row per child node, a row per month; JSON, or CSV for the township's
report. Anyone with the right to read at the node may read them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Response

from api.deps import CurrentPerson, NodeCode, SystemDep
from api.exports import csv_response
from api.statistics_schemas import NodeStatisticsPublic, StatisticsTablePublic
from domain.directory.access import Right
from domain.errors import CaseNotFound
from infra.bootstrap import System
from projections.metrics import BY_NAME
from projections.statistics_report import NodeReport, Period, Report, period

router = APIRouter(prefix="/nodes", tags=["statistics"])
FROM = Query(
    None,
    alias="from",
    pattern=r"^\d{4}-\d{2}(-\d{2})?$",
    description="First month (YYYY-MM) or day (YYYY-MM-DD); default: 1 January of the last day's year.",
)
TO = Query(
    None, alias="to", pattern=r"^\d{4}-\d{2}(-\d{2})?$", description="Last month or day; default: today."
)
AS_OF = Query(None, description="A past business day: the statistics as they stood at its end.")
FORMAT = Query("json", pattern="^(json|csv)$", description="json, or csv for a spreadsheet.")
KNOWN_ON = Query(None, description="For auditors: count only what had been recorded by the end of that day.")
BOM = Query(False, description="With csv: begin with a byte-order mark, for Excel on Chinese Windows.")


def _report(
    system: System,
    person: str,
    code: str,
    span: tuple[str | None, str | None, date | None],
    build: Callable[[NodeReport, str, Period], Report],
    known_on: date | None = None,
) -> Report:
    if system.casebook.current_directory().node(code) is None:
        raise CaseNotFound("node", code)
    system.casebook.authorise(person, Right.READ, code)
    reports = NodeReport(system.casebook, system.views, system.node_statistics, known_on)
    return build(reports, code, period(*span, today=reports.today()))


@router.get("/{node}/statistics", response_model=NodeStatisticsPublic)
def node_statistics(
    code: NodeCode,
    person: CurrentPerson,
    system: SystemDep,
    start: str | None = FROM,
    end: str | None = TO,
    as_of: date | None = AS_OF,
    format: str = FORMAT,
    as_known_on: date | None = KNOWN_ON,
    bom: bool = BOM,
) -> Any:
    """Every metric of the node and everything under it, with its breakdown, over the range."""
    report = _report(system, person, code, (start, end, as_of), NodeReport.summary, as_known_on)
    if format == "csv":
        return _csv(
            report,
            ["metric", "version", "breakdown", "value", "numerator", "denominator"],
            _figure_lines(report),
            bom,
        )
    return NodeStatisticsPublic.of(report)


def _table(path: str, build: Callable[[NodeReport, str, Period], Report], summary: str) -> None:
    def endpoint(
        code: NodeCode,
        person: CurrentPerson,
        system: SystemDep,
        start: str | None = FROM,
        end: str | None = TO,
        as_of: date | None = AS_OF,
        format: str = FORMAT,
        as_known_on: date | None = KNOWN_ON,
        bom: bool = BOM,
    ) -> Any:
        report = _report(system, person, code, (start, end, as_of), build, as_known_on)
        if format == "csv":
            columns = list(report.rows[0].columns()) if report.rows else []
            lines = (
                [r.node, r.name, r.scope, r.period.start, r.period.end, *r.columns().values()]
                for r in report.rows
            )
            return _csv(report, ["node", "name", "scope", "start", "end", *columns], lines, bom)
        return StatisticsTablePublic.of(report)

    endpoint.__doc__ = summary
    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        response_model=StatisticsTablePublic,
        name=f"node_statistics_{path.rsplit('/', 1)[-1]}",
    )


_table(
    "/{node}/statistics/children",
    NodeReport.children,
    "The headline of every metric for the node in total, for what lives at the node itself, and for each "
    "node right under it (e.g. one row per village of a township).",
)
_table(
    "/{node}/statistics/months",
    NodeReport.months,
    "The headline of every metric of the node and everything under it, one row per month of the range.",
)


def _figure_lines(report: Report) -> Iterable[list[Any]]:
    for name, figure in report.rows[0].figures.items():
        version = BY_NAME[name].version
        yield [name, version, "", figure.value, figure.numerator, figure.denominator]
        for key, part in figure.breakdown.items():
            if not isinstance(part, dict):
                yield [name, version, key, part, None, None]
                continue
            yield [name, version, key, part["value"], part["numerator"], part["denominator"]]
            for extra, value in part.items():
                if extra not in ("value", "numerator", "denominator"):
                    yield [name, version, f"{key}/{extra}", value, None, None]


def _csv(report: Report, header: list[str], lines: Iterable[list[Any]], bom: bool = False) -> Response:
    filename = f"{report.node}-statistics-{report.period.start}-{report.period.end}.csv"
    return csv_response(header, lines, filename, bom)
