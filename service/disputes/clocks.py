"""The dispute's time: which clocks run on it given what is true of it, and what follows when
one passes. The workflow asks (`sync`) after every change and at every due time (`due`);
both answer with the clocks now running, so the workflow holds no rules of its own.

- Open at a level (grid, village, township): that level's limit, from when the dispute
  reached the level. Passing it at grid or village sends the dispute one level up; at the
  township it is recorded as overdue, to be referred out. An agreement before the due time
  meets it; a mediation session held at the level (and not failed) meets it only where the
  level's rule is `kept_by` "mediation_session" — the shipped policy's are not: a session,
  even adjourned, leaves the dispute to go up when the time is out.
- A major dispute is filed with the township at once.
- A written agreement reached: until every party has signed it and the committee has sealed
  it (Arts. 28-29) — until then it is not in effect and the dispute is not resolved. Passing
  it is recorded as missed, and the mediators and the committee's chair are reminded before.
- An agreement in effect: the follow-up visit limit; a written one also the judicial
  confirmation window (which closes, and is recorded as closed, rather than being missed).

A clock the dispute left stops when the dispute left it, read from its history: met when that
was by the due time, late when after it (the workflow had not yet acted on the due time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from domain.directory.access import Right
from domain.disputes.dispute import ONGOING, AgreementForm, Dispute, Level, Severity, Status
from domain.time.policy import Rule
from service.kinds import DISPUTE
from service.timekeeping import CaseTime, ClockPlan, departures, keep_in_step

if TYPE_CHECKING:
    from service.deadlines import DeadlineDesk
    from service.disputes.desk import DisputeDesk
    from service.store import CaseStore

KIND = DISPUTE
LADDER = {"dispute.grid": Level.GRID, "dispute.village": Level.VILLAGE}
LEVEL_CLOCKS = {f"dispute.{level.value}" for level in Level}
ACTING = frozenset({Right.MEDIATE, Right.ACCEPT_DISPUTE})  # who is reminded
REMINDED = {"dispute.agreement_in_effect": frozenset({Right.MEDIATE, Right.SEAL_AGREEMENT})}


def required_clocks(d: Dispute, level_node: str) -> list[ClockPlan]:
    attributes = {"severity": d.severity.value, "category": d.category.value, "level": d.level.value}
    if d.status in ONGOING:
        return [ClockPlan(f"dispute.{d.level.value}", level_node, attributes, d.level_since)]
    if d.agreement_pending and d.agreement:
        return [ClockPlan("dispute.agreement_in_effect", level_node, attributes, d.agreement["reached_at"])]
    since = d.agreement_in_effect_since
    if d.status != Status.AGREEMENT_REACHED or since is None:
        return []
    plans = []
    if not any(visit["at"] >= since for visit in d.follow_ups):
        plans.append(ClockPlan("dispute.follow_up", level_node, attributes, since))
    if d.agreement and d.agreement["form"] == AgreementForm.WRITTEN and not d.judicial_confirmation_requested:
        plans.append(ClockPlan("dispute.judicial_confirmation", level_node, attributes, since))
    return plans


def _why_stopped(d: Dispute, clock: str) -> str:
    """Why `clock` no longer runs, from the dispute as it stood when it left the clock."""
    if clock in LEVEL_CLOCKS:
        if d.status == Status.AGREEMENT_REACHED:
            return f"met: agreement reached at {d.level.value} level"
        if d.status in ONGOING:
            return f"left the level: now at {d.level.value} level"
        return f"ended: the dispute is {d.status.value.replace('_', ' ')}"
    if clock == "dispute.agreement_in_effect" and d.agreement_in_effect_since is not None:
        return "met: every party signed and the committee sealed the agreement"
    if clock == "dispute.follow_up" and d.follow_ups:
        return "met: follow-up visit made"
    if clock == "dispute.judicial_confirmation" and d.judicial_confirmation_requested:
        return "met: judicial confirmation requested"
    return f"no longer applies: the dispute is {d.status.value.replace('_', ' ')}"


class DisputeClocks:
    """Keeps a dispute's clocks in step with the dispute."""

    def __init__(self, store: CaseStore, disputes: DisputeDesk, deadlines: DeadlineDesk) -> None:
        self.cb = store
        self.disputes = disputes
        self.deadlines = deadlines

    def kept_by_session(self, d: Dispute) -> set[str]:
        """The running level clocks a mediation session held at the level before their due time
        meets, where their rule says a session keeps the dispute there (`kept_by`)."""
        if d.status not in (Status.OPEN, Status.ACCEPTED) or d.first_session_at_level is None:
            return set()
        clocks = self.deadlines.clocks(KIND, d.id)
        return {
            c.key
            for c in (clocks.running() if clocks else [])
            if c.clock == f"dispute.{d.level.value}"
            and d.first_session_at_level <= c.due_at
            and Rule.from_data(c.rule).kept_at_level_by("mediation_session")
        }

    def sync(self, dispute_id: UUID, episode: int) -> CaseTime:
        d = self.disputes.get(None, dispute_id)
        superseded = d.reopenings != episode
        ended = superseded or d.status not in ONGOING | {Status.AGREEMENT_REACHED}
        if not ended and d.severity == Severity.MAJOR and not d.filed_with_township:
            self.disputes.file_major_dispute(dispute_id, at=d.reported_at)
        level_node, kept = self.disputes.level_node(d), self.kept_by_session(d)
        return keep_in_step(
            self.deadlines,
            KIND,
            dispute_id,
            version=d.version,
            ended=ended,
            plans=[p for p in ([] if ended else required_clocks(d, level_node)) if p.key not in kept],
            changed_at=d.changed_at,
            why_stopped=lambda c: (
                "superseded: the dispute was reopened"
                if superseded
                else f"met: a mediation session was held at {d.level.value} level, which keeps it there"
                if c.key in kept
                else "no longer applies"
            ),
            departed=lambda: departures(
                self.cb.history(dispute_id, d.version),
                lambda then: required_clocks(then, self.disputes.level_node(then)),
                _why_stopped,
            ),
        )

    def due(self, dispute_id: UUID, episode: int, key: str, fraction: float | None) -> CaseTime:
        """A reminder time or a due time came for one of the dispute's clocks."""
        clocks = self.deadlines.clocks(KIND, dispute_id)
        clock = clocks.clock(key) if clocks else None
        if clock is not None and clock.open:
            if fraction is not None:
                self.deadlines.remind(
                    KIND,
                    dispute_id,
                    key=key,
                    fraction=fraction,
                    at=clock.reminder_at(fraction),
                    rights=REMINDED.get(clock.clock, ACTING),
                )
            elif clock.clock in LADDER and key in self.kept_by_session(self.disputes.get(None, dispute_id)):
                pass  # met by the session: the sync below stops it
            elif clock.clock in LADDER:
                self.disputes.escalate_for_missed_deadline(
                    dispute_id, from_level=LADDER[clock.clock], clock=clock
                )
            elif clock.clock == "dispute.township":
                self.deadlines.miss(
                    KIND,
                    dispute_id,
                    key=key,
                    at=clock.due_at,
                    consequence="overdue at township level: to be referred out",
                )
            elif clock.clock == "dispute.agreement_in_effect":
                self.deadlines.miss(
                    KIND,
                    dispute_id,
                    key=key,
                    at=clock.due_at,
                    consequence="the written agreement was not signed by every party and sealed in time: "
                    "it is not in effect",
                )
            elif clock.clock == "dispute.follow_up":
                self.deadlines.miss(
                    KIND,
                    dispute_id,
                    key=key,
                    at=clock.due_at,
                    consequence="the follow-up visit was not made in time",
                )
            elif clock.clock == "dispute.judicial_confirmation":
                self.deadlines.stop(
                    KIND,
                    dispute_id,
                    key=key,
                    at=clock.due_at,
                    outcome="window closed: judicial confirmation was not requested",
                )
        return self.sync(dispute_id, episode)
