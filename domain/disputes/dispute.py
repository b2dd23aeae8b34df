"""The dispute (矛盾纠纷): reported at a grid or a village, accepted and mediated at a level,
settled by agreement or failed, escalated up the ladder or referred out, followed up, closed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.evidence import Attachable, AttachmentAddedFields, AttachmentSupersededFields
from domain.petitions.petition import identity_number


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


# What each status lets happen at all; `Dispute.refusal` adds what else must be true. Each action
# is named as its desk method and its route's operation.
_RUNNING = {
    "report_risk_to_police",
    "convert_to_criminal_case",
    "mark_duplicate",
    "file_with_township",
}
ALLOWED: dict[Status, frozenset[str]] = {
    Status.OPEN: frozenset(
        {
            "accept",
            "hold_mediation_session",
            "reach_agreement",
            "refuse_mediation",
            "escalate",
            "refer_out",
        }
        | _RUNNING
    ),
    Status.ACCEPTED: frozenset(
        {"hold_mediation_session", "reach_agreement", "refuse_mediation", "escalate", "refer_out"} | _RUNNING
    ),
    Status.MEDIATION_FAILED: frozenset({"escalate", "refer_out", "close"} | _RUNNING),
    Status.AGREEMENT_REACHED: frozenset(
        {
            "sign_agreement",
            "seal_agreement",
            "make_follow_up_visit",
            "request_judicial_confirmation",
            "close",
            "reopen",
            "report_risk_to_police",
            "convert_to_criminal_case",
        }
    ),
    Status.CLOSED: frozenset({"reopen", "convert_to_criminal_case"}),
    Status.REFERRED_OUT: frozenset({"reopen", "convert_to_criminal_case"}),
    Status.CONVERTED_TO_CRIMINAL: frozenset(),
    Status.DUPLICATE: frozenset({"reopen"}),
}
ACTIONS = frozenset().union(*ALLOWED.values())
NOT_IN_EFFECT = "a written agreement takes effect when every party has signed and the committee has sealed it"
MIN_PARTIES = 2
JUDICIAL_CONFIRMATION_WINDOW = timedelta(days=30)  # Art. 33; becomes policy data later
ONGOING = frozenset({Status.OPEN, Status.ACCEPTED, Status.MEDIATION_FAILED})


class Dispute(Attachable, Aggregate):
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
        """A dispute was reported at a grid or a village. v2 added its source and starting level; v3
        gave each party an id within the case (`p1`, `p2`, … by position)."""

        TOPIC = "fengqiao.dispute:Reported"
        class_version = 3
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

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["parties"] = [{**party, "id": party_id(i)} for i, party in enumerate(state["parties"])]

    Created = Reported

    class AttachmentAdded(Event, AttachmentAddedFields):
        """A file was attached to the dispute or to one of its events (its hash and particulars, never
        its bytes)."""

        TOPIC = "fengqiao.dispute:AttachmentAdded"

    class AttachmentSuperseded(Event, AttachmentSupersededFields):
        """An attachment was superseded by a later one that corrects it; both are kept."""

        TOPIC = "fengqiao.dispute:AttachmentSuperseded"

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
            d.last_session_at = self.effective_at
            if not d.mediated_at_level:
                d.first_session_at_level = self.effective_at
            d.mediated_at_level = True
            if self.outcome == SessionOutcome.FAILED:
                d.status = Status.MEDIATION_FAILED

    class PartyRefusedMediation(Event):
        """A party clearly refused mediation, so it may not go on (Art. 17). v2 names the party by its
        id in the case (`party` is its name, as v1 recorded it)."""

        TOPIC = "fengqiao.dispute:PartyRefusedMediation"
        class_version = 2
        level: str
        party: str
        party_id: str | None
        reason: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["party_id"] = None  # v1 knew the party by name only

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
                "reached_at": self.effective_at,
                "signed_by": [],  # party ids
                "sealed": False,
                "in_effect_since": self.effective_at if self.form == AgreementForm.ORAL else None,
            }

    class AgreementSigned(Event):
        """A party signed the written agreement. v2 names the party by its id in the case (`party`
        is its name); a v1 signature, by name only, is the first party of that name not yet signed."""

        TOPIC = "fengqiao.dispute:AgreementSigned"
        class_version = 2
        party: str
        party_id: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["party_id"] = None

        def apply(self, d: Dispute) -> None:
            assert d.agreement is not None
            signed = d.agreement["signed_by"]
            who = self.party_id or next(
                (p["id"] for p in d.parties if p["name"] == self.party and p["id"] not in signed),
                next((p["id"] for p in d.parties if p["name"] == self.party), self.party),
            )
            if who not in signed:
                d.agreement["signed_by"] = [*signed, who]

    class AgreementSealed(Event):
        """A written agreement takes effect when every party has signed and this seal is set (Arts. 28-29)."""

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
            d.first_session_at_level = None
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
        self.first_session_at_level: datetime | None = None
        self.last_session_at: datetime | None = None
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
    # Each command first asks `refusal` (through `_guard`) whether the dispute as it stands
    # accepts it; `allowed_actions` is the actions whose `refusal` is None. What is left for a
    # command to refuse is a value given with it (InvalidValue), never the state.

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
            raise InvalidValue(
                "parties", "a dispute needs at least {min_parties} parties", min_parties=MIN_PARTIES
            )
        if not description.strip():
            raise InvalidValue("description", "say what the dispute is about")
        if occurred_at > stamp["effective_at"]:
            raise InvalidValue("occurred_at", "a dispute cannot be reported before it happened")
        if (
            Source(source) in (Source.PATROL, Source.POLICE_REFERRAL, Source.COURT_REFERRAL)
            and not source_ref
        ):
            raise InvalidValue(
                "source_ref", "a {source} names its patrol shift or referral", source=source.replace("_", " ")
            )
        return cls._create(
            cls.Reported,
            village=village,
            grid=grid,
            level=(Level.GRID if grid else Level.VILLAGE).value,
            parties=_parties(parties),
            category=Category(category).value,
            severity=Severity(severity).value,
            description=description.strip(),
            occurred_at=occurred_at,
            source=Source(source).value,
            source_ref=source_ref,
            **stamp,
        )

    def accept(self, **stamp: Any) -> None:
        self._guard("accept", stamp)
        self.trigger_event(self.Accepted, level=self.level.value, **stamp)

    def hold_mediation_session(
        self, *, mediator: str, outcome: SessionOutcome, notes: str, **stamp: Any
    ) -> None:
        self._guard("hold_mediation_session", stamp)
        self.trigger_event(
            self.MediationSessionHeld,
            level=self.level.value,
            mediator=mediator,
            outcome=SessionOutcome(outcome).value,
            notes=notes,
            **stamp,
        )

    def refuse_mediation(self, *, party: str, reason: str, **stamp: Any) -> None:
        """`party` is the refusing party's id in the case."""
        self._guard("refuse_mediation", stamp)
        found = self._party(party)
        self.trigger_event(
            self.PartyRefusedMediation,
            level=self.level.value,
            party=found["name"],
            party_id=found["id"],
            reason=reason.strip(),
            **stamp,
        )

    def reach_agreement(self, *, form: AgreementForm, terms: str, **stamp: Any) -> None:
        self._guard("reach_agreement", stamp)
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
        """`party` is the signing party's id in the case."""
        self._guard("sign_agreement", stamp)
        found = self._party(party)
        assert self.agreement is not None
        if found["id"] in self.agreement["signed_by"]:
            raise InvalidValue("party", "{id} has already signed", id=found["id"])
        self.trigger_event(self.AgreementSigned, party=found["name"], party_id=found["id"], **stamp)

    def seal_agreement(self, *, committee: str, **stamp: Any) -> None:
        self._guard("seal_agreement", stamp)
        self.trigger_event(self.AgreementSealed, committee=committee, **stamp)

    def make_follow_up_visit(
        self, *, performance: Performance, satisfaction: Satisfaction, notes: str, **stamp: Any
    ) -> None:
        self._guard("make_follow_up_visit", stamp)
        self.trigger_event(
            self.FollowUpVisitMade,
            performance=Performance(performance).value,
            satisfaction=Satisfaction(satisfaction).value,
            notes=notes,
            **stamp,
        )

    def request_judicial_confirmation(self, *, court: str, **stamp: Any) -> None:
        self._guard("request_judicial_confirmation", stamp)
        if not court.strip():
            raise InvalidValue("court", "name the court")
        self.trigger_event(self.JudicialConfirmationRequested, court=court.strip(), **stamp)

    def escalate(self, *, reason: str, trigger: EscalationTrigger, **stamp: Any) -> None:
        self._guard("escalate", stamp)
        to_level = self.level.next()
        assert to_level is not None
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
        self._guard("refer_out", stamp)
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
        self._guard("file_with_township", stamp)
        self.trigger_event(self.FiledWithTownship, township=township, **stamp)

    def report_risk_to_police(self, *, risk: str, police_unit: str, **stamp: Any) -> None:
        self._guard("report_risk_to_police", stamp)
        if not risk.strip():
            raise InvalidValue("risk", "say what may turn criminal")
        if not police_unit.strip():
            raise InvalidValue("police_unit", "name the police station informed")
        self.trigger_event(
            self.RiskReportedToPolice, risk=risk.strip(), police_unit=police_unit.strip(), **stamp
        )

    def convert_to_criminal_case(self, *, police_reference: str, description: str, **stamp: Any) -> None:
        self._guard("convert_to_criminal_case", stamp)
        if not police_reference.strip():
            raise InvalidValue("police_reference", "give the police case number")
        self.trigger_event(
            self.ConvertedToCriminalCase,
            police_reference=police_reference.strip(),
            description=description.strip(),
            **stamp,
        )

    def close(self, *, reason: str, remedies_told: Sequence[Remedy] = (), **stamp: Any) -> None:
        self._guard("close", stamp)
        with_agreement = self.status == Status.AGREEMENT_REACHED
        if not with_agreement and not remedies_told:
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
        self._guard("reopen", stamp)
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
        self._guard("mark_duplicate", stamp)
        if original.id == self.id:
            raise InvalidValue("original", "a dispute cannot duplicate itself")
        if original.status in (Status.DUPLICATE,):
            raise InvalidValue(
                "original",
                "{id} is itself a duplicate of {duplicate_of}",
                id=original.id,
                duplicate_of=original.duplicate_of,
            )
        self.trigger_event(self.MarkedDuplicate, original=str(original.id), **stamp)
        original.trigger_event(original.DuplicateLinked, duplicate=str(self.id), **stamp)

    # -- questions ----------------------------------------------------------

    @property
    def is_resolved(self) -> bool:
        """Concluded: an agreement in effect (a written one once signed by all and sealed), or
        mediation over without one."""
        return self.status not in ONGOING and not self.agreement_pending

    @property
    def agreement_in_effect_since(self) -> datetime | None:
        return self.agreement["in_effect_since"] if self.agreement else None

    @property
    def agreement_pending(self) -> bool:
        """A written agreement reached that is not yet signed by every party and sealed."""
        return (
            self.status == Status.AGREEMENT_REACHED
            and self.agreement is not None
            and self.agreement["in_effect_since"] is None
        )

    def unsigned_parties(self) -> list[str]:
        signed = self.agreement["signed_by"] if self.agreement else []
        return [p["id"] for p in self.parties if p["id"] not in signed]

    def allowed_actions(self, at: datetime | None = None) -> frozenset[str]:
        """The actions the dispute as it stands accepts (at `at`: without it, time limits aside),
        given valid values: exactly those whose `refusal` is None."""
        return frozenset(a for a in ACTIONS if self.refusal(a, at) is None)

    def refusal(self, action: str, at: datetime | None = None) -> tuple[str, str] | None:
        """Why the dispute as it stands refuses `action` — (the state, the reason) — or None
        when it accepts it. The one guard of each command: commands and `allowed_actions` ask it."""
        state = self.status.value
        if action not in ALLOWED[self.status]:
            return state, ""
        agreement = self.agreement
        written = agreement is not None and agreement["form"] == AgreementForm.WRITTEN
        if action == "accept" and self.accepted_at_level:
            return state, "already accepted"
        if action in ("hold_mediation_session", "reach_agreement") and (
            self.status == Status.OPEN and self.level != Level.GRID
        ):
            return (
                f"open at {self.level.value} level",
                f"the {self.level.value} must accept the dispute first",
            )
        if action in ("sign_agreement", "seal_agreement", "request_judicial_confirmation") and not written:
            return state, "only a written agreement"
        if action in ("sign_agreement", "seal_agreement") and agreement and agreement["sealed"]:
            return state, "the agreement is already sealed"
        if action == "sign_agreement" and not self.unsigned_parties():
            return state, "every party has signed"
        if action == "seal_agreement" and self.unsigned_parties():
            return state, f"not yet signed by {', '.join(self.unsigned_parties())}"
        if (
            action in ("make_follow_up_visit", "request_judicial_confirmation", "close")
            and self.agreement_pending
        ):
            return "agreement_reached, not yet in effect", NOT_IN_EFFECT
        if action == "request_judicial_confirmation":
            since = self.agreement_in_effect_since
            assert since is not None
            if self.judicial_confirmation_requested:
                return state, "already requested"
            if at is not None and at > since + JUDICIAL_CONFIRMATION_WINDOW:
                return state, (
                    f"the {JUDICIAL_CONFIRMATION_WINDOW.days}-day window after the agreement took effect "
                    f"({since.date().isoformat()}) has passed"
                )
        if action == "escalate" and self.level.next() is None:
            return (
                f"{state} at {self.level.value} level",
                "the township is the top of the ladder; refer the dispute out instead",
            )
        if action == "file_with_township":
            if self.severity != Severity.MAJOR:
                return (
                    state,
                    f"only major disputes are filed with the township; this one is {self.severity.value}",
                )
            if self.filed_with_township:
                return state, "already filed"
        return None

    def party_names(self) -> list[str]:
        return [p["name"] for p in self.parties]

    def check_allowed(self, action: str, stamp: dict[str, Any]) -> None:
        """Refuses an action the state does not allow, or a time before the report."""
        self._guard(action, stamp)

    def _guard(self, action: str, stamp: dict[str, Any]) -> None:
        at = stamp["effective_at"]
        refused = self.refusal(action, at)
        if refused is not None:
            raise TransitionNotAllowed(action, refused[0], self.allowed_actions(at), refused[1])
        if at < self.reported_at:
            raise InvalidValue(
                "effective_at",
                "cannot take effect before the dispute was reported ({reported_at})",
                reported_at=self.reported_at.isoformat(),
            )
        # a step dated in the past is not dated before the step it follows
        if action == "reach_agreement" and self.last_session_at is not None and at < self.last_session_at:
            held = self.last_session_at.isoformat()
            raise InvalidValue(
                "effective_at",
                "an agreement cannot be dated before the mediation session it follows ({held})",
                held=held,
            )
        if action in ("sign_agreement", "seal_agreement") and self.agreement is not None:
            reached: datetime = self.agreement["reached_at"]
            if at < reached:
                raise InvalidValue(
                    "effective_at",
                    "cannot be dated before the agreement was reached ({reached})",
                    reached=reached.isoformat(),
                )

    def _party(self, party: str) -> dict[str, Any]:
        found = next((p for p in self.parties if p["id"] == party), None)
        if found is None:
            ids = ", ".join(p["id"] for p in self.parties)
            raise InvalidValue(
                "party",
                "{party!r} is not a party's id in this dispute; its parties: {ids}",
                party=party,
                ids=ids,
            )
        return found


def party_id(position: int) -> str:
    """A party's id within its dispute: `p1`, `p2`, … by its place in the report."""
    return f"p{position + 1}"


def _parties(given: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parties as reported, each given its id in the case; names stripped and required, an
    identity number normalised (it is kept in the event, encrypted at rest with the rest of
    it, and never echoed in a refusal), the same person not named twice."""
    parties: list[dict[str, Any]] = []
    for i, raw in enumerate(given):
        name = str(raw.get("name") or "").strip()
        if not name:
            raise InvalidValue(f"parties[{i}].name", "give the party's name")
        party: dict[str, Any] = {"id": party_id(i), "name": name}
        if raw.get("id_number"):
            party["id_number"] = identity_number(str(raw["id_number"]), f"parties[{i}].id_number")
            if any(p.get("id_number") == party["id_number"] for p in parties):
                raise InvalidValue(f"parties[{i}].id_number", "the same person is named twice")
        for key in ("phone", "address"):
            if raw.get(key):
                party[key] = str(raw[key]).strip()
        parties.append(party)
    return parties


EVENT_CLASSES = (
    Dispute.AttachmentAdded,
    Dispute.AttachmentSuperseded,
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
