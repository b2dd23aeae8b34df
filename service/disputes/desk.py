"""Commands on disputes: who may do what, at which node, and the deadline clock's escalation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.directory.access import SYSTEM_ACTOR, Post, Right
from domain.directory.jurisdiction import NodeKind
from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    EscalationTrigger,
    Level,
    Performance,
    ReferralRoute,
    Remedy,
    Satisfaction,
    SessionOutcome,
    Severity,
    Source,
)
from domain.errors import AccessDenied, InvalidValue
from domain.time.clocks import CaseClocks, ClockState, clocks_id
from domain.time.policy import Rule
from service.kinds import DISPUTE
from service.store import NO_META, CommandMeta, Stamp

if TYPE_CHECKING:
    from service.store import CaseStore

RIGHT_FOR: dict[str, Right] = {
    "accept": Right.ACCEPT_DISPUTE,
    "hold_mediation_session": Right.MEDIATE,
    "refuse_mediation": Right.MEDIATE,
    "reach_agreement": Right.MEDIATE,
    "sign_agreement": Right.MEDIATE,
    "seal_agreement": Right.SEAL_AGREEMENT,
    "make_follow_up_visit": Right.MEDIATE,
    "request_judicial_confirmation": Right.MEDIATE,
    "escalate": Right.ESCALATE,
    "refer_out": Right.REFER_OUT,
    "file_with_township": Right.ESCALATE,
    "report_risk_to_police": Right.REPORT_RISK,
    "convert_to_criminal_case": Right.REPORT_RISK,
    "close": Right.CLOSE_CASE,
    "reopen": Right.CLOSE_CASE,
    "mark_duplicate": Right.CLOSE_CASE,
}
SOURCE_OF_POST = {
    Post.GRID_MEMBER: Source.GRID_MEMBER,
    Post.MEDIATOR: Source.MEDIATOR,
    Post.MEDIATION_CHAIR: Source.MEDIATOR,
    Post.WORKSTATION_STAFF: Source.WORKSTATION,
    Post.PATROL_MEMBER: Source.PATROL,
    Post.PATROL_LEADER: Source.PATROL,
}


def _human(rule: Rule) -> str:
    unit = rule.unit.value.replace("_", " ")
    return f"{rule.amount} {unit[:-1] if rule.amount == 1 else unit}"


class DisputeDesk:
    def __init__(self, store: CaseStore) -> None:
        self.cb = store
        store.guard(Dispute, self.home_node)

    # -- reporting --------------------------------------------------------------

    def report(
        self,
        actor: str,
        *,
        grid: str | None = None,
        village: str | None = None,
        parties: Sequence[dict[str, Any]],
        category: Category,
        severity: Severity,
        description: str,
        occurred_at: datetime,
        source: Source | None = None,
        source_ref: str | None = None,
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        """Reports a dispute at a grid (it starts at grid level) or at a village."""
        if (grid is None) == (village is None):
            raise InvalidValue("grid", "give either a grid or a village")
        directory, now = self.cb.current_directory(), self.cb.clock()
        if grid is not None:
            directory.require_node(grid, NodeKind.GRID, "grid", now)
            village = directory.ancestor_of_kind(grid, NodeKind.VILLAGE, now)
        else:
            directory.require_node(village or "", NodeKind.VILLAGE, "village", now)
        tenure = self.cb.authorise_in(
            directory, actor, Right.REPORT_DISPUTE, grid or village or "", meta, "report_dispute"
        )
        stamp = self.cb.stamp(actor, meta)
        return self.cb.create(
            "report_dispute",
            stamp,
            lambda: Dispute.report(
                village=village or "",
                grid=grid,
                parties=parties,
                category=category,
                severity=severity,
                description=description,
                occurred_at=occurred_at,
                source=source or SOURCE_OF_POST.get(tenure.post, Source.WORKSTATION),
                source_ref=source_ref,
                **stamp,
            ),
            Dispute,
            "dispute",
            meta=meta,
        )

    # -- commands on a dispute ----------------------------------------------------

    def accept(self, actor: str, dispute_id: UUID, meta: CommandMeta = NO_META) -> Dispute:
        return self._act(actor, dispute_id, "accept", meta, lambda d, s: d.accept(**s))

    def hold_mediation_session(
        self,
        actor: str,
        dispute_id: UUID,
        *,
        outcome: SessionOutcome,
        notes: str = "",
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "hold_mediation_session",
            meta,
            lambda d, s: d.hold_mediation_session(mediator=actor, outcome=outcome, notes=notes, **s),
        )

    def refuse_mediation(
        self, actor: str, dispute_id: UUID, *, party: str, reason: str = "", meta: CommandMeta = NO_META
    ) -> Dispute:
        """`party` is the refusing party's id in the dispute (`p1`, `p2`, …)."""
        return self._act(
            actor,
            dispute_id,
            "refuse_mediation",
            meta,
            lambda d, s: d.refuse_mediation(party=party, reason=reason, **s),
        )

    def reach_agreement(
        self, actor: str, dispute_id: UUID, *, form: AgreementForm, terms: str, meta: CommandMeta = NO_META
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "reach_agreement",
            meta,
            lambda d, s: d.reach_agreement(form=form, terms=terms, **s),
        )

    def sign_agreement(
        self, actor: str, dispute_id: UUID, *, party: str, meta: CommandMeta = NO_META
    ) -> Dispute:
        """`party` is the signing party's id in the dispute (`p1`, `p2`, …)."""
        return self._act(
            actor, dispute_id, "sign_agreement", meta, lambda d, s: d.sign_agreement(party=party, **s)
        )

    def seal_agreement(self, actor: str, dispute_id: UUID, meta: CommandMeta = NO_META) -> Dispute:
        def decide(d: Dispute, s: Stamp) -> None:
            tenure = self.cb.authorise(actor, RIGHT_FOR["seal_agreement"], self.level_node(d))
            d.seal_agreement(committee=tenure.node, **s)

        return self._act(actor, dispute_id, "seal_agreement", meta, decide, authorise=False)

    def make_follow_up_visit(
        self,
        actor: str,
        dispute_id: UUID,
        *,
        performance: Performance,
        satisfaction: Satisfaction,
        notes: str = "",
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "make_follow_up_visit",
            meta,
            lambda d, s: d.make_follow_up_visit(
                performance=performance, satisfaction=satisfaction, notes=notes, **s
            ),
        )

    def request_judicial_confirmation(
        self, actor: str, dispute_id: UUID, *, court: str, meta: CommandMeta = NO_META
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "request_judicial_confirmation",
            meta,
            lambda d, s: d.request_judicial_confirmation(court=court, **s),
        )

    def escalate(self, actor: str, dispute_id: UUID, *, reason: str, meta: CommandMeta = NO_META) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "escalate",
            meta,
            lambda d, s: d.escalate(reason=reason, trigger=EscalationTrigger.MANUAL, **s),
        )

    def refer_out(
        self,
        actor: str,
        dispute_id: UUID,
        *,
        route: ReferralRoute,
        body: str,
        reason: str = "",
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "refer_out",
            meta,
            lambda d, s: d.refer_out(route=route, body=body, reason=reason, **s),
        )

    def file_with_township(self, actor: str, dispute_id: UUID, meta: CommandMeta = NO_META) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "file_with_township",
            meta,
            lambda d, s: d.file_with_township(township=self._township(d), **s),
        )

    def report_risk_to_police(
        self, actor: str, dispute_id: UUID, *, risk: str, police_unit: str, meta: CommandMeta = NO_META
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "report_risk_to_police",
            meta,
            lambda d, s: d.report_risk_to_police(risk=risk, police_unit=police_unit, **s),
        )

    def convert_to_criminal_case(
        self,
        actor: str,
        dispute_id: UUID,
        *,
        police_reference: str,
        description: str = "",
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "convert_to_criminal_case",
            meta,
            lambda d, s: d.convert_to_criminal_case(
                police_reference=police_reference, description=description, **s
            ),
        )

    def close(
        self,
        actor: str,
        dispute_id: UUID,
        *,
        reason: str,
        remedies_told: Sequence[Remedy] = (),
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        return self._act(
            actor,
            dispute_id,
            "close",
            meta,
            lambda d, s: d.close(reason=reason, remedies_told=remedies_told, **s),
        )

    def reopen(self, actor: str, dispute_id: UUID, *, reason: str, meta: CommandMeta = NO_META) -> Dispute:
        return self._act(actor, dispute_id, "reopen", meta, lambda d, s: d.reopen(reason=reason, **s))

    def mark_duplicate(
        self, actor: str, dispute_id: UUID, *, original_id: UUID, meta: CommandMeta = NO_META
    ) -> Dispute:
        """The dispute is the same matter as `original_id`: both streams record the link."""

        def decide(d: Dispute, s: Stamp) -> list[Dispute]:
            self._authorise(actor, "mark_duplicate", d)
            d.check_allowed("mark_duplicate", s)  # the state speaks before the other case is looked up
            original = self.cb.read(Dispute, original_id, "dispute", actor)
            d.mark_duplicate_of(original, **s)
            return [original]

        return self._act(actor, dispute_id, "mark_duplicate", meta, decide, authorise=False)

    def escalate_for_missed_deadline(
        self, dispute_id: UUID, *, from_level: Level, clock: ClockState
    ) -> Dispute:
        """The deadline clock's escalation, recorded with the missed deadline in one transaction.
        Idempotent: the command id is the missed clock's, and a dispute no longer open at that
        level is left alone (the clock is then stopped by the next sync, not missed)."""

        def decide(d: Dispute, stamp: Stamp) -> bool | list[Any]:
            if d.level != from_level or "escalate" not in d.allowed_actions():
                return False
            clocks = self.cb.load(CaseClocks, clocks_id(DISPUTE, dispute_id), "clocks")
            rule = Rule.from_data(clock.rule)
            d.escalate(
                reason=f"not resolved at {from_level.value} level within {_human(rule)}",
                trigger=EscalationTrigger.DEADLINE,
                **stamp,
            )
            clocks.miss(key=clock.key, consequence=f"escalated to {d.level.value} level", **stamp)
            return [clocks]

        stamp = Stamp(
            actor=SYSTEM_ACTOR, effective_at=clock.due_at, command_id=f"deadline:{dispute_id}:{clock.key}"
        )
        return self.cb.change(Dispute, dispute_id, "dispute", "escalate_for_missed_deadline", stamp, decide)

    def file_major_dispute(self, dispute_id: UUID, *, at: datetime) -> Dispute:
        """A major dispute is put on record with the township at once (the system's filing)."""

        def decide(d: Dispute, stamp: Stamp) -> bool:
            if d.filed_with_township or "file_with_township" not in d.allowed_actions():
                return False
            d.file_with_township(township=self._township(d), **stamp)
            return True

        stamp = Stamp(actor=SYSTEM_ACTOR, effective_at=at, command_id=f"major-filing:{dispute_id}")
        return self.cb.change(Dispute, dispute_id, "dispute", "file_major_dispute", stamp, decide)

    # -- questions ----------------------------------------------------------------

    def get(self, reader: str | None, dispute_id: UUID) -> Dispute:
        """The dispute, if the reader may read it; to anyone else there is no such dispute."""
        return self.cb.read(Dispute, dispute_id, "dispute", reader)

    def with_history(self, reader: str, dispute_id: UUID) -> tuple[Dispute, list[Any]]:
        """The dispute now, and every event that made it so."""
        dispute = self.get(reader, dispute_id)
        return dispute, self.cb.history(dispute.id, dispute.version)

    def home_node(self, dispute: Dispute) -> str:
        """The deepest node the dispute belongs to: who may read it hangs above this."""
        return dispute.grid or dispute.village

    def may(self, actor: str, dispute: Dispute, action: str) -> bool:
        """Whether a post the person holds now may do the action on the dispute where it stands: the
        check every command makes (pages offer only what it allows)."""
        try:
            self._authorise(actor, action, dispute)
        except AccessDenied:
            return False
        return True

    def _authorise(self, actor: str, action: str, dispute: Dispute) -> None:
        self.cb.authorise(actor, RIGHT_FOR[action], self.level_node(dispute))

    def level_node(self, dispute: Dispute) -> str:
        """The node whose people act on the dispute at its current level."""
        if dispute.level == Level.GRID and dispute.grid:
            return dispute.grid
        if dispute.level == Level.TOWNSHIP:
            return self._township(dispute)
        return dispute.village

    def _township(self, dispute: Dispute) -> str:
        found = self.cb.current_directory().ancestor_of_kind(
            dispute.village, NodeKind.TOWNSHIP, self.cb.clock()
        )
        return found or dispute.village

    # -- machinery ----------------------------------------------------------------

    def _act(
        self,
        actor: str,
        dispute_id: UUID,
        action: str,
        meta: CommandMeta,
        decide: Callable[[Dispute, Stamp], Any],
        *,
        authorise: bool = True,
    ) -> Dispute:
        def authorised(d: Dispute, s: Stamp) -> Any:
            if authorise:
                self._authorise(actor, action, d)
            return decide(d, s)

        stamp = self.cb.stamp(actor, meta)
        return self.cb.change(Dispute, dispute_id, "dispute", action, stamp, authorised, meta)
