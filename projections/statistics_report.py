"""A node's statistics for a range of business days, rolled up the tree as it stood at the
range's end: every metric's figure, a row per child node, a row per month — the tables the
township puts in its report. Sums are taken over nodes and days first; every rate is then a
ratio of sums."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from domain.errors import CaseNotFound, InvalidValue
from domain.time.calendar import CHINA
from infra.sql import Cursor, Database
from projections import tracking
from projections.metrics import BY_NAME, Figure, Tally, figures
from projections.node_statistics import NodeStatistics
from service.casebook import Casebook

MAX_YEARS = 10


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def months(self) -> list[Period]:
        found, first = [], self.start.replace(day=1)
        while first <= self.end:
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
            found.append(Period(max(first, self.start), min(last, self.end)))
            first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return found


def _day(text: str, field: str, *, last: bool) -> date:
    try:
        if len(text) == len("2026-01"):
            year, month = (int(part) for part in text.split("-"))
            return date(year, month, calendar.monthrange(year, month)[1] if last else 1)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValue(
            field, "{text!r} is not a month (YYYY-MM) or a day (YYYY-MM-DD)", text=text
        ) from None


def period(start: str | None, end: str | None, as_of: date | None, today: date) -> Period:
    """From/to as months or days (from: the first day, to: the last); as_of cuts the range at a
    past business day. Default: from 1 January of the last day's year to today."""
    if as_of is not None and as_of > today:
        raise InvalidValue("as_of", "a business day up to today ({today})", today=today.isoformat())
    last = _day(end, "to", last=True) if end else today
    last = min(last, as_of) if as_of else last
    first = _day(start, "from", last=False) if start else date(last.year, 1, 1)
    if first > last:
        field = "as_of" if as_of and as_of < first else "from"
        raise InvalidValue(
            field,
            "the range starts on {first}, after it ends on {last}",
            first=first.isoformat(),
            last=last.isoformat(),
        )
    if last.year - first.year > MAX_YEARS:
        raise InvalidValue("from", "a range of at most {max_years} years", max_years=MAX_YEARS)
    return Period(first, last)


@dataclass(frozen=True)
class Row:
    node: str
    name: str
    scope: str  # total | itself | child | month
    period: Period
    figures: dict[str, Figure]

    def columns(self) -> dict[str, Any]:
        """The headline of each metric; a rate with its numerator and denominator."""
        found: dict[str, Any] = {}
        for name, figure in self.figures.items():
            found[name] = figure.value
            if BY_NAME[name].kind == "rate":
                found[f"{name}.numerator"], found[f"{name}.denominator"] = (
                    figure.numerator,
                    figure.denominator,
                )
        return found


@dataclass(frozen=True)
class Report:
    node: str
    name: str
    kind: str
    period: Period
    nodes: int
    rows: list[Row]
    position: int


class NodeReport:
    def __init__(
        self, casebook: Casebook, views: Database, statistics: NodeStatistics, known_on: date | None = None
    ) -> None:
        self.cb = casebook
        self.views = views
        self.statistics = statistics
        self.known_on = known_on  # count only what had been recorded by the end of that day

    def today(self) -> date:
        return self.cb.clock().astimezone(CHINA).date()

    def summary(self, code: str, span: Period) -> Report:
        return self._report(code, span, lambda cur, tree, at: [self._row(cur, tree, at, code, "total", span)])

    def children(self, code: str, span: Period) -> Report:
        """A row for the node in total, one for what lives at the node itself, one per child."""

        def rows(cur: Cursor, tree: Any, at: datetime) -> list[Row]:
            return [
                self._row(cur, tree, at, code, "total", span),
                self._row(cur, tree, at, code, "itself", span),
                *(self._row(cur, tree, at, child, "child", span) for child in _children(tree, code, at)),
            ]

        return self._report(code, span, rows)

    def months(self, code: str, span: Period) -> Report:
        return self._report(
            code,
            span,
            lambda cur, tree, at: [self._row(cur, tree, at, code, "month", month) for month in span.months()],
        )

    def _report(self, code: str, span: Period, rows: Any) -> Report:
        tree = self.cb.current_directory()
        record = tree.node(code)
        if record is None:
            raise CaseNotFound("node", code)
        at = min(datetime.combine(span.end, time.max, CHINA), self.cb.clock())
        with self.views.reading() as cur:
            found = rows(cur, tree, at)
            position = tracking.position(cur, self.statistics.name)
        return Report(
            code,
            record.name_at(at),
            record.kind.value,
            span,
            len(tree.descendants(code, at)),
            found,
            position,
        )

    def _row(self, cur: Cursor, tree: Any, at: datetime, code: str, scope: str, span: Period) -> Row:
        nodes = [code] if scope == "itself" else tree.descendants(code, at)
        flows, stocks = self.statistics.sums(
            cur,
            nodes,
            span.start.isoformat(),
            span.end.isoformat(),
            self.known_on.isoformat() if self.known_on else None,
        )
        counted_to = min(span.end, self.today())
        return Row(
            code, tree.nodes[code].name_at(at), scope, span, figures(Tally(flows), Tally(stocks), counted_to)
        )


def _children(tree: Any, code: str, at: datetime) -> list[str]:
    """The nodes right under this one as the tree stood then, retired ones too (their cases stay counted)."""
    return sorted(
        c for c, record in tree.nodes.items() if record.parent_at(at) == code and record.created <= at
    )
