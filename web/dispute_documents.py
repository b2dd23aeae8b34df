"""The dispute's other printable documents, on A4 like the written agreement: the record of an
oral mediation agreement (口头调解协议登记表) and the follow-up visit record (回访记录), read from
the dispute's history as the person may read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SystemDep
from domain.directory.jurisdiction import NodeKind
from domain.disputes.dispute import AgreementForm, Dispute
from infra.bootstrap import System
from web.labels import N_
from web.pages import Person, _node_name
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)


@dataclass(frozen=True)
class OralRecord:
    """What the register of an oral agreement holds (People's Mediation Law, Art. 30): the
    parties, the matter, what they agreed, who mediated and recorded it, and when."""

    committee: str
    parties: list[str]
    matter: str
    terms: str
    mediator: str
    reached_at: Any


@dataclass(frozen=True)
class Visit:
    at: Any
    visitor: str
    performance: str
    satisfaction: str
    notes: str


def _committee(system: System, dispute: Dispute, level: str) -> str:
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    code = dispute.village
    if level == "township":
        code = directory.ancestor_of_kind(dispute.village, NodeKind.TOWNSHIP, now) or dispute.village
    return _node_name(system, code)


def oral_record(system: System, dispute: Dispute, history: list[Any]) -> OralRecord | None:
    """The oral agreement the dispute reached last; None when its agreement is not oral."""
    if not dispute.agreement or dispute.agreement["form"] != AgreementForm.ORAL:
        return None
    reached = [e for e in history if isinstance(e, Dispute.AgreementReached)][-1]
    return OralRecord(
        committee=_committee(system, dispute, reached.level),
        parties=dispute.party_names(),
        matter=dispute.description,
        terms=reached.terms,
        mediator=system.casebook.current_directory().name_of(reached.actor),
        reached_at=reached.effective_at,
    )


def visits(system: System, history: list[Any]) -> list[Visit]:
    directory = system.casebook.current_directory()
    return [
        Visit(e.effective_at, directory.name_of(e.actor), e.performance, e.satisfaction, e.notes)
        for e in history
        if isinstance(e, Dispute.FollowUpVisitMade)
    ]


@router.get("/disputes/{dispute_id}/oral-agreement", response_class=HTMLResponse)
def oral_agreement_page(
    dispute_id: UUID, request: Request, system: SystemDep, person: str = Person
) -> Response:
    dispute, history = system.casebook.disputes.with_history(person, dispute_id)
    record = oral_record(system, dispute, history)
    if record is None:
        message = N_("This dispute has no oral agreement to record.")
        return render(request, "error.html", status=404, message=message)
    return render(request, "oral_agreement.html", dispute=dispute, record=record)


@router.get("/disputes/{dispute_id}/follow-ups", response_class=HTMLResponse)
def follow_up_page(dispute_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    dispute, history = system.casebook.disputes.with_history(person, dispute_id)
    made = visits(system, history)
    if not made:
        return render(
            request, "error.html", status=404, message=N_("No follow-up visit is recorded on this dispute.")
        )
    agreement = dispute.agreement or {}
    return render(
        request,
        "follow_ups.html",
        dispute=dispute,
        visits=made,
        committee=_committee(system, dispute, agreement.get("level", "village")),
        where=_node_name(system, dispute.grid or dispute.village),
    )
