"""Petition commands and reads. Every command: POST a body, get the petition as it now stands,
as the caller may see it (an accusation's secrets withheld from those who may not see them).
Logs name the petition and its status, never what it says or who brought it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Response, status

from api import petition_schemas as s
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from api.schemas import EventPublic, In
from domain.petitions.petition import Petition
from infra.bootstrap import System
from service.petitions.desk import PetitionDesk
from service.store import CommandMeta

router = APIRouter(prefix="/petitions", tags=["petitions"])
log = structlog.get_logger()


def _answer(
    response: Response, system: System, person: str, petition: Petition, action: str
) -> s.PetitionPublic:
    response.headers["ETag"] = f'"{petition.version}"'
    structlog.contextvars.bind_contextvars(petition_id=str(petition.id))
    log.info(f"petition.{action}", version=petition.version, status=petition.status.value)
    desk = system.casebook.petitions
    shown, withheld = desk.as_seen_by(person, petition)
    return s.PetitionPublic.of(shown, withheld, desk.windows(shown))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=s.PetitionPublic)
def register_petition(
    body: s.PetitionRegisterIn, person: CurrentPerson, system: SystemDep, response: Response, meta: Meta
) -> s.PetitionPublic:
    """Register a letter, visit, call or message at the node it concerns; repeats and leapfrog visits are flagged."""
    petition = system.casebook.petitions.register(
        person,
        node=body.node,
        channel=body.channel,
        type=body.type,
        petitioner=body.petitioner.model_dump(exclude_none=True),
        content=body.content,
        matter=body.matter,
        people_count=body.people_count,
        representatives=[r.model_dump(exclude_none=True) for r in body.representatives],
        agent=body.agent,
        accused_person_id=body.accused_person_id,
        reached_level=body.reached_level,
        oral=body.oral,
        meta=meta_for(body, meta),
    )
    response.headers["Location"] = f"/petitions/{petition.id}"
    return _answer(response, system, person, petition, "registered")


@router.get("/{petition_id}", response_model=s.PetitionWithHistory)
def read_petition(
    petition_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.PetitionWithHistory:
    """Read a petition, every event of its history and its time limits; an accusation's content and accuser are withheld from those who may not see them."""
    desk = system.casebook.petitions
    petition, history, withheld = desk.read(person, petition_id)
    response.headers["ETag"] = f'"{petition.version}"'
    return s.PetitionWithHistory(
        **s.PetitionPublic.of(petition, withheld, desk.windows(petition)).model_dump(),
        history=[EventPublic.of(e) for e in history],
        clocks=[s.PetitionClockPublic.of(c) for c in desk.clocks(petition)],
    )


Call = Callable[[PetitionDesk, str, UUID, Any, CommandMeta], Petition]


def _command(path: str, body_model: type[In], call: Call, action: str, summary: str) -> None:
    def endpoint(
        petition_id: UUID,
        body: Any,
        person: CurrentPerson,
        system: SystemDep,
        response: Response,
        meta: Meta,
    ) -> s.PetitionPublic:
        petition = call(system.casebook.petitions, person, petition_id, body, meta_for(body, meta))
        return _answer(response, system, person, petition, action)

    endpoint.__annotations__["body"] = body_model
    endpoint.__doc__ = summary
    router.add_api_route(
        f"/{{petition_id}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=s.PetitionPublic,
        name=f"petition_{action}",
        summary=summary.rstrip("."),
    )


_command(
    "representatives",
    s.RepresentativeNamingIn,
    lambda d, p, i, b, m: d.name_representative(p, i, representative=b.person(), meta=m),
    "representative_named",
    "Name one more representative of a group petition (at most five).",
)
_command(
    "routing",
    s.RoutingIn,
    lambda d, p, i, b, m: d.route(p, i, to_node=b.to_node, meta=m),
    "routed",
    "Route the petition to the receiving body: the node it concerns or one above it.",
)
_command(
    "acceptance",
    s.AcceptanceDecisionIn,
    lambda d, p, i, b, m: d.decide_acceptance(p, i, decision=b.decision, reason=b.reason, meta=m),
    "acceptance_decided",
    "Decide acceptance: accepted, not accepted (with the reason), or objected to and sent back.",
)
_command(
    "diversion",
    s.DiversionIn,
    lambda d, p, i, b, m: d.divert(p, i, procedure=b.procedure, body=b.body, reason=b.reason, meta=m),
    "diverted",
    "Divert a complaint or claim to litigation, arbitration or an administrative procedure.",
)
_command(
    "extension",
    s.ExtensionIn,
    lambda d, p, i, b, m: d.extend_handling(p, i, days=b.days, reason=b.reason, meta=m),
    "handling_extended",
    "Approve the one extension of the handling time, with the reason told to the petitioner.",
)
_command(
    "opinion",
    s.ReasonedAnswerIn,
    lambda d, p, i, b, m: d.give_opinion(
        p, i, outcome=b.outcome, facts=b.facts, legal_basis=b.legal_basis, meta=m
    ),
    "opinion_given",
    "Give the written handling opinion: support, explain or not support, with facts and legal basis.",
)
_command(
    "answer-delivery",
    s.AnswerDeliveryIn,
    lambda d, p, i, b, m: d.deliver_answer(
        p,
        i,
        method=b.method,
        recipient=b.recipient,
        received_at=b.received_at,
        reference=b.reference,
        meta=m,
    ),
    "answer_delivered",
    "Record how and when the petitioner received the written opinion or review decision: their window runs from then.",
)
_command(
    "review-request",
    s.ReviewRequestIn,
    lambda d, p, i, b, m: d.request_review(p, i, grounds=b.grounds, meta=m),
    "review_requested",
    "Record the petitioner's request for a review, within 30 days of receiving the opinion.",
)
_command(
    "review-decision",
    s.ReasonedAnswerIn,
    lambda d, p, i, b, m: d.decide_review(
        p, i, outcome=b.outcome, facts=b.facts, legal_basis=b.legal_basis, meta=m
    ),
    "review_decided",
    "Decide the review, as the body above the one that gave the opinion.",
)
_command(
    "re-review-request",
    s.ReviewRequestIn,
    lambda d, p, i, b, m: d.request_re_review(p, i, grounds=b.grounds, meta=m),
    "re_review_requested",
    "Record the petitioner's request for a re-review, within 30 days of receiving the review decision.",
)
_command(
    "re-review-decision",
    s.ReasonedAnswerIn,
    lambda d, p, i, b, m: d.decide_re_review(
        p, i, outcome=b.outcome, facts=b.facts, legal_basis=b.legal_basis, meta=m
    ),
    "re_review_decided",
    "Decide the re-review, as the body above the reviewing body: final, the petition is concluded.",
)
_command(
    "opinion-acceptance",
    s.OpinionAcceptanceIn,
    lambda d, p, i, b, m: d.accept_opinion(p, i, m),
    "opinion_accepted",
    "Record that the petitioner accepts the opinion or review decision: the petition is concluded.",
)
_command(
    "conclusion",
    s.ConclusionIn,
    lambda d, p, i, b, m: d.conclude(p, i, m),
    "concluded",
    "Conclude a petition whose window for review or re-review closed without a request.",
)
_command(
    "hearing-start",
    s.HearingStartIn,
    lambda d, p, i, b, m: d.start_hearing(p, i, m),
    "hearing_started",
    "Open a hearing at the body whose decision is pending: its time limit stops counting.",
)
_command(
    "hearing-end",
    s.HearingEndIn,
    lambda d, p, i, b, m: d.end_hearing(p, i, summary=b.summary, meta=m),
    "hearing_ended",
    "End the hearing with a summary of what it heard: the time limit counts again.",
)
