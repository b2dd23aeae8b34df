"""The dispute (矛盾纠纷): reported at a grid or a village, accepted and mediated at a level,
settled by agreement or failed, escalated up the ladder or referred out, followed up, closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
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


class Source(StrEnum):
    """How the dispute came to the system."""

    GRID_MEMBER = "grid_member"
    MEDIATOR = "mediator"
    WORKSTATION = "workstation"
    PATROL = "patrol"
    POLICE_REFERRAL = "police_referral"
    COURT_REFERRAL = "court_referral"
    UNRECORDED = "unrecorded"  # reports recorded before the source was asked for


class Status(StrEnum):
    OPEN = "open"  # at a level, not yet accepted there
    ACCEPTED = "accepted"
    MEDIATION_FAILED = "mediation_failed"
    AGREEMENT_REACHED = "agreement_reached"
    CLOSED = "closed"
    REFERRED_OUT = "referred_out"
    CONVERTED_TO_CRIMINAL = "converted_to_criminal"
    DUPLICATE = "duplicate"


class SessionOutcome(StrEnum):
    ADJOURNED = "adjourned"
    FAILED = "failed"


class AgreementForm(StrEnum):
    ORAL = "oral"
    WRITTEN = "written"


class EscalationTrigger(StrEnum):
    MANUAL = "manual"
    DEADLINE = "deadline"


class ReferralRoute(StrEnum):
    LITIGATION = "litigation"
    ARBITRATION = "arbitration"
    ADMINISTRATIVE = "administrative"


class Remedy(StrEnum):
    """What the parties are told they may still do when mediation fails (Art. 26)."""

    LITIGATION = "litigation"
    ARBITRATION = "arbitration"
    ADMINISTRATIVE = "administrative"


class Performance(StrEnum):
    FULLY = "fully"
    PARTLY = "partly"
    NOT_PERFORMED = "not_performed"


class Satisfaction(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


_RUNNING = {
    "report_risk",
    "record_criminal_conversion",
    "mark_duplicate",
    "file_with_township",
}
ALLOWED: dict[Status, frozenset[str]] = {
    Status.OPEN: frozenset(
        {
            "accept",
            "hold_mediation_session",
            "reach_agreement",
            "record_party_refusal",
            "escalate",
            "refer_out",
        }
        | _RUNNING
    ),
    Status.ACCEPTED: frozenset(
        {"hold_mediation_session", "reach_agreement", "record_party_refusal", "escalate", "refer_out"}
        | _RUNNING
    ),
    Status.MEDIATION_FAILED: frozenset({"escalate", "refer_out", "close"} | _RUNNING),
    Status.AGREEMENT_REACHED: frozenset(
        {
            "sign_agreement",
            "seal_agreement",
            "record_follow_up_visit",
            "request_judicial_confirmation",
            "close",
            "reopen",
            "report_risk",
            "record_criminal_conversion",
        }
    ),
    Status.CLOSED: frozenset({"reopen", "record_criminal_conversion"}),
    Status.REFERRED_OUT: frozenset({"reopen", "record_criminal_conversion"}),
    Status.CONVERTED_TO_CRIMINAL: frozenset(),
    Status.DUPLICATE: frozenset({"reopen"}),
}
MIN_PARTIES = 2
JUDICIAL_CONFIRMATION_WINDOW = timedelta(days=30)  # Art. 33; becomes policy data later
ONGOING = frozenset({Status.OPEN, Status.ACCEPTED, Status.MEDIATION_FAILED})


class Dispute(Aggregate):
    TOPIC = "fengqiao.dispute:Dispute"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

        def mutate(self, aggregate: Any) -> Any:
            dispute = super().mutate(aggregate)
            dispute.changed_at = self.effective_at
            return dispute

    class Reported(Aggregate.Created, Event):
        """A dispute was reported at a grid or a village. v2 added its source and starting level."""

        TOPIC = "fengqiao.dispute:Reported"
        class_version = 2
        village: str
        grid: str | None
        level: str
        parties: list[dict[str, Any]]
        category: str
        severity: str
        description: str
        occurred_at: datetime
        source: str
        source_ref: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["level"] = Level.GRID.value
            state["source"] = Source.UNRECORDED.value
            state["source_ref"] = None

    Created = Reported

    class Accepted(Event):
        """The level's mediation organisation accepted the dispute (受理)."""

        TOPIC = "fengqiao.dispute:Accepted"
        level: str

        def apply(self, d: Dispute) -> None:
            d.status = Status.ACCEPTED
            d.accepted_at_level = True

    class MediationSessionHeld(Event):
        """A mediation session was held; `failed` ends mediation at this level."""

        TOPIC = "fengqiao.dispute:MediationSessionHeld"
        level: str
        mediator: str
        outcome: str
        notes: str

        def apply(self, d: Dispute) -> None:
            d.sessions += 1
            d.mediated_at_level = True
            if self.outcome == SessionOutcome.FAILED:
                d.status = Status.MEDIATION_FAILED

    class PartyRefusedMediation(Event):
        """A party clearly refused mediation, so it may not go on (Art. 17)."""

        TOPIC = "fengqiao.dispute:PartyRefusedMediation"
        level: str
        party: str
        reason: str

        def apply(self, d: Dispute) -> None:
            d.status = Status.MEDIATION_FAILED

    class AgreementReached(Event):
        """The parties agreed; an oral agreement takes effect at once, a written one when signed and
        sealed."""

        TOPIC = "fengqiao.dispute:AgreementReached"
        level: str
        form: str
        terms: str

        def apply(self, d: Dispute) -> None:
            d.status = Status.AGREEMENT_REACHED
            d.agreement = {
                "form": self.form,
                "terms": self.terms,
                "level": self.level,
                "signed_by": [],
                "sealed": False,
                "in_effect_since": self.effective_at if self.form == AgreementForm.ORAL else None,
            }

    class AgreementSigned(Event):
        """A party signed the written agreement."""

        TOPIC = "fengqiao.dispute:AgreementSigned"
        party: str

        def apply(self, d: Dispute) -> None:
            assert d.agreement is not None
            d.agreement["signed_by"] = [*d.agreement["signed_by"], self.party]

    class AgreementSealed(Event):
        """A written agreement takes effect when the parties have signed and this seal is set."""

        TOPIC = "fengqiao.dispute:AgreementSealed"
        committee: str

        def apply(self, d: Dispute) -> None:
            assert d.agreement is not None
            d.agreement["sealed"] = True
            d.agreement["in_effect_since"] = self.effective_at

    class FollowUpVisitMade(Event):
        """A follow-up visit checked how the agreement is kept and how satisfied the parties are."""

        TOPIC = "fengqiao.dispute:FollowUpVisitMade"
        performance: str
        satisfaction: str
        notes: str

        def apply(self, d: Dispute) -> None:
            d.follow_ups.append(
                {"performance": self.performance, "satisfaction": self.satisfaction, "at": self.effective_at}
            )

    class JudicialConfirmationRequested(Event):
        """The parties asked a court to confirm the written agreement (Art. 33)."""

        TOPIC = "fengqiao.dispute:JudicialConfirmationRequested"
        court: str

        def apply(self, d: Dispute) -> None:
            d.judicial_confirmation_requested = True

    class Escalated(Event):
        """The dispute went up one level, by hand or because a deadline passed; says whether it was mediated
        at the level it left."""

        TOPIC = "fengqiao.dispute:Escalated"
        from_level: str
        to_level: str
        reason: str
        trigger: str
        mediated_at_level: bool

        def apply(self, d: Dispute) -> None:
            d.level = Level(self.to_level)
            d.level_since = self.effective_at
            d.status = Status.OPEN
            d.mediated_at_level = False
            d.accepted_at_level = False
            d.escalations += 1

    class ReferredOut(Event):
        """The dispute left the mediation system for litigation, arbitration or an administrative body."""

        TOPIC = "fengqiao.dispute:ReferredOut"
        route: str
        body: str
        reason: str

        def apply(self, d: Dispute) -> None:
            d.status = Status.REFERRED_OUT

    class FiledWithTownship(Event):
        """A major dispute is put on record with the township at once."""

        TOPIC = "fengqiao.dispute:FiledWithTownship"
        township: str

        def apply(self, d: Dispute) -> None:
            d.filed_with_township = True

    class RiskReportedToPolice(Event):
        """A mediator's report that the dispute may turn criminal (Art. 25)."""

        TOPIC = "fengqiao.dispute:RiskReportedToPolice"
        risk: str
        police_unit: str

        def apply(self, d: Dispute) -> None:
            d.risk_reports += 1

    class ConvertedToCriminalCase(Event):
        """民转刑: the dispute turned into a criminal case."""

        TOPIC = "fengqiao.dispute:ConvertedToCriminalCase"
        police_reference: str
        description: str

        def apply(self, d: Dispute) -> None:
            d.status = Status.CONVERTED_TO_CRIMINAL

    class Closed(Event):
        """The dispute was closed. v2 added the remedies the parties were told of when mediation failed."""

        TOPIC = "fengqiao.dispute:Closed"
        class_version = 2
        with_agreement: bool
        reason: str
        remedies_told: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["remedies_told"] = []

        def apply(self, d: Dispute) -> None:
            d.status = Status.CLOSED
            d.closed_with_agreement = self.with_agreement

    class Reopened(Event):
        """A closed, referred or duplicate dispute, or one whose agreement broke down, is open again."""

        TOPIC = "fengqiao.dispute:Reopened"
        reason: str
        previous_status: str
        reopening: int

        def apply(self, d: Dispute) -> None:
            d.status = Status.OPEN
            d.level_since = self.effective_at  # the level's time limit runs again from here
            d.accepted_at_level = False
            d.agreement = None
            d.closed_with_agreement = False
            d.duplicate_of = None
            d.reopenings += 1

    class MarkedDuplicate(Event):
        """The dispute repeats another; it is counted once, as the original."""

        TOPIC = "fengqiao.dispute:MarkedDuplicate"
        original: str

        def apply(self, d: Dispute) -> None:
            d.status = Status.DUPLICATE
            d.duplicate_of = self.original

    class DuplicateLinked(Event):
        """Another dispute was marked as a repeat of this one."""

        TOPIC = "fengqiao.dispute:DuplicateLinked"
        duplicate: str

        def apply(self, d: Dispute) -> None:
            d.duplicates.append(self.duplicate)

    def __init__(
        self,
        *,
        village: str,
        grid: str | None,
        level: str,
        parties: list[dict[str, Any]],
        category: str,
        severity: str,
        description: str,
        occurred_at: datetime,
        source: str,
        source_ref: str | None,
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
        self.source = Source(source)
        self.source_ref = source_ref
        self.reported_by = actor
        self.reported_at = effective_at
        self.level = Level(level)
        self.level_since = effective_at
        self.status = Status.OPEN
        self.sessions = 0
        self.accepted_at_level = False
        self.mediated_at_level = False
        self.escalations = 0
        self.agreement: dict[str, Any] | None = None
        self.follow_ups: list[dict[str, Any]] = []
        self.judicial_confirmation_requested = False
        self.filed_with_township = False
        self.risk_reports = 0
        self.closed_with_agreement = False
        self.reopenings = 0
        self.changed_at = effective_at
        self.duplicate_of: str | None = None
        self.duplicates: list[str] = []

    # -- commands -----------------------------------------------------------

    @classmethod
    def report(
        cls,
        *,
        village: str,
        grid: str | None,
        parties: Sequence[dict[str, Any]],
        category: Category,
        severity: Severity,
        description: str,
        occurred_at: datetime,
        source: Source,
        source_ref: str | None,
        **stamp: Any,
    ) -> Dispute:
        if len(parties) < MIN_PARTIES:
            raise InvalidValue("parties", f"a dispute needs at least {MIN_PARTIES} parties")
        if not description.strip():
            raise InvalidValue("description", "say what the dispute is about")
        if occurred_at > stamp["effective_at"]:
            raise InvalidValue("occurred_at", "a dispute cannot be reported before it happened")
        if (
            Source(source) in (Source.PATROL, Source.POLICE_REFERRAL, Source.COURT_REFERRAL)
            and not source_ref
        ):
            raise InvalidValue(
                "source_ref", f"a {source.replace('_', ' ')} names its patrol shift or referral"
            )
        return cls._create(
            cls.Reported,
            village=village,
            grid=grid,
            level=(Level.GRID if grid else Level.VILLAGE).value,
            parties=[dict(p) for p in parties],
            category=Category(category).value,
            severity=Severity(severity).value,
            description=description.strip(),
            occurred_at=occurred_at,
            source=Source(source).value,
            source_ref=source_ref,
            **stamp,
        )

    def accept(self, **stamp: Any) -> None:
        self._check("accept", stamp)
        if self.accepted_at_level:
            raise TransitionNotAllowed(
                "accept", self.status.value, self.allowed_actions(), "already accepted"
            )
        self.trigger_event(self.Accepted, level=self.level.value, **stamp)

    def hold_mediation_session(
        self, *, mediator: str, outcome: SessionOutcome, notes: str, **stamp: Any
    ) -> None:
        self._check("hold_mediation_session", stamp)
        self._check_accepted_or_on_the_spot("hold_mediation_session")
        self.trigger_event(
            self.MediationSessionHeld,
            level=self.level.value,
            mediator=mediator,
            outcome=SessionOutcome(outcome).value,
            notes=notes,
            **stamp,
        )

    def record_party_refusal(self, *, party: str, reason: str, **stamp: Any) -> None:
        self._check("record_party_refusal", stamp)
        self._check_party(party, "party")
        self.trigger_event(
            self.PartyRefusedMediation, level=self.level.value, party=party, reason=reason.strip(), **stamp
        )

    def reach_agreement(self, *, form: AgreementForm, terms: str, **stamp: Any) -> None:
        self._check("reach_agreement", stamp)
        self._check_accepted_or_on_the_spot("reach_agreement")
        if not terms.strip():
            raise InvalidValue("terms", "record what the parties agreed")
        self.trigger_event(
            self.AgreementReached,
            level=self.level.value,
            form=AgreementForm(form).value,
            terms=terms.strip(),
            **stamp,
        )

    def sign_agreement(self, *, party: str, **stamp: Any) -> None:
        self._check("sign_agreement", stamp)
        agreement = self._written_agreement("sign_agreement")
        self._check_party(party, "party")
        if party in agreement["signed_by"]:
            raise TransitionNotAllowed(
                "sign_agreement", self.status.value, self.allowed_actions(), f"{party} has already signed"
            )
        if agreement["sealed"]:
            raise TransitionNotAllowed(
                "sign_agreement", self.status.value, self.allowed_actions(), "the agreement is already sealed"
            )
        self.trigger_event(self.AgreementSigned, party=party, **stamp)

    def seal_agreement(self, *, committee: str, **stamp: Any) -> None:
        self._check("seal_agreement", stamp)
        agreement = self._written_agreement("seal_agreement")
        missing = [p["name"] for p in self.parties if p["name"] not in agreement["signed_by"]]
        if agreement["sealed"] or missing:
            why = "already sealed" if agreement["sealed"] else f"not yet signed by {', '.join(missing)}"
            raise TransitionNotAllowed("seal_agreement", self.status.value, self.allowed_actions(), why)
        self.trigger_event(self.AgreementSealed, committee=committee, **stamp)

    def record_follow_up_visit(
        self, *, performance: Performance, satisfaction: Satisfaction, notes: str, **stamp: Any
    ) -> None:
        self._check("record_follow_up_visit", stamp)
        self._check_in_effect("record_follow_up_visit")
        self.trigger_event(
            self.FollowUpVisitMade,
            performance=Performance(performance).value,
            satisfaction=Satisfaction(satisfaction).value,
            notes=notes,
            **stamp,
        )

    def request_judicial_confirmation(self, *, court: str, **stamp: Any) -> None:
        self._check("request_judicial_confirmation", stamp)
        self._written_agreement("request_judicial_confirmation")
        since = self._check_in_effect("request_judicial_confirmation")
        if self.judicial_confirmation_requested:
            raise TransitionNotAllowed(
                "request_judicial_confirmation",
                self.status.value,
                self.allowed_actions(),
                "already requested",
            )
        if stamp["effective_at"] > since + JUDICIAL_CONFIRMATION_WINDOW:
            raise TransitionNotAllowed(
                "request_judicial_confirmation",
                self.status.value,
                self.allowed_actions(),
                f"the {JUDICIAL_CONFIRMATION_WINDOW.days}-day window after the agreement took effect "
                f"({since.date().isoformat()}) has passed",
            )
        if not court.strip():
            raise InvalidValue("court", "name the court")
        self.trigger_event(self.JudicialConfirmationRequested, court=court.strip(), **stamp)

    def escalate(self, *, reason: str, trigger: EscalationTrigger, **stamp: Any) -> None:
        self._check("escalate", stamp)
        to_level = self.level.next()
        if to_level is None:
            raise TransitionNotAllowed(
                "escalate",
                f"{self.status.value} at {self.level.value} level",
                self.allowed_actions(),
                "the township is the top of the ladder; refer the dispute out instead",
            )
        if not reason.strip():
            raise InvalidValue("reason", "say why the dispute goes up a level")
        self.trigger_event(
            self.Escalated,
            from_level=self.level.value,
            to_level=to_level.value,
            reason=reason.strip(),
            trigger=EscalationTrigger(trigger).value,
            mediated_at_level=self.mediated_at_level,
            **stamp,
        )

    def refer_out(self, *, route: ReferralRoute, body: str, reason: str, **stamp: Any) -> None:
        self._check("refer_out", stamp)
        if not body.strip():
            raise InvalidValue("body", "name the court, arbitration commission or authority")
        self.trigger_event(
            self.ReferredOut,
            route=ReferralRoute(route).value,
            body=body.strip(),
            reason=reason.strip(),
            **stamp,
        )

    def file_with_township(self, *, township: str, **stamp: Any) -> None:
        self._check("file_with_township", stamp)
        if self.severity != Severity.MAJOR:
            raise TransitionNotAllowed(
                "file_with_township",
                self.status.value,
                self.allowed_actions() - {"file_with_township"},
                f"only major disputes are filed with the township; this one is {self.severity.value}",
            )
        if self.filed_with_township:
            raise TransitionNotAllowed(
                "file_with_township", self.status.value, self.allowed_actions(), "already filed"
            )
        self.trigger_event(self.FiledWithTownship, township=township, **stamp)

    def report_risk(self, *, risk: str, police_unit: str, **stamp: Any) -> None:
        self._check("report_risk", stamp)
        if not risk.strip():
            raise InvalidValue("risk", "say what may turn criminal")
        if not police_unit.strip():
            raise InvalidValue("police_unit", "name the police station informed")
        self.trigger_event(
            self.RiskReportedToPolice, risk=risk.strip(), police_unit=police_unit.strip(), **stamp
        )

    def record_criminal_conversion(self, *, police_reference: str, description: str, **stamp: Any) -> None:
        self._check("record_criminal_conversion", stamp)
        if not police_reference.strip():
            raise InvalidValue("police_reference", "give the police case number")
        self.trigger_event(
            self.ConvertedToCriminalCase,
            police_reference=police_reference.strip(),
            description=description.strip(),
            **stamp,
        )

    def close(self, *, reason: str, remedies_told: Sequence[Remedy] = (), **stamp: Any) -> None:
        self._check("close", stamp)
        with_agreement = self.status == Status.AGREEMENT_REACHED
        if with_agreement:
            self._check_in_effect("close")
        elif not remedies_told:
            raise InvalidValue(
                "remedies_told", "when mediation fails the parties are told their other remedies"
            )
        self.trigger_event(
            self.Closed,
            with_agreement=with_agreement,
            reason=reason.strip(),
            remedies_told=[Remedy(r).value for r in remedies_told],
            **stamp,
        )

    def reopen(self, *, reason: str, **stamp: Any) -> None:
        self._check("reopen", stamp)
        if not reason.strip():
            raise InvalidValue("reason", "say why the dispute is reopened")
        self.trigger_event(
            self.Reopened,
            reason=reason.strip(),
            previous_status=self.status.value,
            reopening=self.reopenings + 1,
            **stamp,
        )

    def mark_duplicate_of(self, original: Dispute, **stamp: Any) -> None:
        """Records on both streams that this dispute is the same matter as the original."""
        self._check("mark_duplicate", stamp)
        if original.id == self.id:
            raise InvalidValue("original", "a dispute cannot duplicate itself")
        if original.status in (Status.DUPLICATE,):
            raise InvalidValue("original", f"{original.id} is itself a duplicate of {original.duplicate_of}")
        self.trigger_event(self.MarkedDuplicate, original=str(original.id), **stamp)
        original.trigger_event(original.DuplicateLinked, duplicate=str(self.id), **stamp)

    # -- questions ----------------------------------------------------------

    @property
    def is_resolved(self) -> bool:
        return self.status not in ONGOING

    @property
    def agreement_in_effect_since(self) -> datetime | None:
        return self.agreement["in_effect_since"] if self.agreement else None

    def allowed_actions(self) -> frozenset[str]:
        allowed = set(ALLOWED[self.status])
        if self.level.next() is None:
            allowed.discard("escalate")
        if self.accepted_at_level:
            allowed.discard("accept")
        if self.status == Status.OPEN and self.level != Level.GRID:
            allowed -= {"hold_mediation_session", "reach_agreement"}
        if self.severity != Severity.MAJOR or self.filed_with_township:
            allowed.discard("file_with_township")
        return frozenset(allowed)

    def party_names(self) -> list[str]:
        return [p["name"] for p in self.parties]

    def check_allowed(self, action: str, stamp: dict[str, Any]) -> None:
        """Refuses an action the state does not allow, or a time before the report."""
        self._check(action, stamp)

    def _check(self, action: str, stamp: dict[str, Any]) -> None:
        if action not in ALLOWED[self.status]:
            raise TransitionNotAllowed(action, self.status.value, self.allowed_actions())
        if stamp["effective_at"] < self.reported_at:
            raise InvalidValue(
                "effective_at",
                f"cannot take effect before the dispute was reported ({self.reported_at.isoformat()})",
            )

    def _check_accepted_or_on_the_spot(self, action: str) -> None:
        if self.status == Status.OPEN and self.level != Level.GRID:
            raise TransitionNotAllowed(
                action,
                f"open at {self.level.value} level",
                self.allowed_actions(),
                f"the {self.level.value} must accept the dispute first",
            )

    def _check_party(self, party: str, field_name: str) -> None:
        if party not in self.party_names():
            raise InvalidValue(
                field_name, f"{party!r} is not a party; parties: {', '.join(self.party_names())}"
            )

    def _written_agreement(self, action: str) -> dict[str, Any]:
        if not self.agreement or self.agreement["form"] != AgreementForm.WRITTEN:
            raise TransitionNotAllowed(
                action, self.status.value, self.allowed_actions(), "only a written agreement"
            )
        return self.agreement

    def _check_in_effect(self, action: str) -> datetime:
        since = self.agreement_in_effect_since
        if since is None:
            raise TransitionNotAllowed(
                action,
                "agreement_reached, not yet in effect",
                self.allowed_actions(),
                "a written agreement takes effect when every party has signed and the committee has sealed "
                "it",
            )
        return since


EVENT_CLASSES = (
    Dispute.Reported,
    Dispute.Accepted,
    Dispute.MediationSessionHeld,
    Dispute.PartyRefusedMediation,
    Dispute.AgreementReached,
    Dispute.AgreementSigned,
    Dispute.AgreementSealed,
    Dispute.FollowUpVisitMade,
    Dispute.JudicialConfirmationRequested,
    Dispute.Escalated,
    Dispute.ReferredOut,
    Dispute.FiledWithTownship,
    Dispute.RiskReportedToPolice,
    Dispute.ConvertedToCriminalCase,
    Dispute.Closed,
    Dispute.Reopened,
    Dispute.MarkedDuplicate,
    Dispute.DuplicateLinked,
)
EVENT_TOPICS = tuple(cls.TOPIC for cls in EVENT_CLASSES)
