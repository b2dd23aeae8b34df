"""A case's clocks: each time limit that runs on a case, recorded so that its due date can be
explained — when it started, by which rule of which policy version, on which calendar,
which days were skipped, every pause, extension and recomputation, and what happened when it
passed. The case's own stream records what people did; this stream records the time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.time.calendar import CHINA, CLOCK_UNITS, BusinessCalendar, Reckoning, Unit
from domain.time.policy import Rule

CLOCKS_NAMESPACE = uuid5(NAMESPACE_URL, "https://fengqiao.example/case-clocks")


def clocks_id(case_kind: str, case_id: UUID | str) -> UUID:
    return uuid5(CLOCKS_NAMESPACE, f"{case_kind}:{case_id}")


@dataclass
class ClockState:
    key: str
    clock: str
    node: str
    attributes: dict[str, str]
    started_at: datetime
    rule: dict[str, Any]
    policy_version: str
    calendar: str
    calendar_version: int
    due_at: datetime
    reminders_at: list[datetime]
    skipped: list[dict[str, str]]
    rolled_forward: bool
    unknown_years: list[int]
    status: str = "running"  # running | paused | held | stopped | missed
    paused_at: datetime | None = None
    pauses: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    extension_counts: list[dict[str, Any]] = field(default_factory=list)  # how each extended period counted
    recomputations: list[dict[str, Any]] = field(default_factory=list)
    reminders_sent: list[dict[str, Any]] = field(default_factory=list)
    # Reminders that fell due while the clock ran but were never sent, with why (the clock
    # stopped, or its due time came, before the workflow recorded them): never silently lost.
    reminders_skipped: list[dict[str, Any]] = field(default_factory=list)
    outcome: str | None = None
    ended_at: datetime | None = None
    settled: str | None = None  # what finally answered a missed deadline
    settled_at: datetime | None = None
    held: str | None = None  # why the due time's consequence waited for a calendar

    @property
    def overdue(self) -> bool:
        return self.status == "missed" and self.settled is None

    @property
    def open(self) -> bool:
        return self.status in ("running", "paused", "held")

    @property
    def provisional(self) -> bool:
        """Whether the count reaches into a year whose holiday notice is not loaded."""
        return bool(self.unknown_years)

    def reminder_at(self, fraction: float) -> datetime:
        """When the reminder at `fraction` of the rule's period comes, as the clock now stands."""
        return self.reminders_at[self.rule["reminders"].index(fraction)]

    def reminder_done(self, fraction: float) -> bool:
        """Whether the reminder at `fraction` was recorded, or recorded as skipped."""
        return any(r["fraction"] == fraction for r in [*self.reminders_sent, *self.reminders_skipped])

    def reminders_owed(self, by: datetime) -> list[tuple[float, datetime]]:
        """The reminders that came by `by`, before the due time, and were neither recorded nor
        skipped: what a clock ending at `by` owes its people an account of."""
        return [
            (fraction, at)
            for fraction, at in zip(self.rule["reminders"], self.reminders_at, strict=True)
            if at <= by and at < self.due_at and not self.reminder_done(fraction)
        ]

    def counts_through(self, year: int) -> bool:
        """Whether the local days the clock counts, from its start to its due time, reach
        into `year`, so that a change to that year's calendar can move its due time."""
        return self.started_at.astimezone(CHINA).year <= year <= self.due_at.astimezone(CHINA).year


def reckon_due(clock: ClockState, calendar: BusinessCalendar) -> tuple[Reckoning, datetime]:
    """The clock's due time on a calendar (see `reckon_period`). The reckoning returned first is
    the rule's alone, as the clock started."""
    rule = Rule.from_data(clock.rule)
    return calendar.reckon(clock.started_at, rule.amount, rule.unit), reckon_period(clock, calendar).due


def reckon_period(clock: ClockState, calendar: BusinessCalendar) -> Reckoning:
    """The whole period the clock now counts: the rule and its extension in the rule's unit as
    one period from the start (60 + 30 days from acceptance, Art. 34), so only the last day of
    the whole moves off a rest day; the days of its pauses not counted (a limit in hours moves
    by the pauses' length instead). An extension in another unit is counted on from there."""
    rule = Rule.from_data(clock.rule)
    paused = paused_days(clock.pauses)
    same = [e for e in clock.extensions if Unit(e["unit"]) == rule.unit]
    other = [e for e in clock.extensions if Unit(e["unit"]) != rule.unit]
    amount = rule.amount + sum(int(e["amount"]) for e in same)
    whole = calendar.reckon(clock.started_at, amount, rule.unit, paused)
    if rule.unit in CLOCK_UNITS:
        whole = replace(whole, due=whole.due + sum((p["to"] - p["from"] for p in clock.pauses), timedelta()))
    for extension in other:
        whole = calendar.reckon(whole.due, extension["amount"], Unit(extension["unit"]), paused)
    return whole


def _counted(reckoning: Reckoning) -> dict[str, Any]:
    """How a rule counted on a calendar, as a clock's events record it for the explanation."""
    return {
        "skipped": [{"day": s.day.isoformat(), "why": s.why} for s in reckoning.skipped],
        "rolled_forward": reckoning.rolled_forward,
        "unknown_years": list(reckoning.unknown_years),
    }


def reminder_moments(
    started_at: datetime,
    due_at: datetime,
    pauses: list[dict[str, Any]],
    fractions: Sequence[float],
) -> list[datetime]:
    """When a clock's reminders come: each at its fraction of the time the clock counts — from
    its start to its due time, less the time it was paused — with the pauses before it added
    back. So a pause, an extension or a recount moves the reminders with the due time (a
    reminder already recorded is not recorded again)."""
    spans = sorted((p["from"], p["to"]) for p in pauses)
    counting = due_at - started_at - sum((end - start for start, end in spans), timedelta())
    moments = []
    for fraction in fractions:
        at = started_at + counting * fraction
        for start, end in spans:
            if start <= at:
                at += end - start
        moments.append(at)
    return moments


def _reminders(clock: ClockState) -> list[datetime]:
    return reminder_moments(clock.started_at, clock.due_at, clock.pauses, clock.rule["reminders"])


def paused_days(pauses: list[dict[str, Any]]) -> frozenset[date]:
    """The local days a clock was paused on, each wholly not counted: a hearing held on a day
    takes that day out of the count."""
    days: set[date] = set()
    for pause in pauses:
        day, last = pause["from"].astimezone(CHINA).date(), pause["to"].astimezone(CHINA).date()
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


class CaseClocks(Aggregate):
    TOPIC = "fengqiao.clocks:CaseClocks"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """A case's clocks began to be kept."""

        TOPIC = "fengqiao.clocks:Opened"
        case_kind: str
        case_id: str

    Created = Opened

    class ClockStarted(Event):
        """A time limit began to run, with its due time and how that was reckoned."""

        TOPIC = "fengqiao.clocks:ClockStarted"
        key: str
        clock: str
        node: str
        attributes: dict[str, str]
        rule: dict[str, Any]
        policy_version: str
        calendar: str
        calendar_version: int
        due_at: datetime
        reminders_at: list[datetime]
        skipped: list[dict[str, str]]
        rolled_forward: bool
        unknown_years: list[int]

        def apply(self, c: CaseClocks) -> None:
            c.clocks[self.key] = ClockState(
                key=self.key,
                clock=self.clock,
                node=self.node,
                attributes=dict(self.attributes),
                started_at=self.effective_at,
                rule=self.rule,
                policy_version=self.policy_version,
                calendar=self.calendar,
                calendar_version=self.calendar_version,
                due_at=self.due_at,
                reminders_at=list(self.reminders_at),
                skipped=list(self.skipped),
                rolled_forward=self.rolled_forward,
                unknown_years=list(self.unknown_years),
            )

    class ReminderRecorded(Event):
        """The people responsible were reminded that a due time approaches."""

        TOPIC = "fengqiao.clocks:ReminderRecorded"
        key: str
        fraction: float
        due_at: datetime
        notify: list[str]

        def apply(self, c: CaseClocks) -> None:
            c.clocks[self.key].reminders_sent.append(
                {
                    "at": self.effective_at,
                    "recorded_at": self.timestamp,
                    "fraction": self.fraction,
                    "notify": self.notify,
                }
            )

    class ReminderSkipped(Event):
        """A reminder came while the clock ran but was not sent: the clock stopped, or its due
        time came, before it could be — recorded with why, so that no reminder owed is lost
        without a word. Its effective time is when the reminder came."""

        TOPIC = "fengqiao.clocks:ReminderSkipped"
        key: str
        fraction: float
        due_at: datetime
        reason: str

        def apply(self, c: CaseClocks) -> None:
            c.clocks[self.key].reminders_skipped.append(
                {
                    "at": self.effective_at,
                    "recorded_at": self.timestamp,
                    "fraction": self.fraction,
                    "reason": self.reason,
                }
            )

    class ClockPaused(Event):
        """The clock stopped counting (e.g. while a hearing is held)."""

        TOPIC = "fengqiao.clocks:ClockPaused"
        key: str
        reason: str

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.status, clock.paused_at = "paused", self.effective_at

    class ClockResumed(Event):
        """The clock counts again; its due time moved by the pause."""

        TOPIC = "fengqiao.clocks:ClockResumed"
        key: str
        paused_from: datetime
        due_at: datetime

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.pauses.append({"from": self.paused_from, "to": self.effective_at})
            clock.status, clock.paused_at, clock.due_at = "running", None, self.due_at
            clock.reminders_at = _reminders(clock)

    class ClockExtended(Event):
        """The time limit was extended, with approval and a reason. Version 2 counts the limit and
        its extension as one period from the start and says how that period counted (its days
        skipped, its last day and whether that moved off a rest day); version 1 records counted
        the extension on from the limit's due time, after its last day had moved off rest days."""

        TOPIC = "fengqiao.clocks:ClockExtended"
        class_version = 2
        key: str
        amount: int
        unit: str
        reason: str
        approved_by: str
        previous_due_at: datetime
        due_at: datetime
        counted: str  # "one_period" (v2) or "from_previous_due" (v1 records)
        skipped: list[dict[str, str]] | None
        rolled_forward: bool | None
        unknown_years: list[int] | None
        last_day: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["counted"] = "from_previous_due"
            state["skipped"] = state["rolled_forward"] = state["unknown_years"] = state["last_day"] = None

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.extensions.append(
                {
                    "amount": self.amount,
                    "unit": self.unit,
                    "reason": self.reason,
                    "approved_by": self.approved_by,
                    "at": self.effective_at,
                }
            )
            clock.extension_counts.append(
                {
                    "counted": self.counted,
                    "skipped": self.skipped,
                    "rolled_forward": self.rolled_forward,
                    "unknown_years": self.unknown_years,
                    "last_day": self.last_day,
                }
            )
            clock.due_at = self.due_at
            clock.reminders_at = _reminders(clock)

    class DueDateRecomputed(Event):
        """A calendar year loaded or corrected, or a policy that applies to running clocks,
        moved the due time; the old and the new are both kept, with how the rule now counts."""

        TOPIC = "fengqiao.clocks:DueDateRecomputed"
        class_version = 2
        key: str
        policy_version: str
        rule: dict[str, Any]
        calendar_version: int
        previous_due_at: datetime
        due_at: datetime
        reason: str
        # How the rule now counts on the calendar, as ClockStarted has it; None on version 1
        # records, which did not say (the clock's explanation then keeps what it had).
        skipped: list[dict[str, str]] | None
        rolled_forward: bool | None
        unknown_years: list[int] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["skipped"] = state["rolled_forward"] = state["unknown_years"] = None

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.recomputations.append(
                {
                    "at": self.effective_at,
                    "calendar_version": self.calendar_version,
                    "policy_version": self.policy_version,
                    "from": self.previous_due_at,
                    "to": self.due_at,
                    "reason": self.reason,
                }
            )
            clock.calendar_version, clock.due_at = self.calendar_version, self.due_at
            clock.policy_version, clock.rule = self.policy_version, self.rule
            if clock.status == "held":
                clock.status = "running"  # counted again: what follows is decided on the new count
            if self.skipped is not None:
                clock.skipped = list(self.skipped)
            if self.rolled_forward is not None:
                clock.rolled_forward = self.rolled_forward
            if self.unknown_years is not None:
                clock.unknown_years = list(self.unknown_years)
            clock.reminders_at = _reminders(clock)

    class DueTimeHeld(Event):
        """The due time came on a provisional count (a year whose holiday notice is not loaded):
        what would follow — concluding a petitioner's case — waits until the year is loaded and
        the clock counted again, since the notice may give more days."""

        TOPIC = "fengqiao.clocks:DueTimeHeld"
        key: str
        due_at: datetime
        reason: str

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.status, clock.held = "held", self.reason

    class DeadlineMissed(Event):
        """The due time passed with the clock still running; says what followed."""

        TOPIC = "fengqiao.clocks:DeadlineMissed"
        key: str
        due_at: datetime
        consequence: str

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.status, clock.outcome, clock.ended_at = "missed", self.consequence, self.effective_at

    class MissedDeadlineSettled(Event):
        """What was overdue was finally done, or no longer applies: the case left the overdue lists."""

        TOPIC = "fengqiao.clocks:MissedDeadlineSettled"
        key: str
        outcome: str

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.settled, clock.settled_at = self.outcome, self.effective_at

    class ClockStopped(Event):
        """The clock stopped before its due time: what it waited for happened, or no longer applies."""

        TOPIC = "fengqiao.clocks:ClockStopped"
        key: str
        outcome: str

        def apply(self, c: CaseClocks) -> None:
            clock = c.clocks[self.key]
            clock.status, clock.outcome, clock.ended_at = "stopped", self.outcome, self.effective_at

    def __init__(
        self, *, case_kind: str, case_id: str, actor: str, effective_at: datetime, command_id: str
    ) -> None:
        self.case_kind = case_kind
        self.case_id = case_id
        self.clocks: dict[str, ClockState] = {}

    @staticmethod
    def create_id(case_kind: str, case_id: str, **_: object) -> UUID:
        return clocks_id(case_kind, case_id)

    @classmethod
    def open(cls, case_kind: str, case_id: str, **stamp: Any) -> CaseClocks:
        return cls._create(cls.Opened, case_kind=case_kind, case_id=case_id, **stamp)

    # -- commands -------------------------------------------------------------

    def start(
        self,
        *,
        clock: str,
        node: str,
        attributes: dict[str, str],
        rule: Rule,
        policy_version: str,
        calendar: BusinessCalendar,
        **stamp: Any,
    ) -> ClockState:
        key = f"{clock}@{stamp['effective_at'].isoformat()}"
        if key in self.clocks:
            return self.clocks[key]
        reckoning = calendar.reckon(stamp["effective_at"], rule.amount, rule.unit)
        self.trigger_event(
            self.ClockStarted,
            key=key,
            clock=clock,
            node=node,
            attributes=dict(attributes),
            rule=rule.as_data(),
            policy_version=policy_version,
            calendar=calendar.region,
            calendar_version=calendar.version,
            due_at=reckoning.due,
            reminders_at=reminder_moments(reckoning.start, reckoning.due, [], rule.reminders),
            **_counted(reckoning),
            **stamp,
        )
        return self.clocks[key]

    def remind(self, *, key: str, fraction: float, notify: list[str], **stamp: Any) -> bool:
        clock = self._open(key, "remind")
        if clock.reminder_done(fraction):
            return False
        self.trigger_event(
            self.ReminderRecorded,
            key=key,
            fraction=fraction,
            due_at=clock.due_at,
            notify=sorted(notify),
            **stamp,
        )
        return True

    def skip_reminder(self, *, key: str, fraction: float, reason: str, **stamp: Any) -> bool:
        """Records that the reminder at `fraction` came but is not sent, and why."""
        clock = self._open(key, "skip a reminder")
        if clock.reminder_done(fraction):
            return False
        self.trigger_event(
            self.ReminderSkipped, key=key, fraction=fraction, due_at=clock.due_at, reason=reason, **stamp
        )
        return True

    def _account_for_reminders(self, clock: ClockState, by: datetime, reason: str, stamp: dict) -> None:
        """Before a clock ends at `by`: each reminder that came by then and was never recorded
        (its workflow learned of the clock late) is recorded as skipped, at the time it came."""
        for fraction, at in clock.reminders_owed(by):
            self.trigger_event(
                self.ReminderSkipped,
                key=clock.key,
                fraction=fraction,
                due_at=clock.due_at,
                reason=reason,
                **{**stamp, "effective_at": at},
            )

    def pause(self, *, key: str, reason: str, **stamp: Any) -> None:
        clock = self._open(key, "pause")
        if clock.status == "paused":
            raise TransitionNotAllowed("pause", "paused", ["resume"], "the clock is already paused")
        self.trigger_event(self.ClockPaused, key=key, reason=reason, **stamp)

    def resume(self, *, key: str, calendar: BusinessCalendar, **stamp: Any) -> None:
        clock = self._open(key, "resume")
        if clock.status != "paused" or clock.paused_at is None:
            raise TransitionNotAllowed("resume", clock.status, ["pause"], "the clock is not paused")
        pause = {"from": clock.paused_at, "to": stamp["effective_at"]}
        _, due = reckon_due(replace(clock, pauses=[*clock.pauses, pause]), calendar)
        self.trigger_event(self.ClockResumed, key=key, paused_from=clock.paused_at, due_at=due, **stamp)

    def extend(
        self,
        *,
        key: str,
        amount: int,
        unit: Unit,
        most: Rule | None,
        reason: str,
        approved_by: str,
        calendar: BusinessCalendar,
        **stamp: Any,
    ) -> None:
        clock = self._open(key, "extend")
        if clock.extensions:
            raise TransitionNotAllowed("extend", "extended once", [], "a time limit is extended at most once")
        if most is not None and (unit != most.unit or amount > most.amount):
            raise InvalidValue(
                "amount",
                "an extension is at most {amount} {unit}",
                amount=most.amount,
                unit=most.unit.value.replace("_", " "),
            )
        if amount <= 0:
            raise InvalidValue("amount", "an extension adds some time")
        if not reason.strip():
            raise InvalidValue("reason", "the reason is told to the petitioner")
        extended = replace(
            clock, extensions=[*clock.extensions, {"amount": amount, "unit": Unit(unit).value}]
        )
        whole = reckon_period(extended, calendar)
        self.trigger_event(
            self.ClockExtended,
            key=key,
            amount=amount,
            unit=Unit(unit).value,
            reason=reason.strip(),
            approved_by=approved_by,
            previous_due_at=clock.due_at,
            due_at=whole.due,
            counted="one_period",
            **_counted(whole),
            last_day=whole.last_day.isoformat() if whole.last_day else None,
            **stamp,
        )

    def recompute(
        self,
        *,
        key: str,
        rule: Rule,
        policy_version: str,
        calendar: BusinessCalendar,
        reason: str,
        **stamp: Any,
    ) -> bool:
        """Counts the clock again by the rule and calendar given; records only a change."""
        clock = self.clocks[key]
        if not clock.open or clock.calendar != calendar.region:
            return False
        if (clock.policy_version, clock.calendar_version) == (policy_version, calendar.version):
            return False
        recounted = ClockState(**{**clock.__dict__, "rule": rule.as_data()})
        base, due = reckon_due(recounted, calendar)
        self.trigger_event(
            self.DueDateRecomputed,
            key=key,
            policy_version=policy_version,
            rule=rule.as_data(),
            calendar_version=calendar.version,
            previous_due_at=clock.due_at,
            due_at=due,
            reason=reason,
            **_counted(base),
            **stamp,
        )
        return True

    def hold(self, *, key: str, reason: str, **stamp: Any) -> bool:
        clock = self.clocks.get(key)
        if clock is None or clock.status != "running":
            return False
        self.trigger_event(self.DueTimeHeld, key=key, due_at=clock.due_at, reason=reason, **stamp)
        return True

    def miss(self, *, key: str, consequence: str, **stamp: Any) -> bool:
        clock = self.clocks.get(key)
        if clock is None or not clock.open:
            return False
        self._account_for_reminders(
            clock, stamp["effective_at"], "the due time came before the reminder was recorded", stamp
        )
        self.trigger_event(
            self.DeadlineMissed, key=key, due_at=clock.due_at, consequence=consequence, **stamp
        )
        return True

    def settle(self, *, key: str, outcome: str, **stamp: Any) -> bool:
        clock = self.clocks.get(key)
        if clock is None or not clock.overdue:
            return False
        self.trigger_event(self.MissedDeadlineSettled, key=key, outcome=outcome, **stamp)
        return True

    def stop(self, *, key: str, outcome: str, **stamp: Any) -> bool:
        clock = self.clocks.get(key)
        if clock is None or not clock.open:
            return False
        self._account_for_reminders(
            clock,
            stamp["effective_at"],
            f"the clock stopped before the reminder was recorded ({outcome})",
            stamp,
        )
        self.trigger_event(self.ClockStopped, key=key, outcome=outcome, **stamp)
        return True

    # -- questions --------------------------------------------------------------

    def clock(self, key: str) -> ClockState:
        found = self.clocks.get(key)
        if found is None:
            raise InvalidValue("clock", "no clock {key!r} on this case", key=key)
        return found

    def overdue(self) -> list[ClockState]:
        return [c for c in self.clocks.values() if c.overdue]

    def running(self, clock: str | None = None) -> list[ClockState]:
        return [c for c in self.clocks.values() if c.open and (clock is None or c.clock == clock)]

    def _open(self, key: str, action: str) -> ClockState:
        clock = self.clock(key)
        if not clock.open:
            raise TransitionNotAllowed(action, clock.status, [], f"the clock {clock.clock} has ended")
        return clock


EVENT_CLASSES = (
    CaseClocks.Opened,
    CaseClocks.ClockStarted,
    CaseClocks.ReminderRecorded,
    CaseClocks.ReminderSkipped,
    CaseClocks.ClockPaused,
    CaseClocks.ClockResumed,
    CaseClocks.ClockExtended,
    CaseClocks.DueDateRecomputed,
    CaseClocks.DueTimeHeld,
    CaseClocks.DeadlineMissed,
    CaseClocks.MissedDeadlineSettled,
    CaseClocks.ClockStopped,
)
EVENT_TOPICS = tuple(e.TOPIC for e in EVENT_CLASSES)
