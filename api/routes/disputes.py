"""Dispute commands and reads. Every command: POST a body, get the dispute as it now stands."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from api import schemas as s
from api.commands import CaseKind, Command, add_commands
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from domain.disputes.dispute import Dispute
from workflows.contracts import dispute_workflow_id

router = APIRouter(prefix="/disputes", tags=["disputes"])

DISPUTES: CaseKind[Dispute] = CaseKind(
    "dispute",
    desk=lambda cb: cb.disputes,
    public=s.DisputePublic,
    show=lambda system, person, dispute: s.DisputePublic.of(dispute, system.casebook.clock()),
    context=lambda dispute: {"workflow_id": dispute_workflow_id(str(dispute.id))},
)


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
    return DISPUTES.answer(response, system, person, dispute, "reported")


@router.get("/{dispute_id}", response_model=s.DisputeWithHistory)
def read_dispute(
    dispute_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.DisputeWithHistory:
    """Read a dispute as it stands now, with every event of its history."""
    dispute, history = system.casebook.disputes.with_history(person, dispute_id)
    response.headers["ETag"] = f'"{dispute.version}"'
    return s.DisputeWithHistory(
        **s.DisputePublic.of(dispute, system.casebook.clock()).model_dump(),
        history=[s.EventPublic.of(e) for e in history],
    )


add_commands(
    router,
    DISPUTES,
    Command(
        "acceptance",
        s.AcceptanceIn,
        "accept",
        Dispute.Accepted,
        "Accept the dispute at its current level: mediation may begin.",
    ),
    Command(
        "mediation-sessions",
        s.MediationSessionIn,
        "hold_mediation_session",
        Dispute.MediationSessionHeld,
        "Record a mediation session and its outcome.",
        fields=("outcome", "notes"),
    ),
    Command(
        "party-refusals",
        s.PartyRefusalIn,
        "refuse_mediation",
        Dispute.PartyRefusedMediation,
        "Record that a party refuses mediation: mediation may not go on.",
        fields=("party", "reason"),
    ),
    Command(
        "agreement",
        s.AgreementIn,
        "reach_agreement",
        Dispute.AgreementReached,
        "Record the agreement the parties reached, oral or written.",
        fields=("form", "terms"),
    ),
    Command(
        "agreement/signatures",
        s.SignatureIn,
        "sign_agreement",
        Dispute.AgreementSigned,
        "Record a party's signature on the written agreement.",
        fields=("party",),
    ),
    Command(
        "agreement/seal",
        s.SealIn,
        "seal_agreement",
        Dispute.AgreementSealed,
        "Seal the signed written agreement for the committee: it takes effect.",
    ),
    Command(
        "follow-up-visits",
        s.FollowUpIn,
        "make_follow_up_visit",
        Dispute.FollowUpVisitMade,
        "Record a follow-up visit: how the agreement is kept, how satisfied.",
        fields=("performance", "satisfaction", "notes"),
    ),
    Command(
        "judicial-confirmation",
        s.JudicialConfirmationIn,
        "request_judicial_confirmation",
        Dispute.JudicialConfirmationRequested,
        "Record that judicial confirmation was requested.",
        fields=("court",),
    ),
    Command(
        "escalations",
        s.EscalationIn,
        "escalate",
        Dispute.Escalated,
        "Send the dispute up one level (grid → village → township), saying why.",
        fields=("reason",),
    ),
    Command(
        "referral",
        s.ReferralIn,
        "refer_out",
        Dispute.ReferredOut,
        "Refer the dispute out: litigation, arbitration or an administrative body.",
        fields=("route", "body", "reason"),
    ),
    Command(
        "township-filing",
        s.TownshipFilingIn,
        "file_with_township",
        Dispute.FiledWithTownship,
        "Put a major dispute on record with the township.",
    ),
    Command(
        "risk-reports",
        s.RiskReportIn,
        "report_risk_to_police",
        Dispute.RiskReportedToPolice,
        "Report to the police that the dispute may turn criminal.",
        fields=("risk", "police_unit"),
    ),
    Command(
        "criminal-conversion",
        s.CriminalConversionIn,
        "convert_to_criminal_case",
        Dispute.ConvertedToCriminalCase,
        "Record that the dispute turned into a criminal case.",
        fields=("police_reference", "description"),
    ),
    Command(
        "closure",
        s.ClosureIn,
        "close",
        Dispute.Closed,
        "Close the dispute: after an agreement in effect, or failed mediation with remedies told.",
        fields=("reason", "remedies_told"),
    ),
    Command(
        "reopening",
        s.ReopeningIn,
        "reopen",
        Dispute.Reopened,
        "Reopen a closed, referred or duplicate dispute, or one whose agreement broke down.",
        fields=("reason",),
    ),
    Command(
        "duplicate-of",
        s.DuplicateIn,
        "mark_duplicate",
        Dispute.MarkedDuplicate,
        "Mark the dispute as a repeat of another; both record the link.",
        fields=("original_id",),
    ),
)
