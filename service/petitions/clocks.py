"""The petition's time: the statutory chain (Regulations on Letters and Visits Work 2022,
Arts. 22, 23, 34–36) as clocks that run given what is true of the petition, and what follows
when one passes. The workflow asks (`sync`) after every change and at every due time (`due`);
both answer with the clocks now running, so the workflow holds no rules of its own.

Each clock starts when the petition entered the status it belongs to — the petitioner's
windows when they received the written answer (Arts. 35–36: 自收到书面答复之日起; none runs
before its receipt is recorded) — at the node whose people act on it (they and the node above
are reminded):

| status              | clock                       | node                 | when it passes           |
|---------------------|-----------------------------|----------------------|--------------------------|
| registered/objected | petition.route              | the node it concerns | overdue                  |
| routed              | petition.acceptance_notice  | the receiving body   | overdue                  |
| routed              | petition.objection          | the receiving body   | window closed, stopped   |
| accepted            | petition.handling           | the receiving body   | overdue                  |
| opinion given       | petition.review_request     | the node it concerns | concluded by the system  |
| review requested    | petition.review_decision    | the reviewing body   | overdue                  |
| reviewed            | petition.re_review_request  | the node it concerns | concluded by the system  |
| re-review requested | petition.re_review_decision | the re-reviewing body| overdue                  |

A hearing pauses the decision clock of its stage where the clock's rule says so (`paused_by`
in the policy: by default only the re-review limit, whose article does not count hearing time,
Art. 36); the one extension of handling extends the handling clock (Art. 34). Both are applied in the order
they happened, idempotently, from what the petition records. A stage the petition left only
after its due time is recorded as missed, not met, even when the workflow learns of both at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.petitions.petition import Petition, Status
from domain.time.calendar import Unit
from domain.time.clocks import ClockState
from domain.time.policy import Rule
from service.petitions.terms import (
    ACTING,
    AT_HOME,
    CLOCKS_OF,
    ENDED,
    KIND,
    MET,
    OBJECTION,
    OBJECTION_CLOSED,
    OVERDUE,
    PAUSED_BY,
    STAGES,
    WINDOWS,
    attributes,
    extension_rule,
    recorded,
    window_start,
)
from service.timekeeping import CaseTime, ClockPlan, departures, keep_in_step, start_planned

if TYPE_CHECKING:
    from service.deadlines import DeadlineDesk
    from service.petitions.desk import PetitionDesk
    from service.store import CaseStore

# at one moment, a hearing ends before an extension, which precedes a new hearing
_RESUME, _EXTEND, _PAUSE = 0, 1, 2


def _limit(clock: ClockState) -> str:
    rule = Rule.from_data(clock.rule)
    unit = rule.unit.value.replace("_", " ")
    text = f"{rule.amount} {unit[:-1] if rule.amount == 1 else unit}"
    for extension in clock.extensions:
        text += f", extended by {extension['amount']} {extension['unit'].replace('_', ' ')}"
    return text + (" (hearing time not counted)" if clock.pauses else "")


def _why_stopped(p: Petition, clock: ClockState) -> str:
    if p.status == Status.DIVERTED:
        return (
            f"ended: diverted to {p.diversion['procedure'].replace('_', ' ')}"
            if p.diversion
            else "ended: diverted"
        )
    objected = bool(p.objections) and p.objections[-1]["at"] >= clock.started_at
    if clock.clock == OBJECTION:
        return (
            "met: the receiving body objected" if objected else "ended: acceptance decided without objection"
        )
    if clock.clock == "petition.acceptance_notice":
        decision = "objected" if objected else (p.acceptance or {}).get("decision", "decided")
        return f"met: acceptance decided ({decision.replace('_', ' ')})"
    if clock.clock in WINDOWS and p.status == Status.CONCLUDED and p.conclusion:
        how = p.conclusion["how"]
        if how.endswith("_accepted"):
            return "ended: the petitioner accepted the answer"
        return f"window closed: no {WINDOWS[clock.clock][1]} requested; the petition is concluded"
    return MET.get(clock.clock, f"no longer applies: the petition is {p.status.value.replace('_', ' ')}")


def _held(clock: ClockState) -> str:
    years = ", ".join(map(str, clock.unknown_years))
    return (
        f"the petition is not concluded until the holiday notice for {years} is loaded and the window "
        "counted again (the notice may give the petitioner more days)"
    )


class PetitionClocks:
    """Keeps a petition's clocks in step with the petition."""

    def __init__(self, store: CaseStore, petitions: PetitionDesk, deadlines: DeadlineDesk) -> None:
        self.cb = store
        self.petitions = petitions
        self.deadlines = deadlines

    def sync(self, petition_id: UUID, episode: int) -> CaseTime:
        p = self.petitions.get(None, petition_id)
        ended = p.status in ENDED
        plans = [] if ended else self.required_clocks(p)
        self._start_passed(p)
        self._keep_counting(p)
        self._settle_left(p, {plan.key for plan in plans})
        return keep_in_step(
            self.deadlines,
            KIND,
            petition_id,
            version=p.version,
            ended=ended,
            plans=plans,
            changed_at=p.status_since,
            why_stopped=lambda clock: _why_stopped(p, clock),
        )

    def due(self, petition_id: UUID, episode: int, key: str, fraction: float | None) -> CaseTime:
        """A reminder time or a due time came for one of the petition's clocks. What the petition
        recorded meanwhile (a hearing, an extension) is counted first: when that moved or paused
        the clock, the moment has not come after all."""
        p = self.petitions.get(None, petition_id)
        before = recorded(self.deadlines, p.id, key)
        self._keep_counting(p)
        clock = recorded(self.deadlines, p.id, key)
        unchanged = (
            before is not None
            and clock is not None
            and before.status == clock.status == "running"
            and before.due_at == clock.due_at
        )
        if clock is not None and unchanged and key in {plan.key for plan in self.required_clocks(p)}:
            if fraction is not None:
                self._remind(p, clock, fraction)
            elif clock.clock in WINDOWS and clock.provisional:
                self.deadlines.hold(KIND, petition_id, key=key, reason=_held(clock), at=clock.due_at)
            elif clock.clock in WINDOWS:
                self.petitions.conclude_after_window(petition_id, clock=clock)
            elif clock.clock == OBJECTION:
                self.deadlines.stop(KIND, petition_id, key=key, outcome=OBJECTION_CLOSED, at=clock.due_at)
            else:
                self.deadlines.miss(
                    KIND, petition_id, key=key, consequence=self.overdue(clock), at=clock.due_at
                )
        return self.sync(petition_id, episode)

    # -- what the petition should have -------------------------------------------------

    def required_clocks(self, p: Petition) -> list[ClockPlan]:
        if p.status in ENDED:
            return []
        plans = []
        for clock in CLOCKS_OF[p.status]:
            since = window_start(p, clock) if clock in WINDOWS else p.status_since
            if since is not None:  # a window waits for the answer's receipt
                plans.append(ClockPlan(clock, self.node_of(p, clock), attributes(p), since))
        return plans

    def node_of(self, p: Petition, clock: str) -> str:
        """Where the people who act on the clock are: the node the petition concerns for routing
        and for recording the petitioner's requests, else the body that decides."""
        desk = self.petitions
        if clock in AT_HOME:
            return p.node
        if clock == "petition.review_decision":
            return desk.reviewing_body(p)
        if clock == "petition.re_review_decision":
            return desk.re_reviewing_body(p)
        return desk.handling_body(p)

    @staticmethod
    def overdue(clock: ClockState) -> str:
        return f"overdue at {clock.node}: {OVERDUE[clock.clock]} within {_limit(clock)}"

    def _start_passed(self, p: Petition) -> None:
        """Starts the clocks of stages the petition passed through between two syncs (the
        worker was down, or two steps came at once): each is then counted and settled like any
        other — met or missed by when the petition left the stage — so no stage goes unclocked."""
        found = self.deadlines.clocks(KIND, p.id)
        known = set(found.clocks) if found else set()
        for key, passed in departures(
            self.cb.history(p.id, p.version), self.required_clocks, lambda *_: ""
        ).items():
            if key not in known:
                start_planned(self.deadlines, KIND, p.id, passed.plan)

    # -- hearings and the extension ----------------------------------------------------------

    def _keep_counting(self, p: Petition) -> None:
        """Applies the hearings (pause, resume) and the extension the petition recorded to the
        open clock of their stage, in the order they happened; each step once."""
        found = self.deadlines.clocks(KIND, p.id)
        for clock in found.running() if found else []:
            left = _left_at(p, clock)
            for _, kind, hearing in _counting_steps(p, clock, left):
                clock = self._count(p, clock, kind, hearing)

    def _count(self, p: Petition, clock: ClockState, kind: int, hearing: int) -> ClockState:
        desk = self.deadlines
        if kind == _EXTEND:
            return self._extend(p, clock)
        held = p.hearings[hearing]
        if kind == _PAUSE:
            if clock.status != "running" or held["started_at"] >= clock.due_at:
                return clock  # a hearing after the due time does not save a deadline already passed
            return desk.pause(
                KIND,
                p.id,
                key=clock.key,
                reason=f"hearing held by {held['body']}",
                at=held["started_at"],
                command_id=f"hearing:{p.id}:{hearing}:pause:{clock.key}",
            )
        if clock.status != "paused" or clock.paused_at != held["started_at"]:
            return clock
        return desk.resume(
            KIND,
            p.id,
            key=clock.key,
            at=held["ended_at"],
            command_id=f"hearing:{p.id}:{hearing}:resume:{clock.key}",
        )

    def _extend(self, p: Petition, clock: ClockState) -> ClockState:
        extension = p.extension
        if (
            extension is None
            or clock.extensions
            or clock.status != "running"
            or extension["at"] > clock.due_at
        ):
            return clock
        rule = extension_rule(self.deadlines, clock.policy_version, clock.started_at)
        if rule is not None and extension["days"] > rule.amount:
            return clock  # the desk refuses this; the workflow is never stuck on it
        reason = "withheld: see the petition" if p.is_accusation else extension["reason"]
        return self.deadlines.extend(
            KIND,
            p.id,
            key=clock.key,
            amount=extension["days"],
            unit=rule.unit if rule else Unit.CALENDAR_DAYS,
            reason=reason,
            approved_by=extension["approved_by"],
            at=extension["at"],
            command_id=f"extension:{p.id}:{clock.key}",
        )

    # -- clocks whose stage the petition left --------------------------------------------------

    def _settle_left(self, p: Petition, wanted: set[str]) -> None:
        """Ends each open clock whose stage the petition left: met or no longer needed when it
        left in time; missed (or, for the objection window, closed) when it left after the due
        time, which the workflow had not yet recorded."""
        desk = self.deadlines
        found = desk.clocks(KIND, p.id)
        for clock in found.running() if found else []:
            if clock.key in wanted:
                continue
            left = _left_at(p, clock) or p.status_since
            if left > clock.due_at and clock.clock in OVERDUE:
                desk.miss(KIND, p.id, key=clock.key, consequence=self.overdue(clock), at=clock.due_at)
            elif left > clock.due_at and clock.clock == OBJECTION:
                desk.stop(KIND, p.id, key=clock.key, outcome=OBJECTION_CLOSED, at=clock.due_at)
            else:
                desk.stop(
                    KIND, p.id, key=clock.key, outcome=_why_stopped(p, clock), at=max(left, clock.started_at)
                )

    # -- reminders ----------------------------------------------------------------------

    def _remind(self, p: Petition, clock: ClockState, fraction: float) -> None:
        """Records a reminder to the people who act at the clock's node and the node above —
        never to a person the petition accuses (recusal). Its moment never falls in a past
        hearing: the reminders move with the pauses (`domain.time.clocks.reminder_moments`)."""
        recused = frozenset({p.accused_person_id} - {None})
        self.deadlines.remind(
            KIND,
            p.id,
            key=clock.key,
            fraction=fraction,
            at=clock.reminder_at(fraction),
            rights=ACTING,
            exclude=recused,
        )


def _left_at(p: Petition, clock: ClockState) -> datetime | None:
    """When the petition left the stage the clock belongs to, if it has."""
    for status in STAGES[clock.clock]:
        left = p.left_status_at(status, clock.started_at)
        if left is not None:
            return left
    return None


def _counting_steps(p: Petition, clock: ClockState, left: datetime | None) -> list[tuple[datetime, int, int]]:
    """The hearings and the extension that count on this clock, as (moment, step, hearing)."""
    steps = []
    paused = Rule.from_data(clock.rule).pauses_for("hearing")  # the policy says, by the limit's article
    for i, held in enumerate(p.hearings):
        if not paused or PAUSED_BY[held["stage"]] != clock.clock or held["started_at"] < clock.started_at:
            continue
        if left is not None and held["started_at"] > left:
            continue
        steps.append((held["started_at"], _PAUSE, i))
        if held["ended_at"] is not None:
            steps.append((held["ended_at"], _RESUME, i))
    extension = p.extension
    if clock.clock == "petition.handling" and extension and clock.started_at <= extension["at"]:
        steps.append((extension["at"], _EXTEND, -1))
    return sorted(steps)
