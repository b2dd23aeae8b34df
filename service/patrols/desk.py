"""Commands on patrol routes and shifts: who may do what at which node, teams checked against
the directory, the route's schedule started and stopped, findings opened as cases through
their own desks, and the deadline clock's misses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.directory.access import RIGHTS, SYSTEM_ACTOR, Post, Right, posts_with
from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import Directory
from domain.disputes.dispute import Category, Dispute, Severity, Source
from domain.errors import AccessDenied, CaseNotFound, InvalidValue, StaleVersion
from domain.incidents.incident import Hazard, Incident, Kind, Marker, Offence, OriginKind
from domain.patrols.patrol import CadenceLevel, FindingKind, MissTrigger, Route, Shift, ShiftStatus
from domain.time.clocks import CaseClocks, ClockState, clocks_id
from service.kinds import PATROL_SHIFT
from service.store import NO_META, CommandMeta, Stamp

if TYPE_CHECKING:
    from service.disputes.desk import DisputeDesk
    from service.incidents.desk import IncidentDesk
    from service.patrols.schedules import PatrolSchedules
    from service.store import CaseStore

SHIFT_CLOCKS = PATROL_SHIFT  # the case kind of a shift's clocks
ROUTE_NODE_KINDS = frozenset({NodeKind.VILLAGE, NodeKind.TOWNSHIP})
ROUTE_RIGHTS = (Right.MANAGE_ROUTES, Right.LEAD_PATROL)
PATROL_POSTS = frozenset(p for p, rights in RIGHTS.items() if Right.PATROL in rights)
LEADER_POSTS = frozenset(p for p in PATROL_POSTS if Right.LEAD_PATROL in RIGHTS[p])
RIGHT_FOR: dict[str, Right] = {
    "sign_in_at_start": Right.PATROL,
    "sign_in_at_checkpoint": Right.PATROL,
    "sign_in_at_end": Right.PATROL,
    "report_dispute_finding": Right.PATROL,
    "report_incident_finding": Right.PATROL,
    "record_checkpoint_missed": Right.LEAD_PATROL,
    "record_shift_missed": Right.LEAD_PATROL,
    "cancel_shift": Right.LEAD_PATROL,
    "close_shift": Right.LEAD_PATROL,
}
TEAM_ACTIONS = frozenset(  # the domain refuses them to anyone not on the shift's team
    {
        "sign_in_at_start",
        "sign_in_at_checkpoint",
        "sign_in_at_end",
        "report_dispute_finding",
        "report_incident_finding",
    }
)


class PatrolDesk:
    def __init__(
        self, store: CaseStore, disputes: DisputeDesk, incidents: IncidentDesk, schedules: PatrolSchedules
    ) -> None:
        self.cb = store
        store.guard(Route, lambda r: r.node)
        store.guard(Shift, lambda s: s.node)
        self.disputes = disputes  # findings open disputes and incidents
        self.incidents = incidents
        self.schedules = schedules

    # -- routes -------------------------------------------------------------------

    def establish_route(
        self,
        actor: str,
        *,
        node: str,
        name: str,
        checkpoints: Sequence[dict[str, str]],
        meta: CommandMeta = NO_META,
    ) -> Route:
        """Lays out a route at a village or township, its checkpoints in walking order."""
        directory, now = self.cb.current_directory(), self.cb.clock()
        record = directory.node(node)
        if record is None:
            raise InvalidValue("node", "no node {node!r} in the jurisdiction", node=node)
        directory.require_node(node, record.kind, "node", now)
        if record.kind not in ROUTE_NODE_KINDS:
            raise InvalidValue(
                "node",
                "{node!r} is a {kind}; routes are laid out at a village or a township",
                node=node,
                kind=record.kind,
            )
        self._authorise_routes(actor, node, meta, "establish_route")
        stamp = self.cb.stamp(actor, meta)
        return self.cb.create(
            "establish_route",
            stamp,
            lambda: Route.establish(node=node, name=name, checkpoints=checkpoints, **stamp),
            Route,
            "route",
            meta=meta,
        )

    def revise_route(
        self,
        actor: str,
        route_id: UUID,
        *,
        checkpoints: Sequence[dict[str, str]],
        name: str | None = None,
        meta: CommandMeta = NO_META,
    ) -> Route:
        return self._on_route(
            actor,
            route_id,
            "revise_route",
            meta,
            lambda r, s: r.revise(checkpoints=checkpoints, name=name, **s),
        )

    def retire_route(
        self, actor: str, route_id: UUID, *, reason: str = "", meta: CommandMeta = NO_META
    ) -> Route:
        return self._on_route(
            actor, route_id, "retire_route", meta, lambda r, s: r.retire(reason=reason, **s)
        )

    # -- the route's standing team and schedule ---------------------------------------

    def assign_team(
        self, actor: str, route_id: UUID, *, leader: str, members: Sequence[str], meta: CommandMeta = NO_META
    ) -> Route:
        """The standing team that walks the shifts the route's schedule opens, each holding a
        patrol post over the route's node (checked like a shift's team)."""

        def decide(r: Route, s: Stamp) -> None:
            r.check_allowed("assign_team", s)
            self._check_team(leader, members, r.node)
            r.assign_team(leader=leader, members=members, **s)

        return self._on_route(actor, route_id, "assign_team", meta, decide)

    def start_schedule(
        self,
        actor: str,
        route_id: UUID,
        *,
        first_start: datetime,
        shift_minutes: int,
        level: CadenceLevel | None = None,
        meta: CommandMeta = NO_META,
    ) -> Route:
        """Starts opening shifts on the cadence of a grid level (default: the route's own level;
        a village route may keep the grid's, a township route any level's)."""

        def decide(r: Route, s: Stamp) -> None:
            r.check_allowed("start_schedule", s)
            chosen = self._cadence_level(r.node, level)
            self.schedules.cadence(chosen, first_start)
            r.start_schedule(level=chosen, first_start=first_start, shift_minutes=shift_minutes, **s)

        return self._on_route(actor, route_id, "start_schedule", meta, decide)

    def stop_schedule(
        self, actor: str, route_id: UUID, *, reason: str = "", meta: CommandMeta = NO_META
    ) -> Route:
        """Stops the route's schedule; its shift not yet begun is called off."""
        return self._on_route(
            actor, route_id, "stop_schedule", meta, lambda r, s: r.stop_schedule(reason=reason, **s)
        )

    # -- scheduling -----------------------------------------------------------------

    def schedule_shift(
        self,
        actor: str,
        *,
        route_id: UUID,
        leader: str,
        members: Sequence[str],
        planned_start: datetime,
        planned_end: datetime,
        meta: CommandMeta = NO_META,
    ) -> Shift:
        """Schedules a shift on the route's current revision for a leader and members, each
        holding a patrol post over the route's node."""
        try:
            route = self.cb.read(Route, route_id, "route", actor)
        except CaseNotFound as missing:
            raise InvalidValue("route_id", missing.message) from None
        self.cb.authorise(actor, Right.LEAD_PATROL, route.node, meta, "schedule_shift")
        stamp = self.cb.stamp(actor, meta)

        def build() -> Shift:
            self._check_team(leader, members, route.node)
            return Shift.schedule(
                route=route,
                leader=leader,
                members=members,
                planned_start=planned_start,
                planned_end=planned_end,
                **stamp,
            )

        return self.cb.create("schedule_shift", stamp, build, Shift, "shift", meta=meta)

    # -- the team on the route ---------------------------------------------------------

    def sign_in_at_start(self, actor: str, shift_id: UUID, meta: CommandMeta = NO_META) -> Shift:
        """The first sign-in at the start opens the shift."""
        return self._on_shift(
            actor, shift_id, "sign_in_at_start", meta, lambda s, st: s.sign_in_at_start(**st)
        )

    def sign_in_at_checkpoint(
        self, actor: str, shift_id: UUID, *, checkpoint: str, meta: CommandMeta = NO_META
    ) -> Shift:
        return self._on_shift(
            actor,
            shift_id,
            "sign_in_at_checkpoint",
            meta,
            lambda s, st: s.sign_in_at_checkpoint(checkpoint=checkpoint, **st),
        )

    def sign_in_at_end(self, actor: str, shift_id: UUID, meta: CommandMeta = NO_META) -> Shift:
        return self._on_shift(actor, shift_id, "sign_in_at_end", meta, lambda s, st: s.sign_in_at_end(**st))

    def report_dispute_finding(
        self,
        actor: str,
        shift_id: UUID,
        *,
        grid: str | None = None,
        village: str | None = None,
        parties: Sequence[dict[str, Any]],
        category: Category,
        severity: Severity,
        description: str,
        occurred_at: datetime | None = None,
        checkpoint: str | None = None,
        meta: CommandMeta = NO_META,
    ) -> Shift:
        """Reports the dispute found (source: patrol, naming this shift) and links it here."""

        def report(shift: Shift, node: dict[str, str | None], case_meta: CommandMeta) -> Dispute:
            return self.disputes.report(
                actor,
                **node,
                parties=parties,
                category=category,
                severity=severity,
                description=description,
                occurred_at=occurred_at or case_meta.effective_at,
                source=Source.PATROL,
                source_ref=str(shift.id),
                meta=case_meta,
            )

        return self._report_finding(
            actor, shift_id, FindingKind.DISPUTE, {"grid": grid, "village": village}, checkpoint, meta, report
        )

    def report_incident_finding(
        self,
        actor: str,
        shift_id: UUID,
        *,
        grid: str | None = None,
        village: str | None = None,
        kind: Kind,
        description: str,
        location: str,
        occurred_at: datetime | None = None,
        markers: Sequence[Marker] = (),
        people_involved: int | None = None,
        injured: int | None = None,
        dead: int | None = None,
        offence: Offence | None = None,
        hazard: Hazard | None = None,
        checkpoint: str | None = None,
        meta: CommandMeta = NO_META,
    ) -> Shift:
        """Reports the incident found through the incident desk (origin: this patrol shift)
        and links it here."""

        def report(shift: Shift, node: dict[str, str | None], case_meta: CommandMeta) -> Incident:
            return self.incidents.report(
                actor,
                **node,
                kind=kind,
                description=description,
                location=location,
                occurred_at=occurred_at or case_meta.effective_at,
                markers=markers,
                people_involved=people_involved,
                injured=injured,
                dead=dead,
                offence=offence,
                hazard=hazard,
                origin_kind=OriginKind.PATROL,
                origin_id=str(shift.id),
                meta=case_meta,
            )

        return self._report_finding(
            actor,
            shift_id,
            FindingKind.INCIDENT,
            {"grid": grid, "village": village},
            checkpoint,
            meta,
            report,
        )

    # -- the leader ---------------------------------------------------------------------

    def miss_checkpoint(
        self, actor: str, shift_id: UUID, *, checkpoint: str, reason: str, meta: CommandMeta = NO_META
    ) -> Shift:
        return self._on_shift(
            actor,
            shift_id,
            "record_checkpoint_missed",
            meta,
            lambda s, st: s.record_checkpoint_missed(checkpoint=checkpoint, reason=reason, **st),
        )

    def miss_shift(
        self, actor: str, shift_id: UUID, *, reason: str = "", meta: CommandMeta = NO_META
    ) -> Shift:
        return self._on_shift(
            actor, shift_id, "record_shift_missed", meta, lambda s, st: s.record_missed(reason=reason, **st)
        )

    def cancel_shift(self, actor: str, shift_id: UUID, *, reason: str, meta: CommandMeta = NO_META) -> Shift:
        return self._on_shift(
            actor, shift_id, "cancel_shift", meta, lambda s, st: s.cancel(reason=reason, **st)
        )

    def close_shift(
        self, actor: str, shift_id: UUID, *, notes: str = "", meta: CommandMeta = NO_META
    ) -> Shift:
        """Closes the shift with its record; checkpoints nobody signed are recorded missed."""
        return self._on_shift(actor, shift_id, "close_shift", meta, lambda s, st: s.close(notes=notes, **st))

    # -- the deadline clock -------------------------------------------------------------

    def record_missed_shift_for_deadline(
        self, shift_id: UUID, *, due_at: datetime, clock: ClockState | None = None
    ) -> Shift:
        """Nobody signed in by the due time; with the shift's clock, its missed deadline is
        recorded in the same transaction. Idempotent: the command id is derived from the shift
        and the due time, and a shift that started or ended is left alone."""

        def decide(s: Shift, stamp: Stamp) -> bool | list[CaseClocks]:
            if s.status != ShiftStatus.SCHEDULED:
                return False
            s.record_missed(
                reason=f"nobody signed in by {due_at.isoformat()}", trigger=MissTrigger.DEADLINE, **stamp
            )
            return self._missed_clock(
                shift_id, clock, "the shift was recorded missed: nobody signed in", stamp
            )

        stamp = Stamp(
            actor=SYSTEM_ACTOR,
            effective_at=due_at,
            command_id=f"deadline:{shift_id}:shift-missed:{due_at.isoformat()}",
        )
        return self.cb.change(Shift, shift_id, "shift", "record_missed_shift_for_deadline", stamp, decide)

    def record_missed_checkpoints_for_deadline(self, shift_id: UUID, *, clock: ClockState) -> Shift:
        """Every checkpoint of the open shift neither signed nor recorded missed by the clock's
        due time is recorded missed, with the missed deadline, in one transaction."""

        def decide(s: Shift, stamp: Stamp) -> bool | list[CaseClocks]:
            unsettled = [c for c in s.checkpoint_codes() if c not in s.signed and c not in s.missed]
            if s.status != ShiftStatus.OPEN or not unsettled:
                return False
            for code in unsettled:
                s.record_checkpoint_missed(
                    checkpoint=code,
                    reason=f"not signed in at by {clock.due_at.isoformat()}",
                    trigger=MissTrigger.DEADLINE,
                    **stamp,
                )
            return self._missed_clock(
                shift_id, clock, f"checkpoints recorded missed: {', '.join(unsettled)}", stamp
            )

        stamp = Stamp(
            actor=SYSTEM_ACTOR, effective_at=clock.due_at, command_id=f"deadline:{shift_id}:{clock.key}"
        )
        return self.cb.change(
            Shift, shift_id, "shift", "record_missed_checkpoints_for_deadline", stamp, decide
        )

    def _missed_clock(
        self, shift_id: UUID, clock: ClockState | None, consequence: str, stamp: Stamp
    ) -> bool | list[CaseClocks]:
        if clock is None:
            return True
        clocks = self.cb.load(CaseClocks, clocks_id(SHIFT_CLOCKS, shift_id), "clocks")
        return [clocks] if clocks.miss(key=clock.key, consequence=consequence, **stamp) else True

    def record_missed_checkpoint_for_deadline(
        self, shift_id: UUID, *, checkpoint: str, due_at: datetime
    ) -> Shift:
        """The checkpoint was not signed by the due time. Idempotent like the shift's miss;
        a checkpoint signed or already missed, or a shift not open, is left alone."""

        def decide(s: Shift, stamp: Stamp) -> bool:
            if s.status != ShiftStatus.OPEN or checkpoint in s.signed or checkpoint in s.missed:
                return False
            s.record_checkpoint_missed(
                checkpoint=checkpoint,
                reason=f"not signed in at by {due_at.isoformat()}",
                trigger=MissTrigger.DEADLINE,
                **stamp,
            )
            return True

        stamp = Stamp(
            actor=SYSTEM_ACTOR,
            effective_at=due_at,
            command_id=f"deadline:{shift_id}:checkpoint-missed:{checkpoint}:{due_at.isoformat()}",
        )
        return self.cb.change(
            Shift, shift_id, "shift", "record_missed_checkpoint_for_deadline", stamp, decide
        )

    # -- questions ----------------------------------------------------------------------

    def route(self, reader: str | None, route_id: UUID) -> Route:
        return self.cb.read(Route, route_id, "route", reader)

    def route_with_history(self, reader: str, route_id: UUID) -> tuple[Route, list[Any]]:
        route = self.route(reader, route_id)
        return route, self.cb.history(route.id, route.version)

    def shift(self, reader: str | None, shift_id: UUID) -> Shift:
        return self.cb.read(Shift, shift_id, "shift", reader)

    def shift_with_history(self, reader: str, shift_id: UUID) -> tuple[Shift, list[Any]]:
        shift = self.shift(reader, shift_id)
        return shift, self.cb.history(shift.id, shift.version)

    # -- machinery ----------------------------------------------------------------------

    def _authorise_routes(
        self, actor: str, node: str, meta: CommandMeta | None = None, action: str = ""
    ) -> None:
        """Routes are managed by those who manage routes or lead patrols at the node (for a
        command dated in the past, then as well as now: `CaseStore.authorise_in`)."""
        directory, now = self.cb.current_directory(), self.cb.clock()
        refusals: list[AccessDenied] = []
        for right in ROUTE_RIGHTS:
            try:
                self.cb.authorise_in(directory, actor, right, node, meta, action)
                return
            except AccessDenied as refusal:
                refusals.append(refusal)
        if actor not in directory.people:
            raise refusals[0]
        held = {r for t in directory.posts_of(actor, now) for r in ROUTE_RIGHTS if r in RIGHTS[t.post]}
        for refusal in refusals:
            if refusal.right in held:
                raise refusal  # holds the right, but elsewhere: says whose jurisdiction
        posts = sorted({p for r in ROUTE_RIGHTS for p in posts_with(r)})
        raise AccessDenied(
            actor,
            " or ".join(ROUTE_RIGHTS),
            node,
            f"{directory.name_of(actor)} has neither the right to manage routes nor to lead patrol; "
            f"posts with them: {', '.join(posts)}",
        )

    def _check_team(self, leader: str, members: Sequence[str], node: str) -> None:
        directory, now = self.cb.current_directory(), self.cb.clock()
        self._check_patroller(directory, leader, "leader", node, now, LEADER_POSTS)
        for member in members:
            self._check_patroller(directory, member, "members", node, now, PATROL_POSTS)

    def _cadence_level(self, node: str, level: CadenceLevel | str | None) -> CadenceLevel:
        record = self.cb.current_directory().node(node)
        own = (
            CadenceLevel.TOWNSHIP
            if record is not None and record.kind == NodeKind.TOWNSHIP
            else CadenceLevel.VILLAGE
        )
        if level is None:
            return own
        try:
            chosen = CadenceLevel(level)
        except ValueError:
            raise InvalidValue(
                "level", "{level!r} is not one of {choices}", level=level, choices=", ".join(CadenceLevel)
            ) from None
        levels = list(CadenceLevel)
        if levels.index(chosen) > levels.index(own):
            raise InvalidValue(
                "level",
                "a route at a {level} keeps the cadence of the {level} or a level below it",
                level=own.value,
            )
        return chosen

    def _check_patroller(
        self,
        directory: Directory,
        person_id: str,
        field_name: str,
        node: str,
        at: datetime,
        posts: frozenset[Post],
    ) -> None:
        if person_id not in directory.people:
            raise InvalidValue(field_name, "no person {person_id!r} in the directory", person_id=person_id)
        tenures = directory.posts_of(person_id, at)
        if any(t.post in posts and directory.contains(t.node, node, at) for t in tenures):
            return
        held = ", ".join(f"{t.post.value} at {t.node}" for t in tenures) or "no post"
        wanted = " or ".join(sorted(p.value for p in posts))
        raise InvalidValue(
            field_name,
            "{person} ({held}) holds no {wanted} post over {node}",
            person=directory.name_of(person_id),
            held=held,
            wanted=wanted,
            node=node,
        )

    def _check_before_opening_a_case(
        self, actor: str, action: str, shift: Shift, checkpoint: str | None, stamp: Stamp, meta: CommandMeta
    ) -> None:
        """Every refusal the link would meet, checked before the case is opened, so that a
        refused finding writes nothing."""
        if meta.expected_version is not None and shift.version != meta.expected_version:
            raise StaleVersion(meta.expected_version, shift.version)
        self._authorise(actor, action, shift)
        shift.check_finding(checkpoint=checkpoint, **stamp)

    def _report_finding(
        self,
        actor: str,
        shift_id: UUID,
        kind: FindingKind,
        node: dict[str, str | None],
        checkpoint: str | None,
        meta: CommandMeta,
        report: Callable[[Shift, dict[str, str | None], CommandMeta], Dispute | Incident],
    ) -> Shift:
        """Opens the case found (reported on its own stream, naming the shift) and links it to
        the shift. Both steps hang on the one command id, so a retry after a crash between them
        finds the case already reported and only records the missing link. Whatever could
        refuse the link is checked before the case is reported."""
        action = f"report_{kind.value}_finding"
        stamp = self.cb.stamp(actor, meta)
        shift = self.cb.read(Shift, shift_id, "shift", actor)
        if self.cb.receipt(stamp, action, shift.id, meta.digest) is not None:
            return shift
        self._check_before_opening_a_case(actor, action, shift, checkpoint, stamp, meta)
        if node["grid"] is None and node["village"] is None:
            node = {"grid": None, "village": self._village_of(shift)}
        case = report(
            shift,
            node,
            CommandMeta(
                command_id=f"{stamp['command_id']}:{kind.value}",
                effective_at=stamp["effective_at"],
                late_reason=meta.late_reason,
                from_person=meta.from_person,
            ),
        )
        return self._on_shift(
            actor,
            shift_id,
            action,
            meta,
            lambda s, st: s.report_finding(
                kind=kind,
                case_id=str(case.id),
                summary=case.description,
                checkpoint=checkpoint,
                **{**st, "effective_at": case.reported_at},
            ),
            stamp=stamp,
        )

    def may(self, actor: str, shift: Shift, action: str) -> bool:
        """Whether a post the person holds now may do the action on the shift: the check every
        command makes (pages offer only what it allows); walking it is for its team alone."""
        try:
            self._authorise(actor, action, shift)
        except AccessDenied:
            return False
        return action not in TEAM_ACTIONS or actor in shift.team()

    def shifts_of(self, person: str, start: datetime, end: datetime) -> list[Shift]:
        """The shifts the person walks (leader or member) planned to start in [start, end),
        earliest first. Read from the log (there is no shift list read model yet)."""
        found: list[UUID] = []
        position = 0
        while batch := self.cb.recorder.select_notifications(
            position, 1000, topics=[Shift.Scheduled.TOPIC], inclusive_of_start=False
        ):
            found.extend(n.originator_id for n in batch)
            position = batch[-1].id
        shifts = [self.cb.load(Shift, shift_id, "shift") for shift_id in found]
        mine = [s for s in shifts if person in s.team() and start <= s.planned_start < end]
        return sorted(mine, key=lambda s: s.planned_start)

    def _authorise(self, actor: str, action: str, shift: Shift) -> None:
        self.cb.authorise(actor, RIGHT_FOR[action], shift.node)

    def _village_of(self, shift: Shift) -> str:
        record = self.cb.current_directory().node(shift.node)
        if record is None or record.kind != NodeKind.VILLAGE:
            raise InvalidValue(
                "village", "the route is at {node}: name the village or grid of the finding", node=shift.node
            )
        return shift.node

    def _on_route(
        self,
        actor: str,
        route_id: UUID,
        action: str,
        meta: CommandMeta,
        decide: Callable[[Route, Stamp], Any],
    ) -> Route:
        def authorised(r: Route, s: Stamp) -> Any:
            self._authorise_routes(actor, r.node)
            return decide(r, s)

        stamp = self.cb.stamp(actor, meta)
        return self.cb.change(Route, route_id, "route", action, stamp, authorised, meta)

    def _on_shift(
        self,
        actor: str,
        shift_id: UUID,
        action: str,
        meta: CommandMeta,
        decide: Callable[[Shift, Stamp], Any],
        stamp: Stamp | None = None,
    ) -> Shift:
        def authorised(s: Shift, st: Stamp) -> Any:
            self._authorise(actor, action, s)
            return decide(s, st)

        return self.cb.change(
            Shift, shift_id, "shift", action, stamp or self.cb.stamp(actor, meta), authorised, meta
        )
