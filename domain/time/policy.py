"""Deadline policy: every time limit is data — which clock, how long, counted how, with which
reminders — versioned and effective-dated. Nothing in the code knows that a grid has a day.

A rule names a clock (`dispute.grid`, `petition.handling`, …) and may narrow it by the
case's attributes (`severity = "minor"`, `kind = "fire"`); the most specific matching rule
wins. Which version a clock follows is the policy's own choice: by default the version in
force when the clock started, so a case is not judged by rules made after it began.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.time.calendar import Unit


class InProgress(StrEnum):
    """Which version a clock already running follows when a new version comes into force."""

    AT_CLOCK_START = "at_clock_start"
    LATEST = "latest"


CLOCKS: dict[str, str] = {
    "dispute.grid": "a dispute open at grid level, before it goes to the village",
    "dispute.village": "a dispute open at village level, before it goes to the township",
    "dispute.township": "a dispute open at township level, before it is referred out",
    "dispute.major_filing": "a major dispute, before it is filed with the township",
    "dispute.agreement_in_effect": "a written agreement reached, until every party signed and the committee "
    "sealed it",
    "dispute.follow_up": "an agreement in effect, before its follow-up visit",
    "dispute.judicial_confirmation": "a written agreement in effect, while judicial confirmation may be "
    "asked",
    "petition.route": "a petition registered, before it is routed",
    "petition.assignment_report": "a petition assigned (交办), before the body reports the result back",
    "petition.acceptance_notice": "a petition received, before acceptance is notified",
    "petition.objection": "a transferred petition, while the receiving body may object",
    "petition.handling": "a petition accepted, before the written handling opinion",
    "petition.extension": "the most one extension of handling may add",
    "petition.review_request": "a handling opinion, while review may be requested",
    "petition.review_decision": "a review requested, before it is decided",
    "petition.re_review_request": "a review decision, while re-review may be requested",
    "petition.re_review_decision": "a re-review requested, before it is decided",
    "incident.report_upward": "an incident reported, before it is reported upward",
    "patrol.cadence": "between scheduled patrols of a grid level",
    "patrol.start_grace": "a shift's planned start, until it is missed when nobody has signed in",
    "patrol.checkpoint_grace": "a shift's planned end, until its checkpoints not signed are missed",
    "sweep.cadence": "between the sweeps (排查) a grid or village owes: one per period",
    "sweep.due": "a sweep's period begins, until it is missed when neither findings nor a zero-report came",
}
# The clocks whose rules name the posts that owe the duty (`owed_by`).
OWED = frozenset({"sweep.due"})
# The clocks a version may leave out: without a sweep cadence, no sweeps are owed.
OPTIONAL = frozenset({"sweep.cadence", "sweep.due"})


# What may pause a clock, and the clocks it may pause: a hearing (听证) held while a petition's
# decision is pending. Whether it does is each rule's `paused_by`, from the article that governs
# the limit (Art. 36: hearing time is not counted in the re-review limit; Arts. 34 and 35 make no
# such exception for handling and review).
PAUSES: dict[str, frozenset[str]] = {
    "hearing": frozenset({"petition.handling", "petition.review_decision", "petition.re_review_decision"}),
}


# What keeps a dispute at its level when it comes before the level's deadline, and the clocks it
# may keep: an agreement always does; a mediation session held there (not failed) does only where
# a rule's `kept_by` says so. "Small things don't stay overnight" (seed 003) asks for the matter
# resolved within the day, and the grid reports what it cannot solve to the village (seed 002):
# the shipped policy keeps a dispute at grid or village level by an agreement only.
KEEPS: dict[str, frozenset[str]] = {
    "agreement": frozenset({"dispute.grid", "dispute.village", "dispute.township"}),
    "mediation_session": frozenset({"dispute.grid", "dispute.village", "dispute.township"}),
}


@dataclass(frozen=True)
class Rule:
    clock: str
    amount: int
    unit: Unit
    when: Mapping[str, str] = field(default_factory=dict)
    reminders: tuple[float, ...] = (0.5, 0.8)
    # What pauses the clock (names of PAUSES). None: the rule does not say — a rule of a policy
    # version adopted before rules said so, whose hearings paused the limit of their own stage.
    paused_by: tuple[str, ...] | None = None
    basis: str = ""  # the article or local rule the limit comes from, cited in the explanation
    # What keeps a dispute at the level of this (level) clock (names of KEEPS). None: the rule
    # does not say — an agreement only, as before rules said so.
    kept_by: tuple[str, ...] | None = None
    owed_by: tuple[str, ...] = ()  # the posts that owe the duty the clock keeps (a sweep's)

    def kept_at_level_by(self, what: str) -> bool:
        """Whether `what` (an agreement, a mediation session) before the due time keeps the
        dispute at this clock's level."""
        if self.kept_by is None:
            return what == "agreement"
        return what in self.kept_by

    def pauses_for(self, what: str) -> bool:
        """Whether `what` (a hearing) pauses this rule's clock."""
        if self.paused_by is None:
            return self.clock in PAUSES.get(what, frozenset())
        return what in self.paused_by

    def matches(self, attributes: Mapping[str, str]) -> bool:
        return all(attributes.get(k) == v for k, v in self.when.items())

    def describe(self) -> str:
        narrowed = "".join(f", {k} {v}" for k, v in sorted(self.when.items()))
        return f"{self.clock}{narrowed}: {self.amount} {self.unit.value.replace('_', ' ')}"

    def as_data(self) -> dict[str, Any]:
        return {
            "clock": self.clock,
            "amount": self.amount,
            "unit": self.unit.value,
            "when": dict(self.when),
            "reminders": list(self.reminders),
            **({} if self.paused_by is None else {"paused_by": list(self.paused_by)}),
            **({"basis": self.basis} if self.basis else {}),
            **({} if self.kept_by is None else {"kept_by": list(self.kept_by)}),
            **({"owed_by": list(self.owed_by)} if self.owed_by else {}),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Rule:
        return cls(
            data["clock"],
            int(data["amount"]),
            Unit(data["unit"]),
            dict(data.get("when", {})),
            tuple(float(r) for r in data.get("reminders", (0.5, 0.8))),
            None if data.get("paused_by") is None else tuple(data["paused_by"]),
            str(data.get("basis", "")),
            None if data.get("kept_by") is None else tuple(data["kept_by"]),
            tuple(data.get("owed_by", ())),
        )


@dataclass(frozen=True)
class PolicyVersion:
    version: str
    effective_from: datetime
    rules: tuple[Rule, ...]
    in_progress: InProgress = InProgress.AT_CLOCK_START

    def rule_for(self, clock: str, attributes: Mapping[str, str]) -> Rule | None:
        matching = [r for r in self.rules if r.clock == clock and r.matches(attributes)]
        return max(matching, key=lambda r: len(r.when), default=None)


def check_rules(rules: list[Rule]) -> list[str]:
    """What is wrong with a set of rules, one message per problem, by rule number. A version
    is whole: it gives at least one rule for every clock (a clock without a rule would not be
    kept at all)."""
    problems = []
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for i, rule in enumerate(rules, start=1):
        if rule.clock not in CLOCKS:
            problems.append(f"rule #{i}: unknown clock {rule.clock!r}; known: {', '.join(CLOCKS)}")
        if rule.amount < 0:
            problems.append(f"rule #{i}: amount must not be negative")
        if any(not 0 < r < 1 for r in rule.reminders):
            problems.append(f"rule #{i}: reminders are fractions of the period, between 0 and 1")
        for what in rule.paused_by or ():
            if what not in PAUSES:
                problems.append(f"rule #{i}: unknown pause {what!r}; known: {', '.join(PAUSES)}")
            elif rule.clock not in PAUSES[what]:
                problems.append(
                    f"rule #{i}: a {what} cannot pause {rule.clock}; "
                    f"it may pause {', '.join(sorted(PAUSES[what]))}"
                )
        for what in rule.kept_by or ():
            if what not in KEEPS:
                problems.append(f"rule #{i}: unknown kept_by {what!r}; known: {', '.join(KEEPS)}")
            elif rule.clock not in KEEPS[what]:
                problems.append(f"rule #{i}: {rule.clock} is not a level's clock that kept_by applies to")
        if rule.kept_by is not None and "agreement" not in rule.kept_by:
            problems.append(
                f'rule #{i}: kept_by must include "agreement": an agreement always settles the level'
            )
        if rule.owed_by and rule.clock not in OWED:
            problems.append(f"rule #{i}: owed_by applies only to {', '.join(sorted(OWED))}")
        if rule.clock == "sweep.cadence" and rule.unit == Unit.WORKING_DAYS:
            problems.append(f"rule #{i}: sweep.cadence counts in calendar days, hours, minutes or seconds")
        key = (rule.clock, tuple(sorted(rule.when.items())))
        if key in seen:
            problems.append(f"rule #{i}: a second rule for {rule.describe()}")
        seen.add(key)
    missing = sorted(set(CLOCKS) - OPTIONAL - {rule.clock for rule in rules})
    if missing:
        problems.append(f"no rule for {', '.join(missing)}: a policy version gives a rule for every clock")
    return problems
