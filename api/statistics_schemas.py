"""Response bodies of the node statistics (GET /nodes/{node}/statistics...)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from projections.metrics import BY_NAME
from projections.statistics_report import Report, Row

POSITION = Field(description="The last event the statistics include (they follow the log within moments).")


class FigurePublic(BaseModel):
    version: int = Field(description="The version of the metric's definition (docs/metrics.md).")
    kind: str = Field(description="count, rate (a ratio of sums) or stock (as at the end of the range).")
    value: int | float | None
    numerator: int | None = None
    denominator: int | None = None
    breakdown: dict[str, Any] = Field(default_factory=dict)


class NodeStatisticsPublic(BaseModel):
    node: str
    name: str
    kind: str
    start: date = Field(description="The range's first business day (China Standard Time).")
    end: date = Field(description="The range's last business day: stocks are as they stood at its end.")
    nodes: int = Field(description="How many nodes were rolled up: the node and every node under it.")
    metrics: dict[str, FigurePublic]
    as_of_notification: int = POSITION

    @classmethod
    def of(cls, report: Report) -> NodeStatisticsPublic:
        [row] = report.rows
        metrics = {
            name: FigurePublic(
                version=BY_NAME[name].version,
                kind=BY_NAME[name].kind,
                value=f.value,
                numerator=f.numerator,
                denominator=f.denominator,
                breakdown=f.breakdown,
            )
            for name, f in row.figures.items()
        }
        return cls(
            node=report.node,
            name=report.name,
            kind=report.kind,
            start=report.period.start,
            end=report.period.end,
            nodes=report.nodes,
            metrics=metrics,
            as_of_notification=report.position,
        )


class StatisticsRowPublic(BaseModel):
    node: str
    name: str
    scope: str = Field(description="total, itself (only what lives at the node), child, or month.")
    start: date
    end: date
    values: dict[str, int | float | None]

    @classmethod
    def of(cls, row: Row) -> StatisticsRowPublic:
        return cls(
            node=row.node,
            name=row.name,
            scope=row.scope,
            start=row.period.start,
            end=row.period.end,
            values=row.columns(),
        )


class StatisticsTablePublic(BaseModel):
    node: str
    name: str
    kind: str
    start: date
    end: date
    rows: list[StatisticsRowPublic]
    as_of_notification: int = POSITION

    @classmethod
    def of(cls, report: Report) -> StatisticsTablePublic:
        return cls(
            node=report.node,
            name=report.name,
            kind=report.kind,
            start=report.period.start,
            end=report.period.end,
            rows=[StatisticsRowPublic.of(r) for r in report.rows],
            as_of_notification=report.position,
        )
