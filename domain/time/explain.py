"""Every due date, explained in words: when the clock started, by which rule of which policy
version, on which calendar, which days it skipped, its pauses, extension and recomputations,
the due time, and what happened when it passed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from domain.time.calendar import CLOCK_UNITS, Unit, shown
from domain.time.clocks import ClockState, paused_days
from domain.time.holidays import REGULATION
from domain.time.policy import CLOCKS, Rule

# A reminder recorded more than this after it came is said to be recorded late (the workflow
# that keeps the clock learned of it late: its worker was down or behind).
LATE = timedelta(minutes=1)


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


def _extended(rule: Rule, extension: dict[str, Any], counts: dict[str, Any]) -> list[str]:
    """How the period with its extension counted: as one period from the start, whose own last
    day alone moves off a rest day (Art. 34: 60 + 30 days from acceptance)."""
    if counts.get("counted") != "one_period":
        return [
            (
                "The extension was counted on from the limit's due time "
                "(as recorded before one period was counted)."
            )
        ]
    unit = rule.unit.value.replace("_", " ")
    whole = rule.amount + extension["amount"] if extension["unit"] == rule.unit.value else None
    lines = [
        f"The limit and its extension run as one period of {whole} {unit} from the start."
        if whole is not None
        else "The extension is counted on from the limit's due time (it is in another unit)."
    ]
    if counts.get("rolled_forward"):
        moved = [d["day"] for d in counts.get("skipped") or [] if d["day"] >= (counts.get("last_day") or "")]
        lines.append(
            f"Its last day, {counts.get('last_day')}, was not a working day ({', '.join(moved)} not worked), "
            "so the extended limit ran to the next working day."
        )
    return lines


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
    if rule.basis:
        lines.insert(3, f"Basis: {rule.basis}.")
    if clock.skipped:
        lines.append(f"Days not counted: {_days(clock.skipped)}.")
    if clock.rolled_forward:
        lines.append(
            "The last day was not a working day, so the limit ran to the next working day."
            if not clock.extensions
            else "Before the extension, the last day was not a working day, so the limit ran to the next "
            "working day; the extension lengthens the period, it does not start from that day."
        )
    if clock.unknown_years:
        years = ", ".join(map(str, clock.unknown_years))
        lines.append(
            f"Provisional: no holiday notice is loaded for {years}, so only its statutory holidays "
            f"({REGULATION}) and weekends were skipped there; the notice may add bridging days off and "
            "make-up working days, and loading it counts this clock again. Nothing is concluded or "
            "refused on this count until then."
        )
    for pause in clock.pauses:
        cited = f" ({rule.basis})" if rule.basis else ""
        lines.append(
            f"Paused {_when(pause['from'])} to {_when(pause['to'])}: {_not_counted(rule, pause)}{cited}."
        )
    if clock.status == "paused" and clock.paused_at:
        lines.append(f"Paused since {_when(clock.paused_at)}: the due time will move by the pause.")
    for i, extension in enumerate(clock.extensions):
        lines.append(
            f"Extended by {extension['amount']} {extension['unit'].replace('_', ' ')} on "
            f"{_when(extension['at'])}, "
            f"approved by {extension['approved_by']}: {extension['reason']}."
        )
        counts = clock.extension_counts[i] if i < len(clock.extension_counts) else {}
        lines.extend(_extended(rule, extension, counts))
    for change in clock.recomputations:
        lines.append(
            f"Recomputed {_when(change['at'])} on calendar version {change['calendar_version']}: "
            f"due {_when(change['from'])} became {_when(change['to'])} ({change['reason']})."
        )
    lines.append(f"Due {_when(clock.due_at)}.")
    for reminder in clock.reminders_sent:
        lines.append(
            f"Reminder at {round(reminder['fraction'] * 100)}% on {_when(reminder['at'])} to "
            f"{', '.join(reminder['notify']) or 'nobody holding the post'}"
            + (
                f", recorded late on {_when(reminder['recorded_at'])}."
                if reminder.get("recorded_at") and reminder["recorded_at"] - reminder["at"] > LATE
                else "."
            )
        )
    for reminder in clock.reminders_skipped:
        lines.append(
            f"Reminder at {round(reminder['fraction'] * 100)}% on {_when(reminder['at'])} was not sent: "
            f"{reminder['reason']}."
        )
    if clock.status == "missed":
        lines.append(f"Passed unmet on {_when(clock.ended_at or clock.due_at)}: {clock.outcome}.")
    elif clock.status == "held":
        lines.append(f"The due time came on a provisional count; what follows waits: {clock.held}.")
    elif clock.status == "stopped":
        lines.append(f"Stopped {_when(clock.ended_at or clock.due_at)}: {clock.outcome}.")
    elif clock.due_at < now:
        lines.append("The due time has passed; what follows is being recorded.")
    else:
        lines.append("Running.")
    if clock.settled:
        lines.append(f"Settled {_when(clock.settled_at or clock.due_at)}: {clock.settled}.")
    return lines
