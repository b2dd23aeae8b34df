"""Petition request and response bodies: `...In` is what a client sends, `...Public` what it reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.schemas import EventPublic, In
from domain.petitions.petition import (
    AcceptanceDecision,
    Channel,
    DeliveryMethod,
    LegalProcedure,
    Level,
    Opinion,
    Petition,
    PetitionType,
)
from domain.time.clocks import ClockState

_ID_NUMBER = r"^[0-9]{17}[0-9Xx]$"
_PHONE = r"^\+?[0-9 \-]{5,20}$"


class PetitionerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(
        None, min_length=1, max_length=100, description="Required with an identity number."
    )
    id_number: str | None = Field(
        None,
        pattern=_ID_NUMBER,
        description="Resident identity number: keys repeat detection. Required for a complaint or claim; "
        "an accusation or suggestion without one is registered anonymously, and no review, answer or "
        "delivery to the petitioner is then possible.",
    )
    phone: str | None = Field(None, pattern=_PHONE)
    address: str | None = Field(None, max_length=200)


class RepresentativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    id_number: str | None = Field(None, pattern=_ID_NUMBER)
    phone: str | None = Field(None, pattern=_PHONE)


class RepresentativeNamingIn(In):
    name: str = Field(min_length=1, max_length=100)
    id_number: str | None = Field(None, pattern=_ID_NUMBER)
    phone: str | None = Field(None, pattern=_PHONE)

    def person(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude=set(In.model_fields))


class PetitionRegisterIn(In):
    node: str = Field(description="The village or township the petition concerns.")
    channel: Channel
    type: PetitionType
    petitioner: PetitionerIn = Field(default_factory=PetitionerIn)
    content: str = Field(
        max_length=8000, description="What the petitioner asks or says; an oral petition as said."
    )
    matter: str = Field(
        max_length=200, description="The registrar's short name for the matter: the same name marks a repeat."
    )
    people_count: int = Field(1, ge=1, le=100_000, description="5 or more make a group petition.")
    representatives: list[RepresentativeIn] = Field(
        default_factory=list,
        max_length=50,
        description="A group petition's representatives: 1 to 5 (Art. 20).",
    )
    agent: str | None = Field(
        None, description="Person id of the petition agent acting; default: the registrar, if one."
    )
    accused_person_id: str | None = Field(
        None, description="For an accusation: the accused, when in the directory."
    )
    reached_level: Level | None = Field(
        None, description="Level of the body the petition reached; default: the registrar's."
    )
    oral: bool | None = Field(None, description="Default: true for a visit or a call.")


class RoutingIn(In):
    to_node: str = Field(description="The receiving body: the node the petition concerns or one above it.")


class AssignmentIn(In):
    office: str = Field(description="The letters-and-visits office assigning the matter (交办).")
    to_node: str = Field(description="The body in charge: the node the petition concerns or one above it.")
    reporter: str | None = Field(
        None, max_length=100, description="Who must report the result back; default: the receiving body."
    )
    report_within_days: int | None = Field(
        None, description="Days to report the result back: at most, and by default, the deadline policy's."
    )


class AssignmentResultIn(In):
    result: str = Field(max_length=8000, description="What was done, and with what result.")


class AcceptanceDecisionIn(In):
    decision: AcceptanceDecision
    reason: str = Field("", max_length=2000, description="Required when not accepted or objected to.")


class DiversionIn(In):
    procedure: LegalProcedure
    body: str = Field(max_length=200, description="The court, arbitration commission or authority.")
    reason: str = Field(max_length=2000)


class ExtensionIn(In):
    days: int = Field(description="At most what the deadline policy allows (30 by default, Art. 34).")
    reason: str = Field(max_length=2000, description="The reason the petitioner is told.")


class ReasonedAnswerIn(In):
    outcome: Opinion
    facts: str = Field(max_length=8000)
    legal_basis: str = Field(max_length=4000)


class AnswerDeliveryIn(In):
    method: DeliveryMethod = Field(
        description="by_hand, by_post (received on the postal receipt's date) or electronic."
    )
    recipient: str = Field(min_length=1, max_length=100, description="Who received the written answer.")
    received_at: AwareDatetime = Field(
        description="When the petitioner received it: the window for a review or re-review runs from then."
    )
    reference: str | None = Field(
        None, max_length=100, description="The postal receipt's or message's number."
    )


class ReviewRequestIn(In):
    grounds: str = Field(max_length=4000, description="What the petitioner disputes.")


class OpinionAcceptanceIn(In):
    pass


class HearingStartIn(In):
    pass


class HearingEndIn(In):
    summary: str = Field(max_length=8000, description="What the hearing heard and found.")


class ConclusionIn(In):
    pass


class PetitionPublic(BaseModel):
    id: str
    version: int
    node: str
    channel: str
    type: str
    oral: bool
    petitioner: dict[str, Any]
    agent: str | None
    people_count: int
    group: bool
    representatives: list[dict[str, Any]]
    content: str
    matter: str
    accused_person_id: str | None
    reached_level: str
    proper_level: str
    leapfrog: bool
    repeat_of: str | None
    registered_at: datetime
    registered_by: str
    status: str
    status_since: datetime
    routed_to: str | None
    routings: list[dict[str, Any]]
    objections: list[dict[str, Any]]
    acceptance: dict[str, Any] | None
    diversion: dict[str, Any] | None
    extension: dict[str, Any] | None
    opinion: dict[str, Any] | None
    review_request: dict[str, Any] | None
    review: dict[str, Any] | None
    re_review_request: dict[str, Any] | None
    re_review: dict[str, Any] | None
    conclusion: dict[str, Any] | None
    hearings: list[dict[str, Any]]
    deliveries: dict[str, dict[str, Any]] = Field(
        description="How and when the petitioner received each written answer (opinion, review)."
    )
    hearing: dict[str, Any] | None = Field(description="The hearing in progress: its time is not counted.")
    review_window_closes: datetime | None = Field(
        description="By the deadline policy and the business calendar, from the receipt of the opinion; "
        "none until its receipt is recorded."
    )
    re_review_window_closes: datetime | None
    assignment: dict[str, Any] | None = Field(
        description="An assignment (交办): the office, the receiving body, who reports, and the result."
    )
    allowed_actions: list[str]
    anonymous: bool = Field(
        description="Registered without an identity number: review requests, answers to the petitioner "
        "and their delivery are unavailable."
    )
    refused_at_registration: bool = Field(
        description="A re-filing of a matter already concluded: registered and at once not accepted "
        "(Art. 36)."
    )
    secrets_withheld: bool = Field(
        description="True when this is an accusation whose content and accuser are withheld from the reader."
    )

    @classmethod
    def of(cls, p: Petition, withheld: bool, windows: dict[str, datetime | None]) -> PetitionPublic:
        computed = {"id", "allowed_actions", "secrets_withheld", *windows}
        fields = {name: getattr(p, name) for name in cls.model_fields if name not in computed}
        return cls(
            **fields,
            **windows,
            id=str(p.id),
            allowed_actions=sorted(p.allowed_actions()),
            secrets_withheld=withheld,
        )


class PetitionClockPublic(BaseModel):
    """One of the petition's time limits: how its due time was reckoned and what became of it."""

    key: str
    clock: str
    node: str = Field(description="Its people, and those of the node above, are reminded.")
    status: str
    started_at: datetime
    due_at: datetime
    policy_version: str
    calendar: str
    calendar_version: int
    skipped: list[dict[str, str]]
    pauses: list[dict[str, Any]]
    extensions: list[dict[str, Any]]
    reminders_sent: list[dict[str, Any]]
    reminders_skipped: list[dict[str, Any]]
    outcome: str | None
    ended_at: datetime | None

    @classmethod
    def of(cls, c: ClockState) -> PetitionClockPublic:
        return cls(**{name: getattr(c, name) for name in cls.model_fields})


class PetitionWithHistory(PetitionPublic):
    history: list[EventPublic]
    clocks: list[PetitionClockPublic]


class AssignedPetitionPublic(BaseModel):
    """One petition an office assigned, and what came back."""

    petition_id: str
    to_node: str
    assigned_at: datetime
    reporter: str
    report_due_at: datetime | None = Field(description="By the result-report clock, once it is kept.")
    report_clock_status: str | None = Field(description="running, met, missed …")
    overdue: bool = Field(
        description="The report-by date passed with no report (recorded missed, not settled)."
    )
    reported_at: datetime | None
    result: str | None = Field(description="The result reported; withheld from those who may not see it.")
    petition_status: str


class AssignedList(BaseModel):
    office: str
    assigned: list[AssignedPetitionPublic]
    awaiting_report: int
    overdue: int
