"""Sweeps on cadence: which units owe one for the period now running (by the policy in force:
`sweep.cadence` and `sweep.due` by level, whose `owed_by` names the posts that owe it), opening
them, recording findings or a zero-report, and the deadline clock's miss.

A unit owes a sweep when the policy gives its level a cadence: every active grid (level
"grid") and every active village (level "village", its workstation). A sweep opens at its
period's start, however late the round that opens it runs, so its due time is the policy's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.directory.access import SYSTEM_ACTOR, Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import CaseNotFound, InvalidValue
from domain.sweeps.sweep import Sweep, SweepStatus, period_start, sweep_id
from domain.time.calendar import CLOCK_UNITS, Unit
from domain.time.clocks import CaseClocks, ClockState, clocks_id
from domain.time.policy import PolicyVersion, Rule
from service.kinds import SWEEP
from service.store import NO_META, CommandMeta, Stamp

if TYPE_CHECKING:
    from service.rulebook import RulebookDesk
    from service.store import CaseStore

CADENCE, DUE = "sweep.cadence", "sweep.due"
LEVELS = {"grid": NodeKind.GRID, "village": NodeKind.VILLAGE}
ROUND_ACTOR = "system:sweep-round"
RECENT = 6  # periods shown in a unit's row of the board


@dataclass(frozen=True)
class Owed:
    """What a level owes by a policy: a sweep every `step`, by the posts `owed_by`."""

    level: str
    step: timedelta
    owed_by: tuple[str, ...]
    policy: str


def step_of(rule: Rule) -> timedelta:
    if rule.unit in CLOCK_UNITS:
        return timedelta(**{rule.unit.value: rule.amount})
    if rule.unit == Unit.CALENDAR_DAYS:
        return timedelta(days=rule.amount)
    raise InvalidValue("sweep.cadence", "a sweep cadence counts in calendar days, hours, minutes or seconds")


def owed(policy: PolicyVersion | None) -> list[Owed]:
    """The levels that owe sweeps by the policy, with their cadence and posts."""
    found = []
    for level in LEVELS:
        cadence = policy.rule_for(CADENCE, {"level": level}) if policy else None
        due = policy.rule_for(DUE, {"level": level}) if policy else None
        if policy is None or cadence is None or due is None or cadence.amount <= 0:
            continue
        found.append(Owed(level, step_of(cadence), due.owed_by, policy.version))
    return found


class SweepDesk:
    def __init__(self, store: CaseStore, rulebook: RulebookDesk) -> None:
        self.cb = store
        self.rulebook = rulebook
        store.guard(Sweep, lambda s: s.node)

    # -- the round ----------------------------------------------------------------------

    def owed_at(self, at: datetime) -> list[Owed]:
        return owed(self.rulebook.current().policy_in_force(at))

    def next_round(self, at: datetime) -> datetime | None:
        """When the next period of any level begins after `at` (none when no sweeps are owed)."""
        starts = [period_start(at, o.step) + o.step for o in self.owed_at(at)]
        return min(starts, default=None)

    def open_round(self, at: datetime) -> list[Sweep]:
        """Opens the sweep of every unit that owes one for the period running at `at`.
        Idempotent: a unit's sweep of a period is opened once, whoever asks how often."""
        tree = self.cb.current_directory()
        opened = []
        for o in self.owed_at(at):
            start = period_start(at, o.step)
            for code, record in sorted(tree.nodes.items()):
                if record.kind != LEVELS[o.level] or not record.active_at(start):
                    continue
                village = (
                    code if o.level == "village" else tree.ancestor_of_kind(code, NodeKind.VILLAGE, start)
                )
                opened.append(self._open(code, o, start, village))
        return opened

    def _open(self, node: str, o: Owed, start: datetime, village: str | None) -> Sweep:
        stamp = Stamp(
            actor=ROUND_ACTOR, effective_at=start, command_id=f"sweep-open:{node}:{start.isoformat()}"
        )
        return self.cb.create(
            "open_sweep",
            stamp,
            lambda: Sweep.open(
                node=node,
                level=o.level,
                village=village,
                period_start=start,
                period_end=start + o.step,
                owed_by=list(o.owed_by),
                policy_version=o.policy,
                **stamp,
            ),
            Sweep,
            "sweep",
        )

    # -- the member's commands ---------------------------------------------------------

    def record_findings(
        self, actor: str, sweep_id: UUID, *, findings: str, cases: list[str], meta: CommandMeta = NO_META
    ) -> Sweep:
        for case in cases:
            self._check_case(actor, case)

        def decide(s: Sweep, stamp: Stamp) -> list[CaseClocks]:
            s.record_findings(findings=findings, cases=cases, **stamp)
            return self._settled_late(s, stamp)

        return self._as_member(actor, sweep_id, "record_findings", decide, meta)

    def report_zero(
        self, actor: str, sweep_id: UUID, *, note: str = "", meta: CommandMeta = NO_META
    ) -> Sweep:
        def decide(s: Sweep, stamp: Stamp) -> list[CaseClocks]:
            s.report_zero(note=note, **stamp)
            return self._settled_late(s, stamp)

        return self._as_member(actor, sweep_id, "report_zero", decide, meta)

    def _as_member(self, actor: str, sweep_id: UUID, action: str, decide: Any, meta: CommandMeta) -> Sweep:
        sweep = self.cb.read(Sweep, sweep_id, "sweep", actor)
        stamp = self.cb.stamp(actor, meta)
        self.cb.authorise(actor, Right.REPORT_RISK, sweep.node, meta, action)
        return self.cb.change(Sweep, sweep_id, "sweep", action, stamp, decide, meta)

    def _settled_late(self, sweep: Sweep, stamp: Stamp) -> list[CaseClocks]:
        """A missed sweep recorded late settles its missed deadline, in the same transaction."""
        if not sweep.late:
            return []
        try:
            clocks = self.cb.load(CaseClocks, clocks_id(SWEEP, sweep.id), "clocks")
        except CaseNotFound:
            return []
        for clock in clocks.overdue():
            clocks.settle(key=clock.key, outcome=f"recorded late by {stamp['actor']}", **stamp)
        return [clocks]

    def _check_case(self, actor: str, case: str) -> None:
        """A dispute or incident the member may read (another is, to them, not on record)."""
        try:
            found = self.cb.repository.get(UUID(case))
            self.cb.require_readable(actor, found, "case")
        except (ValueError, AggregateNotFoundError, CaseNotFound):
            found = None
        if found is None or type(found).__name__ not in ("Dispute", "Incident"):
            raise InvalidValue("cases", "{case!r} is not a dispute or an incident on record", case=case)

    # -- the deadline clock ------------------------------------------------------------

    def record_missed_for_deadline(self, sweep_id: UUID, *, clock: ClockState) -> Sweep:
        """Neither findings nor a zero-report by the due time: the sweep is missed, with the
        missed deadline, in one transaction. Idempotent by the sweep and the due time."""

        def decide(s: Sweep, stamp: Stamp) -> bool | list[CaseClocks]:
            if s.status != SweepStatus.OPEN:
                return False
            s.record_missed(due_at=clock.due_at, **stamp)
            clocks = self.cb.load(CaseClocks, clocks_id(SWEEP, sweep_id), "clocks")
            missed = clocks.miss(key=clock.key, consequence="the sweep was recorded missed", **stamp)
            return [clocks] if missed else True

        stamp = Stamp(
            actor=SYSTEM_ACTOR, effective_at=clock.due_at, command_id=f"deadline:{sweep_id}:{clock.key}"
        )
        return self.cb.change(Sweep, sweep_id, "sweep", "record_sweep_missed_for_deadline", stamp, decide)

    # -- questions ---------------------------------------------------------------------

    def sweep(self, reader: str | None, sweep_id: UUID) -> Sweep:
        return self.cb.read(Sweep, sweep_id, "sweep", reader)

    def find(self, node: str, start: datetime) -> Sweep | None:
        try:
            return self.cb.load(Sweep, sweep_id(node, start), "sweep")
        except CaseNotFound:
            return None

    def recent(self, node: str, level: str, at: datetime, periods: int = RECENT) -> list[Sweep]:
        """The unit's sweeps of the last `periods` periods up to `at`, newest first."""
        found = [o for o in self.owed_at(at) if o.level == level]
        if not found:
            return []
        step, start = found[0].step, period_start(at, found[0].step)
        sweeps = (self.find(node, start - i * step) for i in range(periods))
        return [s for s in sweeps if s is not None]

    def mine(self, person: str, at: datetime) -> list[Sweep]:
        """The sweeps the person owes through a post held now: the current period's and the
        missed ones not yet recorded, of each unit where they hold an owing post."""
        tree = self.cb.current_directory()
        found: list[Sweep] = []
        for tenure in tree.posts_of(person, at):
            record = tree.node(tenure.node)
            level = next((lv for lv, kind in LEVELS.items() if record and record.kind == kind), None)
            if level is None:
                continue
            for sweep in self.recent(tenure.node, level, at):
                due_now = sweep.period_start <= at < sweep.period_end
                if tenure.post.value in sweep.owed_by and (due_now or sweep.status == SweepStatus.MISSED):
                    found.append(sweep)
        return list({s.id: s for s in found}.values())

    def board(self, reader: str, node: str, at: datetime) -> list[tuple[str, str, list[Sweep]]]:
        """Per unit under `node` that owes sweeps (grids and villages): its code, level and recent sweeps."""
        self.cb.authorise(reader, Right.READ, node)
        tree = self.cb.current_directory()
        rows = []
        for code in tree.descendants(node, at):
            record = tree.node(code)
            level = next((lv for lv, kind in LEVELS.items() if record and record.kind == kind), None)
            if level is not None:
                rows.append((code, level, self.recent(code, level, at)))
        if not rows and tree.node(node) is None:
            raise CaseNotFound("node", node)
        return rows
