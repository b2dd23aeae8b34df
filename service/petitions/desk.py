"""Commands on petitions: who may do what at which node, the petitioner's matters kept in step
in the same transaction, the time limits a command depends on (from the petition's clocks, or
the deadline policy), the system's conclusion when a window closes, and what a reader may see
of an accusation."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.directory.access import SYSTEM_ACTOR, Post, Right
from domain.directory.tree import Directory
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    ConcurrentChanges,
    InvalidValue,
    NoRule,
    TransitionNotAllowed,
)
from domain.petitions.assignments import OfficeAssignments, assignments_id
from domain.petitions.petition import (
    LEVEL_OF_NODE,
    AcceptanceDecision,
    Channel,
    DeliveryMethod,
    LegalProcedure,
    Level,
    Opinion,
    Petition,
    PetitionType,
    Status,
    identity_number,
    matter_key,
    replay,
    withhold_secrets,
)
from domain.petitions.petitioner import Petitioner, petitioner_id
from domain.time.clocks import CaseClocks, ClockState, clocks_id
from service.petitions.terms import (
    ASSIGNMENT,
    KIND,
    WINDOW_ANSWER,
    WINDOWS,
    assignment_rule,
    extension_rule,
    key_of,
    planned_count,
    planned_due,
    recorded,
)
from service.store import MAX_ATTEMPTS, NO_META, CommandMeta, Stamp

if TYPE_CHECKING:
    from datetime import datetime

    from service.deadlines import DeadlineDesk
    from service.store import CaseStore

RIGHT_FOR: dict[str, Right] = {
    "register_petition": Right.REGISTER_PETITION,
    "name_representative": Right.HANDLE_PETITION,
    "route": Right.HANDLE_PETITION,
    "assign": Right.HANDLE_PETITION,
    "report_assignment_result": Right.HANDLE_PETITION,
    "decide_acceptance": Right.DECIDE_PETITION,
    "divert": Right.HANDLE_PETITION,
    "extend_handling": Right.APPROVE_EXTENSION,
    "give_opinion": Right.DECIDE_PETITION,
    "deliver_answer": Right.HANDLE_PETITION,
    "request_review": Right.HANDLE_PETITION,
    "decide_review": Right.DECIDE_PETITION,
    "request_re_review": Right.HANDLE_PETITION,
    "decide_re_review": Right.DECIDE_PETITION,
    "accept_opinion": Right.HANDLE_PETITION,
    "conclude": Right.DECIDE_PETITION,
    "start_hearing": Right.DECIDE_PETITION,
    "end_hearing": Right.DECIDE_PETITION,
}
# Where each action is authorised: at the node the petition concerns (recording what the
# petitioner asks), at the receiving body, or at the body above it (review, re-review).
AT_HOME = frozenset({"name_representative", "route", "request_review", "request_re_review", "accept_opinion"})
AT_REVIEWING_BODY = "decide_review"
AT_RE_REVIEWING_BODY = "decide_re_review"
AT_DECIDING_BODY = frozenset({"start_hearing", "end_hearing"})  # whichever body's decision is pending
AT_ANSWERING_BODY = "deliver_answer"  # the body whose written answer the petitioner receives
REGISTER = "register_petition"


class PetitionDesk:
    def __init__(self, store: CaseStore, deadlines: DeadlineDesk) -> None:
        self.cb = store
        self.deadlines = deadlines
        store.guard(Petition, lambda p: p.node)

    # -- registration ---------------------------------------------------------

    def register(
        self,
        actor: str,
        *,
        node: str,
        channel: Channel,
        type: PetitionType,
        petitioner: dict[str, Any],
        content: str,
        matter: str,
        people_count: int = 1,
        representatives: Sequence[dict[str, Any]] = (),
        agent: str | None = None,
        accused_person_id: str | None = None,
        reached_level: Level | None = None,
        oral: bool | None = None,
        meta: CommandMeta = NO_META,
    ) -> Petition:
        """Registers a petition at the node it concerns; a repeat of the petitioner's matter is
        flagged, and a re-filing of a matter already concluded is registered and at once recorded
        not accepted (Art. 36), on the petitioner's record. An accusation or a suggestion without
        an identity number is registered anonymously; a complaint or claim needs one."""
        directory, now = self.cb.current_directory(), self.cb.clock()
        record = directory.node(node)
        if record is None or not record.active_at(now):
            raise InvalidValue("node", "no node {node!r} in the jurisdiction", node=node)
        tenure = self.cb.authorise_in(directory, actor, Right.REGISTER_PETITION, node, meta, REGISTER)
        if accused_person_id is not None:
            self._check_accused(directory, actor, accused_person_id, node)
        if agent is None and Channel(channel) == Channel.VIA_AGENT and tenure.post == Post.PETITION_AGENT:
            agent = actor
        if agent is not None:
            self._check_agent(directory, agent, node, now)
        anonymous = not petitioner.get("id_number") and PetitionType(type) != PetitionType.COMPLAINT
        number = None if anonymous else identity_number(petitioner.get("id_number") or "")
        key = matter_key(matter)
        reached = reached_level or LEVEL_OF_NODE[directory.nodes[tenure.node].kind]
        stamp = self.cb.stamp(actor, meta)

        def build() -> tuple[Petition, list[Petitioner]]:
            known = self._petitioner(number) if number else None
            concluded = known.concluded(key) if known else None
            repeat_of = known.latest(key) if known else None
            petition = Petition.register(
                node=node,
                node_kind=record.kind,
                channel=channel,
                type=type,
                petitioner=petitioner,
                content=content,
                matter=key,
                people_count=people_count,
                representatives=representatives,
                agent=agent,
                accused_person_id=accused_person_id,
                reached_level=reached,
                oral=oral,
                repeat_of=repeat_of,
                **stamp,
            )
            if number is None:  # anonymous: no petitioner's record to keep
                return petition, []
            if known is not None and concluded is not None:
                petition.not_accept_as_concluded(
                    concluded_petition=concluded["petition_id"],
                    concluded_on=concluded["since"],
                    concluded_how=concluded["how"],
                    **stamp,
                )
                known.file_refused(matter=key, petition_id=petition.id, **stamp)
                return petition, [known]
            known = known or Petitioner.open(self.petitioner_id(number), **stamp)
            known.file(matter=key, petition_id=petition.id, **stamp)
            return petition, [known]

        return self._create(stamp, build, meta)

    # -- commands on a petition ---------------------------------------------------

    def name_representative(
        self, actor: str, petition_id: UUID, *, representative: dict[str, Any], meta: CommandMeta = NO_META
    ) -> Petition:
        return self._act(
            actor,
            petition_id,
            "name_representative",
            meta,
            lambda p, s: p.name_representative(representative=representative, **s),
        )

    def route(self, actor: str, petition_id: UUID, *, to_node: str, meta: CommandMeta = NO_META) -> Petition:
        """Sends the petition to the body of the node it concerns, or of a node above it."""

        def decide(p: Petition, s: Stamp) -> None:
            directory, now = self.cb.current_directory(), self.cb.clock()
            target = directory.node(to_node)
            if target is None or not target.active_at(now):
                raise InvalidValue("to_node", "no node {to_node!r} in the jurisdiction", to_node=to_node)
            chain = directory.ancestors(p.node, now)
            if to_node not in chain:
                raise InvalidValue(
                    "to_node",
                    "route to the body of {node} or of a node above it: {chain}",
                    node=p.node,
                    chain=", ".join(chain),
                )
            p.route(to_node=to_node, to_level=LEVEL_OF_NODE[target.kind], **s)

        return self._act(actor, petition_id, "route", meta, decide)

    def assign(
        self,
        actor: str,
        petition_id: UUID,
        *,
        office: str,
        to_node: str,
        reporter: str | None = None,
        report_within_days: int | None = None,
        meta: CommandMeta = NO_META,
    ) -> Petition:
        """Assigns (交办) the petition from the letters-and-visits office at `office` to the body in
        charge at `to_node` — the node it concerns or one above it, within the office's reach — which
        reports the result back within `report_within_days` (default, and at most, the deadline
        policy's), by `reporter` (default: the receiving body)."""

        def decide(p: Petition, s: Stamp) -> list[Any]:
            directory, now = self.cb.current_directory(), self.cb.clock()
            for field, node in (("office", office), ("to_node", to_node)):
                found = directory.node(node)
                if found is None or not found.active_at(now):
                    raise InvalidValue(field, "no node {node!r} in the jurisdiction", node=node)
            chain = directory.ancestors(p.node, now)
            if to_node not in chain:
                raise InvalidValue(
                    "to_node",
                    "assign to the body in charge: {node} or a node above it: {chain}",
                    node=p.node,
                    chain=", ".join(chain),
                )
            if not directory.contains(office, to_node, now):
                raise InvalidValue(
                    "to_node",
                    "{office} assigns within its jurisdiction; {to_node} is not in it",
                    office=office,
                    to_node=to_node,
                )
            most = assignment_rule(self.deadlines, s["effective_at"]).amount
            p.assign(
                office=office,
                to_node=to_node,
                to_level=LEVEL_OF_NODE[directory.nodes[to_node].kind],
                reporter=reporter or to_node,
                report_within_days=most if report_within_days is None else report_within_days,
                most_days=most,
                **s,
            )
            book = self._assignments(office) or OfficeAssignments.open(office, **s)
            book.note(petition_id=p.id, to_node=to_node, **s)
            return [book]

        return self._act(actor, petition_id, "assign", meta, decide, node=office)

    def report_assignment_result(
        self, actor: str, petition_id: UUID, *, result: str, meta: CommandMeta = NO_META
    ) -> Petition:
        """The receiving body reports the result of an assignment back to the assigning office."""

        def decide(p: Petition, s: Stamp) -> list[Any]:
            p.report_assignment_result(result=result, **s)
            assert p.assignment is not None
            book = self.cb.load(OfficeAssignments, assignments_id(p.assignment["office"]), "assignments")
            book.receive(petition_id=p.id, **s)
            return [book]

        return self._act(
            actor, petition_id, "report_assignment_result", meta, decide, node=self._receiving_body
        )

    def assigned_by(
        self, reader: str, office: str
    ) -> list[tuple[Petition, dict[str, Any], ClockState | None]]:
        """What the office assigned and what came back: each petition (as the reader may see
        it), the office's record of it, and its result-report clock."""
        self.cb.authorise(reader, Right.READ, office)
        book = self._assignments(office)
        found = []
        for record in book.assigned.values() if book else []:
            petition = self.cb.load(Petition, UUID(record["petition_id"]), "petition")
            shown, _ = self.as_seen_by(reader, petition)
            clock = next((c for c in self.clocks(petition) if c.clock == ASSIGNMENT), None)
            found.append((shown, record, clock))
        return sorted(found, key=lambda f: f[1]["assigned_at"])

    def decide_acceptance(
        self,
        actor: str,
        petition_id: UUID,
        *,
        decision: AcceptanceDecision,
        reason: str = "",
        meta: CommandMeta = NO_META,
    ) -> Petition:
        def decide(p: Petition, s: Stamp) -> list[Petitioner]:
            known = None if p.anonymous else self._petitioner_of(p)
            accepting = decision == AcceptanceDecision.ACCEPTED
            elsewhere = known.in_progress(p.matter, p.id) if known and accepting else None
            objection_closes = None
            if decision == AcceptanceDecision.OBJECTED and p.status == Status.ROUTED:
                objection_closes = planned_due(self.deadlines, "petition.objection", p, p.status_since)
            p.decide_acceptance(
                decision=decision,
                reason=reason,
                in_progress_elsewhere=elsewhere,
                objection_window_closes=objection_closes,
                **s,
            )
            if known is None:
                return []
            if decision == AcceptanceDecision.ACCEPTED:
                known.note_accepted(matter=p.matter, petition_id=p.id, **s)
            elif decision == AcceptanceDecision.NOT_ACCEPTED:
                known.note_ended(matter=p.matter, petition_id=p.id, outcome=decision.value, **s)
            else:
                return []  # an objection leaves the matter pending
            return [known]

        return self._act(actor, petition_id, "decide_acceptance", meta, decide)

    def divert_to_legal_procedure(
        self,
        actor: str,
        petition_id: UUID,
        *,
        procedure: LegalProcedure,
        body: str,
        reason: str,
        meta: CommandMeta = NO_META,
    ) -> Petition:
        def decide(p: Petition, s: Stamp) -> list[Petitioner]:
            p.divert(procedure=procedure, body=body, reason=reason, **s)
            known = self._petitioner_of(p)
            known.note_ended(matter=p.matter, petition_id=p.id, outcome="diverted", **s)
            return [known]

        return self._act(actor, petition_id, "divert", meta, decide)

    def extend_handling(
        self, actor: str, petition_id: UUID, *, days: int, reason: str, meta: CommandMeta = NO_META
    ) -> Petition:
        """Records the one extension of the handling time, at most what the deadline policy allows,
        before the handling time runs out."""

        def decide(p: Petition, s: Stamp) -> None:
            most, due = self._extension_terms(p) if "extend_handling" in p.allowed_actions() else (0, None)
            p.extend_handling(days=days, reason=reason, most_days=most, handling_due=due, **s)

        return self._act(actor, petition_id, "extend_handling", meta, decide)

    def give_handling_opinion(
        self,
        actor: str,
        petition_id: UUID,
        *,
        outcome: Opinion,
        facts: str,
        legal_basis: str,
        meta: CommandMeta = NO_META,
    ) -> Petition:
        def decide(p: Petition, s: Stamp) -> list[Petitioner]:
            p.give_opinion(outcome=outcome, facts=facts, legal_basis=legal_basis, **s)
            return []  # an anonymous petition is concluded with it: no petitioner's record to keep

        return self._act(actor, petition_id, "give_opinion", meta, decide)

    def deliver_answer(
        self,
        actor: str,
        petition_id: UUID,
        *,
        method: DeliveryMethod,
        recipient: str,
        received_at: datetime,
        reference: str | None = None,
        meta: CommandMeta = NO_META,
    ) -> Petition:
        """Records how and when the petitioner received the written opinion or review decision:
        their window for a review or re-review runs from then (Arts. 35–36)."""
        return self._act(
            actor,
            petition_id,
            "deliver_answer",
            meta,
            lambda p, s: p.deliver_answer(
                method=method, recipient=recipient, received_at=received_at, reference=reference, **s
            ),
        )

    def request_review(
        self, actor: str, petition_id: UUID, *, grounds: str, meta: CommandMeta = NO_META
    ) -> Petition:
        return self._act(
            actor,
            petition_id,
            "request_review",
            meta,
            lambda p, s: p.request_review(grounds=grounds, **self._window(p), **s),
        )

    def decide_review(
        self,
        actor: str,
        petition_id: UUID,
        *,
        outcome: Opinion,
        facts: str,
        legal_basis: str,
        meta: CommandMeta = NO_META,
    ) -> Petition:
        return self._act(
            actor,
            petition_id,
            "decide_review",
            meta,
            lambda p, s: p.decide_review(
                outcome=outcome, facts=facts, legal_basis=legal_basis, body=self.reviewing_body(p), **s
            ),
        )

    def request_re_review(
        self, actor: str, petition_id: UUID, *, grounds: str, meta: CommandMeta = NO_META
    ) -> Petition:
        return self._act(
            actor,
            petition_id,
            "request_re_review",
            meta,
            lambda p, s: p.request_re_review(grounds=grounds, **self._window(p), **s),
        )

    def decide_re_review(
        self,
        actor: str,
        petition_id: UUID,
        *,
        outcome: Opinion,
        facts: str,
        legal_basis: str,
        meta: CommandMeta = NO_META,
    ) -> Petition:
        def decide(p: Petition, s: Stamp) -> list[Petitioner]:
            p.decide_re_review(
                outcome=outcome, facts=facts, legal_basis=legal_basis, body=self.re_reviewing_body(p), **s
            )
            return self._concluded(p, s)

        return self._act(actor, petition_id, "decide_re_review", meta, decide)

    def accept_opinion(self, actor: str, petition_id: UUID, meta: CommandMeta = NO_META) -> Petition:
        """Records that the petitioner accepts the opinion or the review decision: concluded."""

        def decide(p: Petition, s: Stamp) -> list[Petitioner]:
            p.accept_opinion(**s)
            return self._concluded(p, s)

        return self._act(actor, petition_id, "accept_opinion", meta, decide)

    def conclude(self, actor: str, petition_id: UUID, meta: CommandMeta = NO_META) -> Petition:
        """Concludes a petition whose window for review or re-review closed without a request."""

        def decide(p: Petition, s: Stamp) -> list[Petitioner]:
            p.conclude(**self._window(p), **s)
            return self._concluded(p, s)

        return self._act(actor, petition_id, "conclude", meta, decide)

    def start_hearing(self, actor: str, petition_id: UUID, meta: CommandMeta = NO_META) -> Petition:
        """Opens a hearing (听证) at the body whose decision is pending; its time is not counted."""
        return self._act(
            actor,
            petition_id,
            "start_hearing",
            meta,
            lambda p, s: p.start_hearing(body=self.deciding_body(p), **s),
        )

    def end_hearing(
        self, actor: str, petition_id: UUID, *, summary: str, meta: CommandMeta = NO_META
    ) -> Petition:
        return self._act(
            actor, petition_id, "end_hearing", meta, lambda p, s: p.end_hearing(summary=summary, **s)
        )

    # -- the system's commands ------------------------------------------------------

    def conclude_after_window(self, petition_id: UUID, *, clock: ClockState) -> Petition:
        """The window for a review or re-review closed with no request: the system concludes the
        petition and stops the window's clock, in one transaction. Idempotent: the command id is
        the window's clock, and a petition no longer waiting in that window is left alone."""
        waiting, what = WINDOWS[clock.clock]

        def decide(p: Petition, stamp: Stamp) -> bool | list[Any]:
            if (
                p.status != waiting
                or p.window_opened_at != clock.started_at
                or "conclude" not in p.allowed_actions()
                or clock.provisional
            ):
                return False
            clocks = self.cb.load(CaseClocks, clocks_id(KIND, petition_id), "clocks")
            p.conclude(window_closes=clock.due_at, **stamp)
            clocks.stop(
                key=clock.key,
                outcome=f"window closed: no {what} requested; the petition is concluded",
                **stamp,
            )
            return [*self._concluded(p, stamp), clocks]

        stamp = Stamp(
            actor=SYSTEM_ACTOR, effective_at=clock.due_at, command_id=f"deadline:{petition_id}:{clock.key}"
        )
        return self.cb.change(Petition, petition_id, "petition", "conclude_after_window", stamp, decide)

    # -- questions ----------------------------------------------------------------

    def get(self, reader: str | None, petition_id: UUID) -> Petition:
        """The petition as it is (not withheld: for the desk's own use and for tests)."""
        return self.cb.read(Petition, petition_id, "petition", reader)

    def read(self, reader: str, petition_id: UUID) -> tuple[Petition, list[Any], bool]:
        """The petition now and every event that made it so, as the reader may see them; the
        flag says whether the secrets of an accusation were withheld."""
        petition = self.get(reader, petition_id)
        history = self.cb.history(petition.id, petition.version)
        if self.may_see_secrets(reader, petition):
            return petition, history, False
        shown = withhold_secrets(history)
        return replay(shown), shown, True

    def as_seen_by(self, reader: str, petition: Petition) -> tuple[Petition, bool]:
        """The petition a command has just changed, as the person who gave the command may see it."""
        if self.may_see_secrets(reader, petition):
            return petition, False
        return replay(withhold_secrets(self.cb.history(petition.id, petition.version))), True

    def may_see_secrets(self, reader: str, petition: Petition) -> bool:
        """Anyone may see what is not an accusation. An accusation's content and the accuser's
        identity are seen only by those with the right where it belongs — never by the accused."""
        if not petition.is_accusation:
            return True
        if reader == petition.accused_person_id:
            return False
        try:
            self.cb.authorise(reader, Right.SEE_ACCUSATION, petition.node)
        except AccessDenied:
            return False
        return True

    def petitioner_id(self, number: str) -> UUID:
        """The id of the record of the petitioner with this (normalised) identity number."""
        if self.cb.id_key is None:
            raise RuntimeError("this Casebook has no key for petitioner ids: build it with infra.bootstrap")
        return petitioner_id(number, self.cb.id_key)

    def window_closes(self, petition: Petition) -> datetime | None:
        """When the petitioner's window for a review (after the opinion) or a re-review (after the
        review decision) closes; None when no window is open, or before the answer's receipt."""
        return self._window(petition)["window_closes"]

    def _window(self, petition: Petition) -> dict[str, Any]:
        """The open window's close and whether it is counted provisionally, as the commands take them."""
        for clock, (waiting, _) in WINDOWS.items():
            opened = petition.window_opened(WINDOW_ANSWER[clock])
            if petition.status == waiting and opened is not None:
                closes, provisional = planned_count(self.deadlines, clock, petition, opened)
                return {"window_closes": closes, "provisional": provisional}
        return {"window_closes": None, "provisional": False}

    def windows(self, petition: Petition) -> dict[str, datetime | None]:
        """When each of the petition's windows for review and re-review closes (or closed); None
        before it opens (the answer not yet given or its receipt not recorded), or when no policy
        has a rule for it (a reading never fails for that)."""

        def closes(clock: str) -> datetime | None:
            opened = petition.window_opened(WINDOW_ANSWER[clock])
            try:
                return planned_due(self.deadlines, clock, petition, opened) if opened else None
            except NoRule:
                return None

        return {
            "review_window_closes": closes("petition.review_request"),
            "re_review_window_closes": closes("petition.re_review_request"),
        }

    def clocks(self, petition: Petition) -> list[ClockState]:
        """The petition's time limits, running and ended, in the order they started."""
        found = self.deadlines.clocks(KIND, petition.id)
        return sorted(found.clocks.values(), key=lambda c: (c.started_at, c.clock)) if found else []

    def deciding_body(self, petition: Petition) -> str:
        """The body whose decision is pending: the handling, reviewing or re-reviewing body."""
        if petition.hearing is not None:
            return str(petition.hearing["body"])
        if petition.status == Status.REVIEW_REQUESTED:
            return self.reviewing_body(petition)
        if petition.status == Status.RE_REVIEW_REQUESTED:
            return self.re_reviewing_body(petition)
        return self.handling_body(petition)

    def handling_body(self, petition: Petition) -> str:
        return petition.routed_to or petition.node

    def reviewing_body(self, petition: Petition) -> str:
        """The body above the one that gave the opinion (until the tree holds cities, the
        county is the top: it reviews its own opinions' reviews)."""
        opinion_body = petition.opinion["body"] if petition.opinion else self.handling_body(petition)
        return self._above(opinion_body)

    def re_reviewing_body(self, petition: Petition) -> str:
        return self._above(petition.review["body"] if petition.review else self.reviewing_body(petition))

    def node_for(self, action: str, petition: Petition) -> str:
        if action in AT_HOME:
            return petition.node
        if action == AT_REVIEWING_BODY:
            return self.reviewing_body(petition)
        if action == AT_RE_REVIEWING_BODY:
            return self.re_reviewing_body(petition)
        if action in AT_DECIDING_BODY:
            return self.deciding_body(petition)
        if action == AT_ANSWERING_BODY:
            answer = petition.review if petition.status == Status.REVIEWED else petition.opinion
            return str(answer["body"]) if answer else self.handling_body(petition)
        return self.handling_body(petition)

    def offered(self, actor: str, petition_id: UUID) -> dict[str, list[str]]:
        """The actions the petition allows now that the actor may take, by the same checks as
        the commands (recusal, the right at the node where each is authorised): each with the
        nodes it may be taken at (for an assignment, the offices it may come from)."""
        petition = self.get(None, petition_id)
        directory, now = self.cb.current_directory(), self.cb.clock()
        offered: dict[str, list[str]] = {}
        for action in sorted(petition.allowed_actions()):
            if action == "conclude" and not self._window_closed(petition, now):
                continue  # the petitioner may still ask: nothing to conclude yet
            if action == "assign":  # from an office in the chain above the node it concerns
                places = directory.ancestors(petition.node, now)
            elif action == "report_assignment_result":
                places = [self._receiving_body(petition)]
            else:
                places = [self.node_for(action, petition)]
            allowed = []
            for place in places:
                try:
                    self._authorise(actor, action, petition, place)
                except AccessDenied:
                    continue
                allowed.append(place)
            if allowed:
                offered[action] = allowed
        return offered

    def listed(
        self, reader: str, status: Status | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[int, list[Petition]]:
        """The petitions the reader may read (at the nodes of their posts with the right, and
        under them), newest first, in a state if one is given, as the reader may see them; and how
        many match. Read from the store, one petition at a time: a stopgap until the case list
        read model exists (docs/architecture.md)."""
        directory, now = self.cb.current_directory(), self.cb.clock()
        roots = [t.node for t in directory.posts_with_right(reader, Right.READ, now)]
        found: list[Petition] = []
        position = 0
        while batch := self.cb.recorder.select_notifications(
            position, 1000, topics=[Petition.Registered.TOPIC], inclusive_of_start=False
        ):
            for note in batch:
                petition = self.cb.load(Petition, note.originator_id, "petition")
                readable = any(directory.contains(root, petition.node, now) for root in roots)
                if readable and (status is None or petition.status == status):
                    found.append(petition)
            position = batch[-1].id
        found.sort(key=lambda p: p.registered_at, reverse=True)
        page = [self.as_seen_by(reader, p)[0] for p in found[offset : offset + limit]]
        return len(found), page

    # -- machinery ----------------------------------------------------------------

    def _authorise(self, actor: str, action: str, petition: Petition, where: str) -> None:
        """What every command on a petition checks first: a person it concerns takes no part
        (recusal), and the actor holds the action's right at the node where it is taken."""
        if actor == petition.accused_person_id:
            # Who is accused is withheld from the accused: the refusal says only that this person may
            # not act here, never why (a reason naming the recusal would tell them the accusation).
            name = self.cb.current_directory().name_of(actor)
            raise AccessDenied(
                actor, RIGHT_FOR[action], where, _NOT_YOURS.format(name, action.replace("_", " "))
            )
        self.cb.authorise(actor, RIGHT_FOR[action], where)

    def _window_closed(self, petition: Petition, now: datetime) -> bool:
        """The petitioner's window for a review or re-review has closed, on a count that is not
        provisional: what concluding for want of a request needs."""
        window = self._window(petition)
        return (
            window["window_closes"] is not None
            and not window["provisional"]
            and now >= window["window_closes"]
        )

    def _receiving_body(self, petition: Petition) -> str:
        return petition.assignment["to_node"] if petition.assignment else self.handling_body(petition)

    def _above(self, node: str) -> str:
        record = self.cb.current_directory().node(node)
        parent = record.parent_at(self.cb.clock()) if record else None
        return parent or node

    def _extension_terms(self, petition: Petition) -> tuple[int, datetime | None]:
        """The most one extension may add (by the policy the handling clock follows) and when the
        handling time runs out (once its clock is kept); refused once the clock has recorded it missed."""
        since = petition.status_since
        handling = recorded(self.deadlines, petition.id, key_of("petition.handling", since))
        if handling is not None and handling.status == "missed":
            raise TransitionNotAllowed(
                "extend_handling",
                f"{petition.status.value}, overdue",
                sorted(petition.allowed_actions() - {"extend_handling"}),
                f"the handling time ran out on {handling.due_at.isoformat()} and was recorded as missed: "
                "an extension is approved before it runs out",
            )
        rule = extension_rule(self.deadlines, handling.policy_version if handling else None, since)
        if rule is None:
            raise InvalidValue(
                "days", "the deadline policy in force allows no extension of the handling time"
            )
        return rule.amount, handling.due_at if handling else None

    def _check_accused(self, directory: Directory, actor: str, accused: str, node: str) -> None:
        if accused not in directory.people:
            raise InvalidValue(
                "accused_person_id", "no such person in the directory: give the accused's person id, or none"
            )
        if accused == actor:
            raise AccessDenied(
                actor, Right.REGISTER_PETITION, node, _RECUSED.format(directory.name_of(actor))
            )

    def _check_agent(self, directory: Directory, agent: str, node: str, now: datetime) -> None:
        posts = [t for t in directory.posts_of(agent, now) if t.post == Post.PETITION_AGENT]
        if not posts:
            raise InvalidValue("agent", "{agent!r} does not hold the post of petition agent", agent=agent)
        if not any(directory.contains(t.node, node, now) for t in posts):
            where = ", ".join(t.node for t in posts)
            raise InvalidValue(
                "agent",
                "{agent!r} is petition agent at {where}, not for {node}",
                agent=agent,
                where=where,
                node=node,
            )

    def _petitioner(self, number: str) -> Petitioner | None:
        try:
            return self.cb.load(Petitioner, self.petitioner_id(number), "petitioner")
        except CaseNotFound:
            return None

    def _assignments(self, office: str) -> OfficeAssignments | None:
        try:
            return self.cb.load(OfficeAssignments, assignments_id(office), "assignments")
        except CaseNotFound:
            return None

    def _petitioner_of(self, petition: Petition) -> Petitioner:
        return self.cb.load(Petitioner, self.petitioner_id(petition.petitioner["id_number"]), "petitioner")

    def _concluded(self, petition: Petition, stamp: Stamp) -> list[Petitioner]:
        if petition.anonymous:
            return []
        known = self._petitioner_of(petition)
        assert petition.conclusion is not None
        known.note_concluded(
            matter=petition.matter, petition_id=petition.id, how=petition.conclusion["how"], **stamp
        )
        return [known]

    def _create(
        self, stamp: Stamp, build: Callable[[], tuple[Petition, list[Petitioner]]], meta: CommandMeta
    ) -> Petition:
        """Like Casebook.create, but saves the petitioner's record in the same transaction and
        decides again when a concurrent registration changed it."""
        for _ in range(MAX_ATTEMPTS):
            earlier = self.cb.receipt(stamp, REGISTER, digest=meta.digest)
            if earlier is not None:
                return self.cb.load(Petition, UUID(earlier.stream_id), "petition")
            with self.cb.deciding(REGISTER, stamp, meta):
                petition, others = build()
            receipt = self.cb.receipt_for(
                stamp, REGISTER, petition.id, meta.digest, self.cb.late_reason(stamp, meta)
            )
            try:
                self.cb.save(petition, *others, receipt)
            except IntegrityError:
                continue
            return petition
        raise ConcurrentChanges(MAX_ATTEMPTS)

    def _act(
        self,
        actor: str,
        petition_id: UUID,
        action: str,
        meta: CommandMeta,
        decide: Callable[[Petition, Stamp], Any],
        node: str | Callable[[Petition], str] | None = None,
    ) -> Petition:
        """`node`: where the action is authorised, when not where `node_for` says."""

        def authorised(p: Petition, s: Stamp) -> Any:
            at = node(p) if callable(node) else node
            self._authorise(actor, action, p, at or self.node_for(action, p))
            return decide(p, s)

        stamp = self.cb.stamp(actor, meta)
        return self.cb.change(Petition, petition_id, "petition", action, stamp, authorised, meta)


_RECUSED = "{} may not act on this petition: a person it concerns takes no part in handling it (recusal)"
_NOT_YOURS = "{} may not {} on this petition"
