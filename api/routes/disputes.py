"""Dispute commands and reads."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Response, status

from api.deps import CurrentPerson, ExpectedVersion, IdempotencyKey, SystemDep
from api.schemas import (
    AgreementIn,
    ClosureIn,
    DisputePublic,
    DisputeReportIn,
    DisputeWithHistory,
    EscalationIn,
    EventPublic,
    MediationSessionIn,
)
from domain.casebook import CommandMeta
from domain.dispute import Dispute
from workflows.contracts import dispute_workflow_id

router = APIRouter(prefix="/disputes", tags=["disputes"])
log = structlog.get_logger()
_BASE_FIELDS = {
    "originator_id", "originator_version", "timestamp", "originator_topic",
    "actor", "effective_at", "command_id",
}


def _answer(response: Response, dispute: Dispute, action: str) -> DisputePublic:
    response.headers["ETag"] = f'"{dispute.version}"'
    structlog.contextvars.bind_contextvars(
        dispute_id=str(dispute.id), workflow_id=dispute_workflow_id(str(dispute.id))
    )
    log.info(f"dispute.{action}", version=dispute.version, status=dispute.status.value)
    return DisputePublic.of(dispute)


def _meta(body: Any, key: str | None, version: int | None = None) -> CommandMeta:
    return CommandMeta(command_id=key, effective_at=body.effective_at, expected_version=version)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DisputePublic)
def report_dispute(
    body: DisputeReportIn, person: CurrentPerson, system: SystemDep, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> DisputePublic:
    """Report a dispute found in a grid; its deadline clock starts now."""
    dispute = system.casebook.report_dispute(
        person, grid=body.grid, parties=[p.model_dump(exclude_none=True) for p in body.parties],
        category=body.category, severity=body.severity, description=body.description,
        occurred_at=body.occurred_at, meta=_meta(body, idempotency_key),
    )
    response.headers["Location"] = f"/disputes/{dispute.id}"
    return _answer(response, dispute, "reported")


@router.get("/{dispute_id}", response_model=DisputeWithHistory)
def read_dispute(
    dispute_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> DisputeWithHistory:
    """Read a dispute as it stands now, with every event of its history."""
    dispute, history = system.casebook.dispute_with_history(dispute_id, person)
    response.headers["ETag"] = f'"{dispute.version}"'
    events = [
        EventPublic(
            version=e.originator_version, type=type(e).__name__, recorded_at=e.timestamp,
            effective_at=e.effective_at, actor=e.actor, command_id=e.command_id,
            data={k: v for k, v in e.__dict__.items() if k not in _BASE_FIELDS},
        )
        for e in history
    ]
    return DisputeWithHistory(**DisputePublic.of(dispute).model_dump(), history=events)


@router.post("/{dispute_id}/mediation-sessions", response_model=DisputePublic)
def hold_mediation_session(
    dispute_id: UUID, body: MediationSessionIn, person: CurrentPerson, system: SystemDep,
    response: Response, version: ExpectedVersion, idempotency_key: IdempotencyKey = None,
) -> DisputePublic:
    """Record a mediation session held on the dispute, and its outcome."""
    dispute = system.casebook.hold_mediation_session(
        person, dispute_id, outcome=body.outcome, notes=body.notes,
        meta=_meta(body, idempotency_key, version),
    )
    return _answer(response, dispute, "mediation_session_held")


@router.post("/{dispute_id}/agreement", response_model=DisputePublic)
def record_agreement(
    dispute_id: UUID, body: AgreementIn, person: CurrentPerson, system: SystemDep,
    response: Response, version: ExpectedVersion, idempotency_key: IdempotencyKey = None,
) -> DisputePublic:
    """Record the agreement the parties reached; the deadline clock stops."""
    dispute = system.casebook.record_agreement(
        person, dispute_id, form=body.form, terms=body.terms,
        meta=_meta(body, idempotency_key, version),
    )
    return _answer(response, dispute, "agreement_reached")


@router.post("/{dispute_id}/escalations", response_model=DisputePublic)
def escalate_dispute(
    dispute_id: UUID, body: EscalationIn, person: CurrentPerson, system: SystemDep,
    response: Response, version: ExpectedVersion, idempotency_key: IdempotencyKey = None,
) -> DisputePublic:
    """Send the dispute up one level (grid → village → township), saying why."""
    dispute = system.casebook.escalate_dispute(
        person, dispute_id, reason=body.reason, meta=_meta(body, idempotency_key, version)
    )
    return _answer(response, dispute, "escalated")


@router.post("/{dispute_id}/closure", response_model=DisputePublic)
def close_dispute(
    dispute_id: UUID, body: ClosureIn, person: CurrentPerson, system: SystemDep,
    response: Response, version: ExpectedVersion, idempotency_key: IdempotencyKey = None,
) -> DisputePublic:
    """Close the dispute after an agreement, or after mediation failed."""
    dispute = system.casebook.close_dispute(
        person, dispute_id, reason=body.reason, meta=_meta(body, idempotency_key, version)
    )
    return _answer(response, dispute, "closed")
