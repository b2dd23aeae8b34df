"""The dispute (矛盾纠纷): reported at a grid, mediated, settled or escalated up the ladder, closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed


class Category(StrEnum):
    NEIGHBOURHOOD = "neighbourhood"
    FAMILY = "family"
    LAND_ACQUISITION = "land_acquisition"
    LABOUR = "labour"
    MEDICAL = "medical"
    ENVIRONMENTAL_POLLUTION = "environmental_pollution"
    PRODUCTION_SAFETY = "production_safety"
    FOOD_DRUG_SAFETY = "food_drug_safety"
    TRAFFIC_ACCIDENT = "traffic_accident"
    OTHER = "other"


class Severity(StrEnum):
    MINOR = "minor"
    GENERAL = "general"
    MAJOR = "major"


class Level(StrEnum):
    GRID = "grid"
    VILLAGE = "village"
    TOWNSHIP = "township"

    def next(self) -> Level | None:
        ladder = list(Level)
        i = ladder.index(self)
        return ladder[i + 1] if i + 1 < len(ladder) else None


class Status(StrEnum):
    OPEN = "open"
    MEDIATION_FAILED = "mediation_failed"
    AGREEMENT_REACHED = "agreement_reached"
    CLOSED = "closed"


class SessionOutcome(StrEnum):
    ADJOURNED = "adjourned"
    FAILED = "failed"


class AgreementForm(StrEnum):
    ORAL = "oral"
    WRITTEN = "written"


class EscalationTrigger(StrEnum):
    MANUAL = "manual"
    DEADLINE = "deadline"


ALLOWED: dict[Status, frozenset[str]] = {
    Status.OPEN: frozenset({"hold_mediation_session", "reach_agreement", "escalate"}),
    Status.MEDIATION_FAILED: frozenset({"hold_mediation_session", "escalate", "close"}),
    Status.AGREEMENT_REACHED: frozenset({"close"}),
    Status.CLOSED: frozenset(),
}
MIN_PARTIES = 2


class Dispute(Aggregate):
    TOPIC = "fengqiao.dispute:Dispute"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Reported(Aggregate.Created, Event):
        TOPIC = "fengqiao.dispute:Reported"
        village: str
        grid: str
        parties: list[dict[str, Any]]
        category: str
        severity: str
        description: str
        occurred_at: datetime

    Created = Reported

    class MediationSessionHeld(Event):
        TOPIC = "fengqiao.dispute:MediationSessionHeld"
        level: str
        mediator: str
        outcome: str
        notes: str

        def apply(self, dispute: Dispute) -> None:
            dispute.sessions += 1
            dispute.mediated_at_level = True
            if self.outcome == SessionOutcome.FAILED:
                dispute.status = Status.MEDIATION_FAILED

    class AgreementReached(Event):
        TOPIC = "fengqiao.dispute:AgreementReached"
        level: str
        form: str
        terms: str

        def apply(self, dispute: Dispute) -> None:
            dispute.status = Status.AGREEMENT_REACHED
            dispute.agreement = {"form": self.form, "terms": self.terms, "level": self.level}

    class Escalated(Event):
        TOPIC = "fengqiao.dispute:Escalated"
        from_level: str
        to_level: str
        reason: str
        trigger: str
        mediated_at_level: bool

        def apply(self, dispute: Dispute) -> None:
            dispute.level = Level(self.to_level)
            dispute.level_since = self.effective_at
            dispute.status = Status.OPEN
            dispute.mediated_at_level = False
            dispute.escalations += 1

    class Closed(Event):
        TOPIC = "fengqiao.dispute:Closed"
        with_agreement: bool
        reason: str

        def apply(self, dispute: Dispute) -> None:
            dispute.status = Status.CLOSED

    def __init__(  # noqa: PLR0913 - the facts of a report
        self,
        *,
        village: str,
        grid: str,
        parties: list[dict[str, Any]],
        category: str,
        severity: str,
        description: str,
        occurred_at: datetime,
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> None:
        self.village = village
        self.grid = grid
        self.parties = parties
        self.category = Category(category)
        self.severity = Severity(severity)
        self.description = description
        self.occurred_at = occurred_at
        self.reported_by = actor
        self.reported_at = effective_at
        self.level = Level.GRID
        self.level_since = effective_at
        self.status = Status.OPEN
        self.sessions = 0
        self.mediated_at_level = False
        self.escalations = 0
        self.agreement: dict[str, str] | None = None

    # -- commands -----------------------------------------------------------

    @classmethod
    def report(  # noqa: PLR0913
        cls,
        *,
        village: str,
        grid: str,
        parties: Sequence[dict[str, Any]],
        category: Category,
        severity: Severity,
        description: str,
        occurred_at: datetime,
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> Dispute:
        if len(parties) < MIN_PARTIES:
            raise InvalidValue("parties", f"a dispute needs at least {MIN_PARTIES} parties")
        if not description.strip():
            raise InvalidValue("description", "say what the dispute is about")
        if occurred_at > effective_at:
            raise InvalidValue("occurred_at", "a dispute cannot be reported before it happened")
        return cls._create(
            cls.Reported,
            village=village,
            grid=grid,
            parties=[dict(p) for p in parties],
            category=Category(category).value,
            severity=Severity(severity).value,
            description=description.strip(),
            occurred_at=occurred_at,
            actor=actor,
            effective_at=effective_at,
            command_id=command_id,
        )

    def hold_mediation_session(
        self, *, mediator: str, outcome: SessionOutcome, notes: str,
        actor: str, effective_at: datetime, command_id: str,
    ) -> None:
        self._check_allowed("hold_mediation_session")
        self._check_not_before_report(effective_at)
        self.trigger_event(
            self.MediationSessionHeld,
            level=self.level.value, mediator=mediator, outcome=SessionOutcome(outcome).value,
            notes=notes, actor=actor, effective_at=effective_at, command_id=command_id,
        )

    def reach_agreement(
        self, *, form: AgreementForm, terms: str,
        actor: str, effective_at: datetime, command_id: str,
    ) -> None:
        self._check_allowed("reach_agreement")
        self._check_not_before_report(effective_at)
        if not terms.strip():
            raise InvalidValue("terms", "record what the parties agreed")
        self.trigger_event(
            self.AgreementReached,
            level=self.level.value, form=AgreementForm(form).value, terms=terms.strip(),
            actor=actor, effective_at=effective_at, command_id=command_id,
        )

    def escalate(
        self, *, reason: str, trigger: EscalationTrigger,
        actor: str, effective_at: datetime, command_id: str,
    ) -> None:
        self._check_allowed("escalate")
        to_level = self.level.next()
        if to_level is None:
            raise TransitionNotAllowed(
                "escalate", f"{self.status.value} at {self.level.value} level",
                ALLOWED[self.status] - {"escalate"},
                "the township is the top of the ladder; refer the dispute out instead",
            )
        self._check_not_before_report(effective_at)
        if not reason.strip():
            raise InvalidValue("reason", "say why the dispute goes up a level")
        self.trigger_event(
            self.Escalated,
            from_level=self.level.value, to_level=to_level.value, reason=reason.strip(),
            trigger=EscalationTrigger(trigger).value, mediated_at_level=self.mediated_at_level,
            actor=actor, effective_at=effective_at, command_id=command_id,
        )

    def close(self, *, reason: str, actor: str, effective_at: datetime, command_id: str) -> None:
        self._check_allowed("close")
        self._check_not_before_report(effective_at)
        self.trigger_event(
            self.Closed,
            with_agreement=self.status == Status.AGREEMENT_REACHED, reason=reason.strip(),
            actor=actor, effective_at=effective_at, command_id=command_id,
        )

    # -- questions ----------------------------------------------------------

    @property
    def is_resolved(self) -> bool:
        return self.status in (Status.AGREEMENT_REACHED, Status.CLOSED)

    def allowed_actions(self) -> frozenset[str]:
        allowed = set(ALLOWED[self.status])
        if self.level.next() is None:
            allowed.discard("escalate")
        return frozenset(allowed)

    def _check_allowed(self, action: str) -> None:
        if action not in ALLOWED[self.status]:
            raise TransitionNotAllowed(action, self.status.value, self.allowed_actions())

    def _check_not_before_report(self, effective_at: datetime) -> None:
        if effective_at < self.reported_at:
            raise InvalidValue(
                "effective_at",
                f"cannot take effect before the dispute was reported ({self.reported_at.isoformat()})",
            )


EVENT_CLASSES = (
    Dispute.Reported, Dispute.MediationSessionHeld, Dispute.AgreementReached,
    Dispute.Escalated, Dispute.Closed,
)
EVENT_TOPICS = tuple(cls.TOPIC for cls in EVENT_CLASSES)
