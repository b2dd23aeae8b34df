"""Request and response bodies: `...In` is what a client sends, `...Public` what it reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.dispute import AgreementForm, Category, Dispute, SessionOutcome, Severity

EFFECTIVE_AT = Field(
    None, description="When it took effect in the world (ISO 8601 with offset); default: now."
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartyIn(_In):
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 \-]{5,20}$")
    address: str | None = Field(None, max_length=200)


class DisputeReportIn(_In):
    grid: str = Field(description="Id of the grid (villager group) where the dispute arose.")
    parties: list[PartyIn] = Field(description="The parties: at least two.")
    category: Category
    severity: Severity
    description: str = Field(max_length=4000)
    occurred_at: AwareDatetime = Field(description="When the dispute arose.")
    effective_at: AwareDatetime | None = EFFECTIVE_AT


class MediationSessionIn(_In):
    outcome: SessionOutcome = Field(
        description="adjourned: to be continued; failed: this mediation did not succeed."
    )
    notes: str = Field("", max_length=4000)
    effective_at: AwareDatetime | None = EFFECTIVE_AT


class AgreementIn(_In):
    form: AgreementForm
    terms: str = Field(max_length=8000, description="What the parties agreed.")
    effective_at: AwareDatetime | None = EFFECTIVE_AT


class EscalationIn(_In):
    reason: str = Field(max_length=2000)
    effective_at: AwareDatetime | None = EFFECTIVE_AT


class ClosureIn(_In):
    reason: str = Field("", max_length=2000)
    effective_at: AwareDatetime | None = EFFECTIVE_AT


class EventPublic(BaseModel):
    version: int
    type: str
    recorded_at: datetime
    effective_at: datetime
    actor: str
    command_id: str
    data: dict[str, Any]


class DisputePublic(BaseModel):
    id: str
    version: int
    village: str
    grid: str
    category: str
    severity: str
    description: str
    parties: list[dict[str, Any]]
    occurred_at: datetime
    reported_at: datetime
    reported_by: str
    level: str
    level_since: datetime
    status: str
    sessions: int
    escalations: int
    agreement: dict[str, Any] | None
    allowed_actions: list[str]

    @classmethod
    def of(cls, dispute: Dispute) -> DisputePublic:
        return cls(
            id=str(dispute.id), version=dispute.version, village=dispute.village,
            grid=dispute.grid, category=dispute.category, severity=dispute.severity,
            description=dispute.description, parties=dispute.parties,
            occurred_at=dispute.occurred_at, reported_at=dispute.reported_at,
            reported_by=dispute.reported_by, level=dispute.level, level_since=dispute.level_since,
            status=dispute.status, sessions=dispute.sessions, escalations=dispute.escalations,
            agreement=dispute.agreement, allowed_actions=sorted(dispute.allowed_actions()),
        )


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
    mediation_success_rate: float | None = Field(
        description="agreements / (agreements + closed without agreement after mediation)"
    )
    as_of_notification: int = Field(
        description="The last event the statistics include (they follow the log within moments)."
    )
