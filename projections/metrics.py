"""The metrics the township watches, each defined once, here, with its version: what it counts,
its numerator and denominator, and how it is computed from the sums of the node statistics
(projections/node_statistics.py). docs/metrics.md renders this registry (a test keeps it so):

    .venv/bin/python -m projections.metrics docs/metrics.md

A change to a definition is a new version of the metric; a change to what must be counted
is also a new version of the counts table (node_counts_v<N>), rebuilt from the log.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from projections import measures as m
from projections.measures import dimensions

Where = str | Collection[str]


class Tally:
    """Sums of counts by (measure, detail), asked for by measure and dimensions."""

    def __init__(self, sums: Mapping[tuple[str, str], int]) -> None:
        self._rows = [(measure, dimensions(text), n) for (measure, text), n in sums.items()]

    def total(self, measure: str, **where: Where) -> int:
        return sum(n for found, dims, n in self._rows if found == measure and _matches(dims, where))

    def by(self, measure: str, *keys: str, **where: Where) -> dict[str, int]:
        grouped: dict[str, int] = {}
        for found, dims, n in self._rows:
            if found == measure and _matches(dims, where):
                label = "/".join(dims.get(k, "") for k in keys)
                grouped[label] = grouped.get(label, 0) + n
        return dict(sorted(grouped.items()))


def _matches(dims: dict[str, str], where: Mapping[str, Where]) -> bool:
    return all(dims.get(k) == v if isinstance(v, str) else dims.get(k) in v for k, v in where.items())


@dataclass(frozen=True)
class Figure:
    value: int | float | None
    numerator: int | None = None
    denominator: int | None = None
    breakdown: dict[str, Any] = field(default_factory=dict)


def ratio(numerator: int, denominator: int) -> Figure:
    return Figure(round(numerator / denominator, 4) if denominator else None, numerator, denominator)


def as_dict(figure: Figure) -> dict[str, Any]:
    return {"value": figure.value, "numerator": figure.numerator, "denominator": figure.denominator}


Compute = Callable[[Tally, Tally, date], Figure]


@dataclass(frozen=True)
class Metric:
    name: str
    version: int
    group: str
    title: str
    kind: str  # count | rate | stock
    definition: str
    counts: tuple[str, ...]
    compute: Compute
    numerator: str = ""
    denominator: str = ""
    breakdown: str = ""
    target: str = ""

    @property
    def rollup(self) -> str:
        return ROLLUP[self.kind]


ROLLUP = {
    "count": "summed over the node and every node under it, and over the days of the range",
    "rate": "numerator and denominator each summed over the node and every node under it and the days of "
    "the range, then divided (never an average of rates); none while the denominator is 0",
    "stock": "summed over the node and every node under it, as it stood at the end of the range's last day",
}
LEVELS = ("grid", "village", "township")
LEVEL_CLOCKS = {f"dispute.{level}": level for level in LEVELS}
FAILED = ("no_agreement", "referred_out", "converted")
AGE_BUCKETS = ((0, 15), (16, 30), (31, 60), (61, 90), (91, 180), (181, 365), (366, None))
CONCLUSIONS = (
    "Dispute.AgreementReached",
    "Dispute.AgreementSealed",
    "Dispute.Closed",
    "Dispute.ReferredOut",
    "Dispute.ConvertedToCriminalCase",
)
DISPUTE_ENDS = (*CONCLUSIONS, "Dispute.MarkedDuplicate")
CLOCK_COUNTS = (
    "CaseClocks.ClockStarted",
    "CaseClocks.ClockStopped",
    "CaseClocks.DeadlineMissed",
    "CaseClocks.ClockPaused",
    "CaseClocks.ClockResumed",
    "CaseClocks.ClockExtended",
    "CaseClocks.DueDateRecomputed",
)


# -- how each is computed ---------------------------------------------------------------------------


def _count(measure: str, *keys: str, **where: Where) -> Compute:
    def compute(flows: Tally, stocks: Tally, day: date) -> Figure:
        return Figure(
            flows.total(measure, **where), breakdown=flows.by(measure, *keys, **where) if keys else {}
        )

    return compute


def _success(flows: Tally, stocks: Tally, day: date) -> Figure:
    def at(**level: Where) -> Figure:
        agreed = flows.total(m.DISPUTE_ENDED, outcome="agreement", **level)
        return ratio(agreed, agreed + flows.total(m.DISPUTE_ENDED, outcome=FAILED, mediated="1", **level))

    return _with(at(), {level: as_dict(at(level=level)) for level in LEVELS})


def _in_village(flows: Tally, stocks: Tally, day: date) -> Figure:
    inside = flows.total(m.DISPUTE_ENDED, outcome="agreement", level=("grid", "village"))
    ended = flows.total(m.DISPUTE_ENDED, outcome=("agreement", *FAILED))
    return _with(
        ratio(inside, ended), flows.by(m.DISPUTE_ENDED, "outcome", "level", outcome=("agreement", *FAILED))
    )


def _on_time(clocks: Mapping[str, str]) -> Compute:
    def compute(flows: Tally, stocks: Tally, day: date) -> Figure:
        def of(names: Where) -> Figure:
            met = flows.total(m.CLOCK_MET, clock=names)
            return ratio(
                met, met + flows.total(m.CLOCK_LATE, clock=names) + flows.total(m.CLOCK_MISSED, clock=names)
            )

        return _with(of(tuple(clocks)), {label: as_dict(of(name)) for name, label in clocks.items()})

    return compute


def _deadlines(flows: Tally, stocks: Tally, day: date) -> Figure:
    names = sorted(
        {
            *flows.by(m.CLOCK_STARTED, "clock"),
            *flows.by(m.CLOCK_MET, "clock"),
            *flows.by(m.CLOCK_LATE, "clock"),
            *flows.by(m.CLOCK_MISSED, "clock"),
        }
    )
    table = {}
    for name in names:
        figure = _on_time({name: name})(flows, stocks, day)
        table[name] = {
            **as_dict(figure),
            "started": flows.total(m.CLOCK_STARTED, clock=name),
            "met": flows.total(m.CLOCK_MET, clock=name),
            "late": flows.total(m.CLOCK_LATE, clock=name),
            "missed": flows.total(m.CLOCK_MISSED, clock=name),
        }
    return _with(_on_time({n: n for n in names})(flows, stocks, day), table)


def _overdue(clocks: Mapping[str, str] | None) -> Compute:
    def compute(flows: Tally, stocks: Tally, day: date) -> Figure:
        missed, settled = stocks.by(m.CLOCK_MISSED, "clock"), stocks.by(m.CLOCK_SETTLED, "clock")
        names = clocks or {name: name for name in missed}
        table = {label: missed.get(name, 0) - settled.get(name, 0) for name, label in names.items()}
        return Figure(sum(table.values()), breakdown=table)

    return compute


def _backlog(kind: str) -> Compute:
    def compute(flows: Tally, stocks: Tally, day: date) -> Figure:
        entered, left = (
            stocks.by(m.BACKLOG_IN, "since", kind=kind),
            stocks.by(m.BACKLOG_OUT, "since", kind=kind),
        )
        table = {_bucket(low, high): 0 for low, high in AGE_BUCKETS}
        for since, n in entered.items():
            age = (day - date.fromisoformat(since)).days
            low, high = next(b for b in AGE_BUCKETS if b[1] is None or age <= b[1])
            table[_bucket(low, high)] += n - left.get(since, 0)
        return Figure(sum(table.values()), breakdown=table)

    return compute


def _bucket(low: int, high: int | None) -> str:
    return f"{low}-{high} days" if high is not None else f"over {low - 1} days"


def _satisfaction(flows: Tally, stocks: Tally, day: date) -> Figure:
    content = flows.total(m.DISPUTE_FOLLOW_UP, satisfaction=("satisfied", "basically_satisfied"))
    return _with(
        ratio(content, flows.total(m.DISPUTE_FOLLOW_UP)), flows.by(m.DISPUTE_FOLLOW_UP, "satisfaction")
    )


def _coverage(scheduled: str, cancelled: str, done: str, missed: str) -> Compute:
    def compute(flows: Tally, stocks: Tally, day: date) -> Figure:
        parts = {
            "scheduled": flows.total(scheduled),
            "cancelled": flows.total(cancelled),
            "done": flows.total(done),
            "missed": flows.total(missed),
        }
        return _with(ratio(parts["done"], parts["scheduled"] - parts["cancelled"]), parts)

    return compute


def _with(figure: Figure, breakdown: dict[str, Any]) -> Figure:
    return Figure(figure.value, figure.numerator, figure.denominator, breakdown)


# -- the registry -------------------------------------------------------------------------------

_ENDED = (
    "a dispute ends when an agreement takes effect (an oral one when it is reached, a written one when "
    "every party has signed it and the committee has sealed it: until then the dispute is open), when it "
    "is closed without one, is referred out, turns criminal, or is marked a duplicate, while it is open; "
    "a reopened dispute is open again and may end again"
)
_ON_TIME = (
    "a clock is met when it stopped at or before its due time (or while paused), late when it stopped "
    "after it, missed when the deadline was recorded missed; counted on the day the clock ended"
)

METRICS: tuple[Metric, ...] = (
    Metric(
        "disputes_reported",
        1,
        "disputes",
        "Disputes reported",
        "count",
        "Disputes reported, on the day they were reported, by category and severity (duplicates included: "
        "see disputes_marked_duplicate).",
        ("Dispute.Reported",),
        _count(m.DISPUTE_REPORTED, "category", "severity"),
        breakdown="category/severity",
    ),
    Metric(
        "disputes_marked_duplicate",
        1,
        "disputes",
        "Disputes marked duplicate",
        "count",
        "Open disputes marked as a repeat of another, on the day they were marked.",
        ("Dispute.MarkedDuplicate",),
        _count(m.DISPUTE_ENDED, outcome="duplicate"),
    ),
    Metric(
        "mediation_success_rate",
        2,  # v2: a written agreement counts once in effect (every party signed, sealed), not when reached
        "disputes",
        "Mediation success rate",
        "rate",
        f"Of the disputes that ended after mediation, the share that ended in an agreement; {_ENDED}.",
        (*CONCLUSIONS, "Dispute.MediationSessionHeld"),
        _success,
        numerator="disputes that ended in an agreement in effect (at any level) in the range",
        denominator="the numerator + disputes that ended in the range closed without agreement, referred out "
        "or turned criminal after at least one mediation session",
        breakdown="level at which the dispute ended: value, numerator, denominator",
        target="at least 98 %",
    ),
    Metric(
        "resolved_in_village_rate",
        2,  # v2: a written agreement counts once in effect
        "disputes",
        "Resolved without leaving the village",
        "rate",
        "Of the disputes that ended (duplicates aside), the share resolved by an agreement at grid or "
        "village "
        f"level; {_ENDED}.",
        CONCLUSIONS,
        _in_village,
        numerator="disputes that ended in an agreement in effect, reached at grid or village level, in the "
        "range",
        denominator="disputes that ended in the range: agreement (any level), closed without agreement, "
        "referred out, turned criminal",
        breakdown="outcome/level: how many ended so",
    ),
    Metric(
        "escalations",
        1,
        "disputes",
        "Escalations",
        "count",
        "Escalations one level up, by hand or by a missed deadline, on the day they took effect.",
        ("Dispute.Escalated",),
        _count(m.DISPUTE_ESCALATED, "from", "to"),
        breakdown="from level/to level",
    ),
    Metric(
        "escalations_without_first_mediation",
        1,
        "disputes",
        "Escalations without first mediation",
        "count",
        "Escalations of a dispute not mediated at the level it left (no mediation session there); "
        "village/township is the one the responsibility book deducts for.",
        ("Dispute.Escalated",),
        _count(m.DISPUTE_ESCALATED, "from", "to", first_mediation="0"),
        breakdown="from level/to level",
    ),
    Metric(
        "on_time_rate_by_level",
        1,
        "disputes",
        "On-time rate by level",
        "rate",
        f"Of the dispute ladder's level deadlines that ended, the share met; {_ON_TIME}.",
        CLOCK_COUNTS,
        _on_time(LEVEL_CLOCKS),
        numerator="dispute.grid, dispute.village and dispute.township clocks met in the range",
        denominator="those clocks met, late or missed in the range",
        breakdown="level: value, numerator, denominator",
    ),
    Metric(
        "overdue_by_level",
        1,
        "disputes",
        "Overdue by level",
        "stock",
        "Dispute level deadlines recorded missed and not yet settled (the case has not moved on) at the end "
        "of the range. A deadline past due that the clock workflow has not yet recorded is not counted.",
        ("CaseClocks.DeadlineMissed", "CaseClocks.MissedDeadlineSettled"),
        _overdue(LEVEL_CLOCKS),
        breakdown="level",
    ),
    Metric(
        "dispute_backlog_by_age",
        2,  # v2: a written agreement not yet in effect leaves the dispute in the backlog
        "disputes",
        "Dispute backlog by age",
        "stock",
        "Disputes open at the end of the range, by how long they have been open (days from the day they "
        "were "
        f"reported or reopened to the range's last day, or today if earlier); {_ENDED}.",
        ("Dispute.Reported", "Dispute.Reopened", *DISPUTE_ENDS),
        _backlog("dispute"),
        breakdown="age",
    ),
    Metric(
        "civil_to_criminal_conversions",
        1,
        "disputes",
        "Civil-to-criminal conversions",
        "count",
        "Disputes that turned into a criminal case (民转刑), on the day it was recorded.",
        ("Dispute.ConvertedToCriminalCase",),
        _count(m.DISPUTE_CONVERTED),
        target="0",
    ),
    Metric(
        "disputes_reopened",
        1,
        "disputes",
        "Disputes reopened",
        "count",
        "Disputes reopened (closed, referred out, duplicate, or an agreement that broke down).",
        ("Dispute.Reopened",),
        _count(m.DISPUTE_REOPENED, "previous"),
        breakdown="status before reopening",
    ),
    Metric(
        "follow_up_satisfaction_rate",
        1,
        "disputes",
        "Follow-up satisfaction",
        "rate",
        "Of the follow-up visits made, the share where the parties were satisfied or basically satisfied.",
        ("Dispute.FollowUpVisitMade",),
        _satisfaction,
        numerator="follow-up visits in the range recording satisfied or basically_satisfied",
        denominator="follow-up visits in the range",
        breakdown="satisfaction: visits",
        target="90–95 %",
    ),
    Metric(
        "petitions_registered",
        1,
        "petitions",
        "Petitions registered",
        "count",
        "Petitions registered, by the level of the body the petitioner reached.",
        ("Petition.Registered",),
        _count(m.PETITION_REGISTERED, "level"),
        breakdown="level reached",
    ),
    Metric(
        "petitions_repeat",
        1,
        "petitions",
        "Repeat petitions",
        "count",
        "Petitions registered as a repeat of the same petitioner's matter — a re-filing of a matter "
        "already concluded included (it is registered, and at once not accepted, Art. 36).",
        ("Petition.Registered",),
        _count(m.PETITION_REGISTERED, "level", repeat="1"),
        breakdown="level reached",
    ),
    Metric(
        "petitions_not_accepted",
        1,
        "petitions",
        "Petitions not accepted",
        "count",
        "Petitions not accepted, on the day: by the receiving body's decision (with its reason), or at "
        "registration as a re-filing of the same petitioner's matter already concluded (Art. 36).",
        ("Petition.AcceptanceDecided", "Petition.NotAcceptedAsConcluded"),
        _count(m.PETITION_NOT_ACCEPTED, "why"),
        breakdown="why: decided, concluded",
    ),
    Metric(
        "petitions_leapfrog",
        1,
        "petitions",
        "Leapfrog petitions",
        "count",
        "Visits registered as leapfrog (越级): to a body more than one level above the proper one.",
        ("Petition.Registered",),
        _count(m.PETITION_REGISTERED, "level", leapfrog="1"),
        breakdown="level reached",
    ),
    Metric(
        "petitions_group",
        1,
        "petitions",
        "Group petitions",
        "count",
        "Petitions from 5 or more people.",
        ("Petition.Registered",),
        _count(m.PETITION_REGISTERED, "level", group="1"),
        breakdown="level reached",
    ),
    Metric(
        "petitions_to_province_or_beijing",
        1,
        "petitions",
        "Petitions to the province or Beijing",
        "count",
        "Petitions registered as having reached a provincial or national body.",
        ("Petition.Registered",),
        _count(m.PETITION_REGISTERED, "level", level=("province", "national")),
        breakdown="level reached",
        target="0",
    ),
    Metric(
        "petition_on_time_acceptance_rate",
        1,
        "petitions",
        "On-time acceptance",
        "rate",
        f"Of the petition acceptance-notice deadlines that ended, the share met; {_ON_TIME}.",
        CLOCK_COUNTS,
        _on_time({"petition.acceptance_notice": "petition.acceptance_notice"}),
        numerator="petition.acceptance_notice clocks met in the range",
        denominator="petition.acceptance_notice clocks met, late or missed in the range",
    ),
    Metric(
        "petition_on_time_handling_rate",
        1,
        "petitions",
        "On-time handling",
        "rate",
        f"Of the petition handling deadlines that ended, the share met; {_ON_TIME}.",
        CLOCK_COUNTS,
        _on_time({"petition.handling": "petition.handling"}),
        numerator="petition.handling clocks met in the range",
        denominator="petition.handling clocks met, late or missed in the range",
    ),
    Metric(
        "petition_backlog_by_age",
        2,
        "petitions",
        "Petition backlog by age",
        "stock",
        "Petitions registered and not yet ended (not accepted — at registration too, Art. 36 — diverted "
        "to a legal procedure, or concluded) at the end of the range, by days since registration.",
        (
            "Petition.Registered",
            "Petition.AcceptanceDecided",
            "Petition.NotAcceptedAsConcluded",
            "Petition.DivertedToLegalProcedure",
            "Petition.Concluded",
        ),
        _backlog("petition"),
        breakdown="age",
    ),
    Metric(
        "incidents_by_kind",
        1,
        "incidents",
        "Incidents by kind",
        "count",
        "Incidents reported, on the day they were reported, by kind.",
        ("Incident.Reported",),
        _count(m.INCIDENT_REPORTED, "kind"),
        breakdown="kind",
    ),
    Metric(
        "patrol_shift_coverage",
        1,
        "patrol",
        "Patrol shifts done / scheduled",
        "rate",
        "Shifts walked against shifts scheduled. A shift counts as scheduled on its planned start day (a "
        "cancelled one, always cancelled before that day, is taken off it); as walked on the day of the "
        "first "
        "sign-in at its start; as missed on the day it was recorded missed.",
        ("Shift.Scheduled", "Shift.Cancelled", "Shift.SignedInAtStart", "Shift.Missed"),
        _coverage(m.SHIFT_SCHEDULED, m.SHIFT_CANCELLED, m.SHIFT_DONE, m.SHIFT_MISSED),
        numerator="shifts opened (first sign-in at the start) in the range",
        denominator="shifts planned to start in the range, less those cancelled",
        breakdown="scheduled, cancelled, done, missed",
    ),
    Metric(
        "patrol_checkpoint_coverage",
        1,
        "patrol",
        "Checkpoints done / scheduled",
        "rate",
        "Checkpoints signed at against checkpoints scheduled: every checkpoint of a shift counts as "
        "scheduled "
        "on the shift's planned start day (taken off if it is cancelled); a checkpoint is done on the day of "
        "the team's first sign-in there; missed ones are those recorded missed (by hand, clock or closing).",
        ("Shift.Scheduled", "Shift.Cancelled", "Shift.SignedInAtCheckpoint", "Shift.CheckpointMissed"),
        _coverage(m.CHECKPOINT_SCHEDULED, m.CHECKPOINT_CANCELLED, m.CHECKPOINT_DONE, m.CHECKPOINT_MISSED),
        numerator="first sign-ins at a checkpoint in the range",
        denominator="checkpoints of the shifts planned to start in the range, less those of cancelled shifts",
        breakdown="scheduled, cancelled, done, missed",
    ),
    Metric(
        "deadlines_by_clock",
        1,
        "deadlines",
        "On-time rate by clock",
        "rate",
        f"Every clock, by name, whatever its case kind (a clock's node is the node responsible for it); "
        f"{_ON_TIME}. For a window rather than a deadline (dispute.judicial_confirmation) met means the "
        f"window ran its course.",
        CLOCK_COUNTS,
        _deadlines,
        numerator="clocks met in the range",
        denominator="clocks met, late or missed in the range",
        breakdown="clock: value, numerator, denominator, started, met, late, missed",
    ),
    Metric(
        "overdue_by_clock",
        1,
        "deadlines",
        "Overdue by clock",
        "stock",
        "Deadlines recorded missed and not yet settled at the end of the range, by clock.",
        ("CaseClocks.DeadlineMissed", "CaseClocks.MissedDeadlineSettled"),
        _overdue(None),
        breakdown="clock",
    ),
    Metric(
        "records_entered_late",
        1,
        "records",
        "Records entered late",
        "count",
        "Events counted in these statistics that a person recorded more than an hour after the time "
        "they say they took effect: back-dated records, each with its reason on its receipt "
        "(docs/architecture.md, “Business time”), on the day they took effect, by kind of case. The "
        "system's own records (deadlines, schedules, sweeps) are left out.",
        tuple(e.__qualname__ for e in m.EVENTS if e not in m.CLOCK_EVENTS),
        _count(m.RECORDED_LATE, "kind"),
        breakdown="kind",
    ),
)
BY_NAME = {metric.name: metric for metric in METRICS}


def figures(flows: Tally, stocks: Tally, day: date) -> dict[str, Figure]:
    """Every metric, computed from the same sums; `day` is the day the backlog's age is counted to."""
    return {metric.name: metric.compute(flows, stocks, day) for metric in METRICS}


# -- docs/metrics.md ------------------------------------------------------------------------------

BEGIN, END = "<!-- metrics: rendered from projections/metrics.py -->", "<!-- end of metrics -->"


def render() -> str:
    lines = [BEGIN, ""]
    for group in dict.fromkeys(metric.group for metric in METRICS):
        lines += [f"### {group.capitalize()}", ""]
        for metric in (x for x in METRICS if x.group == group):
            lines += [f"#### `{metric.name}` v{metric.version} — {metric.title}", "", metric.definition, ""]
            if metric.numerator:
                lines += [f"- Numerator: {metric.numerator}.", f"- Denominator: {metric.denominator}."]
            if metric.breakdown:
                lines.append(f"- Breakdown: {metric.breakdown}.")
            if metric.target:
                lines.append(f"- Target: {metric.target}.")
            lines += [
                f"- Counts: {', '.join(f'`{e}`' for e in metric.counts)}.",
                f"- Kind: {metric.kind}; rolls up: {metric.rollup}.",
                "",
            ]
    return "\n".join([*lines, END])


def write(path: Path) -> None:
    """Replaces the rendered section of the docs file with the registry as it is."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(head + render() + tail, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]))
