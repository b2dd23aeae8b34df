"""Petition commands and reads. Every command: POST a body, get the petition as it now stands,
as the caller may see it (an accusation's secrets withheld from those who may not see them).
Logs name the petition and its status, never what it says or who brought it."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from api import petition_schemas as s
from api.commands import CaseKind, Command, add_commands
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from api.schemas import EventPublic
from domain.petitions.petition import Petition
from infra.bootstrap import System

router = APIRouter(prefix="/petitions", tags=["petitions"])


def _as_seen(system: System, person: str, petition: Petition) -> s.PetitionPublic:
    desk = system.casebook.petitions
    shown, withheld = desk.as_seen_by(person, petition)
    return s.PetitionPublic.of(shown, withheld, desk.windows(shown))


PETITIONS: CaseKind[Petition] = CaseKind(
    "petition", desk=lambda cb: cb.petitions, public=s.PetitionPublic, show=_as_seen
)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=s.PetitionPublic)
def register_petition(
    body: s.PetitionRegisterIn, person: CurrentPerson, system: SystemDep, response: Response, meta: Meta
) -> s.PetitionPublic:
    """Register a letter, visit, call or message at the node it concerns; repeats and leapfrog visits are
    flagged."""
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
    return PETITIONS.answer(response, system, person, petition, "registered")


@router.get("/{petition_id}", response_model=s.PetitionWithHistory)
def read_petition(
    petition_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.PetitionWithHistory:
    """Read a petition, every event of its history and its time limits; an accusation's content and accuser
    are withheld from those who may not see them."""
    desk = system.casebook.petitions
    petition, history, withheld = desk.read(person, petition_id)
    response.headers["ETag"] = f'"{petition.version}"'
    return s.PetitionWithHistory(
        **s.PetitionPublic.of(petition, withheld, desk.windows(petition)).model_dump(),
        history=[EventPublic.of(e) for e in history],
        clocks=[s.PetitionClockPublic.of(c) for c in desk.clocks(petition)],
    )


ANSWER = ("outcome", "facts", "legal_basis")  # a reasoned answer: opinion, review, re-review

add_commands(
    router,
    PETITIONS,
    Command(
        "representatives",
        s.RepresentativeNamingIn,
        "name_representative",
        Petition.RepresentativeNamed,
        "Name one more representative of a group petition (at most five).",
        derived=lambda b: {"representative": b.person()},
    ),
    Command(
        "routing",
        s.RoutingIn,
        "route",
        Petition.Routed,
        "Route the petition to the receiving body: the node it concerns or one above it.",
        fields=("to_node",),
    ),
    Command(
        "acceptance",
        s.AcceptanceDecisionIn,
        "decide_acceptance",
        Petition.AcceptanceDecided,
        "Decide acceptance: accepted, not accepted (with the reason), or objected to and sent back.",
        fields=("decision", "reason"),
    ),
    Command(
        "diversion",
        s.DiversionIn,
        "divert_to_legal_procedure",
        Petition.DivertedToLegalProcedure,
        "Divert a complaint or claim to litigation, arbitration or an administrative procedure.",
        fields=("procedure", "body", "reason"),
    ),
    Command(
        "extension",
        s.ExtensionIn,
        "extend_handling",
        Petition.HandlingExtended,
        "Approve the one extension of the handling time, with the reason told to the petitioner.",
        fields=("days", "reason"),
    ),
    Command(
        "opinion",
        s.ReasonedAnswerIn,
        "give_handling_opinion",
        Petition.HandlingOpinionGiven,
        "Give the written handling opinion: support, explain or not support, with facts and legal basis.",
        fields=ANSWER,
    ),
    Command(
        "answer-delivery",
        s.AnswerDeliveryIn,
        "deliver_answer",
        Petition.AnswerDelivered,
        "Record how and when the petitioner received the written opinion or review decision: "
        "their window runs from then.",
        fields=("method", "recipient", "received_at", "reference"),
    ),
    Command(
        "review-request",
        s.ReviewRequestIn,
        "request_review",
        Petition.ReviewRequested,
        "Record the petitioner's request for a review, within 30 days of receiving the opinion.",
        fields=("grounds",),
    ),
    Command(
        "review-decision",
        s.ReasonedAnswerIn,
        "decide_review",
        Petition.ReviewDecided,
        "Decide the review, as the body above the one that gave the opinion.",
        fields=ANSWER,
    ),
    Command(
        "re-review-request",
        s.ReviewRequestIn,
        "request_re_review",
        Petition.ReReviewRequested,
        "Record the petitioner's request for a re-review, within 30 days of receiving the review decision.",
        fields=("grounds",),
    ),
    Command(
        "re-review-decision",
        s.ReasonedAnswerIn,
        "decide_re_review",
        Petition.ReReviewDecided,
        "Decide the re-review, as the body above the reviewing body: final, the petition is concluded.",
        fields=ANSWER,
    ),
    Command(
        "opinion-acceptance",
        s.OpinionAcceptanceIn,
        "accept_opinion",
        Petition.Concluded,
        "Record that the petitioner accepts the opinion or review decision: the petition is concluded.",
    ),
    Command(
        "conclusion",
        s.ConclusionIn,
        "conclude",
        Petition.Concluded,
        "Conclude a petition whose window for review or re-review closed without a request.",
    ),
    Command(
        "hearing-start",
        s.HearingStartIn,
        "start_hearing",
        Petition.HearingStarted,
        "Open a hearing at the body whose decision is pending: its time limit stops counting.",
    ),
    Command(
        "hearing-end",
        s.HearingEndIn,
        "end_hearing",
        Petition.HearingEnded,
        "End the hearing with a summary of what it heard: the time limit counts again.",
        fields=("summary",),
    ),
)
