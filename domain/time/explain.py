"""Every due date, explained in words: when the clock started, by which rule of which policy
version, on which calendar, which days it skipped, its pauses, extension and recomputations,
the due time, and what happened when it passed."""

from __future__ import annotations

from datetime import datetime

from domain.time.calendar import CLOCK_UNITS, Unit, shown
from domain.time.clocks import ClockState, paused_days
from domain.time.policy import CLOCKS, Rule


def _when(moment: datetime) -> str:
    return shown(moment, seconds=True)


def _not_counted(rule: Rule, pause: dict[str, datetime]) -> str:
    if rule.unit in CLOCK_UNITS:
        return "that time is not counted"
    days = sorted(paused_days([pause]))
    span = days[0].isoformat() if len(days) == 1 else f"{days[0].isoformat()} to {days[-1].isoformat()}"
    which = "the working days among " if rule.unit == Unit.WORKING_DAYS else ""
    return f"{which}the local days {span} are not counted"


def _days(skipped: list[dict[str, str]]) -> str:
    by_why: dict[str, list[str]] = {}
    for day in skipped:
        by_why.setdefault(day["why"], []).append(day["day"])
    return "; ".join(f"{why}: {', '.join(days)}" for why, days in by_why.items())


def explain(clock: ClockState, now: datetime) -> list[str]:
    rule = Rule.from_data(clock.rule)
    lines = [
        f"{clock.clock} — {CLOCKS.get(clock.clock, 'a time limit')}.",
        f"Started {_when(clock.started_at)} at {clock.node}.",
        f"Rule: {rule.amount} {rule.unit.value.replace('_', ' ')}"
        + (f" (for {', '.join(f'{k} {v}' for k, v in sorted(rule.when.items()))})" if rule.when else "")
        + f", policy version {clock.policy_version}.",
        f"Counted on the {clock.calendar} calendar, version {clock.calendar_version}.",
    ]
    if clock.skipped:
        lines.append(f"Days not counted: {_days(clock.skipped)}.")
    if clock.rolled_forward:
        lines.append("The last day was not a working day, so the limit ran to the next working day.")
    if clock.unknown_years:
        lines.append(
            f"No calendar is loaded for {', '.join(map(str, clock.unknown_years))}: only weekends were skipped there."
        )
    for pause in clock.pauses:
        lines.append(f"Paused {_when(pause['from'])} to {_when(pause['to'])}: {_not_counted(rule, pause)}.")
    if clock.status == "paused" and clock.paused_at:
        lines.append(f"Paused since {_when(clock.paused_at)}: the due time will move by the pause.")
    for extension in clock.extensions:
        lines.append(
            f"Extended by {extension['amount']} {extension['unit'].replace('_', ' ')} on {_when(extension['at'])}, "
            f"approved by {extension['approved_by']}: {extension['reason']}."
        )
    for change in clock.recomputations:
        lines.append(
            f"Recomputed {_when(change['at'])} on calendar version {change['calendar_version']}: "
            f"due {_when(change['from'])} became {_when(change['to'])} ({change['reason']})."
        )
    lines.append(f"Due {_when(clock.due_at)}.")
    for reminder in clock.reminders_sent:
        lines.append(
            f"Reminder at {round(reminder['fraction'] * 100)}% on {_when(reminder['at'])} to "
            f"{', '.join(reminder['notify']) or 'nobody holding the post'}."
        )
    if clock.status == "missed":
        lines.append(f"Passed unmet on {_when(clock.ended_at or clock.due_at)}: {clock.outcome}.")
    elif clock.status == "stopped":
        lines.append(f"Stopped {_when(clock.ended_at or clock.due_at)}: {clock.outcome}.")
    elif clock.due_at < now:
        lines.append("The due time has passed; what follows is being recorded.")
    else:
        lines.append("Running.")
    if clock.settled:
        lines.append(f"Settled {_when(clock.settled_at or clock.due_at)}: {clock.settled}.")
    return lines
