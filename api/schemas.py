"""Request and response bodies: `...In` is what a client sends, `...Public` what it reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    Performance,
    ReferralRoute,
    Remedy,
    Satisfaction,
    SessionOutcome,
    Severity,
    Source,
)
from domain.time.backdating import LATE_REASON_MAX, is_late

EFFECTIVE_AT = Field(
    None,
    description="When it took effect in the world (ISO 8601 with offset); default: now. It may lie in "
    "the past by at most 7 days (1 day for a post granted or ended and for a patrol's sign-ins and "
    "checkpoints); more than an hour back, the command is recorded late and needs a `late_reason`.",
)
LATE_REASON = Field(
    None,
    max_length=LATE_REASON_MAX,
    description="Why a command dated more than an hour in the past is recorded only now; kept with it.",
)
_BASE_FIELDS = {
    "originator_id",
    "originator_version",
    "timestamp",
    "originator_topic",
    "actor",
    "effective_at",
    "command_id",
}


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_at: AwareDatetime | None = EFFECTIVE_AT
    late_reason: str | None = LATE_REASON


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 \-]{5,20}$")
    id_number: str | None = Field(None, pattern=r"^[0-9]{17}[0-9Xx]$", description="Resident identity number")
    address: str | None = Field(None, max_length=200)


class DisputeReportIn(In):
    grid: str | None = Field(None, description="The grid where the dispute arose: it starts at grid level.")
    village: str | None = Field(
        None, description="Or the village, when it is reported to the village committee."
    )
    parties: list[PartyIn] = Field(
        description="The parties: at least two. Each is given an id in the dispute by its place here (`p1`, "
        "`p2`, …), by which it refuses mediation and signs an agreement."
    )
    category: Category
    severity: Severity
    description: str = Field(max_length=4000)
    occurred_at: AwareDatetime = Field(description="When the dispute arose.")
    source: Source | None = Field(None, description="Default: from the reporter's post.")
    source_ref: str | None = Field(None, max_length=200, description="Patrol shift id or referral number.")

    @model_validator(mode="after")
    def _one_node(self) -> DisputeReportIn:
        if (self.grid is None) == (self.village is None):
            raise ValueError("give either grid or village")
        return self


class MediationSessionIn(In):
    outcome: SessionOutcome = Field(description="adjourned: to be continued; failed: mediation failed.")
    notes: str = Field("", max_length=4000)


class PartyRefusalIn(In):
    party: str = Field(
        description="The refusing party's id in the dispute (`p1`, `p2`, … as in its `parties`).",
        max_length=20,
    )
    reason: str = Field("", max_length=2000)


class AgreementIn(In):
    form: AgreementForm
    terms: str = Field(max_length=8000, description="What the parties agreed.")


class SignatureIn(In):
    party: str = Field(
        description="The signing party's id in the dispute (`p1`, `p2`, … as in its `parties`): two parties "
        "may share a name.",
        max_length=20,
    )


class SealIn(In):
    pass


class FollowUpIn(In):
    performance: Performance
    satisfaction: Satisfaction
    notes: str = Field("", max_length=4000)


class JudicialConfirmationIn(In):
    court: str = Field(max_length=200)


class EscalationIn(In):
    reason: str = Field(max_length=2000)


class ReferralIn(In):
    route: ReferralRoute
    body: str = Field(max_length=200, description="The court, arbitration commission or authority.")
    reason: str = Field("", max_length=2000)


class TownshipFilingIn(In):
    pass


class RiskReportIn(In):
    risk: str = Field(max_length=2000)
    police_unit: str = Field(max_length=200)


class CriminalConversionIn(In):
    police_reference: str = Field(max_length=100)
    description: str = Field("", max_length=4000)


class ClosureIn(In):
    reason: str = Field("", max_length=2000)
    remedies_told: list[Remedy] = Field(
        default_factory=list, description="Required when closing after failed mediation."
    )


class ReopeningIn(In):
    reason: str = Field(max_length=2000)


class DuplicateIn(In):
    original_id: UUID = Field(description="The dispute this one repeats.")


class AcceptanceIn(In):
    pass


class EventPublic(BaseModel):
    version: int
    type: str
    recorded_at: datetime
    effective_at: datetime
    recorded_late: bool = Field(
        description="recorded more than an hour after it took effect (补录); a person's command dated so "
        "far back gives a reason, kept on its command receipt (docs/architecture.md, 'Business time')"
    )
    actor: str
    command_id: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Any) -> EventPublic:
        return cls(
            version=event.originator_version,
            type=type(event).__name__,
            recorded_at=event.timestamp,
            effective_at=event.effective_at,
            recorded_late=is_late(event.effective_at, event.timestamp),
            actor=event.actor,
            command_id=event.command_id,
            data={k: v for k, v in event.__dict__.items() if k not in _BASE_FIELDS},
        )


class DisputePublic(BaseModel):
    id: str
    version: int
    village: str
    grid: str | None
    category: str
    severity: str
    description: str
    parties: list[dict[str, Any]]
    occurred_at: datetime
    source: str
    source_ref: str | None
    reported_at: datetime
    reported_by: str
    level: str
    level_since: datetime
    status: str
    accepted_at_level: bool
    sessions: int
    escalations: int
    agreement: dict[str, Any] | None
    follow_ups: list[dict[str, Any]]
    judicial_confirmation_requested: bool
    filed_with_township: bool
    risk_reports: int
    duplicate_of: str | None
    duplicates: list[str]
    allowed_actions: list[str]

    @classmethod
    def of(cls, d: Dispute, at: datetime | None = None) -> DisputePublic:
        """The dispute, with the commands it accepts at `at` (the system's now)."""
        fields = {
            name: getattr(d, name) for name in cls.model_fields if name not in ("id", "allowed_actions")
        }
        return cls(**fields, id=str(d.id), allowed_actions=sorted(d.allowed_actions(at)))


class DisputeWithHistory(DisputePublic):
    history: list[EventPublic]


class VillageStatisticsPublic(BaseModel):
    village: str
    reported: int
    resolved_by_agreement: int
    closed_without_agreement: int
    open: int
    escalated: int
    escalated_to_township: int
    converted_to_criminal: int
    mediation_success_rate: float | None = Field(
        description="agreements / (agreements + closed without agreement after mediation)"
    )
    as_of_notification: int = Field(
        description="The last event the statistics include (they follow the log within moments)."
    )
