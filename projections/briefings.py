"""Writing briefings from the read models, for a period that has ended:

- the weekly dispute analysis (`dispute_weekly`) of every village and township: the figures of
  the node statistics for the week (new disputes by category and severity, disputes resolved by
  agreement and the mediation success rate, escalations, deadlines overdue by level), each beside
  the previous week's and the same week a year before (52 weeks back, so the same weekday), and
  the cases behind the counts of new disputes and escalations (the log's events of those days,
  up to the position the figures were read at);
- the township's weekly notification (`township_ranking`): its villages ranked on the
  responsibility book — the points each lost in the week by the book's rules (the score as of the
  week's end against the score as of its start), item by item, fewest lost first;
- the patrol roll-up of every village and township, daily, weekly and monthly (`patrol_daily`,
  `patrol_weekly`, `patrol_monthly`): route by route, the shifts planned to start in the
  period, walked, missed and cancelled, the checkpoints missed and the cases the patrols opened,
  read from the shifts' events in the log (the shifts behind every count listed);
- the half-monthly situation notice of every township (`situation_half_monthly`, the 1st to the
  15th and the 16th to the month's end): disputes, petitions, incidents and patrols of the
  half-month from the node statistics, each beside the half-month before, with the cases behind
  the counts of new disputes and escalations.

Each is computed at the read model's position, recorded with it, and the period's briefing is
written once; written again with other figures (a late event), it gets a new version.
See docs/briefings.md."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from domain.briefings.briefing import PATROL_KINDS, Briefing, BriefingKind
from domain.directory.jurisdiction import NodeKind
from domain.disputes.dispute import Dispute
from domain.patrols.patrol import Shift
from domain.time.calendar import CHINA
from infra.sql import Database
from projections import tracking
from projections.metrics import BY_NAME, Figure
from projections.node_statistics import NodeStatistics
from projections.scores import Scores
from projections.statistics_report import NodeReport, Period
from service.casebook import Casebook

WEEK = timedelta(days=7)
FIGURES = ("disputes_reported", "mediation_success_rate", "escalations", "overdue_by_level")
# The half-monthly situation notice: the whole picture of a township — disputes, petitions,
# incidents and patrols (the seeds' "comprehensive situation analysis every half a month").
SITUATION_FIGURES = (
    *FIGURES,
    "petitions_registered",
    "petitions_repeat",
    "petitions_group",
    "petition_on_time_handling_rate",
    "incidents_by_kind",
    "patrol_shift_coverage",
)
LINKED = {"disputes_reported": Dispute.Reported, "escalations": Dispute.Escalated}
# The weekly patrol roll-up: per route, the counts of the shifts planned in the week (and the total).
PATROL_COUNTS = ("scheduled", "walked", "missed", "cancelled", "checkpoints_missed", "findings")
PATROL_TOPICS = [
    e.TOPIC
    for e in (
        Shift.Scheduled,
        Shift.SignedInAtStart,
        Shift.Missed,
        Shift.Cancelled,
        Shift.CheckpointMissed,
        Shift.FindingReported,
    )
]
REVISIT = 4  # a round also writes again the weeks before the last, so late events reach them


def week_before(at: datetime) -> tuple[date, date]:
    """The last whole week (Monday to Sunday, Beijing time) that ended before `at`."""
    day = at.astimezone(CHINA).date()
    monday = day - timedelta(days=day.weekday()) - WEEK
    return monday, monday + timedelta(days=6)


def half_month_of(day: date) -> tuple[date, date]:
    """The half-month a day lies in: the 1st to the 15th, or the 16th to the month's last day."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day.replace(day=16), following - timedelta(days=1)


def month_of(day: date) -> tuple[date, date]:
    """The calendar month a day lies in."""
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day.replace(day=1), following - timedelta(days=1)


def period_before(kind: str, at: datetime) -> tuple[date, date]:
    """The kind's last whole period (first and last day, Beijing time) that ended before `at`."""
    if kind == BriefingKind.PATROL_DAILY:
        day = at.astimezone(CHINA).date() - timedelta(days=1)
        return day, day
    if kind == BriefingKind.PATROL_MONTHLY:
        return month_of(at.astimezone(CHINA).date().replace(day=1) - timedelta(days=1))
    if kind == BriefingKind.SITUATION_HALF_MONTHLY:
        start, _ = half_month_of(at.astimezone(CHINA).date())
        return half_month_of(start - timedelta(days=1))
    return week_before(at)


def previous_period(kind: str, start: date) -> tuple[date, date]:
    """The kind's period before the one that begins on `start`."""
    if kind == BriefingKind.PATROL_DAILY:
        return start - timedelta(days=1), start - timedelta(days=1)
    if kind == BriefingKind.PATROL_MONTHLY:
        return month_of(start - timedelta(days=1))
    if kind == BriefingKind.SITUATION_HALF_MONTHLY:
        return half_month_of(start - timedelta(days=1))
    return start - WEEK, start - timedelta(days=1)


def _figure(figure: Figure) -> dict[str, Any]:
    return {
        "value": figure.value,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "breakdown": figure.breakdown,
    }


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, CHINA)


@dataclass
class BriefingWriter:
    casebook: Casebook
    views: Database
    statistics: NodeStatistics
    scores: Scores
    # The log's events read for a round, by topics and position: every node and period of a round
    # is counted from one read of the log, not one read each.
    _read: dict[tuple[tuple[str, ...], int], list[Any]] = field(default_factory=dict, init=False, repr=False)

    def write_round(self, kind: str, at: datetime) -> tuple[int, int]:
        """Writes the kind's briefings for its last period before `at` and for the REVISIT
        periods before it: a period missed while the system was down is written once, and one
        whose figures a late event changed gets a new version. Returns how many briefings were
        written or revised, and how many stood as they were."""
        written = unchanged = 0
        start, end = period_before(kind, at)
        try:
            for _ in range(REVISIT + 1):
                for node in self._nodes(kind, _start(start)):
                    _, changed = self.write(kind, node, start, at, end)
                    written, unchanged = written + changed, unchanged + (not changed)
                start, end = previous_period(kind, start)
        finally:
            self._read.clear()
        return written, unchanged

    def write(
        self, kind: str, node: str, start: date, at: datetime, end: date | None = None
    ) -> tuple[Briefing, bool]:
        end = end or start + timedelta(days=6)
        if kind == BriefingKind.DISPUTE_WEEKLY:
            content, sources = self.dispute_weekly(node, start, end)
        elif kind == BriefingKind.SITUATION_HALF_MONTHLY:
            content, sources = self.situation_half_monthly(node, start, end)
        elif kind in PATROL_KINDS:
            content, sources = self.patrol_roll_up(node, start, end)
        else:
            content, sources = self.township_ranking(node, start, end)
        policy = self.casebook.rulebook.current().policy_in_force(_start(end))
        sources["policy_version"] = policy.version if policy else None
        return self.casebook.briefings.write(
            kind, node, _start(start), _start(end + timedelta(days=1)), content, sources, at
        )

    def _nodes(self, kind: str, at: datetime) -> list[str]:
        tree = self.casebook.current_directory()
        kinds = (
            (NodeKind.VILLAGE, NodeKind.TOWNSHIP)
            if kind == BriefingKind.DISPUTE_WEEKLY or kind in PATROL_KINDS
            else (NodeKind.TOWNSHIP,)
        )
        return sorted(c for c, r in tree.nodes.items() if r.kind in kinds and r.active_at(at))

    # -- the weekly dispute analysis -------------------------------------------------------------

    def dispute_weekly(self, node: str, start: date, end: date) -> tuple[dict[str, Any], dict[str, Any]]:
        compared = {
            "previous_week": Period(start - WEEK, end - WEEK),
            "same_week_last_year": Period(start - 52 * WEEK, end - 52 * WEEK),
        }
        return self._from_statistics(node, Period(start, end), FIGURES, compared)

    def _from_statistics(
        self, node: str, period: Period, figures: Sequence[str], compared: dict[str, Period]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The node statistics' figures for the period, each beside its value in every compared
        period (under that period's key), with the cases behind the linked counts."""
        report = NodeReport(self.casebook, self.views, self.statistics)
        now = report.summary(node, period)
        row = now.rows[0].figures
        content: dict[str, Any] = {"figures": {name: _figure(row[name]) for name in figures}}
        for key, other in compared.items():
            then = report.summary(node, other).rows[0].figures
            content[key] = {name: then[name].value for name in figures}
        content["cases"] = self._cases(node, period.start, period.end, now.position)
        content["name"] = now.name
        sources = {
            "metric_versions": {name: BY_NAME[name].version for name in figures},
            "read_model": self.statistics.name,
            "position": now.position,
        }
        return content, sources

    def _cases(self, node: str, start: date, end: date, position: int) -> dict[str, list[str]]:
        """The disputes behind each linked count: the events of the period at the node's leaves,
        read from the log up to the position the figures were read at."""
        tree = self.casebook.current_directory()
        nodes = set(tree.descendants(node, _start(end)))
        found: dict[str, list[str]] = {name: [] for name in LINKED}
        leaf: dict[str, str] = {}
        topics = [Dispute.Reported.TOPIC, Dispute.Escalated.TOPIC]
        for event in self._events(topics, position):
            case = str(event.originator_id)
            if isinstance(event, Dispute.Reported):
                leaf[case] = event.grid or event.village
            day = event.effective_at.astimezone(CHINA).date()
            if start <= day <= end and leaf.get(case) in nodes:
                for name, cls in LINKED.items():
                    if isinstance(event, cls):
                        found[name].append(case)
        return found

    def _events(self, topics: list[str], position: int) -> list[Any]:
        key = (tuple(topics), position)
        if key not in self._read:
            self._read.clear()  # one read kept at a time: the round's
            self._read[key] = list(self._scan(topics, position))
        return self._read[key]

    def _scan(self, topics: list[str], position: int) -> Iterable[Any]:
        recorder, mapper, after = self.casebook.recorder, self.casebook.mapper, 1
        while after <= position:
            batch = recorder.select_notifications(after, 1000, stop=position, topics=topics)
            if not batch:
                return
            for item in batch:
                yield mapper.to_domain_event(item)
            after = batch[-1].id + 1

    # -- the patrol roll-up ---------------------------------------------------------------------

    def patrol_roll_up(self, node: str, start: date, end: date) -> tuple[dict[str, Any], dict[str, Any]]:
        """Route by route, the shifts planned to start in the period (a day, a week, a month) at
        the node or under it: how
        many were scheduled (less those cancelled), walked (opened by a sign-in at the start),
        missed and cancelled, how many checkpoints were missed on them and how many cases their
        findings opened — each count with the shifts (or cases) behind it, read from the log up to
        its head when written."""
        tree = self.casebook.current_directory()
        nodes = set(tree.descendants(node, _start(end)))
        position = self.casebook.recorder.max_notification_id() or 0
        routes: dict[str, dict[str, Any]] = {}
        route_of: dict[str, str] = {}
        for event in self._events(PATROL_TOPICS, position):
            shift = str(event.originator_id)
            if isinstance(event, Shift.Scheduled):
                day = event.planned_start.astimezone(CHINA).date()
                if event.node in nodes and start <= day <= end:
                    route = routes.setdefault(
                        event.route_id,
                        {"route": event.route_id, "name": event.route_name, "node": event.node}
                        | {count: [] for count in PATROL_COUNTS},
                    )
                    route["name"] = event.route_name
                    route["scheduled"].append(shift)
                    route_of[shift] = event.route_id
                continue
            route = routes.get(route_of.get(shift, ""))
            if route is None:
                continue
            if isinstance(event, Shift.SignedInAtStart) and event.opens_shift:
                route["walked"].append(shift)
            elif isinstance(event, Shift.Missed):
                route["missed"].append(shift)
            elif isinstance(event, Shift.Cancelled):
                route["scheduled"].remove(shift)
                route["cancelled"].append(shift)
            elif isinstance(event, Shift.CheckpointMissed):
                route["checkpoints_missed"].append(shift)
            elif isinstance(event, Shift.FindingReported):
                route["findings"].append(event.case_id)
        rows = sorted(routes.values(), key=lambda r: (r["node"], r["name"], r["route"]))
        total = {count: sum(len(r[count]) for r in rows) for count in PATROL_COUNTS}
        content = {
            "figures": {"total": total} | {r["route"]: {c: len(r[c]) for c in PATROL_COUNTS} for r in rows},
            "rows": rows,
            "name": tree.nodes[node].name_at(_start(end)),
        }
        return content, {"read_model": "log", "position": position}

    # -- the half-monthly situation notice ------------------------------------------------------

    def situation_half_monthly(
        self, township: str, start: date, end: date
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        before = Period(*previous_period(BriefingKind.SITUATION_HALF_MONTHLY, start))
        return self._from_statistics(
            township, Period(start, end), SITUATION_FIGURES, {"previous_half_month": before}
        )

    # -- the township's weekly notification -------------------------------------------------------

    def township_ranking(
        self, township: str, start: date, end: date
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        tree = self.casebook.current_directory()
        villages = [c for c in tree.children(township, _start(end)) if tree.nodes[c].kind == NodeKind.VILLAGE]
        rows, versions = [], set()
        for village in villages:
            before = self.scores.card(village, start.year, as_of=_start(start))
            after = self.scores.card(village, end.year, as_of=_start(end + timedelta(days=1)))
            if before is None or after is None or before.year != after.year:
                continue
            versions.update(after.versions_used)
            lost = {
                item.code: round(old.score - item.score, 4)
                for section, old_section in zip(after.sections, before.sections, strict=True)
                for item, old in zip(section["items"], old_section["items"], strict=True)
                if old.score != item.score
            }
            rows.append(
                {
                    "village": village,
                    "name": tree.nodes[village].name_at(_start(end)),
                    "lost": round(sum(lost.values()), 4),
                    "by_item": lost,
                    "score": after.total,
                }
            )
        rows.sort(key=lambda r: (r["lost"], -r["score"], r["village"]))
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
        with self.views.reading() as cur:
            position = tracking.position(cur, self.scores.facts.name)
        content = {
            "figures": {r["village"]: {"rank": r["rank"], "lost": r["lost"]} for r in rows},
            "rows": rows,
            "name": tree.nodes[township].name_at(_start(end)),
        }
        sources = {
            "book_versions": sorted(versions),
            "read_model": self.scores.facts.name,
            "position": position,
        }
        return content, sources
