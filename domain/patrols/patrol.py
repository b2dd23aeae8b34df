"""Security patrol (巡逻): routes with ordered checkpoints, a standing team and a schedule that
opens shifts on cadence, and shifts walked on them — signed in at the start, at each checkpoint
and at the end, checkpoints missed, findings linked to cases, the shift closed with its record,
or missed when nobody came."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate

from domain.directory.access import Right
from domain.errors import AccessDenied, InvalidValue, TransitionNotAllowed
from domain.evidence import Attachable, AttachmentAddedFields, AttachmentSupersededFields


class RouteStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class ShiftStatus(StrEnum):
    SCHEDULED = "scheduled"  # nobody has signed in at the start yet
    OPEN = "open"
    CLOSED = "closed"
    MISSED = "missed"
    CANCELLED = "cancelled"


class FindingKind(StrEnum):
    DISPUTE = "dispute"
    INCIDENT = "incident"


class CadenceLevel(StrEnum):
    """The grid level whose inspection cadence a patrol schedule keeps (002): level 3 (grid),
    level 2 (village), level 1 (township); the policy's `patrol.cadence` gives each its period."""

    GRID = "grid"
    VILLAGE = "village"
    TOWNSHIP = "township"


class MissTrigger(StrEnum):
    """Who found a checkpoint or a shift missed: the leader, the deadline clock, or the closing."""

    MANUAL = "manual"
    DEADLINE = "deadline"
    CLOSING = "closing"


ROUTE_ALLOWED: dict[RouteStatus, frozenset[str]] = {
    RouteStatus.ACTIVE: frozenset(
        {"revise", "retire", "schedule_shift", "assign_team", "start_schedule", "stop_schedule"}
    ),
    RouteStatus.RETIRED: frozenset(),
}
SHIFT_ALLOWED: dict[ShiftStatus, frozenset[str]] = {
    ShiftStatus.SCHEDULED: frozenset({"sign_in_at_start", "record_shift_missed", "cancel"}),
    ShiftStatus.OPEN: frozenset(
        {
            "sign_in_at_start",
            "sign_in_at_checkpoint",
            "sign_in_at_end",
            "record_checkpoint_missed",
            "report_finding",
            "close",
        }
    ),
    ShiftStatus.CLOSED: frozenset(),
    ShiftStatus.MISSED: frozenset(),
    ShiftStatus.CANCELLED: frozenset(),
}
MAX_SHIFT_MINUTES = 24 * 60
EARLY_SIGN_IN = timedelta(hours=1)  # how long before the planned start one may sign in; policy data later
MISSED_AT_CLOSING = "nobody signed in here before the shift was closed"


def _checkpoints(checkpoints: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The route's checkpoints, cleaned and checked: at least one, each named, codes unique."""
    if not checkpoints:
        raise InvalidValue("checkpoints", "a route has at least one checkpoint")
    cleaned, seen = [], set()
    for i, point in enumerate(checkpoints, start=1):
        code, name = (point.get("code") or "").strip(), (point.get("name") or "").strip()
        if not code:
            raise InvalidValue("checkpoints", "checkpoint #{i} needs a code", i=i)
        if code in seen:
            raise InvalidValue("checkpoints", "checkpoint code {code!r} is used twice", code=code)
        if not name:
            raise InvalidValue("checkpoints", "checkpoint {code!r} needs a name", code=code)
        seen.add(code)
        cleaned.append({"code": code, "name": name, "location": (point.get("location") or "").strip()})
    return cleaned


def check_team(leader: str, members: Sequence[str]) -> tuple[str, list[str]]:
    """A patrol team: a leader and at least one other member, each named once."""
    if not leader.strip():
        raise InvalidValue("leader", "name the team's leader")
    if not members:
        raise InvalidValue("members", "a patrol team has at least one member besides its leader")
    if len(set(members)) != len(members):
        raise InvalidValue("members", "each member is named once")
    if leader in members:
        raise InvalidValue("members", "{leader} leads the team; list only the other members", leader=leader)
    return leader, list(members)


class Route(Aggregate):
    """A patrol route at a village or township: its checkpoints in the order they are walked, its
    standing team, and the schedules that open its shifts on cadence."""

    TOPIC = "fengqiao.patrol:Route"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Established(Aggregate.Created, Event):
        """A patrol route was laid out at a village or township, with its checkpoints in order
        (revision 1)."""

        TOPIC = "fengqiao.patrol:RouteEstablished"
        node: str
        name: str
        checkpoints: list[dict[str, str]]

    Created = Established

    class Revised(Event):
        """The route's checkpoints (and perhaps its name) were revised; shifts already scheduled keep
        theirs."""

        TOPIC = "fengqiao.patrol:RouteRevised"
        revision: int
        name: str
        checkpoints: list[dict[str, str]]

        def apply(self, r: Route) -> None:
            r.revision = self.revision
            r.name = self.name
            r.checkpoints = list(self.checkpoints)

    class TeamAssigned(Event):
        """A standing team was assigned to the route: the leader and members who walk the shifts its schedule
        opens."""

        TOPIC = "fengqiao.patrol:RouteTeamAssigned"
        leader: str
        members: list[str]

        def apply(self, r: Route) -> None:
            r.team = {"leader": self.leader, "members": list(self.members), "since": self.effective_at}

    class ScheduleStarted(Event):
        """A patrol schedule started on the route: from the first start, a shift of the standing team
        opens for each period of the grid level's cadence (the policy's `patrol.cadence`)."""

        TOPIC = "fengqiao.patrol:ScheduleStarted"
        schedule: int
        level: str
        first_start: datetime
        shift_minutes: int

        def apply(self, r: Route) -> None:
            r.schedules.append(
                {
                    "schedule": self.schedule,
                    "level": self.level,
                    "first_start": self.first_start,
                    "shift_minutes": self.shift_minutes,
                    "started_at": self.effective_at,
                    "started_by": self.actor,
                    "stopped_at": None,
                    "stopped_by": None,
                    "stop_reason": None,
                }
            )

    class ScheduleStopped(Event):
        """The route's patrol schedule stopped: it opens no more shifts, and its shift not yet begun is called
        off."""

        TOPIC = "fengqiao.patrol:ScheduleStopped"
        schedule: int
        reason: str

        def apply(self, r: Route) -> None:
            r.schedules[self.schedule - 1].update(
                stopped_at=self.effective_at, stopped_by=self.actor, stop_reason=self.reason
            )

    class Retired(Event):
        """The route is no longer walked: no new shift is scheduled on it."""

        TOPIC = "fengqiao.patrol:RouteRetired"
        reason: str

        def apply(self, r: Route) -> None:
            r.status = RouteStatus.RETIRED
            r.retired_at = self.effective_at

    def __init__(
        self,
        *,
        node: str,
        name: str,
        checkpoints: list[dict[str, str]],
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> None:
        self.node = node
        self.name = name
        self.checkpoints = list(checkpoints)
        self.revision = 1
        self.status = RouteStatus.ACTIVE
        self.established_by = actor
        self.established_at = effective_at
        self.retired_at: datetime | None = None
        self.team: dict[str, Any] | None = None
        self.schedules: list[dict[str, Any]] = []

    @classmethod
    def establish(cls, *, node: str, name: str, checkpoints: Sequence[dict[str, str]], **stamp: Any) -> Route:
        if not name.strip():
            raise InvalidValue("name", "give the route a name")
        return cls._create(
            cls.Established, node=node, name=name.strip(), checkpoints=_checkpoints(checkpoints), **stamp
        )

    def revise(self, *, checkpoints: Sequence[dict[str, str]], name: str | None = None, **stamp: Any) -> None:
        self._check("revise", stamp)
        new_name = self.name if name is None else name.strip()
        if not new_name:
            raise InvalidValue("name", "give the route a name")
        new_points = _checkpoints(checkpoints)
        if (new_name, new_points) == (self.name, self.checkpoints):
            raise InvalidValue(
                "checkpoints", "the same as revision {revision}: nothing to revise", revision=self.revision
            )
        self.trigger_event(
            self.Revised, revision=self.revision + 1, name=new_name, checkpoints=new_points, **stamp
        )

    def retire(self, *, reason: str, **stamp: Any) -> None:
        self._check("retire", stamp)
        if self.schedule is not None:
            self._check_after_schedule_start("retire", stamp)
            self.trigger_event(
                self.ScheduleStopped,
                schedule=self.schedule["schedule"],
                reason="the route was retired",
                **stamp,
            )
        self.trigger_event(self.Retired, reason=reason.strip(), **stamp)

    def assign_team(self, *, leader: str, members: Sequence[str], **stamp: Any) -> None:
        self._check("assign_team", stamp)
        leader, team = check_team(leader, members)
        if self.team is not None and (self.team["leader"], self.team["members"]) == (leader, team):
            raise InvalidValue("members", "this is already the route's standing team")
        self.trigger_event(self.TeamAssigned, leader=leader, members=team, **stamp)

    def start_schedule(
        self, *, level: CadenceLevel, first_start: datetime, shift_minutes: int, **stamp: Any
    ) -> None:
        self.check_allowed("start_schedule", stamp)
        try:
            level = CadenceLevel(level)
        except ValueError:
            raise InvalidValue(
                "level", "{level!r} is not one of {choices}", level=level, choices=", ".join(CadenceLevel)
            ) from None
        if first_start < stamp["effective_at"]:
            raise InvalidValue(
                "first_start",
                "the first shift starts after the schedule is started ({effective_at})",
                effective_at=stamp["effective_at"].isoformat(),
            )
        if not 0 < shift_minutes <= MAX_SHIFT_MINUTES:
            raise InvalidValue(
                "shift_minutes",
                "a shift lasts from 1 to {max_shift_minutes} minutes",
                max_shift_minutes=MAX_SHIFT_MINUTES,
            )
        self.trigger_event(
            self.ScheduleStarted,
            schedule=len(self.schedules) + 1,
            level=level.value,
            first_start=first_start,
            shift_minutes=shift_minutes,
            **stamp,
        )

    def stop_schedule(self, *, reason: str, **stamp: Any) -> None:
        self.check_allowed("stop_schedule", stamp)
        running = self._check_after_schedule_start("stop_schedule", stamp)
        self.trigger_event(self.ScheduleStopped, schedule=running["schedule"], reason=reason.strip(), **stamp)

    @property
    def schedule(self) -> dict[str, Any] | None:
        """The schedule running on the route, if one is."""
        last = self.schedules[-1] if self.schedules else None
        return last if last is not None and last["stopped_at"] is None else None

    def allowed_actions(self) -> frozenset[str]:
        allowed = set(ROUTE_ALLOWED[self.status])
        if self.schedule is not None or self.team is None:
            allowed.discard("start_schedule")
        if self.schedule is None:
            allowed.discard("stop_schedule")
        return frozenset(allowed)

    def check_schedulable(self, stamp: dict[str, Any]) -> None:
        """A shift may be scheduled on the route now (it is not retired)."""
        self._check("schedule_shift", stamp)

    def check_allowed(self, action: str, stamp: dict[str, Any]) -> None:
        """The route's state allows the action now (checked before the values of the command)."""
        self._check(action, stamp)
        running = self.schedule
        if action == "start_schedule" and running is not None:
            raise TransitionNotAllowed(
                action,
                f"{self.status.value}, schedule {running['schedule']} running",
                self.allowed_actions(),
                f"schedule {running['schedule']} runs since {running['started_at'].isoformat()}: stop it "
                "first",
            )
        if action == "start_schedule" and self.team is None:
            raise TransitionNotAllowed(
                action,
                f"{self.status.value}, no standing team",
                self.allowed_actions(),
                "the route has no standing team to walk its shifts: assign one first",
            )
        if action == "stop_schedule" and running is None:
            raise TransitionNotAllowed(
                action,
                f"{self.status.value}, no schedule running",
                self.allowed_actions(),
                "no schedule runs on the route",
            )

    def _check_after_schedule_start(self, action: str, stamp: dict[str, Any]) -> dict[str, Any]:
        running = self.schedule
        assert running is not None
        if stamp["effective_at"] < running["started_at"]:
            raise InvalidValue(
                "effective_at",
                "cannot {action} before the schedule started ({started_at})",
                action=action.replace("_", " "),
                started_at=running["started_at"].isoformat(),
            )
        return running

    def _check(self, action: str, stamp: dict[str, Any]) -> None:
        if action not in ROUTE_ALLOWED[self.status]:
            why = f"the route was retired on {self.retired_at.isoformat()}" if self.retired_at else ""
            raise TransitionNotAllowed(action, self.status.value, self.allowed_actions(), why)
        if stamp["effective_at"] < self.established_at:
            raise InvalidValue(
                "effective_at",
                "cannot take effect before the route was established ({established_at})",
                established_at=self.established_at.isoformat(),
            )


class Shift(Attachable, Aggregate):
    """A patrol shift: a team walking one revision of a route between a planned start and end."""

    TOPIC = "fengqiao.patrol:Shift"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Scheduled(Aggregate.Created, Event):
        """A shift was scheduled on a route for a team; it keeps the checkpoints of that route revision."""

        TOPIC = "fengqiao.patrol:ShiftScheduled"
        route_id: str
        route_revision: int
        route_name: str
        node: str
        checkpoints: list[dict[str, str]]
        leader: str
        members: list[str]
        planned_start: datetime
        planned_end: datetime

    Created = Scheduled

    class AttachmentAdded(Event, AttachmentAddedFields):
        """A file was attached to the shift or to one of its events (its hash and particulars, never
        its bytes)."""

        TOPIC = "fengqiao.patrol:ShiftAttachmentAdded"

    class AttachmentSuperseded(Event, AttachmentSupersededFields):
        """An attachment was superseded by a later one that corrects it; both are kept."""

        TOPIC = "fengqiao.patrol:ShiftAttachmentSuperseded"

    class SignedInAtStart(Event):
        """A team member signed in at the start; the first such sign-in opens the shift."""

        TOPIC = "fengqiao.patrol:SignedInAtStart"
        opens_shift: bool

        def apply(self, s: Shift) -> None:
            if self.opens_shift:
                s.status = ShiftStatus.OPEN
                s.started_at = self.effective_at
            s.present[self.actor] = self.effective_at
            s.visits[self.actor] = []
            s.sign_ins.append({"person": self.actor, "point": "start", "at": self.effective_at})

    class SignedInAtCheckpoint(Event):
        """A team member signed in at a checkpoint; says whether it kept the route's order for
        them and whether it was the team's first sign-in there."""

        TOPIC = "fengqiao.patrol:SignedInAtCheckpoint"
        checkpoint: str
        position: int
        in_route_order: bool
        first_at_checkpoint: bool

        def apply(self, s: Shift) -> None:
            s.visits[self.actor].append(self.checkpoint)
            s.signed.setdefault(self.checkpoint, []).append({"person": self.actor, "at": self.effective_at})
            if not self.in_route_order:
                s.out_of_order += 1
            s.sign_ins.append(
                {
                    "person": self.actor,
                    "point": self.checkpoint,
                    "at": self.effective_at,
                    "in_route_order": self.in_route_order,
                }
            )

    class SignedInAtEnd(Event):
        """A team member signed in at the end of the shift."""

        TOPIC = "fengqiao.patrol:SignedInAtEnd"

        def apply(self, s: Shift) -> None:
            s.signed_out[self.actor] = self.effective_at
            s.sign_ins.append({"person": self.actor, "point": "end", "at": self.effective_at})

    class CheckpointMissed(Event):
        """A checkpoint of the shift was not reached: recorded by the leader, by the deadline clock, or on
        closing."""

        TOPIC = "fengqiao.patrol:CheckpointMissed"
        checkpoint: str
        position: int
        reason: str
        trigger: str

        def apply(self, s: Shift) -> None:
            s.missed[self.checkpoint] = {
                "reason": self.reason,
                "trigger": self.trigger,
                "by": self.actor,
                "at": self.effective_at,
            }

    class FindingReported(Event):
        """Something found on the patrol opened a case (a dispute or an incident), linked here by its id."""

        TOPIC = "fengqiao.patrol:FindingReported"
        kind: str
        case_id: str
        summary: str
        checkpoint: str | None

        def apply(self, s: Shift) -> None:
            s.findings.append(
                {
                    "kind": self.kind,
                    "case_id": self.case_id,
                    "summary": self.summary,
                    "checkpoint": self.checkpoint,
                    "reported_by": self.actor,
                    "at": self.effective_at,
                }
            )

    class Closed(Event):
        """The shift was closed with its record: checkpoints signed and missed, who was present, what was
        found."""

        TOPIC = "fengqiao.patrol:ShiftClosed"
        checkpoints_scheduled: list[str]
        checkpoints_signed: list[str]
        checkpoints_missed: list[str]
        present: list[str]
        absent: list[str]
        signed_out: list[str]
        out_of_order_sign_ins: int
        findings: list[dict[str, str]]
        notes: str

        def apply(self, s: Shift) -> None:
            s.status = ShiftStatus.CLOSED
            s.ended_at = self.effective_at
            s.record = {
                "checkpoints_scheduled": self.checkpoints_scheduled,
                "checkpoints_signed": self.checkpoints_signed,
                "checkpoints_missed": self.checkpoints_missed,
                "present": self.present,
                "absent": self.absent,
                "signed_out": self.signed_out,
                "out_of_order_sign_ins": self.out_of_order_sign_ins,
                "findings": self.findings,
                "notes": self.notes,
            }

    class Missed(Event):
        """Nobody signed in for the scheduled shift: it was missed (recorded by the leader or the deadline
        clock)."""

        TOPIC = "fengqiao.patrol:ShiftMissed"
        reason: str
        trigger: str

        def apply(self, s: Shift) -> None:
            s.status = ShiftStatus.MISSED
            s.ended_at = self.effective_at
            s.end_reason = self.reason

    class Cancelled(Event):
        """The shift was called off before its planned start; it does not count as scheduled."""

        TOPIC = "fengqiao.patrol:ShiftCancelled"
        reason: str

        def apply(self, s: Shift) -> None:
            s.status = ShiftStatus.CANCELLED
            s.ended_at = self.effective_at
            s.end_reason = self.reason

    def __init__(
        self,
        *,
        route_id: str,
        route_revision: int,
        route_name: str,
        node: str,
        checkpoints: list[dict[str, str]],
        leader: str,
        members: list[str],
        planned_start: datetime,
        planned_end: datetime,
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> None:
        self.route_id = route_id
        self.route_revision = route_revision
        self.route_name = route_name
        self.node = node
        self.checkpoints = list(checkpoints)
        self.leader = leader
        self.members = list(members)
        self.planned_start = planned_start
        self.planned_end = planned_end
        self.scheduled_by = actor
        self.scheduled_at = effective_at
        self.status = ShiftStatus.SCHEDULED
        self.started_at: datetime | None = None
        self.ended_at: datetime | None = None
        self.end_reason: str | None = None
        self.present: dict[str, datetime] = {}
        self.signed_out: dict[str, datetime] = {}
        self.visits: dict[str, list[str]] = {}  # person → checkpoints they signed, in order
        self.signed: dict[str, list[dict[str, Any]]] = {}  # checkpoint → who signed there, when
        self.missed: dict[str, dict[str, Any]] = {}
        self.sign_ins: list[dict[str, Any]] = []
        self.findings: list[dict[str, Any]] = []
        self.out_of_order = 0
        self.record: dict[str, Any] | None = None

    # -- commands -----------------------------------------------------------

    @classmethod
    def schedule(
        cls,
        *,
        route: Route,
        leader: str,
        members: Sequence[str],
        planned_start: datetime,
        planned_end: datetime,
        **stamp: Any,
    ) -> Shift:
        route.check_schedulable(stamp)
        leader, members = check_team(leader, members)
        if planned_end <= planned_start:
            raise InvalidValue("planned_end", "a shift ends after it starts")
        return cls._create(
            cls.Scheduled,
            route_id=str(route.id),
            route_revision=route.revision,
            route_name=route.name,
            node=route.node,
            checkpoints=list(route.checkpoints),
            leader=leader,
            members=list(members),
            planned_start=planned_start,
            planned_end=planned_end,
            **stamp,
        )

    def sign_in_at_start(self, **stamp: Any) -> None:
        person = self._check_member("sign_in_at_start", stamp)
        if person in self.present:
            raise self._refusal("sign_in_at_start", f"{person} already signed in at the start")
        opens = self.status == ShiftStatus.SCHEDULED
        if opens and stamp["effective_at"] < self.planned_start - EARLY_SIGN_IN:
            raise self._refusal(
                "sign_in_at_start",
                f"the shift starts at {self.planned_start.isoformat()}; sign-in opens "
                f"{int(EARLY_SIGN_IN.total_seconds() // 60)} minutes before",
            )
        if opens and stamp["effective_at"] >= self.planned_end:
            raise self._refusal(
                "sign_in_at_start",
                f"the shift was planned to end at {self.planned_end.isoformat()} and nobody came: record it "
                "missed",
            )
        self.trigger_event(self.SignedInAtStart, opens_shift=opens, **stamp)

    def sign_in_at_checkpoint(self, *, checkpoint: str, **stamp: Any) -> None:
        person = self._check_walking("sign_in_at_checkpoint", stamp)
        position = self._position(checkpoint, "checkpoint")
        if checkpoint in self.visits[person]:
            raise self._refusal("sign_in_at_checkpoint", f"{person} already signed in at {checkpoint}")
        if checkpoint in self.missed:
            by = self.missed[checkpoint]["by"]
            raise self._refusal("sign_in_at_checkpoint", f"{checkpoint} was recorded missed by {by}")
        self.trigger_event(
            self.SignedInAtCheckpoint,
            checkpoint=checkpoint,
            position=position,
            in_route_order=self._in_route_order(person, position),
            first_at_checkpoint=checkpoint not in self.signed,
            **stamp,
        )

    def sign_in_at_end(self, **stamp: Any) -> None:
        self._check_walking("sign_in_at_end", stamp)
        self.trigger_event(self.SignedInAtEnd, **stamp)

    def record_checkpoint_missed(
        self, *, checkpoint: str, reason: str, trigger: MissTrigger = MissTrigger.MANUAL, **stamp: Any
    ) -> None:
        self._check("record_checkpoint_missed", stamp)
        position = self._position(checkpoint, "checkpoint")
        if checkpoint in self.signed:
            by = self.signed[checkpoint][0]["person"]
            raise self._refusal("record_checkpoint_missed", f"{checkpoint} was signed in at by {by}")
        if checkpoint in self.missed:
            raise self._refusal("record_checkpoint_missed", f"{checkpoint} is already recorded missed")
        if not reason.strip():
            raise InvalidValue("reason", "say why the checkpoint was not reached")
        self.trigger_event(
            self.CheckpointMissed,
            checkpoint=checkpoint,
            position=position,
            reason=reason.strip(),
            trigger=MissTrigger(trigger).value,
            **stamp,
        )

    def check_finding(self, *, checkpoint: str | None, **stamp: Any) -> None:
        """Whether the acting member may report a finding now (checked before the case is opened)."""
        person = self._check_member("report_finding", stamp)
        if person not in self.present:
            raise self._refusal("report_finding", f"{person} has not signed in at the start")
        if checkpoint is not None:
            self._position(checkpoint, "checkpoint")

    def report_finding(
        self, *, kind: FindingKind, case_id: str, summary: str, checkpoint: str | None, **stamp: Any
    ) -> None:
        self.check_finding(checkpoint=checkpoint, **stamp)
        if any(f["case_id"] == case_id for f in self.findings):
            raise InvalidValue("case_id", "case {case_id} is already linked to this shift", case_id=case_id)
        if not summary.strip():
            raise InvalidValue("summary", "say what was found")
        self.trigger_event(
            self.FindingReported,
            kind=FindingKind(kind).value,
            case_id=case_id,
            summary=summary.strip(),
            checkpoint=checkpoint,
            **stamp,
        )

    def close(self, *, notes: str, **stamp: Any) -> None:
        self._check("close", stamp)
        if not self.signed_out:
            raise self._refusal("close", "nobody has signed in at the end yet")
        for position, code in enumerate(self.checkpoint_codes(), start=1):
            if code not in self.signed and code not in self.missed:
                self.trigger_event(
                    self.CheckpointMissed,
                    checkpoint=code,
                    position=position,
                    reason=MISSED_AT_CLOSING,
                    trigger=MissTrigger.CLOSING.value,
                    **stamp,
                )
        team = self.team()
        self.trigger_event(
            self.Closed,
            checkpoints_scheduled=self.checkpoint_codes(),
            checkpoints_signed=[c for c in self.checkpoint_codes() if c in self.signed],
            checkpoints_missed=[c for c in self.checkpoint_codes() if c in self.missed],
            present=[p for p in team if p in self.present],
            absent=[p for p in team if p not in self.present],
            signed_out=[p for p in team if p in self.signed_out],
            out_of_order_sign_ins=self.out_of_order,
            findings=[{"kind": f["kind"], "case_id": f["case_id"]} for f in self.findings],
            notes=notes.strip(),
            **stamp,
        )

    def record_missed(self, *, reason: str, trigger: MissTrigger = MissTrigger.MANUAL, **stamp: Any) -> None:
        self._check("record_shift_missed", stamp)
        if stamp["effective_at"] < self.planned_start:
            raise self._refusal(
                "record_shift_missed",
                f"the shift is planned to start at {self.planned_start.isoformat()}; "
                "to call it off before then, cancel it",
            )
        self.trigger_event(self.Missed, reason=reason.strip(), trigger=MissTrigger(trigger).value, **stamp)

    def cancel(self, *, reason: str, **stamp: Any) -> None:
        self._check("cancel", stamp)
        if stamp["effective_at"] >= self.planned_start:
            raise self._refusal(
                "cancel",
                f"the shift was due to start at {self.planned_start.isoformat()}; "
                "a shift nobody came to is recorded missed",
            )
        if not reason.strip():
            raise InvalidValue("reason", "say why the shift is called off")
        self.trigger_event(self.Cancelled, reason=reason.strip(), **stamp)

    # -- questions ----------------------------------------------------------

    def team(self) -> list[str]:
        return [self.leader, *self.members]

    def checkpoint_codes(self) -> list[str]:
        return [c["code"] for c in self.checkpoints]

    def allowed_actions(self, at: datetime | None = None) -> frozenset[str]:
        """What the shift's state accepts from some member of its team (at `at`: with the
        planned times' limits; without it, time limits aside)."""
        allowed = set(SHIFT_ALLOWED[self.status])
        if at is not None and self.status == ShiftStatus.SCHEDULED:
            if at >= self.planned_start:
                allowed.discard("cancel")
            else:
                allowed.discard("record_shift_missed")
            if not self.planned_start - EARLY_SIGN_IN <= at < self.planned_end:
                allowed.discard("sign_in_at_start")
        if self.status == ShiftStatus.OPEN and set(self.present) == set(self.team()):
            allowed.discard("sign_in_at_start")  # the whole team signed in
        return frozenset(allowed)

    def allowed_for(self, person: str) -> frozenset[str]:
        """What the shift allows now, narrowed by this person's own walk: a member signs in at the
        start once, walks and reports findings between their start and end sign-ins, and the
        shift closes once someone has signed in at the end (the checks the commands make)."""
        allowed = set(self.allowed_actions())
        if person in self.present:
            allowed.discard("sign_in_at_start")
        if person not in self.present:
            allowed.discard("report_finding")
        if person not in self.present or person in self.signed_out:
            allowed -= {"sign_in_at_checkpoint", "sign_in_at_end"}
        if not self.signed_out:
            allowed.discard("close")
        return frozenset(allowed)

    def _in_route_order(self, person: str, position: int) -> bool:
        """For this member: every earlier checkpoint signed or recorded missed, no later one signed."""
        codes, mine = self.checkpoint_codes(), self.visits[person]
        earlier_done = all(c in mine or c in self.missed for c in codes[: position - 1])
        return earlier_done and not any(c in mine for c in codes[position:])

    def _position(self, checkpoint: str, field_name: str) -> int:
        codes = self.checkpoint_codes()
        if checkpoint not in codes:
            raise InvalidValue(
                field_name,
                "{checkpoint!r} is not a checkpoint of this shift; checkpoints: {codes}",
                checkpoint=checkpoint,
                codes=", ".join(codes),
            )
        return codes.index(checkpoint) + 1

    def _refusal(self, action: str, why: str) -> TransitionNotAllowed:
        """A refusal of `action` for a reason beyond the state (the person, the time): it does not
        offer the action it refuses."""
        return TransitionNotAllowed(action, self.status.value, self.allowed_actions() - {action}, why)

    def _check(self, action: str, stamp: dict[str, Any]) -> None:
        if action not in SHIFT_ALLOWED[self.status]:
            raise TransitionNotAllowed(action, self.status.value, self.allowed_actions())
        if stamp["effective_at"] < self.scheduled_at:
            raise InvalidValue(
                "effective_at",
                "cannot take effect before the shift was scheduled ({scheduled_at})",
                scheduled_at=self.scheduled_at.isoformat(),
            )

    def _check_member(self, action: str, stamp: dict[str, Any]) -> str:
        self._check(action, stamp)
        person = stamp["actor"]
        if person not in self.team():
            raise AccessDenied(
                person,
                Right.PATROL,
                self.node,
                f"{person} is not on this shift's team ({', '.join(self.team())})",
            )
        return person

    def _check_walking(self, action: str, stamp: dict[str, Any]) -> str:
        """The member signed in at the start, not yet at the end, and not earlier than their start."""
        person = self._check_member(action, stamp)
        if person not in self.present:
            raise self._refusal(action, f"{person} has not signed in at the start")
        if person in self.signed_out:
            raise self._refusal(action, f"{person} already signed in at the end")
        if stamp["effective_at"] < self.present[person]:
            raise InvalidValue(
                "effective_at",
                "before {person} signed in at the start ({started})",
                person=person,
                started=self.present[person].isoformat(),
            )
        return person


ROUTE_EVENT_CLASSES = (
    Route.Established,
    Route.Revised,
    Route.TeamAssigned,
    Route.ScheduleStarted,
    Route.ScheduleStopped,
    Route.Retired,
)
SHIFT_EVENT_CLASSES = (
    Shift.AttachmentAdded,
    Shift.AttachmentSuperseded,
    Shift.Scheduled,
    Shift.SignedInAtStart,
    Shift.SignedInAtCheckpoint,
    Shift.SignedInAtEnd,
    Shift.CheckpointMissed,
    Shift.FindingReported,
    Shift.Closed,
    Shift.Missed,
    Shift.Cancelled,
)
EVENT_CLASSES = ROUTE_EVENT_CLASSES + SHIFT_EVENT_CLASSES
EVENT_TOPICS = tuple(cls.TOPIC for cls in EVENT_CLASSES)
SHIFT_TOPICS = tuple(cls.TOPIC for cls in SHIFT_EVENT_CLASSES)
