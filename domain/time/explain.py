"""Every due date, explained in words: when the clock started, by which rule of which policy
version, on which calendar, which days it skipped, its pauses, extension and recomputations,
the due time, and what happened when it passed.

Each line is a sentence with named parts (`Line`): the sentence is the English message the
edges translate, the parts are codes, moments, numbers and recorded words, which the edges
show in the reader's language. `str(line)` is the English line (the API and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.time.calendar import CLOCK_UNITS, Unit, shown
from domain.time.clocks import ClockState, paused_days
from domain.time.holidays import REGULATION
from domain.time.policy import CLOCKS, Rule

# A reminder recorded more than this after it came is said to be recorded late (the workflow
# that keeps the clock learned of it late: its worker was down or behind).
LATE = timedelta(minutes=1)


def N_(text: str) -> str:
    """Marks an explain sentence for the edges' message catalogues."""
    return text


@dataclass(frozen=True)
class Code:
    """A code the edges put in words: a clock, a unit, a node, an outcome."""

    kind: str  # "clock", "clock.about", "unit", "node", "outcome"
    value: str

    def __str__(self) -> str:
        if self.kind == "clock.about":
            return CLOCKS.get(self.value, "a time limit")
        if self.kind == "unit":
            return self.value.replace("_", " ")
        return self.value


@dataclass(frozen=True)
class Line:
    """One sentence of an explanation: its English text with %(name)s parts, and the parts."""

    text: str
    parts: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text % {name: english(value) for name, value in self.parts.items()}


def english(value: Any) -> str:
    if isinstance(value, datetime):
        return shown(value, seconds=True)
    return str(value)


def _not_counted(rule: Rule, pause: dict[str, datetime]) -> Line:
    if rule.unit in CLOCK_UNITS:
        return Line(N_("that time is not counted"))
    days = sorted(paused_days([pause]))
    one = len(days) == 1
    span = {"first": days[0].isoformat(), "last": days[-1].isoformat()}
    if rule.unit == Unit.WORKING_DAYS:
        if one:
            return Line(N_("the working days among the local days %(first)s are not counted"), span)
        return Line(N_("the working days among the local days %(first)s to %(last)s are not counted"), span)
    if one:
        return Line(N_("the local days %(first)s are not counted"), span)
    return Line(N_("the local days %(first)s to %(last)s are not counted"), span)


def _days(skipped: list[dict[str, str]]) -> str:
    by_why: dict[str, list[str]] = {}
    for day in skipped:
        by_why.setdefault(day["why"], []).append(day["day"])
    return "; ".join(f"{why}: {', '.join(days)}" for why, days in by_why.items())


def _extended(rule: Rule, extension: dict[str, Any], counts: dict[str, Any]) -> list[Line]:
    """How the period with its extension counted: as one period from the start, whose own last
    day alone moves off a rest day (Art. 34: 60 + 30 days from acceptance)."""
    if counts.get("counted") != "one_period":
        return [
            Line(
                N_(
                    "The extension was counted on from the limit's due time "
                    "(as recorded before one period was counted)."
                )
            )
        ]
    whole = rule.amount + extension["amount"] if extension["unit"] == rule.unit.value else None
    lines = [
        Line(
            N_("The limit and its extension run as one period of %(amount)s %(unit)s from the start."),
            {"amount": whole, "unit": Code("unit", rule.unit.value)},
        )
        if whole is not None
        else Line(N_("The extension is counted on from the limit's due time (it is in another unit)."))
    ]
    if counts.get("rolled_forward"):
        moved = [d["day"] for d in counts.get("skipped") or [] if d["day"] >= (counts.get("last_day") or "")]
        lines.append(
            Line(
                N_(
                    "Its last day, %(day)s, was not a working day (%(days)s not worked), "
                    "so the extended limit ran to the next working day."
                ),
                {"day": counts.get("last_day"), "days": ", ".join(moved)},
            )
        )
    return lines


def _rule(rule: Rule, clock: ClockState) -> Line:
    parts = {"amount": rule.amount, "unit": Code("unit", rule.unit.value), "version": clock.policy_version}
    if not rule.when:
        return Line(N_("Rule: %(amount)s %(unit)s, policy version %(version)s."), parts)
    when = ", ".join(f"{k} {v}" for k, v in sorted(rule.when.items()))
    return Line(
        N_("Rule: %(amount)s %(unit)s (for %(when)s), policy version %(version)s."), {**parts, "when": when}
    )


def _reminder(reminder: dict[str, Any]) -> Line:
    parts = {"percent": round(reminder["fraction"] * 100), "at": reminder["at"]}
    late = reminder.get("recorded_at") and reminder["recorded_at"] - reminder["at"] > LATE
    if late:
        parts["recorded_at"] = reminder["recorded_at"]
    if reminder["notify"]:
        parts["notify"] = ", ".join(reminder["notify"])
        if late:
            return Line(
                N_("Reminder at %(percent)s%% on %(at)s to %(notify)s, recorded late on %(recorded_at)s."),
                parts,
            )
        return Line(N_("Reminder at %(percent)s%% on %(at)s to %(notify)s."), parts)
    if late:
        return Line(
            N_(
                "Reminder at %(percent)s%% on %(at)s to nobody holding the post, "
                "recorded late on %(recorded_at)s."
            ),
            parts,
        )
    return Line(N_("Reminder at %(percent)s%% on %(at)s to nobody holding the post."), parts)


def explain_lines(clock: ClockState, now: datetime) -> list[Line]:
    rule = Rule.from_data(clock.rule)
    lines = [
        Line(
            N_("%(clock)s — %(about)s."),
            {"clock": Code("clock", clock.clock), "about": Code("clock.about", clock.clock)},
        ),
        Line(N_("Started %(at)s at %(node)s."), {"at": clock.started_at, "node": Code("node", clock.node)}),
        _rule(rule, clock),
        Line(
            N_("Counted on the %(calendar)s calendar, version %(version)s."),
            {"calendar": clock.calendar, "version": clock.calendar_version},
        ),
    ]
    if rule.basis:
        lines.insert(3, Line(N_("Basis: %(basis)s."), {"basis": rule.basis}))
    if clock.skipped:
        lines.append(Line(N_("Days not counted: %(days)s."), {"days": _days(clock.skipped)}))
    if clock.rolled_forward:
        lines.append(
            Line(N_("The last day was not a working day, so the limit ran to the next working day."))
            if not clock.extensions
            else Line(
                N_(
                    "Before the extension, the last day was not a working day, so the limit ran to the next "
                    "working day; the extension lengthens the period, it does not start from that day."
                )
            )
        )
    if clock.unknown_years:
        lines.append(
            Line(
                N_(
                    "Provisional: no holiday notice is loaded for %(years)s, so only its statutory "
                    "holidays (%(regulation)s) and weekends were skipped there; the notice may add bridging "
                    "days off and make-up working days, and loading it counts this clock again. Nothing is "
                    "concluded or refused on this count until then."
                ),
                {"years": ", ".join(map(str, clock.unknown_years)), "regulation": REGULATION},
            )
        )
    for pause in clock.pauses:
        parts = {"from": pause["from"], "to": pause["to"], "not_counted": _not_counted(rule, pause)}
        if rule.basis:
            lines.append(
                Line(
                    N_("Paused %(from)s to %(to)s: %(not_counted)s (%(basis)s)."),
                    {**parts, "basis": rule.basis},
                )
            )
        else:
            lines.append(Line(N_("Paused %(from)s to %(to)s: %(not_counted)s."), parts))
    if clock.status == "paused" and clock.paused_at:
        lines.append(
            Line(N_("Paused since %(at)s: the due time will move by the pause."), {"at": clock.paused_at})
        )
    for i, extension in enumerate(clock.extensions):
        lines.append(
            Line(
                N_("Extended by %(amount)s %(unit)s on %(at)s, approved by %(who)s: %(reason)s."),
                {
                    "amount": extension["amount"],
                    "unit": Code("unit", extension["unit"]),
                    "at": extension["at"],
                    "who": extension["approved_by"],
                    "reason": extension["reason"],
                },
            )
        )
        counts = clock.extension_counts[i] if i < len(clock.extension_counts) else {}
        lines.extend(_extended(rule, extension, counts))
    for change in clock.recomputations:
        lines.append(
            Line(
                N_(
                    "Recomputed %(at)s on calendar version %(version)s: "
                    "due %(from)s became %(to)s (%(reason)s)."
                ),
                {
                    "at": change["at"],
                    "version": change["calendar_version"],
                    "from": change["from"],
                    "to": change["to"],
                    "reason": change["reason"],
                },
            )
        )
    lines.append(Line(N_("Due %(at)s."), {"at": clock.due_at}))
    for reminder in clock.reminders_sent:
        lines.append(_reminder(reminder))
    for reminder in clock.reminders_skipped:
        lines.append(
            Line(
                N_("Reminder at %(percent)s%% on %(at)s was not sent: %(reason)s."),
                {
                    "percent": round(reminder["fraction"] * 100),
                    "at": reminder["at"],
                    "reason": reminder["reason"],
                },
            )
        )
    if clock.status == "missed":
        lines.append(
            Line(
                N_("Passed unmet on %(at)s: %(outcome)s."),
                {"at": clock.ended_at or clock.due_at, "outcome": Code("outcome", str(clock.outcome))},
            )
        )
    elif clock.status == "held":
        lines.append(
            Line(
                N_("The due time came on a provisional count; what follows waits: %(held)s."),
                {"held": clock.held},
            )
        )
    elif clock.status == "stopped":
        lines.append(
            Line(
                N_("Stopped %(at)s: %(outcome)s."),
                {"at": clock.ended_at or clock.due_at, "outcome": Code("outcome", str(clock.outcome))},
            )
        )
    elif clock.due_at < now:
        lines.append(Line(N_("The due time has passed; what follows is being recorded.")))
    else:
        lines.append(Line(N_("Running.")))
    if clock.settled:
        lines.append(
            Line(
                N_("Settled %(at)s: %(settled)s."),
                {"at": clock.settled_at or clock.due_at, "settled": Code("outcome", clock.settled)},
            )
        )
    return lines


def explain(clock: ClockState, now: datetime) -> list[str]:
    """The explanation in English, line by line."""
    return [str(line) for line in explain_lines(clock, now)]
