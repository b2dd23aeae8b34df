"""The deadline desk: starts, reminds, stops and explains the clocks that run on cases.

Every command here is the system's (the workflows call it through activities) and is
idempotent by a command id derived from the business fact — the case, the clock, the time
it started — so an activity run twice records once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.directory.access import RIGHTS, SYSTEM_ACTOR, Right
from domain.errors import CaseNotFound, InvalidValue, NoRule
from domain.time.calendar import DEFAULT_CALENDAR, Unit
from domain.time.clocks import CaseClocks, ClockState, clocks_id
from domain.time.policy import InProgress
from service.store import Stamp

if TYPE_CHECKING:
    from service.rulebook import RulebookDesk
    from service.store import CaseStore


class DeadlineDesk:
    def __init__(self, store: CaseStore, rulebook: RulebookDesk) -> None:
        self.cb = store
        self.rulebook = rulebook

    # -- the system's commands ----------------------------------------------------

    def start(
        self,
        case_kind: str,
        case_id: UUID | str,
        *,
        clock: str,
        node: str,
        attributes: dict[str, str],
        started_at: datetime,
        amount: int | None = None,
    ) -> ClockState:
        """Starts a clock by the rule in force when it starts, on that policy's calendar; `amount`,
        a shorter limit set within the rule's (a report-by the assigning office gave)."""
        book = self.rulebook.current()
        policy = book.policy_in_force(started_at)
        if policy is None:
            raise NoRule("clock", "no deadline policy is in force at {at}", at=started_at.isoformat())
        rule = policy.rule_for(clock, attributes)
        if rule is None:
            raise NoRule(
                "clock",
                "policy {version} has no rule for {clock} {attributes}",
                version=policy.version,
                clock=clock,
                attributes=attributes,
            )
        if amount is not None and amount != rule.amount:
            if not 1 <= amount <= rule.amount:
                raise InvalidValue(
                    "amount",
                    "{clock} is at most {amount} by policy {version}",
                    clock=clock,
                    amount=rule.amount,
                    version=policy.version,
                )
            rule = replace(
                rule,
                amount=amount,
                basis=f"{rule.basis}; set at {amount} of the policy's {rule.amount}".lstrip("; "),
            )
        calendar = book.calendar(DEFAULT_CALENDAR)
        stamp = self._stamp(f"clock:{case_kind}:{case_id}:{clock}:{started_at.isoformat()}", started_at)

        def decide(clocks: CaseClocks, s: Stamp) -> None:
            clocks.start(
                clock=clock,
                node=node,
                attributes=attributes,
                rule=rule,
                policy_version=policy.version,
                calendar=calendar,
                **s,
            )

        self._ensure(case_kind, case_id, started_at)
        clocks = self.cb.change(
            CaseClocks, clocks_id(case_kind, case_id), "clocks", "start_clock", stamp, decide
        )
        return clocks.clocks[f"{clock}@{started_at.isoformat()}"]

    def remind(
        self,
        case_kind: str,
        case_id: UUID | str,
        *,
        key: str,
        fraction: float,
        at: datetime,
        rights: frozenset[Right] = frozenset(),
        notify: list[str] | None = None,
        exclude: frozenset[str] = frozenset(),
    ) -> ClockState:
        """Records a reminder: to `notify` when the case names its people (a shift's leader),
        else to the people with one of `rights` at the clock's node and the node above it (the
        level that supervises it) — never to anyone in `exclude` (a person a petition accuses)."""

        def decide(clocks: CaseClocks, s: Stamp) -> bool:
            people = self.responsible(clocks.clock(key).node, rights) if notify is None else notify
            return clocks.remind(
                key=key, fraction=fraction, notify=[p for p in people if p not in exclude], **s
            )

        return self._on(
            case_kind, case_id, "remind", f"remind:{case_kind}:{case_id}:{key}:{fraction}", at, key, decide
        )

    def stop(
        self, case_kind: str, case_id: UUID | str, *, key: str, outcome: str, at: datetime
    ) -> ClockState:
        return self._on(
            case_kind,
            case_id,
            "stop_clock",
            f"stop:{case_kind}:{case_id}:{key}",
            at,
            key,
            lambda c, s: c.stop(key=key, outcome=outcome, **s),
        )

    def settle(
        self, case_kind: str, case_id: UUID | str, *, key: str, outcome: str, at: datetime
    ) -> ClockState:
        return self._on(
            case_kind,
            case_id,
            "settle_deadline",
            f"settle:{case_kind}:{case_id}:{key}",
            at,
            key,
            lambda c, s: c.settle(key=key, outcome=outcome, **s),
        )

    def miss(
        self, case_kind: str, case_id: UUID | str, *, key: str, consequence: str, at: datetime
    ) -> ClockState:
        return self._on(
            case_kind,
            case_id,
            "miss_deadline",
            f"miss:{case_kind}:{case_id}:{key}",
            at,
            key,
            lambda c, s: c.miss(key=key, consequence=consequence, **s),
        )

    def hold(self, case_kind: str, case_id: UUID | str, *, key: str, reason: str, at: datetime) -> ClockState:
        """The due time came on a provisional count: what follows waits for the year's notice."""
        return self._on(
            case_kind,
            case_id,
            "hold_due_time",
            f"hold:{case_kind}:{case_id}:{key}",
            at,
            key,
            lambda c, s: c.hold(key=key, reason=reason, **s),
        )

    def pause(
        self, case_kind: str, case_id: UUID | str, *, key: str, reason: str, at: datetime, command_id: str
    ) -> ClockState:
        return self._on(
            case_kind,
            case_id,
            "pause_clock",
            command_id,
            at,
            key,
            lambda c, s: c.pause(key=key, reason=reason, **s),
        )

    def resume(
        self, case_kind: str, case_id: UUID | str, *, key: str, at: datetime, command_id: str
    ) -> ClockState:
        def decide(clocks: CaseClocks, s: Stamp) -> None:
            clocks.resume(key=key, calendar=self.rulebook.current().calendar(clocks.clock(key).calendar), **s)

        return self._on(case_kind, case_id, "resume_clock", command_id, at, key, decide)

    def extend(
        self,
        case_kind: str,
        case_id: UUID | str,
        *,
        key: str,
        amount: int,
        unit: Unit,
        reason: str,
        approved_by: str,
        at: datetime,
        command_id: str,
    ) -> ClockState:
        """Extends a clock once, by at most what the policy's `<clock>` extension rule allows."""

        def decide(clocks: CaseClocks, s: Stamp) -> None:
            clock = clocks.clock(key)
            book = self.rulebook.current()
            policy = book.policy(clock.policy_version)
            most = policy.rule_for(f"{clock.clock.split('.')[0]}.extension", {}) if policy else None
            clocks.extend(
                key=key,
                amount=amount,
                unit=unit,
                most=most,
                reason=reason,
                approved_by=approved_by,
                calendar=book.calendar(clock.calendar),
                **s,
            )

        return self._on(case_kind, case_id, "extend_clock", command_id, at, key, decide)

    def recompute_open_clocks(
        self, *, reason: str, at: datetime, year: int | None = None
    ) -> list[tuple[str, str]]:
        """Counts every open clock again by the rulebook as it stands now: on its calendar's
        latest version, and by the latest policy where that policy says running clocks follow
        it. Given a `year` (a calendar year loaded or corrected), only the clocks counting
        through it. Returns the cases whose clocks moved, or whose due time had been held on a
        provisional count (it is decided now, on the new count). Idempotent: a clock already counted
        on these versions is left alone."""
        book = self.rulebook.current()
        # The policy in force now, not only at `at`: a recount the dispatcher replays from the log
        # (after `restore --fresh-temporal`) follows the policies adopted since, never an older one.
        latest = book.policy_in_force(max(at, self.cb.clock()))
        moved: list[tuple[str, str]] = []
        for stream in self._clock_streams():
            clocks = self.cb.load(CaseClocks, stream, "clocks")
            for clock in [
                c for c in clocks.clocks.values() if c.open and (year is None or c.counts_through(year))
            ]:
                policy = (
                    latest
                    if latest and latest.in_progress == InProgress.LATEST
                    else book.policy(clock.policy_version)
                )
                rule = policy.rule_for(clock.clock, clock.attributes) if policy else None
                if policy is None or rule is None:
                    continue
                calendar = book.calendar(clock.calendar)
                command_id = f"recompute:{stream}:{clock.key}:{policy.version}:{calendar.version}"
                changed = self.cb.change(
                    CaseClocks,
                    stream,
                    "clocks",
                    "recompute_clock",
                    self._stamp(command_id, at),
                    lambda c, s, key=clock.key, rule=rule, policy=policy, calendar=calendar: c.recompute(
                        key=key,
                        rule=rule,
                        policy_version=policy.version,
                        calendar=calendar,
                        reason=reason,
                        **s,
                    ),
                ).clock(clock.key)
                if changed.due_at != clock.due_at or clock.status == "held":
                    moved.append((clocks.case_kind, clocks.case_id))
        return sorted(set(moved))

    def _clock_streams(self) -> list[UUID]:
        found: list[UUID] = []
        position = 0
        while batch := self.cb.recorder.select_notifications(
            position, 1000, topics=[CaseClocks.Opened.TOPIC], inclusive_of_start=False
        ):
            found.extend(n.originator_id for n in batch)
            position = batch[-1].id
        return found

    # -- questions ------------------------------------------------------------------

    def clocks(self, case_kind: str, case_id: UUID | str) -> CaseClocks | None:
        try:
            return self.cb.load(CaseClocks, clocks_id(case_kind, case_id), "clocks")
        except CaseNotFound:
            return None

    def responsible(self, node: str, rights: frozenset[Right]) -> list[str]:
        """Who holds, at the node or the one above it, a post with one of the rights."""
        directory, now = self.cb.current_directory(), self.cb.clock()
        people = {
            t.person_id
            for code in directory.ancestors(node, now)[:2]
            for t in directory.holders(code, now)
            if RIGHTS[t.post] & rights
        }
        return sorted(people)

    # -- machinery --------------------------------------------------------------------

    def _stamp(self, command_id: str, at: datetime) -> Stamp:
        return Stamp(actor=SYSTEM_ACTOR, effective_at=at, command_id=command_id)

    def _ensure(self, case_kind: str, case_id: UUID | str, at: datetime) -> None:
        if self.clocks(case_kind, case_id) is None:
            try:
                self.cb.save(
                    CaseClocks.open(
                        case_kind,
                        str(case_id),
                        actor=SYSTEM_ACTOR,
                        effective_at=at,
                        command_id=f"clocks:{case_kind}:{case_id}",
                    )
                )
            except IntegrityError:
                pass  # opened meanwhile

    def _on(
        self,
        case_kind: str,
        case_id: UUID | str,
        action: str,
        command_id: str,
        at: datetime,
        key: str,
        decide: Callable[[CaseClocks, Stamp], Any],
    ) -> ClockState:
        clocks = self.cb.change(
            CaseClocks, clocks_id(case_kind, case_id), "clocks", action, self._stamp(command_id, at), decide
        )
        return clocks.clock(key)
