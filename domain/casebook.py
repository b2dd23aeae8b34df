"""The service layer: commands on case streams, each one atomic, authorised and idempotent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from dataclasses import dataclass
from typing import Any, TypedDict
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import Environment, EnvType

from domain.dispute import (
    AgreementForm,
    Category,
    Dispute,
    EscalationTrigger,
    Level,
    SessionOutcome,
    Severity,
)
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandIdReused,
    ConcurrentChanges,
    InvalidValue,
    StaleVersion,
)
from domain.jurisdiction import Jurisdiction, NodeKind
from domain.people import SYSTEM_ACTOR, Person, Post, Right
from domain.receipts import CommandReceipt, receipt_id

MAX_ATTEMPTS = 5
CLOCK_SKEW = timedelta(minutes=5)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CommandMeta:
    """What every command carries besides its facts."""

    command_id: str | None = None
    effective_at: datetime | None = None
    expected_version: int | None = None


NO_META = CommandMeta()


class Stamp(TypedDict):
    """Who, when and which command: written on every event a command records."""

    actor: str
    effective_at: datetime
    command_id: str


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Casebook(Application[UUID]):
    """Every case stream of the system, in one event store with one notification log."""

    name = "casebook"

    def __init__(self, env: EnvType | None, tree: Jurisdiction, clock: Clock = utc_now) -> None:
        super().__init__(env)
        self.tree = tree
        self.clock = clock

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes only from the settings the composition root passes in,
        # never from stray process environment variables.
        return Environment(name, {**type(self).env, **(env or {})})

    # -- disputes: commands ---------------------------------------------------

    def report_dispute(  # noqa: PLR0913
        self,
        actor: Person,
        *,
        grid: str,
        parties: Sequence[dict[str, Any]],
        category: Category,
        severity: Severity,
        description: str,
        occurred_at: datetime,
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        grid_node = self.tree.require(grid, NodeKind.GRID, "grid")
        actor.require(Right.REPORT_DISPUTE, grid, self.tree)
        stamp = self._stamp(actor, meta)
        command_id = stamp["command_id"]
        earlier = self._receipt(command_id, "report_dispute")
        if earlier is not None:
            return self.get_dispute(UUID(earlier.stream_id))
        dispute = Dispute.report(
            village=grid_node.parent or "",
            grid=grid,
            parties=parties,
            category=category,
            severity=severity,
            description=description,
            occurred_at=occurred_at,
            **stamp,
        )
        try:
            self.save(dispute, CommandReceipt.record(command_id, "report_dispute", dispute.id))
        except IntegrityError:
            earlier = self._receipt(command_id, "report_dispute")
            if earlier is None:
                raise
            return self.get_dispute(UUID(earlier.stream_id))
        return dispute

    def hold_mediation_session(
        self, actor: Person, dispute_id: UUID, *, outcome: SessionOutcome, notes: str = "",
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        def decide(dispute: Dispute, stamp: Stamp) -> None:
            self._authorise_mediation(actor, dispute)
            dispute.hold_mediation_session(mediator=actor.id, outcome=outcome, notes=notes, **stamp)

        return self._change(dispute_id, "hold_mediation_session", self._stamp(actor, meta), decide, meta)

    def record_agreement(
        self, actor: Person, dispute_id: UUID, *, form: AgreementForm, terms: str,
        meta: CommandMeta = NO_META,
    ) -> Dispute:
        def decide(dispute: Dispute, stamp: Stamp) -> None:
            self._authorise_mediation(actor, dispute)
            dispute.reach_agreement(form=form, terms=terms, **stamp)

        return self._change(dispute_id, "record_agreement", self._stamp(actor, meta), decide, meta)

    def escalate_dispute(
        self, actor: Person, dispute_id: UUID, *, reason: str, meta: CommandMeta = NO_META
    ) -> Dispute:
        def decide(dispute: Dispute, stamp: Stamp) -> None:
            actor.require(Right.ESCALATE, dispute.grid, self.tree)
            dispute.escalate(reason=reason, trigger=EscalationTrigger.MANUAL, **stamp)

        return self._change(dispute_id, "escalate_dispute", self._stamp(actor, meta), decide, meta)

    def close_dispute(
        self, actor: Person, dispute_id: UUID, *, reason: str, meta: CommandMeta = NO_META
    ) -> Dispute:
        def decide(dispute: Dispute, stamp: Stamp) -> None:
            actor.require(Right.CLOSE_CASE, dispute.grid, self.tree)
            dispute.close(reason=reason, **stamp)

        return self._change(dispute_id, "close_dispute", self._stamp(actor, meta), decide, meta)

    def escalate_for_missed_deadline(
        self, dispute_id: UUID, *, from_level: Level, due_at: datetime, period: timedelta
    ) -> Dispute:
        """The deadline clock's escalation. Idempotent: the command id is derived from the
        missed deadline itself, and a dispute no longer open at that level is left alone."""

        def decide(dispute: Dispute, stamp: Stamp) -> bool:
            if dispute.level != from_level or "escalate" not in dispute.allowed_actions():
                return False
            reason = f"not resolved at {from_level.value} level within {_human(period)}"
            dispute.escalate(reason=reason, trigger=EscalationTrigger.DEADLINE, **stamp)
            return True

        stamp = Stamp(
            actor=SYSTEM_ACTOR,
            effective_at=due_at,
            command_id=f"deadline:{dispute_id}:{from_level.value}:{due_at.isoformat()}",
        )
        return self._change(dispute_id, "escalate_for_missed_deadline", stamp, decide, NO_META)

    # -- disputes: questions --------------------------------------------------

    def get_dispute(self, dispute_id: UUID, reader: Person | None = None) -> Dispute:
        try:
            dispute: Dispute = self.repository.get(dispute_id)
        except AggregateNotFoundError:
            raise CaseNotFound("dispute", dispute_id) from None
        if not isinstance(dispute, Dispute):
            raise CaseNotFound("dispute", dispute_id)
        if reader is not None:
            reader.require(Right.READ, dispute.grid, self.tree)
        return dispute

    def dispute_with_history(
        self, dispute_id: UUID, reader: Person
    ) -> tuple[Dispute, list[DomainEventProtocol[UUID]]]:
        """The dispute now, and every event that made it so."""
        dispute = self.get_dispute(dispute_id, reader)
        return dispute, list(self.repository.event_store.get(dispute.id, lte=dispute.version))

    # -- the machinery of a change ------------------------------------------

    def _change(
        self,
        dispute_id: UUID,
        action: str,
        stamp: Stamp,
        decide: Callable[[Dispute, Stamp], bool | None],
        meta: CommandMeta,
    ) -> Dispute:
        for _ in range(MAX_ATTEMPTS):
            dispute = self.get_dispute(dispute_id)
            if self._receipt(stamp["command_id"], action, dispute.id) is not None:
                return dispute
            if meta.expected_version is not None and dispute.version != meta.expected_version:
                raise StaleVersion(meta.expected_version, dispute.version)
            if decide(dispute, stamp) is False:
                return dispute
            try:
                self.save(dispute, CommandReceipt.record(stamp["command_id"], action, dispute.id))
            except IntegrityError:
                # Someone else wrote to the stream (or ran this very command) meanwhile:
                # decide again on what is now true, unless the caller pinned a version.
                if meta.expected_version is not None:
                    current = self.get_dispute(dispute_id).version
                    raise StaleVersion(meta.expected_version, current) from None
                continue
            return dispute
        raise ConcurrentChanges(MAX_ATTEMPTS)

    def _stamp(self, actor: Person, meta: CommandMeta) -> Stamp:
        now = self.clock()
        if meta.effective_at is not None and meta.effective_at > now + CLOCK_SKEW:
            raise InvalidValue("effective_at", "cannot be in the future")
        return Stamp(
            actor=actor.id,
            effective_at=meta.effective_at or now,
            command_id=meta.command_id or uuid4().hex,
        )

    def _receipt(
        self, command_id: str, action: str, stream_id: UUID | None = None
    ) -> CommandReceipt | None:
        try:
            receipt: CommandReceipt = self.repository.get(receipt_id(command_id))
        except AggregateNotFoundError:
            return None
        if receipt.action != action or (stream_id is not None and receipt.stream_id != str(stream_id)):
            raise CommandIdReused(command_id, receipt.action)
        return receipt

    def _authorise_mediation(self, actor: Person, dispute: Dispute) -> None:
        actor.require(Right.MEDIATE, dispute.grid, self.tree)
        if actor.post == Post.GRID_MEMBER and dispute.level != Level.GRID:
            raise AccessDenied(
                actor.id, Right.MEDIATE, dispute.grid,
                f"a grid member mediates only at grid level; this dispute is at "
                f"{dispute.level.value} level",
            )


def _human(period: timedelta) -> str:
    seconds = int(period.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"
