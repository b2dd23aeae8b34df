"""The petition (信访, letters and visits): registered at a node, routed to a receiving body,
accepted or not (or objected to), diverted to a legal procedure or answered with a handling
opinion, reviewed and re-reviewed on request, concluded. An accusation is secret.

Its time limits are the deadline policy's (service/petitions/clocks.py keeps them): a command
that depends on one — a request within a window, an objection, an extension — is given the
moment the window closes or the limit allows, and checks against it."""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate

from domain.directory.jurisdiction import NodeKind
from domain.errors import InvalidValue, TransitionNotAllowed
from domain.evidence import Attachable, AttachmentAddedFields, AttachmentSupersededFields


class Channel(StrEnum):
    LETTER = "letter"
    VISIT = "visit"
    PHONE = "phone"  # the mayor's hotline
    ONLINE = "online"
    FAX = "fax"
    VIA_AGENT = "via_agent"


class PetitionType(StrEnum):
    """Arts. 29–31 of the 2022 Regulations."""

    SUGGESTION = "suggestion"
    ACCUSATION = "accusation"
    COMPLAINT = "complaint"  # complaint or claim (申诉求决)


class Level(StrEnum):
    """The level of a body a petition can reach, bottom to top."""

    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Status(StrEnum):
    REGISTERED = "registered"
    ROUTED = "routed"
    OBJECTED = "objected"  # the receiving body sent it back: route it again
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    DIVERTED = "diverted"
    OPINION_GIVEN = "opinion_given"
    REVIEW_REQUESTED = "review_requested"
    REVIEWED = "reviewed"
    RE_REVIEW_REQUESTED = "re_review_requested"
    CONCLUDED = "concluded"


class AcceptanceDecision(StrEnum):
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    OBJECTED = "objected"


class LegalProcedure(StrEnum):
    LITIGATION = "litigation"
    ARBITRATION = "arbitration"
    ADMINISTRATIVE_RECONSIDERATION = "administrative_reconsideration"
    ADMINISTRATIVE = "administrative"  # another statutory administrative procedure


class Opinion(StrEnum):
    SUPPORT = "support"
    EXPLAIN = "explain"
    NOT_SUPPORT = "not_support"


class DeliveryMethod(StrEnum):
    """How a written answer reached the petitioner: their window runs from its receipt (Arts. 35–36)."""

    BY_HAND = "by_hand"  # handed over, the petitioner signing for it
    BY_POST = "by_post"  # received on the date of the postal receipt (回执)
    ELECTRONIC = "electronic"  # reached the address or system the petitioner gave


class Conclusion(StrEnum):
    OPINION_ACCEPTED = "opinion_accepted"
    REVIEW_ACCEPTED = "review_accepted"
    NO_REVIEW_REQUESTED = "no_review_requested"
    NO_RE_REVIEW_REQUESTED = "no_re_review_requested"
    RE_REVIEWED = "re_reviewed"
    ANONYMOUS_HANDLED = "anonymous_handled"  # handled; no identified petitioner to answer or to ask a review


REFILED_CONCLUDED = "concluded after re-review, Art. 36"  # why a re-filing is not accepted
REFUSED_ARTICLE = "Art. 36"
IDENTIFIED_TYPES = frozenset({PetitionType.COMPLAINT})  # a complaint or claim needs an identity
NEEDS_IDENTITY = frozenset({"request_review", "request_re_review", "deliver_answer", "accept_opinion"})
ANONYMOUS_REASON = (
    "this petition was registered anonymously (no identity number): there is no identified petitioner "
    "to receive an answer, request a review or re-review, or accept the answer"
)


# -- the rules, as data (policy defaults; they become versioned policy later) ----------------

PROPER_LEVEL: dict[NodeKind, Level] = {NodeKind.VILLAGE: Level.VILLAGE, NodeKind.TOWNSHIP: Level.TOWNSHIP}
LEVEL_OF_NODE: dict[NodeKind, Level] = {
    NodeKind.GRID: Level.VILLAGE,
    NodeKind.VILLAGE: Level.VILLAGE,
    NodeKind.TOWNSHIP: Level.TOWNSHIP,
    NodeKind.COUNTY: Level.COUNTY,
}
VISIT_REACH = 1  # Art. 20: a visit goes to the body at the same level or one above
LEAPFROG_CHANNELS = frozenset({Channel.VISIT})
GROUP_MIN_PEOPLE = 5  # Art. 20
MAX_REPRESENTATIVES = 5  # Art. 20
WITHHELD = "[withheld]"


def is_leapfrog(channel: Channel, reached: Level, proper: Level) -> bool:
    """越级: a visit to a body more than VISIT_REACH levels above the petitioner's proper level."""
    return channel in LEAPFROG_CHANNELS and reached.rank - proper.rank > VISIT_REACH


_ID_NUMBER = re.compile(r"^[0-9]{17}[0-9X]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def identity_number(raw: str, field: str = "petitioner.id_number") -> str:
    """The resident identity number, normalised (GB 11643). Never echoed in a refusal."""
    number = re.sub(r"[\s-]", "", raw or "").upper()
    if not _ID_NUMBER.match(number):
        raise InvalidValue(field, "a resident identity number has 17 digits and a check digit (0-9 or X)")
    expected = _ID_CHECK[sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        raise InvalidValue(field, "the check digit does not match: check the number")
    return number


def matter_key(raw: str) -> str:
    """The registrar's name for the matter, normalised: the same words in any case, width or
    spacing name the same matter."""
    key = " ".join(unicodedata.normalize("NFKC", raw or "").casefold().split())
    if not key:
        raise InvalidValue("matter", "name the matter, so that a repeat of it can be recognised")
    return key


def _person(raw: dict[str, Any], field: str) -> dict[str, Any]:
    name = (raw.get("name") or "").strip()
    if not name:
        raise InvalidValue(f"{field}.name", "give the person's name")
    person = {"name": name}
    if raw.get("id_number"):
        person["id_number"] = identity_number(raw["id_number"], f"{field}.id_number")
    for key in ("phone", "address"):
        if raw.get(key):
            person[key] = str(raw[key]).strip()
    return person


def _anonymous(raw: dict[str, Any]) -> dict[str, Any]:
    """The author of an anonymous letter: no identity number; a name or contact only if given."""
    person: dict[str, Any] = {"anonymous": True}
    for key in ("name", "phone", "address"):
        if (raw or {}).get(key):
            person[key] = str(raw[key]).strip()
    return person


def _required(value: str, field: str, reason: str) -> str:
    if not (value or "").strip():
        raise InvalidValue(field, reason)
    return value.strip()


_OPEN = {"name_representative"}
_DELIVER = {"deliver_answer"}
_HEARING = {"start_hearing", "end_hearing"}
ALLOWED: dict[Status, frozenset[str]] = {
    Status.REGISTERED: frozenset({"route", "assign"} | _OPEN),
    Status.ROUTED: frozenset({"decide_acceptance", "divert"} | _OPEN),
    Status.OBJECTED: frozenset({"route", "assign"} | _OPEN),
    Status.ACCEPTED: frozenset({"divert", "give_opinion", "extend_handling"} | _OPEN | _HEARING),
    Status.NOT_ACCEPTED: frozenset(),
    Status.DIVERTED: frozenset(),
    Status.OPINION_GIVEN: frozenset({"request_review", "accept_opinion", "conclude"} | _OPEN | _DELIVER),
    Status.REVIEW_REQUESTED: frozenset({"decide_review"} | _OPEN | _HEARING),
    Status.REVIEWED: frozenset({"request_re_review", "accept_opinion", "conclude"} | _OPEN | _DELIVER),
    Status.RE_REVIEW_REQUESTED: frozenset({"decide_re_review"} | _OPEN | _HEARING),
    Status.CONCLUDED: frozenset(),
}
# A hearing (听证) is held while a decision is pending; its time is not counted (Art. 36).
HEARING_STAGE = {
    Status.ACCEPTED: "handling",
    Status.REVIEW_REQUESTED: "review",
    Status.RE_REVIEW_REQUESTED: "re_review",
}
DURING_HEARING = frozenset({"end_hearing"} | _OPEN)
ANSWER_OF = {Status.OPINION_GIVEN: "opinion", Status.REVIEWED: "review"}  # the answer a window follows
WINDOW_FROM_DELIVERY = "delivery"  # the window runs from the answer's receipt (Arts. 35–36)
WINDOW_FROM_RECORDING = "recorded"  # version 1 answers: it ran from when the answer was recorded


class Petition(Attachable, Aggregate):
    """One letter, visit, call or message, from registration to conclusion. Of an accusation,
    the petitioner, representatives, content, matter, repeat link, accused person and every
    reason, fact, ground and legal basis (each event's `SECRET` fields) are withheld from the
    accused and from anyone without the right to see accusations."""

    TOPIC = "fengqiao.petition:Petition"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str
        SECRET = ()  # the fields an accusation withholds (a class attribute, not a field)

    class Registered(Aggregate.Created, Event):
        """A petition was registered at the node it concerns, with its channel, type, petitioner, flags and
        the words as said."""

        TOPIC = "fengqiao.petition:Registered"
        SECRET = ("petitioner", "representatives", "content", "matter", "repeat_of", "accused_person_id")
        node: str
        channel: str
        type: str
        oral: bool
        petitioner: dict[str, Any]
        agent: str | None
        people_count: int
        representatives: list[dict[str, Any]]
        content: str
        matter: str
        accused_person_id: str | None
        reached_level: str
        proper_level: str
        leapfrog: bool
        repeat_of: str | None

    Created = Registered

    class AttachmentAdded(Event, AttachmentAddedFields):
        """A file was attached to the petition or to one of its events (its hash and particulars, never
        its bytes)."""

        TOPIC = "fengqiao.petition:AttachmentAdded"
        SECRET = ("filename", "note", "sha256")

    class AttachmentSuperseded(Event, AttachmentSupersededFields):
        """An attachment was superseded by a later one that corrects it; both are kept."""

        TOPIC = "fengqiao.petition:AttachmentSuperseded"
        SECRET = ("reason",)

    class RepresentativeNamed(Event):
        """A group petition named one more representative (at most five, Art. 20)."""

        TOPIC = "fengqiao.petition:RepresentativeNamed"
        SECRET = ("representative",)
        representative: dict[str, Any]

        def apply(self, p: Petition) -> None:
            p.representatives = [*p.representatives, self.representative]

    class Routed(Event):
        """The petition was sent to the receiving body that has the power to handle it (Art. 22)."""

        TOPIC = "fengqiao.petition:Routed"
        to_node: str
        to_level: str

        def apply(self, p: Petition) -> None:
            p._enter(Status.ROUTED, self.effective_at)
            p.routed_to = self.to_node
            p.routings.append({"to_node": self.to_node, "to_level": self.to_level, "at": self.effective_at})

    class Assigned(Event):
        """A letters-and-visits office assigned (交办) the petition to the body in charge, which is to
        report the result back within the days set, within the deadline policy's (Art. 22)."""

        TOPIC = "fengqiao.petition:Assigned"
        office: str
        to_node: str
        to_level: str
        reporter: str  # who must report the result: a person at the receiving body, or the body
        report_within_days: int

        def apply(self, p: Petition) -> None:
            p._enter(Status.ROUTED, self.effective_at)
            p.routed_to = self.to_node
            p.routings.append(
                {
                    "to_node": self.to_node,
                    "to_level": self.to_level,
                    "at": self.effective_at,
                    "assigned": True,
                }
            )
            p.assignment = {
                "office": self.office,
                "to_node": self.to_node,
                "reporter": self.reporter,
                "report_within_days": self.report_within_days,
                "assigned_at": self.effective_at,
                "assigned_by": self.actor,
                "result": None,
                "reported_at": None,
                "reported_by": None,
            }

    class AssignmentResultReported(Event):
        """The body an assignment went to reported the result back to the assigning office (Art. 22)."""

        TOPIC = "fengqiao.petition:AssignmentResultReported"
        SECRET = ("result",)
        result: str
        body: str

        def apply(self, p: Petition) -> None:
            assert p.assignment is not None
            p.assignment = {
                **p.assignment,
                "result": self.result,
                "reported_at": self.effective_at,
                "reported_by": self.actor,
            }

    class AcceptanceDecided(Event):
        """The receiving body accepted the petition, did not accept it (with the reason), or objected to it
        and sent it back (Art. 23)."""

        TOPIC = "fengqiao.petition:AcceptanceDecided"
        SECRET = ("reason",)
        decision: str
        reason: str
        body: str

        def apply(self, p: Petition) -> None:
            record = {
                "decision": self.decision,
                "reason": self.reason,
                "body": self.body,
                "at": self.effective_at,
            }
            if self.decision == AcceptanceDecision.OBJECTED:
                p._enter(Status.OBJECTED, self.effective_at)
                p.objections.append(record)
                p.routed_to = None
                return
            p._enter(Status(self.decision), self.effective_at)
            p.acceptance = record

    class NotAcceptedAsConcluded(Event):
        """A petition registered on a matter of the same petitioner already concluded (after review or
        re-review, or with no request for one) was at once recorded not accepted: the same facts and
        reasons are not accepted again (Art. 36). The visit is on record; nothing more is done on it."""

        TOPIC = "fengqiao.petition:NotAcceptedAsConcluded"
        SECRET = ("concluded_petition",)
        reason: str
        article: str
        concluded_petition: str
        concluded_on: datetime
        concluded_how: str

        def apply(self, p: Petition) -> None:
            p._enter(Status.NOT_ACCEPTED, self.effective_at)
            p.acceptance = {
                "decision": AcceptanceDecision.NOT_ACCEPTED.value,
                "reason": self.reason,
                "article": self.article,
                "body": p.node,
                "at": self.effective_at,
                "at_registration": True,
                "concluded_petition": self.concluded_petition,
                "concluded_on": self.concluded_on,
                "concluded_how": self.concluded_how,
            }
            p.refused_at_registration = True

    class DivertedToLegalProcedure(Event):
        """A complaint or claim was taken out of the petition procedure into litigation, arbitration or an
        administrative procedure (Art. 31)."""

        TOPIC = "fengqiao.petition:DivertedToLegalProcedure"
        SECRET = ("reason",)
        procedure: str
        body: str
        reason: str

        def apply(self, p: Petition) -> None:
            p._enter(Status.DIVERTED, self.effective_at)
            p.diversion = {
                "procedure": self.procedure,
                "body": self.body,
                "reason": self.reason,
                "at": self.effective_at,
            }

    class HandlingExtended(Event):
        """The head of the body approved the one extension of the handling time, with the reason told to the
        petitioner (Art. 34)."""

        TOPIC = "fengqiao.petition:HandlingExtended"
        SECRET = ("reason",)
        days: int
        reason: str
        body: str

        def apply(self, p: Petition) -> None:
            p.extension = {
                "days": self.days,
                "reason": self.reason,
                "body": self.body,
                "approved_by": self.actor,
                "at": self.effective_at,
            }

    class HearingStarted(Event):
        """The deciding body opened a hearing (听证) on the petition: the time limit running stops counting
        until it ends."""

        TOPIC = "fengqiao.petition:HearingStarted"
        body: str
        stage: str

        def apply(self, p: Petition) -> None:
            p.hearings.append(
                {
                    "stage": self.stage,
                    "body": self.body,
                    "started_at": self.effective_at,
                    "ended_at": None,
                    "summary": None,
                }
            )

    class HearingEnded(Event):
        """The hearing ended, with a summary of what it heard; the time limit counts again."""

        TOPIC = "fengqiao.petition:HearingEnded"
        SECRET = ("summary",)
        body: str
        stage: str
        summary: str

        def apply(self, p: Petition) -> None:
            p.hearings[-1] = {**p.hearings[-1], "ended_at": self.effective_at, "summary": self.summary}

    class HandlingOpinionGiven(Event):
        """The body answered in writing: support, explain or not support, with the facts and the
        legal basis (Art. 32–34). Version 2: the window for a review runs from the answer's receipt
        (AnswerDelivered); version 1 records opened it when the answer was recorded."""

        TOPIC = "fengqiao.petition:HandlingOpinionGiven"
        SECRET = ("facts", "legal_basis")
        class_version = 2
        outcome: str
        facts: str
        legal_basis: str
        body: str
        # Where the petitioner's window for a review runs from: "delivery" (its receipt, recorded
        # by AnswerDelivered); version 1 records say "recorded" (when the answer was recorded).
        window_from: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["window_from"] = WINDOW_FROM_RECORDING

        def apply(self, p: Petition) -> None:
            p._enter(Status.OPINION_GIVEN, self.effective_at)
            p.opinion = _decision(self)

    class AnswerDelivered(Event):
        """The written answer (the handling opinion or the review decision) reached the petitioner:
        by hand, by post on the date of the postal receipt, or electronically. The window for a
        review or re-review runs from its receipt (自收到书面答复之日起, Arts. 35–36)."""

        TOPIC = "fengqiao.petition:AnswerDelivered"
        SECRET = ("recipient", "reference")
        answer: str  # "opinion" | "review"
        method: str
        recipient: str
        received_at: datetime
        reference: str | None  # the postal receipt's or the message's number

        def apply(self, p: Petition) -> None:
            p.deliveries[self.answer] = {
                "method": self.method,
                "recipient": self.recipient,
                "received_at": self.received_at,
                "reference": self.reference,
                "recorded_by": self.actor,
                "at": self.effective_at,
            }

    class ReviewRequested(Event):
        """The petitioner asked the body above for a review (复查) of the opinion (Art. 35)."""

        TOPIC = "fengqiao.petition:ReviewRequested"
        SECRET = ("grounds",)
        grounds: str

        def apply(self, p: Petition) -> None:
            p._enter(Status.REVIEW_REQUESTED, self.effective_at)
            p.review_request = {"grounds": self.grounds, "at": self.effective_at}

    class ReviewDecided(Event):
        """The body above decided the review, with the facts and the legal basis. Version 2: the
        window for a re-review runs from the decision's receipt (AnswerDelivered); version 1 records
        opened it when the decision was recorded."""

        TOPIC = "fengqiao.petition:ReviewDecided"
        SECRET = ("facts", "legal_basis")
        class_version = 2
        outcome: str
        facts: str
        legal_basis: str
        body: str
        window_from: str  # for a re-review, as HandlingOpinionGiven's for a review

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["window_from"] = WINDOW_FROM_RECORDING

        def apply(self, p: Petition) -> None:
            p._enter(Status.REVIEWED, self.effective_at)
            p.review = _decision(self)

    class ReReviewRequested(Event):
        """The petitioner asked the body above the reviewing body for a re-review (复核) (Art. 36)."""

        TOPIC = "fengqiao.petition:ReReviewRequested"
        SECRET = ("grounds",)
        grounds: str

        def apply(self, p: Petition) -> None:
            p._enter(Status.RE_REVIEW_REQUESTED, self.effective_at)
            p.re_review_request = {"grounds": self.grounds, "at": self.effective_at}

    class ReReviewDecided(Event):
        """The re-review was decided; it is final (Art. 36)."""

        TOPIC = "fengqiao.petition:ReReviewDecided"
        SECRET = ("facts", "legal_basis")
        outcome: str
        facts: str
        legal_basis: str
        body: str

        def apply(self, p: Petition) -> None:
            p.re_review = _decision(self)

    class Concluded(Event):
        """The petition is concluded: the same facts and reasons are not accepted again."""

        TOPIC = "fengqiao.petition:Concluded"
        how: str
        final_outcome: str

        def apply(self, p: Petition) -> None:
            p._enter(Status.CONCLUDED, self.effective_at)
            p.conclusion = {"how": self.how, "final_outcome": self.final_outcome, "at": self.effective_at}

    def __init__(
        self,
        *,
        node: str,
        channel: str,
        type: str,
        oral: bool,
        petitioner: dict[str, Any],
        agent: str | None,
        people_count: int,
        representatives: list[dict[str, Any]],
        content: str,
        matter: str,
        accused_person_id: str | None,
        reached_level: str,
        proper_level: str,
        leapfrog: bool,
        repeat_of: str | None,
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> None:
        self.node = node
        self.channel = Channel(channel)
        self.type = PetitionType(type)
        self.oral = oral
        self.petitioner = petitioner
        self.agent = agent
        self.people_count = people_count
        self.representatives = representatives
        self.content = content
        self.matter = matter
        self.accused_person_id = accused_person_id
        self.reached_level = Level(reached_level)
        self.proper_level = Level(proper_level)
        self.leapfrog = leapfrog
        self.repeat_of = repeat_of
        self.registered_by = actor
        self.registered_at = effective_at
        self.status = Status.REGISTERED
        self.status_since = effective_at
        self.status_log: list[dict[str, Any]] = [{"status": Status.REGISTERED, "at": effective_at}]
        self.routed_to: str | None = None
        self.routings: list[dict[str, Any]] = []
        self.objections: list[dict[str, Any]] = []
        self.acceptance: dict[str, Any] | None = None
        self.diversion: dict[str, Any] | None = None
        self.extension: dict[str, Any] | None = None
        self.opinion: dict[str, Any] | None = None
        self.review_request: dict[str, Any] | None = None
        self.review: dict[str, Any] | None = None
        self.re_review_request: dict[str, Any] | None = None
        self.re_review: dict[str, Any] | None = None
        self.conclusion: dict[str, Any] | None = None
        self.hearings: list[dict[str, Any]] = []
        self.deliveries: dict[str, dict[str, Any]] = {}  # answer → how and when the petitioner received it
        self.refused_at_registration = False  # a re-filing of a concluded matter (Art. 36)
        self.assignment: dict[str, Any] | None = None  # 交办: to whom, and the result reported back

    # -- commands -----------------------------------------------------------

    @classmethod
    def register(
        cls,
        *,
        node: str,
        node_kind: NodeKind,
        channel: Channel,
        type: PetitionType,
        petitioner: dict[str, Any],
        content: str,
        matter: str,
        people_count: int = 1,
        representatives: Sequence[dict[str, Any]] = (),
        agent: str | None = None,
        accused_person_id: str | None = None,
        reached_level: Level,
        oral: bool | None = None,
        repeat_of: str | None = None,
        **stamp: Any,
    ) -> Petition:
        channel, kind = Channel(channel), PetitionType(type)
        if node_kind not in PROPER_LEVEL:
            raise InvalidValue(
                "node",
                "a petition concerns a {proper_level}, not a {node_kind}",
                proper_level=" or ".join(PROPER_LEVEL),
                node_kind=node_kind,
            )
        if not (content or "").strip():
            raise InvalidValue("content", "record what the petitioner asks or says, in their words")
        if petitioner.get("id_number") or kind in IDENTIFIED_TYPES:
            person = _person(petitioner, "petitioner")
            person["id_number"] = identity_number(petitioner.get("id_number", ""))
        else:  # an anonymous accusation or suggestion: whatever it says of its author, no identity
            person = _anonymous(petitioner)
        if people_count < 1:
            raise InvalidValue("people_count", "at least one person petitions")
        reps = [_person(r, f"representatives[{i}]") for i, r in enumerate(representatives)]
        cls._check_representatives(people_count, reps)
        if channel == Channel.VIA_AGENT and not agent:
            raise InvalidValue("agent", "a petition brought by a petition agent names the agent")
        if accused_person_id and kind != PetitionType.ACCUSATION:
            raise InvalidValue("accused_person_id", "only an accusation names an accused person")
        proper = PROPER_LEVEL[node_kind]
        reached = Level(reached_level)
        return cls._create(
            cls.Registered,
            node=node,
            channel=channel.value,
            type=kind.value,
            oral=channel in (Channel.VISIT, Channel.PHONE) if oral is None else oral,
            petitioner=person,
            agent=agent,
            people_count=people_count,
            representatives=reps,
            content=content,
            matter=matter_key(matter),
            accused_person_id=accused_person_id or None,
            reached_level=reached.value,
            proper_level=proper.value,
            leapfrog=is_leapfrog(channel, reached, proper),
            repeat_of=repeat_of,
            **stamp,
        )

    @staticmethod
    def _check_representatives(people_count: int, reps: list[dict[str, Any]]) -> None:
        if people_count < GROUP_MIN_PEOPLE:
            if reps:
                raise InvalidValue(
                    "representatives",
                    "only a group petition of {group_min_people} or more people chooses representatives",
                    group_min_people=GROUP_MIN_PEOPLE,
                )
            return
        if not 1 <= len(reps) <= MAX_REPRESENTATIVES:
            raise InvalidValue(
                "representatives",
                "a group petition of {people_count} people chooses 1 to {max_representatives} representatives"
                " (Art. 20); {reps} were named",
                people_count=people_count,
                max_representatives=MAX_REPRESENTATIVES,
                reps=len(reps),
            )

    def not_accept_as_concluded(
        self, *, concluded_petition: str, concluded_on: datetime, concluded_how: str, **stamp: Any
    ) -> None:
        """Records, at its registration, that this petition is not accepted: the petitioner's
        matter was concluded (`concluded_petition`, on `concluded_on`, `concluded_how`)."""
        if self.status != Status.REGISTERED or self.version != 1:
            raise TransitionNotAllowed("not_accept_as_concluded", self.status.value, self.allowed_actions())
        self.trigger_event(
            self.NotAcceptedAsConcluded,
            reason=REFILED_CONCLUDED,
            article=REFUSED_ARTICLE,
            concluded_petition=concluded_petition,
            concluded_on=concluded_on,
            concluded_how=concluded_how,
            **stamp,
        )

    def name_representative(self, *, representative: dict[str, Any], **stamp: Any) -> None:
        self._check("name_representative", stamp)
        if not self.group:
            raise TransitionNotAllowed(
                "name_representative",
                self.status.value,
                self.allowed_actions(),
                f"only a group petition of {GROUP_MIN_PEOPLE} or more people has representatives; "
                f"this one is from {self.people_count}",
            )
        if len(self.representatives) >= MAX_REPRESENTATIVES:
            raise TransitionNotAllowed(
                "name_representative",
                f"{self.status.value}, with {len(self.representatives)} representatives",
                self.allowed_actions(),
                f"a group petition chooses at most {MAX_REPRESENTATIVES} representatives (Art. 20): "
                "a sixth is refused",
            )
        self.trigger_event(
            self.RepresentativeNamed, representative=_person(representative, "representative"), **stamp
        )

    def route(self, *, to_node: str, to_level: Level, **stamp: Any) -> None:
        self._check("route", stamp, step=True)
        objected = next((o for o in self.objections if o["body"] == to_node), None)
        if objected is not None:
            raise InvalidValue(
                "to_node",
                "{to_node} objected to this petition on {at}: route it elsewhere",
                to_node=to_node,
                at=objected["at"].date().isoformat(),
            )
        self.trigger_event(self.Routed, to_node=to_node, to_level=Level(to_level).value, **stamp)

    def assign(
        self,
        *,
        office: str,
        to_node: str,
        to_level: Level,
        reporter: str,
        report_within_days: int,
        most_days: int,
        **stamp: Any,
    ) -> None:
        """`most_days`: the longest the deadline policy lets an office give for the result report."""
        self._check("assign", stamp, step=True)
        objected = next((o for o in self.objections if o["body"] == to_node), None)
        if objected is not None:
            raise InvalidValue(
                "to_node",
                "{to_node} objected to this petition on {at}: assign it elsewhere",
                to_node=to_node,
                at=objected["at"].date().isoformat(),
            )
        if not 1 <= report_within_days <= most_days:
            raise InvalidValue(
                "report_within_days",
                "the result is reported within 1 to {most_days} days (Art. 22 and the deadline policy)",
                most_days=most_days,
            )
        self.trigger_event(
            self.Assigned,
            office=office,
            to_node=to_node,
            to_level=Level(to_level).value,
            reporter=_required(reporter, "reporter", "name who must report the result"),
            report_within_days=report_within_days,
            **stamp,
        )

    def report_assignment_result(self, *, result: str, **stamp: Any) -> None:
        """The receiving body reports the result back to the office that assigned the petition."""
        if self.assignment is None or self.assignment["reported_at"] is not None:
            why = (
                "the petition was not assigned: only an assignment (交办) asks for a result report"
                if self.assignment is None
                else f"the result was reported on {self.assignment['reported_at'].isoformat()}"
            )
            raise TransitionNotAllowed(
                "report_assignment_result", self.status.value, self.allowed_actions(), why
            )
        if stamp["effective_at"] < self.assignment["assigned_at"]:
            raise InvalidValue("effective_at", "cannot take effect before the petition was assigned")
        self.trigger_event(
            self.AssignmentResultReported,
            result=_required(result, "result", "say what was done and with what result"),
            body=self.assignment["to_node"],
            **stamp,
        )

    def decide_acceptance(
        self,
        *,
        decision: AcceptanceDecision,
        reason: str,
        in_progress_elsewhere: dict[str, Any] | None = None,
        objection_window_closes: datetime | None = None,
        **stamp: Any,
    ) -> None:
        """`objection_window_closes`: when the receiving body's window to object closes (Art. 23),
        for an objection."""
        self._check("decide_acceptance", stamp, step=True)
        decision = AcceptanceDecision(decision)
        if decision == AcceptanceDecision.OBJECTED:
            assert objection_window_closes is not None, "an objection is checked against its window"
            if stamp["effective_at"] > objection_window_closes:
                raise TransitionNotAllowed(
                    "decide_acceptance",
                    self.status.value,
                    self.allowed_actions(),
                    f"the window to object closed on {objection_window_closes.isoformat()} (Art. 23): "
                    "decide accepted, or not_accepted with the reason",
                )
        if decision != AcceptanceDecision.ACCEPTED:
            if decision == AcceptanceDecision.OBJECTED:
                _required(reason, "reason", "say why the petition is objected")
            else:
                _required(reason, "reason", "say why the petition is not accepted")
        elif in_progress_elsewhere is not None:
            raise TransitionNotAllowed(
                "decide_acceptance",
                self.status.value,
                self.allowed_actions(),
                f"the same matter of this petitioner was accepted on "
                f"{in_progress_elsewhere['since'].date().isoformat()} (petition "
                f"{in_progress_elsewhere['petition_id']}) "
                "and is in progress: it is not accepted again (Art. 19); decide not_accepted, saying so",
            )
        assert self.routed_to is not None
        self.trigger_event(
            self.AcceptanceDecided,
            decision=decision.value,
            reason=(reason or "").strip(),
            body=self.routed_to,
            **stamp,
        )

    def divert(self, *, procedure: LegalProcedure, body: str, reason: str, **stamp: Any) -> None:
        self._check("divert", stamp, step=True)
        if self.type != PetitionType.COMPLAINT:
            raise TransitionNotAllowed(
                "divert",
                self.status.value,
                self.allowed_actions(),
                f"only a complaint or claim goes to a legal procedure (Art. 31); this is a {self.type.value}",
            )
        self.trigger_event(
            self.DivertedToLegalProcedure,
            procedure=LegalProcedure(procedure).value,
            body=_required(body, "body", "name the court, arbitration commission or authority"),
            reason=_required(reason, "reason", "say which procedure applies and why"),
            **stamp,
        )

    def extend_handling(
        self, *, days: int, reason: str, most_days: int, handling_due: datetime | None, **stamp: Any
    ) -> None:
        """`most_days`: the most the deadline policy lets one extension add; `handling_due`: when
        the handling time runs out, when known."""
        self._check("extend_handling", stamp, step=True)
        if self.extension is not None:
            raise TransitionNotAllowed(
                "extend_handling",
                f"{self.status.value}, extended once",
                self.allowed_actions(),
                f"the handling time is extended at most once (Art. 34); it was extended on "
                f"{self.extension['at'].date().isoformat()} by {self.extension['days']} days",
            )
        if handling_due is not None and stamp["effective_at"] > handling_due:
            raise TransitionNotAllowed(
                "extend_handling",
                f"{self.status.value}, overdue",
                self.allowed_actions() - {"extend_handling"},
                f"the handling time ran out on {handling_due.isoformat()}: an extension is approved before "
                "it does",
            )
        if not 1 <= days <= most_days:
            raise InvalidValue(
                "days",
                "an extension is 1 to {most_days} days (Art. 34 and the deadline policy)",
                most_days=most_days,
            )
        assert self.routed_to is not None
        self.trigger_event(
            self.HandlingExtended,
            days=days,
            reason=_required(reason, "reason", "give the reason the petitioner is told"),
            body=self.routed_to,
            **stamp,
        )

    def give_opinion(self, *, outcome: Opinion, facts: str, legal_basis: str, **stamp: Any) -> None:
        """An anonymous petition is concluded with its handling opinion: nobody identified is
        answered, so no window for a review opens."""
        self._check("give_opinion", stamp, step=True)
        assert self.routed_to is not None
        self.trigger_event(
            self.HandlingOpinionGiven,
            **_reasoned(outcome, facts, legal_basis),
            body=self.routed_to,
            window_from=WINDOW_FROM_DELIVERY,
            **stamp,
        )
        if self.anonymous:
            self.trigger_event(
                self.Concluded,
                how=Conclusion.ANONYMOUS_HANDLED.value,
                final_outcome=Opinion(outcome).value,
                **stamp,
            )

    def start_hearing(self, *, body: str, **stamp: Any) -> None:
        """The deciding body opens a hearing while its decision is pending."""
        self._check("start_hearing", stamp, step=True)
        self.trigger_event(self.HearingStarted, body=body, stage=HEARING_STAGE[self.status], **stamp)

    def end_hearing(self, *, summary: str, **stamp: Any) -> None:
        self._check("end_hearing", stamp, step=True)
        hearing = self.hearings[-1]
        self.trigger_event(
            self.HearingEnded,
            body=hearing["body"],
            stage=hearing["stage"],
            summary=_required(summary, "summary", "summarise what the hearing heard and found"),
            **stamp,
        )

    def deliver_answer(
        self,
        *,
        method: DeliveryMethod,
        recipient: str,
        received_at: datetime,
        reference: str | None = None,
        **stamp: Any,
    ) -> None:
        """Records how and when the petitioner received the written answer now awaiting their
        request: the window for a review or re-review runs from then."""
        self._check("deliver_answer", stamp, step=True)
        answer = ANSWER_OF[self.status]
        if answer in self.deliveries:
            delivered = self.deliveries[answer]
            raise TransitionNotAllowed(
                "deliver_answer",
                f"{self.status.value}, answer delivered",
                self.allowed_actions(),
                f"the written {answer.replace('_', ' ')} was received on "
                f"{delivered['received_at'].isoformat()} ({delivered['method'].replace('_', ' ')}): "
                "the window runs from that receipt",
            )
        if received_at.tzinfo is None:
            raise InvalidValue("received_at", "give the time of receipt with its offset")
        if received_at < self.status_since:
            raise InvalidValue(
                "received_at",
                "the answer was given on {status_since}: it cannot be received before",
                status_since=self.status_since.isoformat(),
            )
        if received_at > stamp["effective_at"]:
            raise InvalidValue("received_at", "record a receipt once it has happened")
        method = DeliveryMethod(method)
        self.trigger_event(
            self.AnswerDelivered,
            answer=answer,
            method=method.value,
            recipient=_required(recipient, "recipient", "name who received the answer"),
            received_at=received_at,
            reference=(reference or "").strip() or None,
            **stamp,
        )

    def request_review(
        self, *, grounds: str, window_closes: datetime | None, provisional: bool = False, **stamp: Any
    ) -> None:
        """`window_closes`: when the window to request a review closes (by the deadline policy);
        None while it has not begun (the answer's receipt is not recorded); `provisional`: the
        closing is counted on a year whose holiday notice is not loaded, so it is not final."""
        self._check("request_review", stamp, step=True)
        self._check_window("request_review", "review", window_closes, provisional, stamp)
        self.trigger_event(
            self.ReviewRequested,
            grounds=_required(grounds, "grounds", "say what the petitioner disputes"),
            **stamp,
        )

    def decide_review(
        self, *, outcome: Opinion, facts: str, legal_basis: str, body: str, **stamp: Any
    ) -> None:
        self._check("decide_review", stamp, step=True)
        self.trigger_event(
            self.ReviewDecided,
            **_reasoned(outcome, facts, legal_basis),
            body=body,
            window_from=WINDOW_FROM_DELIVERY,
            **stamp,
        )

    def request_re_review(
        self, *, grounds: str, window_closes: datetime | None, provisional: bool = False, **stamp: Any
    ) -> None:
        self._check("request_re_review", stamp, step=True)
        self._check_window("request_re_review", "re-review", window_closes, provisional, stamp)
        self.trigger_event(
            self.ReReviewRequested,
            grounds=_required(grounds, "grounds", "say what the petitioner disputes"),
            **stamp,
        )

    def decide_re_review(
        self, *, outcome: Opinion, facts: str, legal_basis: str, body: str, **stamp: Any
    ) -> None:
        self._check("decide_re_review", stamp, step=True)
        self.trigger_event(self.ReReviewDecided, **_reasoned(outcome, facts, legal_basis), body=body, **stamp)
        self.trigger_event(
            self.Concluded, how=Conclusion.RE_REVIEWED.value, final_outcome=Opinion(outcome).value, **stamp
        )

    def accept_opinion(self, **stamp: Any) -> None:
        """The petitioner accepts the opinion (or the review decision): the petition is concluded."""
        self._check("accept_opinion", stamp, step=True)
        reviewed = self.status == Status.REVIEWED
        how = Conclusion.REVIEW_ACCEPTED if reviewed else Conclusion.OPINION_ACCEPTED
        self.trigger_event(self.Concluded, how=how.value, final_outcome=self._last_outcome(), **stamp)

    def conclude(self, *, window_closes: datetime | None, provisional: bool = False, **stamp: Any) -> None:
        """Concludes a petition whose window for review or re-review (closing at `window_closes`)
        closed without a request — never before the answer's receipt is recorded, nor on a
        provisional count of the window."""
        self._check("conclude", stamp, step=True)
        reviewed = self.status == Status.REVIEWED
        if window_closes is None:
            raise TransitionNotAllowed(
                "conclude",
                self.status.value,
                self.allowed_actions(),
                "the petitioner's receipt of the written answer is not recorded: the window for a "
                f"{'re-review' if reviewed else 'review'} runs from it (Arts. 35–36); record the delivery",
            )
        if provisional:
            raise TransitionNotAllowed(
                "conclude",
                self.status.value,
                self.allowed_actions(),
                f"the window's close ({window_closes.isoformat()}) is counted on a year whose holiday "
                "notice is not loaded: load it, and the window is counted again before anything is concluded",
            )
        if stamp["effective_at"] < window_closes:
            raise TransitionNotAllowed(
                "conclude",
                self.status.value,
                self.allowed_actions(),
                f"the petitioner may request a {'re-review' if reviewed else 'review'} until "
                f"{window_closes.isoformat()}; conclude then, or when they accept the answer",
            )
        how = Conclusion.NO_RE_REVIEW_REQUESTED if reviewed else Conclusion.NO_REVIEW_REQUESTED
        self.trigger_event(self.Concluded, how=how.value, final_outcome=self._last_outcome(), **stamp)

    # -- questions ----------------------------------------------------------

    @property
    def group(self) -> bool:
        return self.people_count >= GROUP_MIN_PEOPLE

    @property
    def anonymous(self) -> bool:
        """Registered without an identity number: no identified petitioner (an accusation or a suggestion)."""
        return not self.petitioner.get("id_number")

    @property
    def is_accusation(self) -> bool:
        return self.type == PetitionType.ACCUSATION

    @property
    def in_progress(self) -> bool:
        """Accepted and not yet ended: a body is handling it."""
        return self.acceptance is not None and self.status not in (Status.DIVERTED, Status.CONCLUDED)

    @property
    def hearing(self) -> dict[str, Any] | None:
        """The hearing in progress, if one is."""
        return self.hearings[-1] if self.hearings and self.hearings[-1]["ended_at"] is None else None

    @property
    def window_opened_at(self) -> datetime | None:
        """When the petitioner's window for a review or re-review began: the receipt of the answer
        it follows; for an answer recorded by the first releases, when it was recorded. None when
        no window waits, or while the receipt is not recorded."""
        answer = ANSWER_OF.get(self.status)
        if answer is None:
            return None
        return self.window_opened(answer)

    def window_opened(self, answer: str) -> datetime | None:
        """When the window following `answer` ("opinion" or "review") began, if it has."""
        given = self.opinion if answer == "opinion" else self.review
        if given is None:
            return None
        if answer in self.deliveries:
            return self.deliveries[answer]["received_at"]  # type: ignore[no-any-return]
        return given["at"] if given.get("window_from") == WINDOW_FROM_RECORDING else None

    def left_status_at(self, status: Status, since: datetime) -> datetime | None:
        """When the petition left the stay in `status` that `since` falls in (a clock of that stage
        started then: when the stay began, or for a window when the answer was received), if it has."""
        for entered, left in zip(self.status_log, self.status_log[1:]):
            if entered["status"] == status and entered["at"] <= since <= left["at"]:
                return left["at"]  # type: ignore[no-any-return]
        return None

    def allowed_actions(self) -> frozenset[str]:
        allowed = set(ALLOWED[self.status])
        if self.hearing is not None:
            allowed &= DURING_HEARING
        else:
            allowed.discard("end_hearing")
        if not self.group or len(self.representatives) >= MAX_REPRESENTATIVES:
            allowed.discard("name_representative")
        if self.type != PetitionType.COMPLAINT:
            allowed.discard("divert")
        if self.extension is not None:
            allowed.discard("extend_handling")
        if ANSWER_OF.get(self.status) in self.deliveries:
            allowed.discard("deliver_answer")
        if self.anonymous:
            allowed -= NEEDS_IDENTITY
        if self.assignment_open:
            allowed.add("report_assignment_result")
        return frozenset(allowed)

    @property
    def assignment_open(self) -> bool:
        """Assigned, and the result not yet reported back."""
        return self.assignment is not None and self.assignment["reported_at"] is None

    def _last_outcome(self) -> str:
        answer = self.re_review or self.review or self.opinion
        assert answer is not None
        return str(answer["outcome"])

    def _enter(self, status: Status, at: datetime) -> None:
        self.status = status
        self.status_since = at
        self.status_log.append({"status": status, "at": at})

    def _check(self, action: str, stamp: dict[str, Any], *, step: bool = False) -> None:
        if action in NEEDS_IDENTITY and self.anonymous:
            raise TransitionNotAllowed(
                action, f"{self.status.value}, anonymous", self.allowed_actions(), ANONYMOUS_REASON
            )
        if action not in ALLOWED[self.status]:
            raise TransitionNotAllowed(action, self.status.value, self.allowed_actions())
        hearing = self.hearing
        if hearing is not None and action not in DURING_HEARING:
            raise TransitionNotAllowed(
                action,
                f"{self.status.value}, hearing in progress",
                self.allowed_actions(),
                f"a hearing has been in progress since {hearing['started_at'].isoformat()}: end it first",
            )
        if action == "end_hearing" and hearing is None:
            raise TransitionNotAllowed(
                action, self.status.value, self.allowed_actions(), "no hearing is in progress"
            )
        since, what = (
            (self.status_since, f"became {self.status.value}")
            if step
            else (self.registered_at, "was registered")
        )
        last = self.hearings[-1] if step and self.hearings else None
        if last is not None and (last["ended_at"] or last["started_at"]) > since:
            since, what = (
                (last["ended_at"], "hearing ended")
                if last["ended_at"]
                else (last["started_at"], "hearing started")
            )
        if stamp["effective_at"] < since:
            raise InvalidValue(
                "effective_at",
                "cannot take effect before the {what} ({since})",
                what=_what(what),
                since=since.isoformat(),
            )

    def _check_window(
        self, action: str, what: str, closes: datetime | None, provisional: bool, stamp: dict[str, Any]
    ) -> None:
        """A request is in time before its window begins (the answer's receipt not yet recorded),
        within it, and after a close counted provisionally (the holiday notice may extend it)."""
        if closes is None or provisional or stamp["effective_at"] <= closes:
            return
        opened = self.window_opened_at or self.status_since
        raise TransitionNotAllowed(
            action,
            self.status.value,
            self.allowed_actions() - {action},
            f"the window to request a {what} closed on {closes.isoformat()}, "
            f"{(closes - opened).days} days after the petitioner received the written answer",
        )


def _what(what: str) -> str:
    return what if what.startswith("hearing") else f"petition {what.replace('_', ' ')}"


def _reasoned(outcome: Opinion, facts: str, legal_basis: str) -> dict[str, str]:
    return {
        "outcome": Opinion(outcome).value,
        "facts": _required(facts, "facts", "state the facts found"),
        "legal_basis": _required(legal_basis, "legal_basis", "cite the law, regulation or policy applied"),
    }


def _decision(event: Any) -> dict[str, Any]:
    decided = {
        "outcome": event.outcome,
        "facts": event.facts,
        "legal_basis": event.legal_basis,
        "body": event.body,
        "at": event.effective_at,
    }
    if hasattr(event, "window_from"):
        decided["window_from"] = event.window_from
    return decided


# -- secrecy of an accusation -----------------------------------------------------------------


def _withhold(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _withhold(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_withhold(v) for v in value]
    return None if value is None else WITHHELD


def withhold_secrets(events: Iterable[Any]) -> list[Any]:
    """The petition's events as someone may see them who must not see an accusation: copies
    with every SECRET field withheld. Other types of petition are returned as they are."""
    events = list(events)
    if not events or events[0].type != PetitionType.ACCUSATION:
        return events
    shown = []
    for event in events:
        twin = copy.copy(event)
        for name in event.SECRET:
            object.__setattr__(twin, name, _withhold(getattr(event, name)))
        shown.append(twin)
    return shown


def replay(events: Iterable[Any]) -> Petition:
    """The petition these events make (used to show the state built from withheld events)."""
    petition: Petition | None = None
    for event in events:
        petition = event.mutate(petition)
    assert petition is not None
    return petition


EVENT_CLASSES = (
    Petition.AttachmentAdded,
    Petition.AttachmentSuperseded,
    Petition.Registered,
    Petition.RepresentativeNamed,
    Petition.Routed,
    Petition.Assigned,
    Petition.AssignmentResultReported,
    Petition.AcceptanceDecided,
    Petition.NotAcceptedAsConcluded,
    Petition.DivertedToLegalProcedure,
    Petition.HandlingExtended,
    Petition.HearingStarted,
    Petition.HearingEnded,
    Petition.HandlingOpinionGiven,
    Petition.AnswerDelivered,
    Petition.ReviewRequested,
    Petition.ReviewDecided,
    Petition.ReReviewRequested,
    Petition.ReReviewDecided,
    Petition.Concluded,
)
EVENT_TOPICS = tuple(cls.TOPIC for cls in EVENT_CLASSES)
