"""Dispute commands and reads. Every command: POST a body, get the dispute as it now stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Response, status

from api import schemas as s
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from domain.disputes.dispute import Dispute
from service.disputes.desk import DisputeDesk
from service.store import CommandMeta
from workflows.contracts import dispute_workflow_id

router = APIRouter(prefix="/disputes", tags=["disputes"])
log = structlog.get_logger()


def _answer(response: Response, dispute: Dispute, action: str) -> s.DisputePublic:
    response.headers["ETag"] = f'"{dispute.version}"'
    structlog.contextvars.bind_contextvars(
        dispute_id=str(dispute.id), workflow_id=dispute_workflow_id(str(dispute.id))
    )
    log.info(f"dispute.{action}", version=dispute.version, status=dispute.status.value)
    return s.DisputePublic.of(dispute)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=s.DisputePublic)
def report_dispute(
    body: s.DisputeReportIn, person: CurrentPerson, system: SystemDep, response: Response, meta: Meta
) -> s.DisputePublic:
    """Report a dispute found in a grid, or brought to a village; its clock starts now."""
    dispute = system.casebook.disputes.report(
        person,
        grid=body.grid,
        village=body.village,
        parties=[p.model_dump(exclude_none=True) for p in body.parties],
        category=body.category,
        severity=body.severity,
        description=body.description,
        occurred_at=body.occurred_at,
        source=body.source,
        source_ref=body.source_ref,
        meta=meta_for(body, meta),
    )
    response.headers["Location"] = f"/disputes/{dispute.id}"
    return _answer(response, dispute, "reported")


@router.get("/{dispute_id}", response_model=s.DisputeWithHistory)
def read_dispute(
    dispute_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.DisputeWithHistory:
    """Read a dispute as it stands now, with every event of its history."""
    dispute, history = system.casebook.disputes.with_history(person, dispute_id)
    response.headers["ETag"] = f'"{dispute.version}"'
    return s.DisputeWithHistory(
        **s.DisputePublic.of(dispute).model_dump(), history=[s.EventPublic.of(e) for e in history]
    )


Call = Callable[[DisputeDesk, str, UUID, Any, CommandMeta], Dispute]


def _command(path: str, body_model: type[s.In], call: Call, action: str, summary: str) -> None:
    def endpoint(
        dispute_id: UUID,
        body: Any,
        person: CurrentPerson,
        system: SystemDep,
        response: Response,
        meta: Meta,
    ) -> s.DisputePublic:
        dispute = call(system.casebook.disputes, person, dispute_id, body, meta_for(body, meta))
        return _answer(response, dispute, action)

    endpoint.__annotations__["body"] = body_model
    endpoint.__doc__ = summary
    router.add_api_route(
        f"/{{dispute_id}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=s.DisputePublic,
        name=action,
        summary=summary.rstrip("."),
    )


_command(
    "acceptance",
    s.AcceptanceIn,
    lambda d, p, i, b, m: d.accept(p, i, m),
    "accepted",
    "Accept the dispute at its current level: mediation may begin.",
)
_command(
    "mediation-sessions",
    s.MediationSessionIn,
    lambda d, p, i, b, m: d.hold_mediation_session(p, i, outcome=b.outcome, notes=b.notes, meta=m),
    "mediation_session_held",
    "Record a mediation session and its outcome.",
)
_command(
    "party-refusals",
    s.PartyRefusalIn,
    lambda d, p, i, b, m: d.record_party_refusal(p, i, party=b.party, reason=b.reason, meta=m),
    "party_refused",
    "Record that a party refuses mediation: mediation may not go on.",
)
_command(
    "agreement",
    s.AgreementIn,
    lambda d, p, i, b, m: d.record_agreement(p, i, form=b.form, terms=b.terms, meta=m),
    "agreement_reached",
    "Record the agreement the parties reached, oral or written.",
)
_command(
    "agreement/signatures",
    s.SignatureIn,
    lambda d, p, i, b, m: d.sign_agreement(p, i, party=b.party, meta=m),
    "agreement_signed",
    "Record a party's signature on the written agreement.",
)
_command(
    "agreement/seal",
    s.SealIn,
    lambda d, p, i, b, m: d.seal_agreement(p, i, m),
    "agreement_sealed",
    "Seal the signed written agreement for the committee: it takes effect.",
)
_command(
    "follow-up-visits",
    s.FollowUpIn,
    lambda d, p, i, b, m: d.record_follow_up_visit(
        p, i, performance=b.performance, satisfaction=b.satisfaction, notes=b.notes, meta=m
    ),
    "follow_up_visit_made",
    "Record a follow-up visit: how the agreement is kept, how satisfied.",
)
_command(
    "judicial-confirmation",
    s.JudicialConfirmationIn,
    lambda d, p, i, b, m: d.request_judicial_confirmation(p, i, court=b.court, meta=m),
    "judicial_confirmation_requested",
    "Record that judicial confirmation was requested.",
)
_command(
    "escalations",
    s.EscalationIn,
    lambda d, p, i, b, m: d.escalate(p, i, reason=b.reason, meta=m),
    "escalated",
    "Send the dispute up one level (grid → village → township), saying why.",
)
_command(
    "referral",
    s.ReferralIn,
    lambda d, p, i, b, m: d.refer_out(p, i, route=b.route, body=b.body, reason=b.reason, meta=m),
    "referred_out",
    "Refer the dispute out: litigation, arbitration or an administrative body.",
)
_command(
    "township-filing",
    s.TownshipFilingIn,
    lambda d, p, i, b, m: d.file_with_township(p, i, m),
    "filed_with_township",
    "Put a major dispute on record with the township.",
)
_command(
    "risk-reports",
    s.RiskReportIn,
    lambda d, p, i, b, m: d.report_risk(p, i, risk=b.risk, police_unit=b.police_unit, meta=m),
    "risk_reported",
    "Report to the police that the dispute may turn criminal.",
)
_command(
    "criminal-conversion",
    s.CriminalConversionIn,
    lambda d, p, i, b, m: d.record_criminal_conversion(
        p, i, police_reference=b.police_reference, description=b.description, meta=m
    ),
    "converted_to_criminal",
    "Record that the dispute turned into a criminal case.",
)
_command(
    "closure",
    s.ClosureIn,
    lambda d, p, i, b, m: d.close(p, i, reason=b.reason, remedies_told=b.remedies_told, meta=m),
    "closed",
    "Close the dispute: after an agreement in effect, or failed mediation with remedies told.",
)
_command(
    "reopening",
    s.ReopeningIn,
    lambda d, p, i, b, m: d.reopen(p, i, reason=b.reason, meta=m),
    "reopened",
    "Reopen a closed, referred or duplicate dispute, or one whose agreement broke down.",
)
_command(
    "duplicate-of",
    s.DuplicateIn,
    lambda d, p, i, b, m: d.mark_duplicate(p, i, original_id=b.original_id, meta=m),
    "marked_duplicate",
    "Mark the dispute as a repeat of another; both record the link.",
)
